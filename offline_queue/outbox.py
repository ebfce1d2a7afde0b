"""The durable outbox: every submission is committed here before its receipt prints.

Order of a commit: attachments are written and fsynced (blob store), a tracking number
is reserved (ledger), then one SQLite transaction (WAL, synchronous=FULL) records the
submission, its attachments and the sequence. A crash at any instant leaves either
nothing (stray blobs are swept later) or the whole submission.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from .blobstore import BlobStore, StorageFull, StoredBlob
from .catalog_rules import check_against_catalog
from .crypto import Sealer, SealError, key_id, load_or_create_key
from .database import open_database
from .records import (
    _FULL_MESSAGE,
    MAX_BLOB_BYTES,
    MEDIA_TYPES,
    AttachmentRecord,
    DeadLetter,
    FiledSubmission,
    InvalidSubmission,
    NewAttachment,
    NewSubmission,
    OutboxError,
    OutboxFull,
    OutboxItem,
    QueueStatus,
    UnknownSubmission,
    _BlobVanished,
    _check,
    _encode,
    dead_letter_of,
    transaction,
)
from .settings import KioskIdentity, StorageSettings
from .tracking import SequenceLedger, day_of, format_tracking_no, new_query_code, next_sequence

# The records live in records.py; callers keep importing them from here.
__all__ = ["DB_NAME", "MAX_BLOB_BYTES", "MEDIA_TYPES", "STATES", "AttachmentRecord", "DeadLetter",
           "FiledSubmission", "InvalidSubmission", "NewAttachment", "NewSubmission", "Outbox",
           "OutboxError", "OutboxFull", "OutboxItem", "QueueStatus", "UnknownSubmission",
           "check_key_file", "transaction"]

log = logging.getLogger(__name__)

STATES = ("pending", "acknowledged", "dead")
DB_NAME = "outbox.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sequence (day TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    submission_id   TEXT PRIMARY KEY,
    tracking_no     TEXT NOT NULL UNIQUE,
    service_code    TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_ts      REAL NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'acknowledged', 'dead')),
    payload         BLOB,            -- the sealed request body; NULL once purged
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ts REAL NOT NULL,
    last_error      TEXT,
    dead_reason     TEXT,
    received_at     TEXT,
    acked_ts        REAL,
    purged_ts       REAL
);
CREATE INDEX IF NOT EXISTS submissions_due ON submissions (state, next_attempt_ts);
CREATE TABLE IF NOT EXISTS attachments (
    submission_id TEXT NOT NULL REFERENCES submissions (submission_id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    material_code TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    pages         INTEGER,
    PRIMARY KEY (submission_id, position)
);
CREATE INDEX IF NOT EXISTS attachments_sha ON attachments (sha256);
"""


def _local_now() -> datetime:
    return datetime.now().astimezone()


