"""Tests of the platform simulator (sim/platform), over real HTTP with plain requests."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from sim.platform import PlatformSim, build_catalog, gb11643_check_digit, server_ssl_context
from sim.platform.progress import fate_of

HEADERS = {"Authorization": "Bearer dev-token", "X-Kiosk-Id": "K017"}
PASSPORT = "CR-HZ-0001"
REPO = Path(__file__).resolve().parents[2]
_serial = itertools.count(1)


@pytest.fixture
def sim():
    with PlatformSim(max_blob_bytes=64 * 1024) as running:
        yield running


@pytest.fixture
def fast_sim():
    with PlatformSim(step_seconds=0.05) as running:
        yield running


# -- helpers -----------------------------------------------------------------------------


def upload(sim: PlatformSim, data: bytes, media_type: str = "image/jpeg") -> str:
    sha = hashlib.sha256(data).hexdigest()
    r = requests.put(
        f"{sim.base_url}/blobs/{sha}",
        data=data,
        headers={**HEADERS, "Content-Type": media_type},
        timeout=5,
    )
    assert r.status_code in (200, 201), r.text
    return sha


def resident_id(first17: str = "11010519491231002") -> str:
    return first17 + gb11643_check_digit(first17)


def form_value(field: dict) -> object:
    kind = field["type"]
    return {
        "text": "张三"[: field.get("max_length", 50)],
        "address": "北京市东城区正义路1号",
        "number": 3,
        "date": "1990-01-01",
        "phone": "13800138000",
        "id_number": resident_id(),
        "select": field.get("options", [{"value": ""}])[0]["value"],
    }[kind]


def tracking_no(fate: str | None = None) -> str:
    while True:
        candidate = f"BA01-K017-20261127-{next(_serial):04d}"
        if fate is None or fate_of(candidate) == fate:
            return candidate


def service(sim: PlatformSim, code: str = PASSPORT) -> dict:
    return sim.state.services[code]


def submission(sim: PlatformSim, code: str = PASSPORT, upload_blobs: bool = True, **over) -> dict:
    svc = service(sim, code)
    attachments = []
    for material in svc["materials"]:
        if not material["required"]:
            continue
        data = f"{material['code']}-{uuid.uuid4()}".encode()
        sha = hashlib.sha256(data).hexdigest()
        if upload_blobs:
            upload(sim, data)
        attachments.append(
            {
                "material_code": material["code"],
                "sha256": sha,
                "media_type": "image/jpeg",
                "bytes": len(data),
                "pages": 1,
            }
        )
    body = {
        "submission_id": str(uuid.uuid4()),
        "tracking_no": tracking_no(),
        "query_code": "7K3Q9Z",
        "kiosk_id": "K017",
        "service_code": code,
        "created_at": "2026-11-27T09:30:00+08:00",
        "applicant": {
            "id_type": "resident_id",
            "id_number": resident_id(),
            "name": "张三",
            "chip_verified": True,
        },
        "form": {f["field"]: form_value(f) for f in svc["form"]},
        "attachments": attachments,
        "delivery": "pickup",
    }
    body.update(over)
    return body


def post_submission(sim: PlatformSim, body: dict, key: str | None = None, **kwargs):
    headers = {**HEADERS, "Idempotency-Key": key or body["submission_id"]}
    return requests.post(
        f"{sim.base_url}/submissions",
        json=body,
        headers=headers,
        timeout=kwargs.pop("timeout", 5),
        **kwargs,
    )


def get_progress(sim: PlatformSim, tracking: str, code: str = "7K3Q9Z"):
    return requests.get(
        f"{sim.base_url}/submissions/{tracking}", params={"code": code}, headers=HEADERS, timeout=5
    )


def control(sim: PlatformSim, method: str, path: str, body: dict | None = None) -> dict:
    r = requests.request(method, sim.control_url + path, json=body, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def problems(r: requests.Response) -> set[tuple[str, str]]:
    return {(p["field"], p["problem"]) for p in r.json()["fields"]}


# -- catalog -------------------------------------------------------------------------------


def test_catalog_shape_and_determinism():
    catalog = build_catalog(1)
    services = catalog["services"]
    assert len(services) == 756
    assert len(catalog["categories"]) == 12
    codes = [s["code"] for s in services]
    assert len(set(codes)) == 756
    assert all(re.match(r"^[A-Z]{2,3}-[A-Z]{2}-\d{4}$", c) for c in codes)
    assert {s["category"] for s in services} == {c["code"] for c in catalog["categories"]}
    field_types = {f["type"] for s in services for f in s["form"]}
    assert field_types == {"text", "number", "date", "phone", "id_number", "select", "address"}
    filable = sum(s["kiosk_filing"] for s in services) / len(services)
    assert 0.8 < filable < 0.97
    for s in services:
        assert s["name"]["zh"] and s["name"]["en"] and s["department"]["en"]
        assert [step["en"] for step in s["steps"]][0] == "Apply" and len(s["steps"]) == 7
        assert 1 <= s["promised_days"] <= 20 and s["fee_cny"] >= 0
        assert set(s["delivery"]) <= {"pickup", "mail"} and s["delivery"]
        assert 1 <= len(s["materials"]) <= 4 and any(m["required"] for m in s["materials"])
        assert all(
            1 <= m["max_pages"] <= 5 and m["kind"] in ("document", "photo") for m in s["materials"]
        )
        assert 3 <= len(s["form"]) <= 8
        for f in s["form"]:
            if f["type"] in ("text", "address"):
                assert f["max_length"] > 0
            if f["type"] == "select":
                assert f["options"]
    passport = next(s for s in services if s["code"] == PASSPORT)
    assert passport["name"] == {"zh": "护照首次申领", "en": "Passport first application"}
    assert passport["kiosk_filing"] is True
    assert build_catalog(1) == catalog
    assert build_catalog(2)["services"] != services


def test_catalog_etag_304_and_bump(sim):
    r = requests.get(f"{sim.base_url}/catalog", headers=HEADERS, timeout=5)
    assert r.status_code == 200 and len(r.json()["services"]) == 756
    etag = r.headers["ETag"]
    r2 = requests.get(
        f"{sim.base_url}/catalog", headers={**HEADERS, "If-None-Match": etag}, timeout=5
    )
    assert r2.status_code == 304 and r2.content == b""
    bumped = control(sim, "POST", "/catalog/bump")
    assert bumped["etag"] != etag
    r3 = requests.get(
        f"{sim.base_url}/catalog", headers={**HEADERS, "If-None-Match": etag}, timeout=5
    )
    assert r3.status_code == 200 and r3.headers["ETag"] == bumped["etag"]
    assert r3.json()["version"] == bumped["version"] != r.json()["version"]


def test_auth_and_kiosk_header(sim):
    r = requests.get(f"{sim.base_url}/catalog", headers={"X-Kiosk-Id": "K017"}, timeout=5)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert r.headers["Content-Type"] == "application/json"
    bad = {"Authorization": "Bearer nope", "X-Kiosk-Id": "K017"}
    assert requests.get(f"{sim.base_url}/catalog", headers=bad, timeout=5).status_code == 401
    r = requests.get(
        f"{sim.base_url}/catalog", headers={"Authorization": "Bearer dev-token"}, timeout=5
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_request"


# -- blobs ---------------------------------------------------------------------------------


def test_blob_paths(sim):
    data = b"\xff\xd8\xff scanned page"
    sha = hashlib.sha256(data).hexdigest()
    url = f"{sim.base_url}/blobs/{sha}"
    jpeg = {**HEADERS, "Content-Type": "image/jpeg"}
    assert requests.head(url, headers=HEADERS, timeout=5).status_code == 404
    assert requests.put(url, data=data, headers=jpeg, timeout=5).status_code == 201
    assert requests.put(url, data=data, headers=jpeg, timeout=5).status_code == 200
    assert requests.head(url, headers=HEADERS, timeout=5).status_code == 200
    r = requests.head(f"{sim.base_url}/blobs/ABC", headers=HEADERS, timeout=5)
    assert r.status_code == 400
    r = requests.put(f"{sim.base_url}/blobs/{'0' * 64}", data=data, headers=jpeg, timeout=5)
    assert r.status_code == 400 and r.json()["error"] == "digest_mismatch"
    r = requests.put(url, data=data, headers={**HEADERS, "Content-Type": "text/plain"}, timeout=5)
    assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type"
    big = os.urandom(64 * 1024 + 1)
    r = requests.put(
        f"{sim.base_url}/blobs/{hashlib.sha256(big).hexdigest()}",
        data=big,
        headers={**HEADERS, "Content-Type": "application/pdf"},
        timeout=5,
    )
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    # The connection survives a 413 (the body was drained), and PNG/PDF are accepted.
    assert upload(sim, b"png bytes", "image/png")
    assert sim.audit()["blobs"][sha] == len(data)


# -- submissions -----------------------------------------------------------------------------


def test_submission_created_replayed_and_key_reuse(sim):
    body = submission(sim)
    r = post_submission(sim, body)
    assert r.status_code == 201, r.text
    ack = r.json()
    assert ack["tracking_no"] == body["tracking_no"] and ack["status"] == "received"
    assert ack["received_at"].endswith("+08:00")
    again = post_submission(sim, dict(reversed(list(body.items()))))  # same body, other order
    assert again.status_code == 200 and again.json() == ack
    other = post_submission(sim, {**body, "query_code": "AAAAAA"})
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reuse"
    audit = sim.audit()["submissions"][body["submission_id"]]
    assert audit == {
        "tracking_no": body["tracking_no"],
        "service_code": PASSPORT,
        "commits": 1,
        "posts": 3,
        "attachments_ok": True,
    }


def test_submission_header_problems(sim):
    body = submission(sim)
    headers = dict(HEADERS)
    r = requests.post(f"{sim.base_url}/submissions", json=body, headers=headers, timeout=5)
    assert r.status_code == 400
    r = post_submission(sim, body, key="not-a-uuid")
    assert r.status_code == 400
    r = post_submission(sim, body, key=str(uuid.uuid4()))
    assert r.status_code == 422 and ("submission_id", "must_equal_idempotency_key") in problems(r)
    r = requests.post(
        f"{sim.base_url}/submissions",
        data=b"{not json",
        headers={**HEADERS, "Idempotency-Key": str(uuid.uuid4())},
        timeout=5,
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_request"
    key = str(uuid.uuid4())
    r = requests.post(
        f"{sim.base_url}/submissions",
        json=[1, 2],
        headers={**HEADERS, "Idempotency-Key": key},
        timeout=5,
    )
    assert r.status_code == 422


def test_submission_validation_fields(sim):
    body = submission(sim)
    body["form"]["mobile"] = "12345"
    body["form"]["id_number"] = body["form"]["id_number"][:17] + "0"
    body["form"]["travel_purpose"] = "smuggling"
    body["form"]["full_name"] = "x" * 51
    del body["form"]["birth_date"]
    body["tracking_no"] = "bad"
    r = post_submission(sim, body)
    assert r.status_code == 422 and r.json()["error"] == "validation"
    assert ("tracking_no", "bad_format") in problems(r)
    body["tracking_no"] = tracking_no()
    r = post_submission(sim, body)
    assert r.status_code == 422
    assert problems(r) == {
        ("form.mobile", "bad_phone"),
        ("form.id_number", "bad_check_digit"),
        ("form.travel_purpose", "not_an_option"),
        ("form.full_name", "too_long"),
        ("form.birth_date", "required"),
    }
    # Materials: an unknown code, and a required one left out.
    body = submission(sim)
    body["attachments"][0]["material_code"] = "tax_return"
    r = post_submission(sim, body)
    assert problems(r) == {
        ("attachments[0].material_code", "unknown_material"),
        ("materials.id_card_copy", "required"),
    }
    # A landline and a numeric string are fine.
    body = submission(sim)
    body["form"]["work_phone"] = "010-12345678"
    body["form"]["household_size"] = "4"
    assert post_submission(sim, body).status_code == 201


def test_submission_service_rules(sim):
    r = post_submission(sim, submission(sim, service_code="XX-YY-9999"))
    assert r.status_code == 422 and r.json()["error"] == "unknown_service"
    info_only = next(c for c, s in sim.state.services.items() if not s["kiosk_filing"])
    r = post_submission(sim, submission(sim, info_only))
    assert r.status_code == 422 and ("service_code", "not_kiosk_filable") in problems(r)


def test_missing_blobs_then_size_mismatch(sim):
    body = submission(sim, upload_blobs=False)
    r = post_submission(sim, body)
    assert r.status_code == 409 and r.json()["error"] == "missing_blobs"
    assert r.json()["missing"] == [a["sha256"] for a in body["attachments"]]
    # Upload one blob with a different size than the attachment claims.
    first = body["attachments"][0]
    data = f"{first['material_code']}-padding".encode()
    first["sha256"], first["bytes"] = upload(sim, data), len(data) + 1
    for attachment in body["attachments"][1:]:
        attachment["sha256"] = upload(sim, b"x" * attachment["bytes"])
    r = post_submission(sim, body)
    assert r.status_code == 422 and problems(r) == {("attachments[0].bytes", "size_mismatch")}
    first["bytes"] = len(data)
    assert post_submission(sim, body).status_code == 201


def test_duplicate_tracking_no(sim):
    first = submission(sim)
    assert post_submission(sim, first).status_code == 201
    second = submission(sim, tracking_no=first["tracking_no"])
    r = post_submission(sim, second)
    assert r.status_code == 422 and r.json()["error"] == "duplicate_tracking_no"
    assert sim.audit()["tracking_numbers"][first["tracking_no"]] == 2


# -- progress and supplements ------------------------------------------------------------------


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


def heartbeat_body() -> dict:
    return {
        "at": "2026-11-27T09:30:00+08:00",
        "version": "0.1.0",
        "uptime_s": 60,
        "in_service": True,
        "queue": {"pending": 0, "dead": 0},
        "devices": {"printer": {"status": "ok"}},
        "counters": {"submissions": 1},
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


def test_fault_status_with_retry_after_and_count(sim):
    control(
        sim,
        "POST",
        "/faults",
        {
            "rules": [
                {
                    "method": "GET",
                    "path": "/api/v1/catalog",
                    "kind": "status",
                    "status": 503,
                    "count": 1,
                },
                {"path": "/api/v1/tickets", "kind": "status", "status": 500, "retry_after": 7},
                {"path": "/api/v1/staff", "kind": "status", "status": 429},
            ]
        },
    )
    r = requests.get(f"{sim.base_url}/catalog", headers=HEADERS, timeout=5)
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    assert r.json()["error"] == "unavailable"
    assert requests.get(f"{sim.base_url}/catalog", headers=HEADERS, timeout=5).status_code == 200
    r = requests.post(f"{sim.base_url}/tickets", json={}, headers=HEADERS, timeout=5)
    assert r.status_code == 500 and r.headers["Retry-After"] == "7"
    r = requests.post(f"{sim.base_url}/staff/login", json={}, headers=HEADERS, timeout=5)
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    r = requests.delete(f"{sim.control_url}/faults", timeout=5)
    assert r.status_code == 200
    r = requests.post(
        f"{sim.base_url}/tickets",
        json={"hall_id": "H", "category": "SB"},
        headers=HEADERS,
        timeout=5,
    )
    assert r.status_code == 201
    r = requests.post(f"{sim.control_url}/faults", json={"rules": [{"kind": "explode"}]}, timeout=5)
    assert r.status_code == 422


def test_fault_probability_zero_never_fires(sim):
    sim.set_faults([{"kind": "status", "status": 500, "probability": 0}])
    for _ in range(5):
        r = requests.get(f"{sim.base_url}/catalog", headers=HEADERS, timeout=5)
        assert r.status_code == 200


def test_fault_delay_exceeds_read_timeout(sim):
    sim.set_faults([{"path": "/api/v1/tickets", "kind": "delay", "seconds": 0.5, "count": 1}])
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            f"{sim.base_url}/tickets",
            json={"hall_id": "H", "category": "HJ"},
            headers=HEADERS,
            timeout=0.15,
        )
    time.sleep(0.5)
    r = requests.post(
        f"{sim.base_url}/tickets",
        json={"hall_id": "H", "category": "HJ"},
        headers=HEADERS,
        timeout=5,
    )
    assert r.json()["ticket_no"] == "A002"  # the delayed request was processed too


def test_fault_drop_is_not_processed(sim):
    body = submission(sim)
    sim.set_faults([{"method": "POST", "path": "/api/v1/submissions", "kind": "drop", "count": 1}])
    with pytest.raises(requests.exceptions.ConnectionError):
        post_submission(sim, body)
    entry = sim.audit()["submissions"][body["submission_id"]]
    assert entry["posts"] == 1 and entry["commits"] == 0
    assert post_submission(sim, body).status_code == 201


def test_fault_commit_then_drop(sim):
    body = submission(sim)
    sim.set_faults(
        [{"method": "POST", "path": "/api/v1/submissions", "kind": "commit_then_drop", "count": 1}]
    )
    with pytest.raises(requests.exceptions.ConnectionError):
        post_submission(sim, body)
    audit = control(sim, "GET", "/audit")
    entry = audit["submissions"][body["submission_id"]]
    assert entry["commits"] == 1 and entry["attachments_ok"] is True
    assert audit["faults_fired"] == {"commit_then_drop": 1}
    r = post_submission(sim, body)  # the client's retry learns the first answer
    assert r.status_code == 200 and r.json()["tracking_no"] == body["tracking_no"]
    assert sim.audit()["submissions"][body["submission_id"]]["commits"] == 1


def test_fault_corrupt(sim):
    sim.set_faults([{"path": "/api/v1/catalog", "kind": "corrupt"}])
    r = requests.get(f"{sim.base_url}/catalog", headers=HEADERS, timeout=5)
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()


def test_audit_counts(sim):
    sim.set_faults([{"path": "/api/v1/catalog", "kind": "status", "status": 502, "count": 1}])
    for _ in range(2):
        requests.get(f"{sim.base_url}/catalog", headers=HEADERS, timeout=5)
    requests.head(f"{sim.base_url}/blobs/{'a' * 64}", headers=HEADERS, timeout=5)
    counts = sim.audit()["counts"]
    assert counts["GET /catalog"] == 2 and counts["HEAD /blobs/{sha256}"] == 1


def test_malformed_requests_never_500(sim):
    cases = [
        ("POST", "/tickets", b"\xff\xfe"),
        ("POST", "/staff/login", b"null"),
        ("POST", "/kiosks/K017/heartbeat", b'{"queue": 5, "devices": []}'),
        ("POST", "/submissions", b'{"submission_id": 1, "applicant": [], "form": 2}'),
        ("GET", "/nope", b""),
        ("DELETE", "/catalog", b""),
    ]
    for method, path, data in cases:
        r = requests.request(
            method,
            sim.base_url + path,
            data=data,
            timeout=5,
            headers={
                **HEADERS,
                "Idempotency-Key": str(uuid.uuid4()),
                "Content-Type": "application/json",
            },
        )
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
        assert "error" in r.json()
    assert control(sim, "GET", "/health") == {"ok": True}


def test_gb11643_check_digit():
    assert gb11643_check_digit("11010519491231002") == "X"
    assert gb11643_check_digit("44052418800101001") == "4"
    with pytest.raises(ValueError):
        gb11643_check_digit("123")


# -- TLS and the command line ------------------------------------------------------------------


def test_mutual_tls(tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1")
    client_cert = ca.issue_cert("kiosk-K017")
    server_pem, ca_pem, client_pem = (tmp_path / n for n in ("server.pem", "ca.pem", "client.pem"))
    server_cert.private_key_and_cert_chain_pem.write_to_path(str(server_pem))
    ca.cert_pem.write_to_path(str(ca_pem))
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(client_pem))
    context = server_ssl_context(str(server_pem), str(server_pem), str(ca_pem))
    with PlatformSim(ssl_context=context) as sim:
        assert sim.base_url.startswith("https://127.0.0.1:")
        r = requests.get(
            f"{sim.base_url}/catalog",
            headers=HEADERS,
            verify=str(ca_pem),
            cert=str(client_pem),
            timeout=5,
        )
        assert r.status_code == 200
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{sim.base_url}/catalog", headers=HEADERS, verify=str(ca_pem), timeout=5)
        # The server survives failed handshakes.
        r = requests.get(
            f"{sim.control_url}/health", verify=str(ca_pem), cert=str(client_pem), timeout=5
        )
        assert r.json() == {"ok": True}
    assert isinstance(context, ssl.SSLContext)


def test_command_line(tmp_path):
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.platform",
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--step-seconds",
            "1",
            "--log-level",
            "WARNING",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no port file"
            time.sleep(0.02)
        text = port_file.read_text()
        assert re.fullmatch(r"\d+\n", text)
        r = requests.get(f"http://127.0.0.1:{int(text)}/_sim/health", timeout=5)
        assert r.json() == {"ok": True}
        proc.terminate()
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
