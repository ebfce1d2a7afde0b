"""The sync worker: moves committed submissions from the outbox to the platform.

Per item: upload the blobs the platform lacks (HEAD, then PUT), then POST the committed
body with Idempotency-Key = submission_id. Items are independent: each has its own
backoff, several run at once, and a dead or slow one never holds back the rest.

A flaky link is absorbed inside each request (the client retries idempotent calls at
once, retry.py). The per-item backoff is for what remains. An outage is recognised as one
(OUTAGE_AFTER items in a row failing on the wire or with 5xx): then no item is sent and
the worker probes the platform with one cheap request on its own schedule; when it
answers, every waiting item is due at once, oldest first. A worker that starts with
items waiting (e.g. after a restart) probes first the same way.
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
    ServerError,
    TransportError,
    Unauthorized,
)
from .crypto import SealError
from .outbox import AttachmentRecord, Outbox, OutboxItem, UnknownSubmission
from .settings import SyncSettings

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_S = 3600.0  # a bounded wait even if the platform asks for more
MISSING_BLOB_ROUNDS = 3
PURGE_EVERY_S = 3600.0
OUTAGE_AFTER = 3  # distinct items failing on the wire (after inline retries), no answer between
PROBE_CAP_S = 30.0  # the longest pause between probes of a platform that is down


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
                                         "blobs_uploaded": 0, "outages": 0, "probes": 0}
        self._counters_lock = threading.Lock()  # items are synced on several threads
        self._link_lock = threading.Lock()
        self._wire_failures: set[str] = set()  # items failing on the wire since an answer
        self._outage_since: float | None = None
        self._probe_at = 0.0
        self._probe_failures = 0
        self._checked_waiting = False  # the first round probes if items are waiting

    @property
    def in_outage(self) -> bool:
        return self._outage_since is not None

    # ---- scheduling ------------------------------------------------------------------

    def wake(self) -> None:
        """A new submission was committed: try it now instead of at the next poll."""
        self._wake.set()

    def run_once(self) -> RoundResult:
        """Process every item that is due now, several at a time."""
        result = RoundResult()
        if not self._link_ok():
            return result
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
            time.sleep(min(self._until_next_work(), remaining, self.settings.poll_interval_s))

    def run_forever(self, stop: threading.Event) -> None:
        log.info("sync_worker_started workers=%d", self.settings.workers)
        while not stop.is_set():
            try:
                self.run_once()
                self._maintain()
            except Exception:  # the loop must outlive any one bad round
                log.exception("sync_round_failed")
            self._wake.wait(min(self._until_next_work(), self.settings.poll_interval_s))
            self._wake.clear()
        log.info("sync_worker_stopped")

    def _until_next_work(self) -> float:
        if self._outage_since is not None:
            return max(0.01, self._probe_at - time.monotonic())
        return self._until_next_due()

    # ---- the link as a whole ---------------------------------------------------------

    def _link_ok(self) -> bool:
        """False while the platform is down (probing it when a probe is due)."""
        if not self._checked_waiting:
            self._checked_waiting = True
            status = self.outbox.status()
            if status.pending > status.due_now:  # items sleeping out a backoff: ask now
                return self._probe()
        if self._outage_since is None:
            return True
        if time.monotonic() < self._probe_at:
            return False
        return self._probe()

    def _probe(self) -> bool:
        self._count("probes")
        if not self.client.reachable():
            with self._link_lock:
                if self._outage_since is None:
                    self._outage_since = time.monotonic()
                    self._count("outages")
                    log.warning("platform_outage_detected reason=probe_failed")
                self._probe_failures += 1
                self._probe_at = time.monotonic() + self._probe_pause()
            return False
        with self._link_lock:
            down = self._outage_since
            # The probe pause keeps growing until an item gets through: a platform whose
            # HEAD answers but whose POSTs fail must not be hammered every few seconds.
            self._outage_since = None
            self._wire_failures.clear()
        released = self.outbox.release_waiting()
        log.info("platform_reachable released=%d down_s=%.1f", released,
                 0.0 if down is None else time.monotonic() - down)
        return True

    def _probe_pause(self) -> float:
        ceiling = min(PROBE_CAP_S, self.settings.backoff_cap_s,
                      self.settings.backoff_base_s * (2 ** min(self._probe_failures, 30)))
        return self._rng.uniform(ceiling / 2, ceiling)

    def _wire_failed(self, submission_id: str) -> None:
        with self._link_lock:
            self._wire_failures.add(submission_id)
            if len(self._wire_failures) < OUTAGE_AFTER or self._outage_since is not None:
                return
            self._outage_since = time.monotonic()
            self._probe_at = self._outage_since + self._probe_pause()
        self._count("outages")
        log.warning("platform_outage_detected reason=items_failing count=%d", OUTAGE_AFTER)

    def _link_answered(self) -> None:
        with self._link_lock:
            self._wire_failures.clear()
            self._probe_failures = 0

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
        if self._outage_since is not None:
            return Outcome.SKIPPED  # the rest of this round waits for the probe
        outcome = self._sync_item(item)
        if outcome is not Outcome.RETRY:
            self._link_answered()
        return outcome

    def _sync_item(self, item: OutboxItem) -> Outcome:
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
            self._link_answered()
            wait = exc.retry_after if exc.retry_after is not None else self._backoff(item)
            return self._retry(item, f"{exc.status} {exc.code}".strip(), exc.message,
                               wait=min(wait, MAX_RETRY_AFTER_S))
        except Unauthorized as exc:
            # The kiosk's credentials, not this submission, are at fault: keep it.
            self._link_answered()
            log.error("ALERT platform_unauthorized status=%s", exc.status)
            return self._retry(item, "unauthorized", exc.message)
        except Rejected as exc:
            return self._dead(item, {"error": exc.code, "message": exc.message,
                                     "status": exc.status, "fields": exc.fields})
        except (TransportError, ServerError) as exc:
            self._wire_failed(sid)
            return self._retry(item, exc.code, exc.message)
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
        # Field names and problem codes only: the platform's message may echo filed data.
        fields = reason.get("fields")
        named = ",".join(f"{f.get('field')}:{f.get('problem')}" for f in fields
                         if isinstance(f, dict)) if isinstance(fields, list) else ""
        log.error("sync_dead_letter submission=%s tracking_no=%s error=%s status=%s fields=%s",
                  item.submission_id, item.tracking_no, reason.get("error"),
                  reason.get("status"), named or "-")
        self._emit(Outcome.DEAD, item, str(reason.get("error")))
        return Outcome.DEAD

    def _emit(self, outcome: Outcome, item: OutboxItem, detail: str, *,
              received_at: str | None = None, retry_in_s: float | None = None) -> None:
        if outcome is Outcome.ACKNOWLEDGED:
            self._count("acknowledged")
            log.info("sync_acknowledged submission=%s tracking_no=%s detail=%s", item.submission_id,
                     item.tracking_no, detail)
        if self._on_event is not None:
            self._on_event(SyncEvent(outcome, item.submission_id, item.tracking_no, detail,
                                     received_at, retry_in_s))
