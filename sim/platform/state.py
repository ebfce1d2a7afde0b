"""Everything the simulated platform remembers, behind one lock.

All business rules that need a consistent view (idempotency, duplicate tracking numbers,
blob presence) run entirely under the lock, so concurrent retries from a kiosk cannot
create an application twice. Everything lives in memory; it is a simulator.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .catalog import build_catalog, catalog_version, services_by_code
from .clock import rfc3339
from .messages import ApiError, canonical_json, validation_error
from .progress import STATUSES, Progression
from .validation import (
    FieldProblem,
    check_against_service,
    check_attachment_sizes,
    check_material_codes,
    check_submission_shape,
    check_supplement_shape,
)

DEFAULT_MAX_BLOB_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BLOB_BYTES = 2 * 1024 * 1024 * 1024  # keep a runaway client from eating all RAM
MAX_HEARTBEATS = 5000
COMMAND_TYPES = ("reload_catalog", "out_of_service", "in_service", "restart", "purge_cache")
COMMAND_DELIVERIES = 2  # each command rides on two heartbeat answers ("at least once")
TICKET_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class SubmissionRecord:
    submission_id: str
    tracking_no: str
    query_code: str
    service_code: str
    kiosk_id: str
    canonical_body: str
    ack: dict[str, Any]
    attachments: list[dict[str, Any]]
    progression: Progression


@dataclass
class SupplementRecord:
    key: str
    tracking_no: str
    canonical_body: str
    answer: dict[str, Any]


@dataclass
class SubmissionAudit:
    tracking_no: str | None = None
    service_code: str | None = None
    posts: int = 0
    commits: int = 0
    # Attachments of the last POST, judged when the submission never committed.
    last_attachments: list[Any] = field(default_factory=list)


@dataclass
class QueuedCommand:
    id: str
    type: str
    reason: str
    deliveries_left: int = COMMAND_DELIVERIES

    def to_json(self) -> dict[str, str]:
        body = {"id": self.id, "type": self.type}
        if self.reason:
            body["reason"] = self.reason
        return body


@dataclass
class HeartbeatRecord:
    kiosk_id: str
    received_at: float
    body: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "kiosk_id": self.kiosk_id,
            "received_at": rfc3339(self.received_at),
            "body": self.body,
        }


@dataclass
class TicketQueue:
    letter: str
    minutes_per_person: int
    base_waiting: int
    counter: int = 0
    issued: deque[float] = field(default_factory=lambda: deque(maxlen=500))


class PlatformState:
    def __init__(
        self,
        seed: int = 1,
        step_seconds: float = 30.0,
        max_blob_bytes: int = DEFAULT_MAX_BLOB_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if step_seconds <= 0:
            raise ValueError("step_seconds must be > 0")
        self.seed = seed
        self.step_seconds = step_seconds
        self.max_blob_bytes = max_blob_bytes
        self._clock = clock
        self.lock = threading.RLock()
        self._reset_locked()

    # -- housekeeping ---------------------------------------------------------------

    def _reset_locked(self) -> None:
        self.catalog_revision = 1
        self.catalog = build_catalog(self.seed, self.catalog_revision)
        self.services = services_by_code(self.catalog)
        self._serialise_catalog()
        self.blobs: dict[str, bytes] = {}
        self.blob_bytes_total = 0
        self.submissions: dict[str, SubmissionRecord] = {}
        self.by_tracking: dict[str, str] = {}
        self.supplements: dict[str, SupplementRecord] = {}
        self.audit_entries: dict[str, SubmissionAudit] = {}
        self.tracking_attempts: dict[str, set[str]] = {}
        self.tickets: dict[tuple[str, str], TicketQueue] = {}
        self.heartbeats: deque[HeartbeatRecord] = deque(maxlen=MAX_HEARTBEATS)
        self.commands: dict[str, list[QueuedCommand]] = {}
        self.counts: Counter[str] = Counter()

    def reset(self) -> None:
        """Forgets everything (blobs, submissions, tickets, ...); the catalog restarts."""
        with self.lock:
            self._reset_locked()

    def now(self) -> float:
        return self._clock()

    def count_request(self, endpoint: str) -> None:
        with self.lock:
            self.counts[endpoint] += 1

    # -- catalog ---------------------------------------------------------------------

    def _serialise_catalog(self) -> None:
        self.catalog_json = json.dumps(self.catalog, ensure_ascii=False).encode("utf-8")
        self.catalog_etag = '"' + hashlib.sha256(self.catalog_json).hexdigest()[:32] + '"'

    def catalog_snapshot(self) -> tuple[str, bytes]:
        with self.lock:
            return self.catalog_etag, self.catalog_json

    def bump_catalog(self) -> dict[str, str]:
        """A new catalog version (same services), hence a new ETag."""
        with self.lock:
            self.catalog_revision += 1
            self.catalog["version"] = catalog_version(self.seed, self.catalog_revision)
            self._serialise_catalog()
            return {"version": self.catalog["version"], "etag": self.catalog_etag}

    # -- blobs -----------------------------------------------------------------------

    def has_blob(self, sha256: str) -> bool:
        with self.lock:
            return sha256 in self.blobs

    def put_blob(self, sha256: str, data: bytes) -> bool:
        """Stores a verified blob; True if it was new."""
        with self.lock:
            if sha256 in self.blobs:
                return False
            if self.blob_bytes_total + len(data) > MAX_TOTAL_BLOB_BYTES:
                raise ApiError(507, "insufficient_storage", "the simulator's blob store is full")
            self.blobs[sha256] = data
            self.blob_bytes_total += len(data)
            return True

    def _check_blobs(self, attachments: list[dict[str, Any]]) -> None:
        """409 missing_blobs for absent blobs, then 422 for sizes that do not match."""
        missing: list[str] = []
        for attachment in attachments:
            sha = attachment["sha256"]
            if sha not in self.blobs and sha not in missing:
                missing.append(sha)
        if missing:
            raise ApiError(
                409, "missing_blobs", f"{len(missing)} blob(s) not uploaded", missing=missing
            )
        problems = [
            FieldProblem(f"attachments[{index}].bytes", "size_mismatch")
            for index, attachment in enumerate(attachments)
            if len(self.blobs[attachment["sha256"]]) != attachment["bytes"]
        ]
        if problems:
            raise validation_error(problems)

    # -- submissions -----------------------------------------------------------------

    def record_submission_post(self, key: str | None, raw_body: bytes) -> None:
        """Audit: a POST /submissions arrived (before any fault or check applies)."""
        try:
            body = json.loads(raw_body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        if not isinstance(body, dict):
            body = {}
        submission_id = key or body.get("submission_id")
        if not isinstance(submission_id, str) or not submission_id:
            return
        with self.lock:
            entry = self.audit_entries.setdefault(submission_id, SubmissionAudit())
            entry.posts += 1
            tracking_no, service_code = body.get("tracking_no"), body.get("service_code")
            if isinstance(tracking_no, str) and entry.commits == 0:
                entry.tracking_no = tracking_no
                self.tracking_attempts.setdefault(tracking_no, set()).add(submission_id)
            if isinstance(service_code, str) and entry.commits == 0:
                entry.service_code = service_code
            attachments = body.get("attachments")
            if isinstance(attachments, list) and entry.commits == 0:
                entry.last_attachments = attachments

    def submit(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Commits a submission: (201, ack), or (200, first ack) for a replay; else ApiError."""
        canonical = canonical_json(body)
        with self.lock:
            existing = self.submissions.get(key)
            if existing is not None:
                if existing.canonical_body == canonical:
                    return 200, dict(existing.ack)
                raise ApiError(
                    422, "idempotency_key_reuse", "this Idempotency-Key was used with another body"
                )
            if "submission_id" in body and body["submission_id"] != key:
                raise validation_error(
                    [FieldProblem("submission_id", "must_equal_idempotency_key")]
                )
            problems = check_submission_shape(body)
            if problems:
                raise validation_error(problems)
            service = self.services.get(body["service_code"])
            if service is None:
                raise ApiError(
                    422,
                    "unknown_service",
                    "no such service in the catalog",
                    fields=[FieldProblem("service_code", "unknown_service")],
                )
            problems = check_against_service(body, service)
            problems += check_attachment_sizes(body["attachments"], self.max_blob_bytes)
            if problems:
                raise validation_error(problems)
            tracking_no = body["tracking_no"]
            if tracking_no in self.by_tracking:
                raise ApiError(
                    422,
                    "duplicate_tracking_no",
                    "this tracking number belongs to another submission",
                    fields=[FieldProblem("tracking_no", "duplicate")],
                )
            self._check_blobs(body["attachments"])
            return 201, self._commit(key, body, canonical, service)

    def _commit(
        self, key: str, body: dict[str, Any], canonical: str, service: dict[str, Any]
    ) -> dict[str, Any]:
        now = self.now()
        tracking_no = body["tracking_no"]
        ack = {"tracking_no": tracking_no, "status": "received", "received_at": rfc3339(now)}
        progression = Progression.start(
            tracking_no,
            [m["code"] for m in service["materials"]],
            now,
            service["promised_days"],
        )
        self.submissions[key] = SubmissionRecord(
            submission_id=key,
            tracking_no=tracking_no,
            query_code=body["query_code"],
            service_code=service["code"],
            kiosk_id=body["kiosk_id"],
            canonical_body=canonical,
            ack=ack,
            attachments=list(body["attachments"]),
            progression=progression,
        )
        self.by_tracking[tracking_no] = key
        entry = self.audit_entries.setdefault(key, SubmissionAudit())
        entry.commits += 1
        entry.tracking_no, entry.service_code = tracking_no, service["code"]
        return dict(ack)

    def _record_by_tracking(self, tracking_no: str) -> SubmissionRecord | None:
        key = self.by_tracking.get(tracking_no)
        return self.submissions[key] if key is not None else None

    def progress(self, tracking_no: str, query_code: str | None) -> dict[str, Any]:
        with self.lock:
            record = self._record_by_tracking(tracking_no)
            if record is None or query_code != record.query_code:
                # Same answer for both, so the code cannot be probed.
                raise ApiError(404, "not_found", "no application with this number and code")
            record.progression.advance(self.now(), self.step_seconds)
            return record.progression.to_json(record.service_code)

    def supplement(
        self, tracking_no: str, key: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        canonical = canonical_json(body)
        with self.lock:
            record = self._record_by_tracking(tracking_no)
            if record is None:
                raise ApiError(404, "not_found", "no application with this tracking number")
            previous = self.supplements.get(key)
            if previous is not None:
                if previous.tracking_no == tracking_no and previous.canonical_body == canonical:
                    return 200, dict(previous.answer)
                raise ApiError(
                    422, "idempotency_key_reuse", "this Idempotency-Key was used with another body"
                )
            problems = check_supplement_shape(body)
            if problems:
                raise validation_error(problems)
            # Ambiguous in the contract: accept the original submission's id, or the
            # supplement's own Idempotency-Key.
            if body["submission_id"] not in (record.submission_id, key):
                raise validation_error(
                    [FieldProblem("submission_id", "does_not_match_tracking_no")]
                )
            record.progression.advance(self.now(), self.step_seconds)
            if record.progression.status != "needs_materials":
                raise ApiError(
                    409, "not_awaiting_materials", f"the application is {record.progression.status}"
                )
            problems = check_material_codes(
                body["attachments"], self.services[record.service_code], require_all=False
            )
            if problems:
                raise validation_error(problems)
            self._check_blobs(body["attachments"])
            now = self.now()
            record.attachments.extend(body["attachments"])
            record.progression.supplement_received(now)
            answer = {
                "tracking_no": tracking_no,
                "status": "in_review",
                "received_at": rfc3339(now),
            }
            self.supplements[key] = SupplementRecord(key, tracking_no, canonical, answer)
            return 201, dict(answer)

    def force_status(
        self, tracking_no: str, status: str, missing: list[str] | None, resume: bool
    ) -> dict[str, Any]:
        if status not in STATUSES:
            raise validation_error([FieldProblem("status", "not_allowed")])
        with self.lock:
            record = self._record_by_tracking(tracking_no)
            if record is None:
                raise ApiError(404, "not_found", "no application with this tracking number")
            record.progression.advance(self.now(), self.step_seconds)
            record.progression.force(status, self.now(), missing, resume)
            return record.progression.to_json(record.service_code)

    # -- tickets ---------------------------------------------------------------------

    def issue_ticket(self, hall_id: str, category: str) -> dict[str, Any]:
        with self.lock:
            codes = [c["code"] for c in self.catalog["categories"]]
            if category not in codes:
                raise validation_error([FieldProblem("category", "unknown_category")])
            queue = self.tickets.get((hall_id, category))
            if queue is None:
                index = codes.index(category)
                digest = hashlib.sha256(f"{self.seed}:{hall_id}:{category}".encode()).digest()
                queue = TicketQueue(TICKET_LETTERS[index], 3 + index % 4, digest[0] % 6)
                self.tickets[(hall_id, category)] = queue
            now = self.now()
            # People ahead: a fixed base crowd plus tickets taken in the last half hour.
            recent = sum(1 for issued in queue.issued if now - issued < 1800)
            waiting = queue.base_waiting + recent
            queue.counter = queue.counter % 999 + 1
            queue.issued.append(now)
            return {
                "ticket_no": f"{queue.letter}{queue.counter:03d}",
                "waiting_ahead": waiting,
                "estimated_wait_min": waiting * queue.minutes_per_person,
                "issued_at": rfc3339(now),
            }

    # -- heartbeats and commands ------------------------------------------------------

    def heartbeat(self, kiosk_id: str, body: dict[str, Any]) -> list[dict[str, str]]:
        """Stores the heartbeat; returns the commands riding on its answer."""
        with self.lock:
            self.heartbeats.append(HeartbeatRecord(kiosk_id, self.now(), body))
            queued = self.commands.get(kiosk_id, [])
            delivered = [command.to_json() for command in queued]
            for command in queued:
                command.deliveries_left -= 1
            remaining = [command for command in queued if command.deliveries_left > 0]
            if remaining:
                self.commands[kiosk_id] = remaining
            else:
                self.commands.pop(kiosk_id, None)
            return delivered

    def queue_command(self, kiosk_id: str, command_type: str, reason: str = "") -> str:
        if command_type not in COMMAND_TYPES:
            raise validation_error([FieldProblem("type", "not_allowed")])
        # A random id: a kiosk remembers ids it has carried out, even across simulator runs.
        command = QueuedCommand(str(uuid.uuid4()), command_type, reason)
        with self.lock:
            self.commands.setdefault(kiosk_id, []).append(command)
        return command.id

    def commands_json(self) -> dict[str, list[dict[str, Any]]]:
        with self.lock:
            return {
                kiosk: [dict(c.to_json(), deliveries_left=c.deliveries_left) for c in queued]
                for kiosk, queued in self.commands.items()
            }

    def heartbeats_json(self, kiosk_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [h.to_json() for h in self.heartbeats if kiosk_id in (None, h.kiosk_id)]

    # -- audit -----------------------------------------------------------------------

    def _attachments_ok(self, attachments: list[Any]) -> bool:
        for attachment in attachments:
            if not isinstance(attachment, dict):
                return False
            sha = attachment.get("sha256")
            data = self.blobs.get(sha) if isinstance(sha, str) else None
            if data is None or hashlib.sha256(data).hexdigest() != sha:
                return False
            if len(data) != attachment.get("bytes"):
                return False
        return True

    def audit(self) -> dict[str, Any]:
        with self.lock:
            submissions: dict[str, Any] = {}
            for submission_id, entry in self.audit_entries.items():
                record = self.submissions.get(submission_id)
                attachments = record.attachments if record else entry.last_attachments
                submissions[submission_id] = {
                    "tracking_no": entry.tracking_no,
                    "service_code": entry.service_code,
                    "commits": entry.commits,
                    "posts": entry.posts,
                    "attachments_ok": self._attachments_ok(attachments),
                }
            return {
                "submissions": submissions,
                "tracking_numbers": {
                    tracking_no: len(ids) for tracking_no, ids in self.tracking_attempts.items()
                },
                "blobs": {sha: len(data) for sha, data in self.blobs.items()},
                "counts": dict(self.counts),
            }
