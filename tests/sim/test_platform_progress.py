"""The platform simulator's progress, supplements, tickets, staff sign-in and heartbeats."""

from __future__ import annotations

import hashlib
import re
import time
import uuid

import pytest
import requests

from tests.sim.platform_rig import (
    HEADERS,
    PASSPORT,
    control,
    get_progress,
    heartbeat_body,
    post_submission,
    problems,
    service,
    submission,
    tracking_no,
    upload,
)


def test_progress_advances_to_completed(fast_sim):
    body = submission(fast_sim, tracking_no=tracking_no("complete"))
    assert post_submission(fast_sim, body).status_code == 201
    r = get_progress(fast_sim, body["tracking_no"])
    assert r.status_code == 200 and r.json()["status"] in ("received", "accepted")
    time.sleep(0.3)
    progress = get_progress(fast_sim, body["tracking_no"]).json()
    assert progress["status"] == "completed"
    assert [e["status"] for e in progress["timeline"]] == [
        "received",
        "accepted",
        "in_review",
        "approved",
        "completed",
    ]
    assert all(e["at"].endswith("+08:00") and e["note"]["en"] for e in progress["timeline"])
    assert progress["service_code"] == PASSPORT
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", progress["promised_by"])
    assert get_progress(fast_sim, body["tracking_no"], code="AAAAAA").status_code == 404
    assert get_progress(fast_sim, tracking_no()).status_code == 404
    r = requests.get(
        f"{fast_sim.base_url}/submissions/{body['tracking_no']}", headers=HEADERS, timeout=5
    )
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_rejected_fate(fast_sim):
    body = submission(fast_sim, tracking_no=tracking_no("rejected"))
    assert post_submission(fast_sim, body).status_code == 201
    time.sleep(0.25)
    assert get_progress(fast_sim, body["tracking_no"]).json()["status"] == "rejected"


def test_needs_materials_and_supplement(fast_sim):
    sim = fast_sim
    body = submission(sim, tracking_no=tracking_no("needs_materials"))
    assert post_submission(sim, body).status_code == 201
    url = f"{sim.base_url}/submissions/{body['tracking_no']}/supplements"
    data = b"supplementary scan"
    attachment = {
        "material_code": "household_register",
        "sha256": hashlib.sha256(data).hexdigest(),
        "media_type": "image/jpeg",
        "bytes": len(data),
    }
    supplement = {"submission_id": body["submission_id"], "attachments": [attachment]}
    key = str(uuid.uuid4())
    headers = {**HEADERS, "Idempotency-Key": key}
    r = requests.post(url, json=supplement, headers=headers, timeout=5)
    assert r.status_code == 409 and r.json()["error"] == "not_awaiting_materials"
    time.sleep(0.25)
    progress = get_progress(sim, body["tracking_no"]).json()
    assert progress["status"] == "needs_materials"
    codes = {m["code"] for m in service(sim)["materials"]}
    assert 1 <= len(progress["missing_materials"]) <= 2
    assert set(progress["missing_materials"]) <= codes
    time.sleep(0.15)  # it waits there
    assert get_progress(sim, body["tracking_no"]).json()["status"] == "needs_materials"
    r = requests.post(url, json=supplement, headers=headers, timeout=5)
    assert r.status_code == 409 and r.json()["missing"] == [attachment["sha256"]]
    upload(sim, data)
    r = requests.post(url, json=supplement, headers=headers, timeout=5)
    assert r.status_code == 201 and r.json()["status"] == "in_review"
    r2 = requests.post(url, json=supplement, headers=headers, timeout=5)
    assert r2.status_code == 200 and r2.json() == r.json()
    assert get_progress(sim, body["tracking_no"]).json()["status"] == "in_review"
    time.sleep(0.2)
    progress = get_progress(sim, body["tracking_no"]).json()
    assert progress["status"] == "completed" and "missing_materials" not in progress
    r = requests.post(
        f"{sim.base_url}/submissions/BA01-K017-20261127-9999/supplements",
        json=supplement,
        headers={**HEADERS, "Idempotency-Key": str(uuid.uuid4())},
        timeout=5,
    )
    assert r.status_code == 404


