"""The platform simulator's fault injection, audit, odd requests, TLS and command line."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
import time
import uuid

import pytest
import requests

from sim.platform import PlatformSim, gb11643_check_digit, server_ssl_context
from tests.sim.platform_rig import (
    HEADERS,
    REPO,
    control,
    post_submission,
    submission,
)


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