class Outbox:
    """Thread-safe; one SQLite connection guarded by a lock (writes are short)."""

    def __init__(
        self,
        storage: StorageSettings,
        kiosk: KioskIdentity,
        *,
        clock: Callable[[], datetime] = _local_now,
    ) -> None:
        self.storage = storage
        self.kiosk = kiosk
        self._clock = clock
        self._lock = threading.RLock()
        data_dir = storage.data_dir
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.db_path = data_dir / DB_NAME
        blob_root = data_dir / "blobs"
        key = load_or_create_key(storage.key_file, allow_create=not _has_data(data_dir))
        self._sealer = Sealer(key)
        self.blobs = BlobStore(blob_root, self._sealer)
        self.ledger = SequenceLedger(data_dir / "sequence.ledger")
        self._db = open_database(self.db_path, _SCHEMA, key_id(key))

    def close(self) -> None:
        with self._lock:
            self._db.close()
        self.blobs.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- committing ----------------------------------------------------------------

    def commit(self, sub: NewSubmission,
               service: Mapping[str, Any] | None = None) -> FiledSubmission:
        """Commit `sub`; given its catalog `service` entry, refuse (CatalogViolation,
        nothing stored) what the platform's catalog forbids."""
        _check(sub)
        if service is not None:
            check_against_catalog(service, sub)
        for attempt in range(3):
            try:
                stored = self.blobs.put_many(a.data for a in sub.attachments)
            except StorageFull:
                log.error("outbox_commit_refused reason=disk_full stage=blobs")
                raise OutboxFull(_FULL_MESSAGE) from None
            try:
                filed = self._record(sub, [s.sha256 for s in stored])
            except _BlobVanished:
                # An identical blob was purged between our write and our record: again.
                log.info("outbox_commit_retry reason=blob_purged attempt=%d", attempt + 1)
                continue
            except BaseException as exc:
                self._discard_new(stored)  # nothing refers to them: leave no trace
                if _is_disk_full(exc):
                    log.error("outbox_commit_refused reason=disk_full stage=database")
                    raise OutboxFull(_FULL_MESSAGE) from exc
                raise
            log.info("outbox_committed submission=%s tracking_no=%s attachments=%d",
                     filed.submission_id, filed.tracking_no, len(stored))
            return filed
        raise OutboxError("attachments kept vanishing while committing; try again")

    def _discard_new(self, stored: list[StoredBlob]) -> None:
        with self._lock:
            self.blobs.discard(
                s.sha256 for s in stored if s.created and not self._referenced(s.sha256))

    def _record(self, sub: NewSubmission, shas: list[str]) -> FiledSubmission:
        now = self._clock()
        day = day_of(now)
        submission_id = str(uuid.uuid4())
        query_code = new_query_code()
        created_at = now.isoformat(timespec="seconds")
        attachments = [
            {"material_code": a.material_code, "sha256": sha, "media_type": a.media_type,
             "bytes": len(a.data), **({"pages": a.pages} if a.pages else {})}
            for a, sha in zip(sub.attachments, shas, strict=True)
        ]
        with self._lock, transaction(self._db) as db:
            # Purging and sweeping delete blobs under this lock: what exists now stays
            # until this transaction makes it referenced.
            if not all(self.blobs.exists(sha) for sha in shas):
                raise _BlobVanished()
            row = db.execute("SELECT last FROM sequence WHERE day = ?", (day,)).fetchone()
            seq = next_sequence(row[0] if row else 0, self.ledger, now)
            self.ledger.ensure_reserved(day, seq)
            tracking_no = format_tracking_no(self.kiosk.hall, self.kiosk.id, day, seq)
            body = {
                "submission_id": submission_id,
                "tracking_no": tracking_no,
                "query_code": query_code,
                "kiosk_id": self.kiosk.id,
                "service_code": sub.service_code,
                "created_at": created_at,
                "applicant": sub.applicant,
                "form": sub.form,
                "attachments": attachments,
            }
            for key in ("contact", "delivery", "assisted_by"):
                value = getattr(sub, key)
                if value:
                    body[key] = value
            payload = self._sealer.seal(_encode(body), submission_id.encode())
            db.execute(
                "INSERT INTO sequence (day, last) VALUES (?, ?) "
                "ON CONFLICT (day) DO UPDATE SET last = excluded.last", (day, seq))
            db.execute(
                "INSERT INTO submissions (submission_id, tracking_no, service_code, "
                "created_at, created_ts, state, payload, next_attempt_ts) "
                "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
                (submission_id, tracking_no, sub.service_code, created_at,
                 now.timestamp(), payload, now.timestamp()))
            db.executemany(
                "INSERT INTO attachments (submission_id, position, material_code, sha256, "
                "media_type, bytes, pages) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(submission_id, i, a["material_code"], a["sha256"], a["media_type"],
                  a["bytes"], a.get("pages")) for i, a in enumerate(attachments)])
        return FiledSubmission(submission_id, tracking_no, query_code, sub.service_code,
                               created_at)

    def _referenced(self, sha: str) -> bool:
        with self._lock:
            return self._db.execute(
                "SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1", (sha,)).fetchone() is not None

    # ---- reading -------------------------------------------------------------------

    def body(self, submission_id: str) -> bytes:
        """The request body exactly as committed (every retry sends the same bytes)."""
        with self._lock:
            row = self._db.execute("SELECT payload FROM submissions WHERE submission_id = ?",
                                   (submission_id,)).fetchone()
        if row is None:
            raise UnknownSubmission(f"no submission {submission_id}")
        if row[0] is None:
            raise UnknownSubmission(f"submission {submission_id} was purged")
        return self._sealer.open(row[0], submission_id.encode())

    def attachments(self, submission_id: str) -> list[AttachmentRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT material_code, sha256, media_type, bytes, pages FROM attachments "
                "WHERE submission_id = ? ORDER BY position", (submission_id,)).fetchall()
        return [AttachmentRecord(*r) for r in rows]

    def get(self, submission_id: str) -> OutboxItem:
        items = list(self._items("WHERE submission_id = ?", (submission_id,)))
        if not items:
            raise UnknownSubmission(f"no submission {submission_id}")
        return items[0]

    def find(self, key: str) -> OutboxItem:
        """By submission id or tracking number (technicians type either)."""
        items = list(self._items("WHERE submission_id = ? OR tracking_no = ?", (key, key)))
        if not items:
            raise UnknownSubmission(f"no submission {key}")
        return items[0]

    def items(self, state: str | None = None) -> Iterator[OutboxItem]:
        if state is None:
            return self._items("", ())
        return self._items("WHERE state = ?", (state,))

    def _items(self, where: str, args: tuple[Any, ...], *,
               order: str = "created_ts, tracking_no", limit: int = -1) -> Iterator[OutboxItem]:
        with self._lock:
            rows = self._db.execute(
                "SELECT submission_id, tracking_no, service_code, state, created_at, attempts, "
                "next_attempt_ts, last_error, dead_reason, received_at, purged_ts IS NOT NULL "
                f"FROM submissions {where} ORDER BY {order} LIMIT ?", (*args, limit)).fetchall()
        return iter([OutboxItem(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                                self._open_reason(r[0], r[8]), r[9], purged=bool(r[10]))
                     for r in rows])

    # The platform's 422 reason may echo what was filed (a name, an ID number): it is kept
    # sealed like the submission itself. Rows from before this stay readable as they are.
    _SEALED_REASON = "sealed:"

    def _seal_reason(self, submission_id: str, reason: str) -> str:
        sealed = self._sealer.seal(reason.encode("utf-8"), f"{submission_id}:dead".encode())
        return self._SEALED_REASON + base64.b64encode(sealed).decode("ascii")

    def _open_reason(self, submission_id: str, stored: str | None) -> str | None:
        if stored is None or not stored.startswith(self._SEALED_REASON):
            return stored
        try:
            sealed = base64.b64decode(stored[len(self._SEALED_REASON):])
            return self._sealer.open(sealed, f"{submission_id}:dead".encode()).decode("utf-8")
        except (ValueError, SealError):
            log.warning("outbox_dead_reason_unreadable submission=%s", submission_id)
            return json.dumps({"error": "unreadable"})

    def due(self, limit: int, now: float | None = None) -> list[OutboxItem]:
        now = time.time() if now is None else now
        # Longest-waiting first, so a flood of new items cannot starve a retried one.
        return list(self._items("WHERE state = 'pending' AND next_attempt_ts <= ?", (now,),
                                order="next_attempt_ts, created_ts", limit=limit))

    def next_due_ts(self) -> float | None:
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(next_attempt_ts) FROM submissions WHERE state = 'pending'").fetchone()
        return row[0]

    def status(self, now: float | None = None) -> QueueStatus:
        now = time.time() if now is None else now
        with self._lock:
            counts = dict(self._db.execute(
                "SELECT state, COUNT(*) FROM submissions GROUP BY state").fetchall())
            oldest, due, purged = self._db.execute(
                "SELECT (SELECT MIN(created_ts) FROM submissions WHERE state = 'pending'), "
                "(SELECT COUNT(*) FROM submissions WHERE state = 'pending' "
                " AND next_attempt_ts <= ?), "
                "(SELECT COUNT(*) FROM submissions WHERE purged_ts IS NOT NULL)",
                (now,)).fetchone()
        return QueueStatus(
            pending=counts.get("pending", 0),
            dead=counts.get("dead", 0),
            acknowledged=counts.get("acknowledged", 0),
            purged=purged,
            oldest_pending_age_s=None if oldest is None else max(0, int(now - oldest)),
            due_now=due,
        )

    def dead_letters(self, limit: int = 20) -> list[DeadLetter]:
        """The newest dead items with the platform's reason (for maintenance, heartbeat)."""
        items = self._items("WHERE state = 'dead'", (), order="created_ts DESC", limit=limit)
        return [dead_letter_of(item) for item in items]

    def release_waiting(self) -> int:
        """The platform is back: every pending item is due now, oldest first."""
        with self._lock, transaction(self._db) as db:
            return db.execute("UPDATE submissions SET next_attempt_ts = created_ts "
                              "WHERE state = 'pending' AND next_attempt_ts > created_ts").rowcount

    # ---- state changes from the sync worker and staff --------------------------------

    def mark_acknowledged(self, submission_id: str, received_at: str) -> None:
        self._update(submission_id,
                     "state = 'acknowledged', received_at = ?, acked_ts = ?, last_error = NULL, "
                     "attempts = attempts + 1", (received_at, time.time()), only_pending=True)

    def mark_retry(self, submission_id: str, error: str, next_attempt_ts: float) -> None:
        self._update(submission_id,
                     "attempts = attempts + 1, last_error = ?, next_attempt_ts = ?",
                     (error, next_attempt_ts), only_pending=True)

    def mark_dead(self, submission_id: str, reason: dict[str, Any]) -> None:
        self._update(submission_id,
                     "state = 'dead', attempts = attempts + 1, dead_reason = ?, last_error = ?",
                     (self._seal_reason(submission_id, json.dumps(reason, ensure_ascii=False)),
                      reason.get("error")),
                     only_pending=True)

    def retry(self, key: str) -> OutboxItem:
        """Staff asked to try again now: a dead item goes back to pending."""
        item = self.find(key)
        if item.state == "acknowledged":
            raise OutboxError(f"{item.tracking_no} is already acknowledged by the platform")
        self._update(item.submission_id,
                     "state = 'pending', next_attempt_ts = 0, dead_reason = NULL", (),
                     only_pending=False)
        log.info("outbox_retry_requested submission=%s previous_state=%s",
                 item.submission_id, item.state)
        return self.get(item.submission_id)

    def _update(self, submission_id: str, assignments: str, args: tuple[Any, ...], *,
                only_pending: bool) -> None:
        guard = " AND state = 'pending'" if only_pending else ""
        with self._lock, transaction(self._db) as db:
            db.execute(f"UPDATE submissions SET {assignments} WHERE submission_id = ?{guard}",
                       (*args, submission_id))

    # ---- retention -------------------------------------------------------------------

    def purge_expired(self, now: float | None = None) -> int:
        """Delete personal data of acknowledged submissions past retention; keep the record.

        Returns how many submissions were purged. Blobs shared with a submission that
        still needs them stay.
        """
        now = time.time() if now is None else now
        cutoff = now - self.storage.retention_days * 86400
        with self._lock:
            ids = [r[0] for r in self._db.execute(
                "SELECT submission_id FROM submissions WHERE state = 'acknowledged' "
                "AND purged_ts IS NULL AND acked_ts <= ?", (cutoff,)).fetchall()]
            if not ids:
                return 0
            marks = ",".join("?" * len(ids))
            shas = {r[0] for r in self._db.execute(
                f"SELECT sha256 FROM attachments WHERE submission_id IN ({marks})", ids)}
            with transaction(self._db) as db:
                db.execute(f"UPDATE submissions SET payload = NULL, purged_ts = ? "
                           f"WHERE submission_id IN ({marks})", (now, *ids))
                db.execute(f"DELETE FROM attachments WHERE submission_id IN ({marks})", ids)
            still_used = {r[0] for r in self._db.execute(
                "SELECT DISTINCT sha256 FROM attachments").fetchall()}
            self.blobs.discard(shas - still_used)
        log.info("outbox_purged submissions=%d blobs=%d", len(ids), len(shas - still_used))
        return len(ids)

    def sweep_orphans(self, older_than_s: float = 3600.0) -> int:
        """Remove blobs that no submission refers to (left by a crash mid-commit)."""
        with self._lock:
            referenced = {r[0] for r in self._db.execute(
                "SELECT DISTINCT sha256 FROM attachments").fetchall()}
            removed = self.blobs.sweep(referenced, older_than_s=older_than_s)
        if removed:
            log.info("outbox_orphans_swept count=%d", removed)
        return removed


def _has_data(data_dir: Path) -> bool:
    blob_root = data_dir / "blobs"
    return (data_dir / DB_NAME).exists() or (blob_root.is_dir() and any(blob_root.iterdir()))


def check_key_file(storage: StorageSettings) -> None:
    """What opening the outbox would say about the key (KeyFileError), creating nothing:
    a missing key is fine only while no data depends on it."""
    if storage.key_file.exists() or _has_data(storage.data_dir):
        load_or_create_key(storage.key_file, allow_create=False)


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (28, 122):  # ENOSPC, EDQUOT
        return True
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()
