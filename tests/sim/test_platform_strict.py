"""The simulator refuses what a real platform would: every catalog and contract rule that a
kiosk could break, answered with the contract's 422 body naming the field."""

from __future__ import annotations

import hashlib

import pytest
import requests

from sim.platform import PlatformSim
from tests.sim.test_platform_sim import HEADERS, post_submission, problems, submission


@pytest.fixture
def sim():
    with PlatformSim(max_blob_bytes=64 * 1024) as running:
        yield running


def _service_where(sim: PlatformSim, test) -> str:
    return next(c for c, s in sim.state.services.items() if s["kiosk_filing"] and test(s))


def _refused(r: requests.Response, field: str, problem: str) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "validation" and isinstance(body["message"], str)
    assert (field, problem) in problems(r)


def test_delivery_not_offered(sim):
    code = _service_where(sim, lambda s: s.get("delivery") == ["mail"])
    _refused(post_submission(sim, submission(sim, code, delivery="pickup")), "delivery",
             "not_offered")
    assert post_submission(sim, submission(sim, code, delivery="mail")).status_code == 201


def test_unknown_material_code(sim):
    body = submission(sim)
    body["attachments"].append({**body["attachments"][0], "material_code": "nope"})
    _refused(post_submission(sim, body), f"attachments[{len(body['attachments']) - 1}]"
             ".material_code", "unknown_material")


def test_select_value_not_an_option(sim):
    body = submission(sim)
    body["form"]["travel_purpose"] = "not-a-purpose"
    _refused(post_submission(sim, body), "form.travel_purpose", "not_an_option")


def test_missing_required_field(sim):
    body = submission(sim)
    required = next(f["field"] for f in sim.state.services[body["service_code"]]["form"]
                    if f["required"])
    body["form"][required] = ""
    _refused(post_submission(sim, body), f"form.{required}", "required")


def test_too_many_pages(sim):
    svc = sim.state.services["CR-HZ-0001"]
    material = next(m for m in svc["materials"] if m["required"])
    body = submission(sim)
    index = next(i for i, a in enumerate(body["attachments"])
                 if a["material_code"] == material["code"])
    body["attachments"][index]["pages"] = material["max_pages"] + 1
    _refused(post_submission(sim, body), f"materials.{material['code']}", "too_many_pages")


def test_attachment_over_the_size_limit(sim):
    big = b"\xff\xd8" + b"x" * (64 * 1024)
    sha = hashlib.sha256(big).hexdigest()
    put = requests.put(f"{sim.base_url}/blobs/{sha}", data=big, timeout=5,
                       headers={**HEADERS, "Content-Type": "image/jpeg"})
    assert put.status_code == 413 and put.json()["error"] == "too_large"
    body = submission(sim)
    body["attachments"][0]["bytes"] = 64 * 1024 + 1
    _refused(post_submission(sim, body), "attachments[0].bytes", "too_large")


def test_verification_method_outside_the_contract(sim):
    body = submission(sim)
    body["applicant"]["verification"] = {"method": "loadtest"}
    _refused(post_submission(sim, body), "applicant.verification.method", "not_allowed")


@pytest.mark.parametrize("id_type", ["foreign_permanent_resident", "hmt_residence_permit"])
def test_every_contract_id_type_is_accepted(sim, id_type):
    body = submission(sim)
    body["applicant"]["id_type"] = id_type
    assert post_submission(sim, body).status_code == 201


FACE = {"result": "match", "score": 0.81, "threshold": 0.5, "liveness": "passed",
        "model": "dlib_face_recognition_resnet_model_v1+hog+5pt dlib 20.0.1"}


@pytest.mark.parametrize("face_match", [
    FACE, {"result": "no_match", "score": 0.3, "threshold": 0.5, "liveness": "failed"},
    {"result": "not_done", "not_done_reason": "staff_confirmed"}, {"result": "not_done"}])
def test_face_match_as_the_contract_has_it_is_accepted(sim, face_match):
    body = submission(sim)
    body["applicant"]["verification"] = {"method": "chip", "face_match": face_match}
    assert post_submission(sim, body).status_code == 201


@pytest.mark.parametrize(("face_match", "field", "problem"), [
    ({**FACE, "result": "maybe"}, "face_match.result", "not_allowed"),
    ({**FACE, "score": "0.8"}, "face_match.score", "not_a_number"),
    ({**FACE, "threshold": True}, "face_match.threshold", "not_a_number"),
    ({**FACE, "liveness": "probably"}, "face_match.liveness", "not_allowed"),
    ({**FACE, "model": 20}, "face_match.model", "not_a_string"),
    ({"result": "not_done", "not_done_reason": ""}, "face_match.not_done_reason",
     "not_a_string"),
    ({**FACE, "score": 0.42}, "face_match.score", "below_threshold"),
    ({**FACE, "template": [0.1] * 128}, "face_match.template", "not_in_contract"),
    ({**FACE, "image": "/9j/4AAQ"}, "face_match.image", "not_in_contract"),
    ("match", "face_match", "not_an_object"),
])
def test_face_match_outside_the_contract_is_refused(sim, face_match, field, problem):
    body = submission(sim)
    body["applicant"]["verification"] = {"method": "chip", "face_match": face_match}
    _refused(post_submission(sim, body), "applicant.verification." + field, problem)
