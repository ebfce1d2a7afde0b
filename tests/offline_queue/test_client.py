"""The platform client against the simulator: every path of the contract, typed."""

from __future__ import annotations

import hashlib
import json
import os
import random
import uuid
from typing import Any

import pytest

from offline_queue.client import (
    BadCredentials,
    Conflict,
    MissingBlobs,
    NotFound,
    PlatformClient,
    PlatformTimeout,
    ProtocolError,
    Rejected,
    RetryLater,
    ServerError,
    TransportError,
    Unauthorized,
    parse_retry_after,
)
from offline_queue.loadtest import fileable_services, synthetic_submission
from offline_queue.outbox import Outbox
from offline_queue.settings import QueueSettings
from tests.conftest import TOKEN


def _filed(outbox: Outbox, catalog: dict[str, Any], seed: int = 1):
    rng = random.Random(seed)
    service = rng.choice(fileable_services(catalog))
    filed = outbox.commit(synthetic_submission(service, rng, 0))
    return filed, outbox.body(filed.submission_id), outbox.attachments(filed.submission_id)


def _upload_all(client: PlatformClient, outbox: Outbox, attachments) -> None:
    for a in attachments:
        client.put_blob(a.sha256, outbox.blobs.get(a.sha256), a.media_type)


def test_catalog_with_etag_and_304(client: PlatformClient) -> None:
    first = client.fetch_catalog()
    assert first.changed and first.etag
    assert len(first.catalog["services"]) == 756
    again = client.fetch_catalog(first.etag)
    assert not again.changed and again.catalog is None and again.etag == first.etag


def test_blob_head_put_and_errors(client: PlatformClient) -> None:
    data = b"\xff\xd8" + os.urandom(1000)
    sha = hashlib.sha256(data).hexdigest()
    assert client.blob_exists(sha) is False
    assert client.put_blob(sha, data, "image/jpeg") is True
    assert client.blob_exists(sha) is True
    assert client.put_blob(sha, data, "image/jpeg") is False
    with pytest.raises(Rejected) as info:
        client.put_blob(sha, data + b"x", "image/jpeg")
    assert info.value.status == 400 and info.value.code == "digest_mismatch"
    with pytest.raises(Rejected) as info:
        client.put_blob(hashlib.sha256(b"t").hexdigest(), b"t", "text/plain")
    assert info.value.status == 415


def test_blob_over_the_size_limit_is_refused(online: QueueSettings) -> None:
    from sim.platform import PlatformSim

    with PlatformSim(token=TOKEN, max_blob_bytes=10_000) as small:
        from dataclasses import replace

        c = PlatformClient(replace(online.platform, url=small.base_url), online.kiosk.id)
        data = b"\xff\xd8" + os.urandom(20_000)
        with pytest.raises(Rejected) as info:
            c.put_blob(hashlib.sha256(data).hexdigest(), data, "image/jpeg")
        c.close()
    assert info.value.status == 413 and info.value.code == "too_large"


def test_submit_missing_blobs_then_received_then_replayed(client, outbox, catalog) -> None:
    filed, body, atts = _filed(outbox, catalog)
    with pytest.raises(MissingBlobs) as info:
        client.submit(filed.submission_id, body)
    assert set(info.value.missing) == {a.sha256 for a in atts}
    _upload_all(client, outbox, atts)
    ack = client.submit(filed.submission_id, body)
    assert ack.tracking_no == filed.tracking_no and ack.status == "received"
    assert not ack.replayed
    again = client.submit(filed.submission_id, body)
    assert again.replayed and again.received_at == ack.received_at


def test_submit_final_rejections(client, outbox, catalog) -> None:
    filed, body, atts = _filed(outbox, catalog)
    _upload_all(client, outbox, atts)
    client.submit(filed.submission_id, body)
    doc = json.loads(body)
    # Same key, another body.
    changed = dict(doc, created_at="2020-01-01T00:00:00+08:00")
    with pytest.raises(Rejected) as info:
        client.submit(filed.submission_id, json.dumps(changed).encode())
    assert info.value.status == 422 and info.value.code == "idempotency_key_reuse"
    # Another submission with this tracking number.
    dup_id = str(uuid.uuid4())
    with pytest.raises(Rejected) as info:
        client.submit(dup_id, json.dumps(dict(doc, submission_id=dup_id)).encode())
    assert info.value.code == "duplicate_tracking_no"
    # Unknown service, and a required field missing.
    other = _filed(outbox, catalog, seed=2)
    _upload_all(client, outbox, other[2])
    doc2 = json.loads(other[1])
    with pytest.raises(Rejected) as info:
        client.submit(other[0].submission_id,
                      json.dumps(dict(doc2, service_code="XX-XX-9999")).encode())
    assert info.value.code == "unknown_service"
    field = next(iter(doc2["form"]))
    form = {k: v for k, v in doc2["form"].items() if k != field}
    third_id = str(uuid.uuid4())
    bad = dict(doc2, form=form, submission_id=third_id)
    with pytest.raises(Rejected) as info:
        client.submit(third_id, json.dumps(bad).encode())
    assert info.value.code == "validation"
    assert any(f["field"].endswith(field) for f in info.value.fields)


