"""The sync worker against the simulator: each response path, retries, independence."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from offline_queue.client import PlatformClient
from offline_queue.loadtest import fileable_services, run_loadtest, synthetic_submission
from offline_queue.outbox import Outbox
from offline_queue.settings import QueueSettings
from offline_queue.sync import Outcome, SyncEvent, SyncWorker


@pytest.fixture
def box(online: QueueSettings, make_outbox) -> Outbox:
    return make_outbox(online)


def _worker(box, client, online, events: list[SyncEvent] | None = None, **kw) -> SyncWorker:
    return SyncWorker(box, client, online.sync, rng=random.Random(1),
                      on_event=events.append if events is not None else None, **kw)


def _audit_for(platform, submission_id: str) -> dict[str, Any]:
    return platform.audit()["submissions"][submission_id]


def test_happy_path_every_item_on_the_platform_once(box, client, online, catalog,
                                                    platform) -> None:
    filed = list(run_loadtest(box, catalog, 6, seed=11))
    assert _worker(box, client, online).run_until_empty(30)
    status = box.status()
    assert status.acknowledged == 6 and status.pending == 0
    audit = platform.audit()["submissions"]
    for f in filed:
        assert audit[f.submission_id]["commits"] == 1
        assert audit[f.submission_id]["attachments_ok"] is True
        assert box.get(f.submission_id).received_at


def test_missing_blobs_answer_uploads_them_and_retries(box, client, online, catalog,
                                                       platform) -> None:
    [filed] = run_loadtest(box, catalog, 1, seed=5)
    worker = _worker(box, client, online)
    # The worker believes the platform has the blobs (uploaded earlier in this process);
    # the platform has lost them and answers 409 missing_blobs.
    for a in box.attachments(filed.submission_id):
        worker._remember(a.sha256)
    assert worker.run_once().acknowledged == 1
    counts = platform.audit()["submissions"][filed.submission_id]
    assert counts["posts"] == 2 and counts["commits"] == 1 and counts["attachments_ok"]


def test_final_rejection_is_dead_lettered_and_does_not_block_the_next(
        box, client, online, catalog, platform) -> None:
    rng = random.Random(3)
    service = fileable_services(catalog)[0]
    bad = synthetic_submission(dict(service, code="XX-NO-0000"), rng, 0)
    dead = box.commit(bad)
    good = box.commit(synthetic_submission(service, rng, 1))
    events: list[SyncEvent] = []
    assert _worker(box, client, online, events).run_until_empty(30)
    assert box.get(dead.submission_id).state == "dead"
    reason = box.get(dead.submission_id).dead_reason
    assert "unknown_service" in reason
    assert box.get(good.submission_id).state == "acknowledged"
    assert {(e.tracking_no, e.outcome) for e in events} == {
        (dead.tracking_no, Outcome.DEAD), (good.tracking_no, Outcome.ACKNOWLEDGED)}
    # Staff fix nothing and retry: it goes back to pending, and dies again.
    box.retry(dead.tracking_no)
    assert box.status().pending == 1
    _worker(box, client, online).run_once()
    assert box.get(dead.submission_id).state == "dead"


@pytest.mark.parametrize("status", [503, 429])
def test_retry_after_is_honoured(box, client, online, catalog, platform, status) -> None:
    [filed] = run_loadtest(box, catalog, 1, seed=2)
    platform.set_faults([{"method": "POST", "path": "/api/v1/submissions", "kind": "status",
                          "status": status, "retry_after": 1, "count": 1}])
    worker = _worker(box, client, online)
    before = time.time()
    assert worker.run_once().retried == 1
    item = box.get(filed.submission_id)
    assert 0.9 <= item.next_attempt_ts - before <= 1.5  # Retry-After, not the 0.05 s backoff
    assert str(status) in (item.last_error or "")
    assert worker.run_once().acknowledged == 0  # not due yet: nothing sent
    assert platform.audit()["submissions"][filed.submission_id]["posts"] == 1  # the refused one
    time.sleep(max(0.0, item.next_attempt_ts - time.time()) + 0.05)
    assert worker.run_once().acknowledged == 1
    assert platform.audit()["submissions"][filed.submission_id]["posts"] == 2


def test_server_errors_back_off_exponentially_with_jitter_and_cap(box, client, online, catalog,
                                                                  platform) -> None:
    [filed] = run_loadtest(box, catalog, 1, seed=2)
    platform.set_faults([{"method": "POST", "path": "/api/v1/submissions", "kind": "status",
                          "status": 500}])
    worker = _worker(box, client, online)
    waits = []
    for _ in range(6):
        box.retry(filed.submission_id)  # make it due now, keeping its attempt count
        before = time.time()
        worker.run_once()
        after = time.time()
        nxt = box.get(filed.submission_id).next_attempt_ts
        waits.append((nxt - after, nxt - before))  # the wait lies between these two
    base, cap = online.sync.backoff_base_s, online.sync.backoff_cap_s
    for attempt, (low, high) in enumerate(waits):
        ceiling = min(cap, base * 2 ** attempt)
        assert high >= ceiling / 2 and low <= ceiling, (attempt, low, high)
    assert waits[-1][0] <= cap
    assert len({round(w[0], 4) for w in waits[-3:]}) == 3  # jitter: capped waits still differ
    platform.clear_faults()
    assert worker.run_until_empty(10)


@pytest.mark.parametrize("kind", ["drop", "commit_then_drop", "corrupt"])
def test_lost_answers_are_retried_and_never_duplicate(box, client, online, catalog, platform,
                                                      kind) -> None:
    filed = list(run_loadtest(box, catalog, 3, seed=9))
    platform.set_faults([{"method": "POST", "path": "/api/v1/submissions", "kind": kind,
                          "count": 3}])
    assert _worker(box, client, online).run_until_empty(30)
    for f in filed:
        a = _audit_for(platform, f.submission_id)
        assert a["commits"] == 1 and a["attachments_ok"]
        assert a["posts"] >= 1
    assert sum(_audit_for(platform, f.submission_id)["posts"] for f in filed) == 6


def test_timeout_then_replay_is_committed_once(box, client, online, catalog, platform) -> None:
    [filed] = run_loadtest(box, catalog, 1, seed=4)
    platform.set_faults([{"method": "POST", "path": "/api/v1/submissions", "kind": "delay",
                          "seconds": 3, "count": 1}])  # the client's read timeout is 2 s
    worker = _worker(box, client, online)
    assert worker.run_once().retried == 1
    assert "timeout" in (box.get(filed.submission_id).last_error or "")
    assert worker.run_until_empty(20)
    time.sleep(1.2)  # let the delayed first POST finish on the platform
    assert _audit_for(platform, filed.submission_id)["commits"] == 1


def test_a_slow_item_does_not_hold_back_the_others(box, client, online, catalog,
                                                   platform) -> None:
    slow, fast = list(run_loadtest(box, catalog, 2, seed=8))
    slow_sha = box.attachments(slow.submission_id)[0].sha256
    platform.set_faults([{"path": f"/api/v1/blobs/{slow_sha}", "kind": "delay", "seconds": 3,
                          "count": 2}])
    events: list[SyncEvent] = []
    worker = _worker(box, client, online, events)
    worker.run_once()
    order = [(e.tracking_no, e.outcome) for e in events]
    assert order[0] == (fast.tracking_no, Outcome.ACKNOWLEDGED)
    assert (slow.tracking_no, Outcome.RETRY) in order
    platform.clear_faults()
    assert worker.run_until_empty(20)


def test_unauthorized_keeps_items_pending(online, catalog, box, platform) -> None:
    from dataclasses import replace

    list(run_loadtest(box, catalog, 2, seed=1))
    wrong = PlatformClient(replace(online.platform, token="wrong"), online.kiosk.id)
    result = _worker(box, wrong, online).run_once()
    wrong.close()
    assert result.retried == 2 and result.dead == 0
    assert box.status().pending == 2


def test_local_corruption_dead_letters_only_that_item(box, client, online, catalog) -> None:
    broken, fine = list(run_loadtest(box, catalog, 2, seed=12))
    path = box.blobs.path_for(box.attachments(broken.submission_id)[0].sha256)
    sealed = path.read_bytes()
    # Flipped, not zeroed: the seal's last byte (its tag's) is random and was 0 one run in 256.
    path.write_bytes(sealed[:-1] + bytes([sealed[-1] ^ 0xFF]))
    assert _worker(box, client, online).run_until_empty(20)
    assert box.get(broken.submission_id).state == "dead"
    assert "local_data_corrupt" in (box.get(broken.submission_id).dead_reason or "")
    assert box.get(fine.submission_id).state == "acknowledged"


def test_network_down_then_back(box, online, catalog, platform) -> None:
    from dataclasses import replace

    filed = list(run_loadtest(box, catalog, 2, seed=6))
    down = PlatformClient(replace(online.platform, url="http://127.0.0.1:9/api/v1"), "K017")
    assert _worker(box, down, online).run_once().retried == 2
    down.close()
    up = PlatformClient(online.platform, online.kiosk.id)
    box.retry(filed[0].submission_id)
    box.retry(filed[1].submission_id)
    assert _worker(box, up, online).run_until_empty(20)
    up.close()