def test_forced_status(sim):
    body = submission(sim, tracking_no=tracking_no("complete"))
    assert post_submission(sim, body).status_code == 201
    forced = control(
        sim,
        "POST",
        f"/submissions/{body['tracking_no']}/status",
        {"status": "needs_materials", "missing_materials": ["photo"]},
    )
    assert forced["status"] == "needs_materials" and forced["missing_materials"] == ["photo"]
    progress = get_progress(sim, body["tracking_no"]).json()
    assert progress["status"] == "needs_materials"
    approved = control(
        sim, "POST", f"/submissions/{body['tracking_no']}/status", {"status": "approved"}
    )
    assert approved["status"] == "approved" and "missing_materials" not in approved
    r = requests.post(
        f"{sim.control_url}/submissions/{body['tracking_no']}/status",
        json={"status": "lost"},
        timeout=5,
    )
    assert r.status_code == 422


# -- tickets, staff, heartbeats -------------------------------------------------------------


def test_tickets(sim):
    url = f"{sim.base_url}/tickets"
    first = requests.post(
        url, json={"hall_id": "BA01", "category": "HJ"}, headers=HEADERS, timeout=5
    )
    assert first.status_code == 201
    second = requests.post(
        url, json={"hall_id": "BA01", "category": "HJ"}, headers=HEADERS, timeout=5
    ).json()
    assert first.json()["ticket_no"] == "A001" and second["ticket_no"] == "A002"
    assert second["waiting_ahead"] == first.json()["waiting_ahead"] + 1
    assert second["estimated_wait_min"] >= 0 and second["issued_at"].endswith("+08:00")
    other = requests.post(
        url, json={"hall_id": "BA01", "category": "CR"}, headers=HEADERS, timeout=5
    ).json()
    assert other["ticket_no"] == "B001"
    r = requests.post(url, json={"hall_id": "BA01", "category": "ZZ"}, headers=HEADERS, timeout=5)
    assert r.status_code == 422 and r.json()["error"] == "validation"
    r = requests.post(url, json={"hall_id": 5}, headers=HEADERS, timeout=5)
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("card", "pin", "staff_id", "roles"),
    [
        ("04A1B2C3D4E5F6", "123456", "S1001", ["assist"]),
        ("04112233445566", "654321", "S2001", ["assist", "maintain"]),
        ("0499AABBCCDDEE", "111111", "S3001", ["maintain"]),
    ],
)
def test_staff_login_ok(sim, card, pin, staff_id, roles):
    r = requests.post(
        f"{sim.base_url}/staff/login",
        json={"card_uid": card, "pin": pin},
        headers=HEADERS,
        timeout=5,
    )
    assert r.status_code == 200
    assert r.json()["staff_id"] == staff_id and r.json()["roles"] == roles


def test_staff_login_bad(sim):
    url = f"{sim.base_url}/staff/login"
    r = requests.post(
        url, json={"card_uid": "04A1B2C3D4E5F6", "pin": "000000"}, headers=HEADERS, timeout=5
    )
    assert r.status_code == 401 and r.json()["error"] == "bad_credentials"
    r = requests.post(url, json={"card_uid": "04a1", "pin": "12"}, headers=HEADERS, timeout=5)
    assert r.status_code == 422 and problems(r) == {
        ("card_uid", "bad_format"),
        ("pin", "bad_format"),
    }

def test_heartbeat_command_delivered_twice(sim):
    url = f"{sim.base_url}/kiosks/K017/heartbeat"
    command_id = control(
        sim,
        "POST",
        "/commands",
        {"kiosk_id": "K017", "type": "reload_catalog", "reason": "new fees"},
    )["id"]
    answers = [
        requests.post(url, json=heartbeat_body(), headers=HEADERS, timeout=5) for _ in range(3)
    ]
    assert all(a.status_code == 200 for a in answers)
    commands = [a.json()["commands"] for a in answers]
    expected = [{"id": command_id, "type": "reload_catalog", "reason": "new fees"}]
    assert commands == [expected, expected, []]
    assert answers[0].json()["server_time"].endswith("+08:00")
    beats = control(sim, "GET", "/heartbeats")["heartbeats"]
    assert len(beats) == 3 and beats[-1]["kiosk_id"] == "K017"
    assert beats[-1]["body"]["uptime_s"] == 60
    r = requests.post(url, json={"at": "yesterday"}, headers=HEADERS, timeout=5)
    assert r.status_code == 422
    r = requests.post(
        f"{sim.base_url}/kiosks/K999/heartbeat", json=heartbeat_body(), headers=HEADERS, timeout=5
    )
    assert r.status_code == 403
    r = requests.post(
        f"{sim.control_url}/commands", json={"kiosk_id": "K017", "type": "dance"}, timeout=5
    )
    assert r.status_code == 422


# -- faults --------------------------------------------------------------------------------