def test_progress_and_supplement(client, outbox, catalog, platform) -> None:
    filed, body, atts = _filed(outbox, catalog)
    _upload_all(client, outbox, atts)
    client.submit(filed.submission_id, body)
    progress = client.progress(filed.tracking_no, filed.query_code)
    assert progress.tracking_no == filed.tracking_no and progress.timeline
    assert progress.timeline[0].status == "received"
    with pytest.raises(NotFound):
        client.progress(filed.tracking_no, "ZZZZZZ" if filed.query_code != "ZZZZZZ" else "YYYYYY")
    supplement = {"material_code": atts[0].material_code, "sha256": atts[0].sha256,
                  "media_type": atts[0].media_type, "bytes": atts[0].bytes}
    key = str(uuid.uuid4())
    with pytest.raises(Conflict) as info:
        client.add_supplement(filed.tracking_no, key, [supplement])
    assert info.value.code == "not_awaiting_materials"
    platform.force_status(filed.tracking_no, "needs_materials", [atts[0].material_code])
    assert client.progress(filed.tracking_no, filed.query_code).status == "needs_materials"
    new_page = b"\xff\xd8" + os.urandom(2000)
    new_sha = hashlib.sha256(new_page).hexdigest()
    fresh = {"material_code": atts[0].material_code, "sha256": new_sha,
             "media_type": "image/jpeg", "bytes": len(new_page)}
    with pytest.raises(MissingBlobs) as missing:
        client.add_supplement(filed.tracking_no, str(uuid.uuid4()), [fresh])
    assert missing.value.missing == [new_sha]
    assert client.add_supplement(filed.tracking_no, key, [supplement]) is True
    assert client.add_supplement(filed.tracking_no, key, [supplement]) is False


def test_tickets_staff_and_heartbeat(client: PlatformClient, catalog, platform) -> None:
    category = catalog["categories"][0]["code"]
    t1 = client.take_ticket("BA01", category)
    t2 = client.take_ticket("BA01", category)
    assert t1.ticket_no != t2.ticket_no and t2.waiting_ahead >= 0
    with pytest.raises(Rejected):
        client.take_ticket("BA01", "NO-SUCH-CATEGORY")
    staff = client.staff_login("04112233445566", "654321")
    assert staff.staff_id == "S2001" and "maintain" in staff.roles
    with pytest.raises(BadCredentials):
        client.staff_login("04112233445566", "000000")
    beat = {"at": "2026-11-27T10:00:00+08:00", "version": "0.1.0", "uptime_s": 5,
            "queue": {"pending": 0, "dead": 0}, "devices": {"printer": {"status": "ok"}}}
    assert client.heartbeat(beat).commands == []
    cmd_id = platform.queue_command("K017", "reload_catalog", "test")
    reply = client.heartbeat(beat)
    assert [(c.id, c.type) for c in reply.commands] == [(cmd_id, "reload_catalog")]


@pytest.mark.parametrize(("rule", "error", "check"), [
    ({"kind": "status", "status": 503, "retry_after": 7}, RetryLater,
     lambda e: e.retry_after == 7.0 and e.status == 503),
    ({"kind": "status", "status": 429, "retry_after": 3}, RetryLater,
     lambda e: e.retry_after == 3.0 and e.status == 429),
    ({"kind": "status", "status": 500}, ServerError, lambda e: e.retryable),
    ({"kind": "status", "status": 502}, ServerError, lambda e: e.status == 502),
    ({"kind": "delay", "seconds": 4}, PlatformTimeout, lambda e: e.retryable),
    ({"kind": "drop"}, TransportError, lambda e: e.retryable),
    ({"kind": "commit_then_drop"}, TransportError, lambda e: e.retryable),
    ({"kind": "corrupt"}, ProtocolError, lambda e: e.retryable),
])
def test_faults_become_typed_errors(client, platform, rule, error, check) -> None:
    platform.set_faults([dict(rule, path="/api/v1/catalog")])
    with pytest.raises(error) as info:
        client.fetch_catalog()
    assert check(info.value)


def test_wrong_token_is_unauthorized(online: QueueSettings) -> None:
    from dataclasses import replace

    c = PlatformClient(replace(online.platform, token="wrong"), online.kiosk.id)
    with pytest.raises(Unauthorized):
        c.fetch_catalog()
    c.close()
    assert TOKEN != "wrong"


def test_nothing_listening_is_a_transport_error(settings: QueueSettings) -> None:
    c = PlatformClient(settings.platform, settings.kiosk.id)  # port 9: discard, closed
    with pytest.raises(TransportError):
        c.fetch_catalog()


def test_retry_after_forms() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
