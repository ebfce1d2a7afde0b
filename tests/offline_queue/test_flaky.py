"""Delivery through a flaky link: inline retries of idempotent requests, an outage seen as
one (the worker probes, then releases the backlog oldest first), a restart that does not
sleep out old backoffs."""

from __future__ import annotations

import random
import time

import pytest

from offline_queue.client import PlatformClient, RetryLater, ServerError
from offline_queue.loadtest import run_loadtest
from offline_queue.outbox import Outbox
from offline_queue.settings import QueueSettings
from offline_queue.sync import OUTAGE_AFTER, Outcome, SyncEvent, SyncWorker

DROP_ALL = [{"kind": "drop"}]


@pytest.fixture
def box(online: QueueSettings, make_outbox) -> Outbox:
    return make_outbox(online)


def test_dropped_commit_is_retried_inside_the_attempt(box, client, online, catalog,
                                                      platform) -> None:
    [filed] = run_loadtest(box, catalog, 1, seed=2)
    platform.set_faults([
        {"method": "POST", "path": "/api/v1/submissions", "kind": "commit_then_drop",
         "count": 1},
        {"method": "PUT", "path": "/api/v1/blobs/", "kind": "drop", "count": 1},
        {"method": "HEAD", "path": "/api/v1/blobs/", "kind": "status", "status": 500,
         "count": 2},
    ])
    worker = SyncWorker(box, client, online.sync, rng=random.Random(1))
    assert worker.run_once().acknowledged == 1
    item = box.get(filed.submission_id)
    assert item.state == "acknowledged" and item.attempts == 1  # no item-level retry
    entry = platform.audit()["submissions"][filed.submission_id]
    assert entry["commits"] == 1 and entry["posts"] == 2 and entry["attachments_ok"]
    assert client.retrier.retried == 4


def test_long_retry_after_is_left_to_the_schedule(client, platform) -> None:
    platform.set_faults([{"method": "GET", "kind": "status", "status": 503, "retry_after": 2,
                          "count": 1}])
    with pytest.raises(RetryLater):
        client.fetch_catalog()
    assert client.retrier.retried == 0


def test_a_post_without_idempotency_key_is_not_retried(client, platform) -> None:
    platform.set_faults([{"method": "POST", "path": "/api/v1/tickets", "kind": "status",
                          "status": 500, "count": 1}])
    with pytest.raises(ServerError):
        client.take_ticket("BA01", "HJ")
    assert client.retrier.retried == 0


def _until(worker: SyncWorker, box: Outbox, done, rounds: int = 400) -> None:
    for _ in range(rounds):
        worker.run_once()
        if done():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_outage_is_probed_then_the_backlog_drains_oldest_first(box, client, online, catalog,
                                                               platform) -> None:
    filed = list(run_loadtest(box, catalog, 8, seed=4))
    events: list[SyncEvent] = []
    one = QueueSettings(**{**online.__dict__, "sync": type(online.sync)(
        workers=1, backoff_base_s=0.05, backoff_cap_s=600, poll_interval_s=0.05)})
    worker = SyncWorker(box, client, one.sync, rng=random.Random(1), on_event=events.append)
    platform.set_faults(DROP_ALL)
    result = worker.run_once()
    assert worker.in_outage
    # Only OUTAGE_AFTER items spent an attempt; the rest were not sent at all.
    assert result.retried == OUTAGE_AFTER and result.skipped == 8 - OUTAGE_AFTER
    _until(worker, box, lambda: worker.counters["probes"] >= 2)
    assert sum(box.get(f.submission_id).attempts for f in filed) == OUTAGE_AFTER
    platform.set_faults([])
    _until(worker, box, lambda: box.status().pending == 0)
    assert not worker.in_outage
    acked = [e.submission_id for e in events if e.outcome is Outcome.ACKNOWLEDGED]
    assert acked == [f.submission_id for f in filed]  # oldest first
    assert all(platform.audit()["submissions"][f.submission_id]["commits"] == 1 for f in filed)


def test_a_fresh_worker_does_not_sleep_out_old_backoffs(box, client, online, catalog,
                                                        platform) -> None:
    filed = list(run_loadtest(box, catalog, 3, seed=6))
    for f in filed:  # as left by an earlier process: next tries minutes away
        box.mark_retry(f.submission_id, "connection_lost: x", time.time() + 600)
    assert box.status().due_now == 0
    worker = SyncWorker(box, client, online.sync, rng=random.Random(1))
    assert worker.run_once().acknowledged == 3
    assert worker.counters["probes"] == 1


def test_a_worker_that_starts_in_an_outage_waits_for_the_probe(box, online, catalog,
                                                               platform) -> None:
    filed = list(run_loadtest(box, catalog, 2, seed=8))
    for f in filed:
        box.mark_retry(f.submission_id, "connection_lost: x", time.time() + 600)
    platform.set_faults(DROP_ALL)
    client = PlatformClient(online.platform, online.kiosk.id)
    try:
        worker = SyncWorker(box, client, online.sync, rng=random.Random(1))
        assert worker.run_once().acknowledged == 0 and worker.in_outage
        platform.set_faults([])
        _until(worker, box, lambda: box.status().pending == 0)
    finally:
        client.close()
