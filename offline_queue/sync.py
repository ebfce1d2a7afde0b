"""The sync worker: moves committed submissions from the outbox to the platform.

Per item: upload the blobs the platform lacks (HEAD, then PUT), then POST the committed
body with Idempotency-Key = submission_id. Items are independent: each has its own
backoff, several run at once, and a dead or slow one never holds back the rest.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum

from .blobstore import BlobError
from .client import (
    MissingBlobs,
    PlatformClient,
    PlatformError,
    Rejected,
    RetryLater,
    Unauthorized,
)
from .crypto import SealError
from .outbox import AttachmentRecord, Outbox, OutboxItem, UnknownSubmission
from .settings import SyncSettings

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_S = 3600.0  # a bounded wait even if the platform asks for more
MISSING_BLOB_ROUNDS = 3
PURGE_EVERY_S = 3600.0


class Outcome(Enum):
    ACKNOWLEDGED = "acknowledged"
    RETRY = "retry"
    DEAD = "dead"
    SKIPPED = "skipped"  # no longer pending (another worker or process finished it)


@dataclass(frozen=True)
class SyncEvent:
    outcome: Outcome
    submission_id: str
    tracking_no: str
    detail: str
    received_at: str | None = None
    retry_in_s: float | None = None


@dataclass
class RoundResult:
    acknowledged: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0

    def add(self, outcome: Outcome) -> None:
        name = {Outcome.ACKNOWLEDGED: "acknowledged", Outcome.RETRY: "retried",
                Outcome.DEAD: "dead", Outcome.SKIPPED: "skipped"}[outcome]
        setattr(self, name, getattr(self, name) + 1)


class SyncWorker:
    def __init__(self, outbox: Outbox, client: PlatformClient, settings: SyncSettings, *,
                 rng: random.Random | None = None,
                 on_event: Callable[[SyncEvent], None] | None = None) -> None:
        self.outbox = outbox
        self.client = client
        self.settings = settings
        self._rng = rng or random.Random()
        self._on_event = on_event
        self._uploaded: set[str] = set()  # digests the platform confirmed, this process
        self._uploaded_lock = threading.Lock()
        self._wake = threading.Event()
        self._last_purge = 0.0
        self.counters: dict[str, int] = {"acknowledged": 0, "retried": 0, "dead": 0,
                                         "blobs_uploaded": 0}
        self._counters_lock = threading.Lock()  # items are synced on several threads

    # ---- scheduling ------------------------------------------------------------------

    def wake(self) -> None:
        """A new submission was committed: try it now instead of at the next poll."""
        self._wake.set()

    def run_once(self) -> RoundResult:
        """Process every item that is due now, several at a time."""
        result = RoundResult()
        due = self.outbox.due(limit=200)
        if not due:
            return result
        workers = min(self.settings.workers, len(due))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sync") as pool:
            for outcome in pool.map(self.sync_item, due):
                result.add(outcome)
        return result

    def run_until_empty(self, timeout_s: float) -> bool:
        """Sync until nothing is pending (dead items don't count); False on timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.run_once()
            status = self.outbox.status()
            if status.pending == 0:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(self._until_next_due(), remaining, self.settings.poll_interval_s))

    def run_forever(self, stop: threading.Event) -> None:
        log.info("sync_worker_started workers=%d", self.settings.workers)
        while not stop.is_set():
            try:
                self.run_once()
                self._maintain()
            except Exception:  # the loop must outlive any one bad round
                log.exception("sync_round_failed")
            self._wake.wait(min(self._until_next_due(), self.settings.poll_interval_s))
            self._wake.clear()
        log.info("sync_worker_stopped")

    def _until_next_due(self) -> float:
        nxt = self.outbox.next_due_ts()
        if nxt is None:
            return self.settings.poll_interval_s
        return max(0.01, nxt - time.time())

    def _maintain(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_S:
            return
        self._last_purge = now
        self.outbox.purge_expired()
        self.outbox.sweep_orphans()

    # ---- one item --------------------------------------------------------------------

    def sync_item(self, item: OutboxItem) -> Outcome:
        sid = item.submission_id
        try:
            body = self.outbox.body(sid)
            attachments = self.outbox.attachments(sid)
            self._upload_missing(attachments, force=set())
            for _ in range(MISSING_BLOB_ROUNDS):
                try:
                    ack = self.client.submit(sid, body)
                except MissingBlobs as exc:
                    known = {a.sha256 for a in attachments}
                    strange = set(exc.missing) - known
                    if strange:
                        log.warning("missing_blobs_not_ours submission=%s count=%d", sid,
                                    len(strange))
                    self._upload_missing(attachments, force=set(exc.missing) & known)
                    continue
                self.outbox.mark_acknowledged(sid, ack.received_at)
                self._emit(Outcome.ACKNOWLEDGED, item,
                           "replayed" if ack.replayed else "received", received_at=ack.received_at)
                return Outcome.ACKNOWLEDGED
            return self._retry(item, "missing_blobs", "blobs still missing after upload")
        except UnknownSubmission:
            return Outcome.SKIPPED
        except (SealError, BlobError) as exc:
            log.critical("ALERT outbox_local_data_corrupt submission=%s error=%s", sid, exc)
            return self._dead(item, {"error": "local_data_corrupt", "message": str(exc)})
        except RetryLater as exc:
            wait = exc.retry_after if exc.retry_after is not None else self._backoff(item)
            return self._retry(item, f"{exc.status} {exc.code}".strip(), exc.message,
                               wait=min(wait, MAX_RETRY_AFTER_S))
        except Unauthorized as exc:
            # The kiosk's credentials, not this submission, are at fault: keep it.
            log.error("ALERT platform_unauthorized status=%s", exc.status)
            return self._retry(item, "unauthorized", exc.message)
        except Rejected as exc:
            return self._dead(item, {"error": exc.code, "message": exc.message,
                                     "status": exc.status, "fields": exc.fields})
        except PlatformError as exc:
            return self._retry(item, exc.code, exc.message)

    def _upload_missing(self, attachments: list[AttachmentRecord], *, force: set[str]) -> None:
        seen: set[str] = set()
        for att in attachments:
            sha = att.sha256
            if sha in seen:
                continue
            seen.add(sha)
            if sha not in force:
                with self._uploaded_lock:
                    if sha in self._uploaded:
                        continue
                if self.client.blob_exists(sha):
                    self._remember(sha)
                    continue
            data = self.outbox.blobs.get(sha)
            if self.client.put_blob(sha, data, att.media_type):
                self._count("blobs_uploaded")
            self._remember(sha)

    def _remember(self, sha: str) -> None:
        with self._uploaded_lock:
            if len(self._uploaded) > 50_000:
                self._uploaded.clear()
            self._uploaded.add(sha)

    def _count(self, name: str) -> None:
        with self._counters_lock:
            self.counters[name] += 1

    def _backoff(self, item: OutboxItem) -> float:
        """Exponential, capped, with jitter so a fleet does not retry in step."""
        ceiling = min(self.settings.backoff_cap_s,
                      self.settings.backoff_base_s * (2 ** min(item.attempts, 30)))
        return self._rng.uniform(ceiling / 2, ceiling)

    def _retry(self, item: OutboxItem, code: str, message: str, *,
               wait: float | None = None) -> Outcome:
        wait = self._backoff(item) if wait is None else wait
        self.outbox.mark_retry(item.submission_id, f"{code}: {message}"[:500], time.time() + wait)
        self._count("retried")
        log.info("sync_retry submission=%s tracking_no=%s reason=%s in_s=%.1f attempts=%d",
                 item.submission_id, item.tracking_no, code, wait, item.attempts + 1)
        self._emit(Outcome.RETRY, item, code, retry_in_s=wait)
        return Outcome.RETRY

    def _dead(self, item: OutboxItem, reason: dict[str, object]) -> Outcome:
        self.outbox.mark_dead(item.submission_id, reason)
        self._count("dead")
        log.error("sync_dead_letter submission=%s tracking_no=%s error=%s", item.submission_id,
                  item.tracking_no, reason.get("error"))
        self._emit(Outcome.DEAD, item, str(reason.get("error")))
        return Outcome.DEAD

    def _emit(self, outcome: Outcome, item: OutboxItem, detail: str, *,
              received_at: str | None = None, retry_in_s: float | None = None) -> None:
        if outcome is Outcome.ACKNOWLEDGED:
            self._count("acknowledged")
            log.info("sync_acknowledged submission=%s tracking_no=%s %s", item.submission_id,
                     item.tracking_no, detail)
        if self._on_event is not None:
            self._on_event(SyncEvent(outcome, item.submission_id, item.tracking_no, detail,
                                     received_at, retry_in_s))
