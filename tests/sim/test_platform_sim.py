"""Tests of the platform simulator (sim/platform), over real HTTP with plain requests:
the catalog, authentication, blobs and submissions."""

from __future__ import annotations

import hashlib
import os
import re
import uuid

import requests

from sim.platform import build_catalog
from tests.sim.platform_rig import (
    HEADERS,
    PASSPORT,
    control,
    post_submission,
    problems,
    submission,
    tracking_no,
    upload,
)


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
