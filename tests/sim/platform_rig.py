"""Helpers of the platform simulator's tests: requests built the way the contract says."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from pathlib import Path

import requests

from sim.platform import PlatformSim, gb11643_check_digit
from sim.platform.progress import fate_of

HEADERS = {"Authorization": "Bearer dev-token", "X-Kiosk-Id": "K017"}
PASSPORT = "CR-HZ-0001"
REPO = Path(__file__).resolve().parents[2]
_serial = itertools.count(1)


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
