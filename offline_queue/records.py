"""What the outbox stores and answers: records, errors, and the checks before a commit.

Kept apart from outbox.py so the store itself stays short; outbox.py re-exports these.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")
MAX_BLOB_BYTES = 20 * 1024 * 1024


class OutboxError(Exception):
    """A submission could not be committed; the message can be shown to staff."""


class InvalidSubmission(OutboxError):
    pass


class OutboxFull(OutboxError):
    """The disk is full: the submission was not committed and nothing of it remains."""


class UnknownSubmission(OutboxError):
    pass


_FULL_MESSAGE = "The kiosk's storage is full; the application was not filed."


class _BlobVanished(Exception):
    """A deduplicated blob was deleted by retention between writing and recording."""


@dataclass(frozen=True)
class NewAttachment:
    material_code: str
    data: bytes
    media_type: str
    pages: int | None = None


@dataclass(frozen=True)
class NewSubmission:
    service_code: str
    applicant: dict[str, Any]
    form: dict[str, Any]
    attachments: list[NewAttachment] = field(default_factory=list)
    contact: dict[str, str] | None = None
    delivery: str | None = None
    assisted_by: str | None = None


@dataclass(frozen=True)
class FiledSubmission:
    """What the receipt needs: issued by the kiosk, valid before the platform knows."""

    submission_id: str
    tracking_no: str
    query_code: str
    service_code: str
    created_at: str


@dataclass(frozen=True)
class AttachmentRecord:
    material_code: str
    sha256: str
    media_type: str
    bytes: int
    pages: int | None


@dataclass(frozen=True)
class OutboxItem:
    submission_id: str
    tracking_no: str
    service_code: str
    state: str
    created_at: str
    attempts: int
    next_attempt_ts: float
    last_error: str | None
    dead_reason: str | None
    received_at: str | None
    purged: bool


@dataclass(frozen=True)
class DeadLetter:
    """A refused submission as staff and the heartbeat see it: codes and field names only
    in `fields`; `message` is the platform's own text (may echo filed data: not for logs)."""

    submission_id: str
    tracking_no: str
    service_code: str
    error: str
    status: int | None
    fields: list[tuple[str, str]]  # (field, problem), e.g. ("delivery", "not_offered")
    message: str


@dataclass(frozen=True)
class QueueStatus:
    pending: int
    dead: int
    acknowledged: int
    purged: int
    oldest_pending_age_s: int | None
    due_now: int


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT; on any error roll back what SQLite has not already."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (disk full, I/O error) may have rolled back by itself.
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _check(sub: NewSubmission) -> None:
    if not sub.service_code:
        raise InvalidSubmission("service_code is empty")
    for i, a in enumerate(sub.attachments):
        if a.media_type not in MEDIA_TYPES:
            raise InvalidSubmission(f"attachment {i}: media type {a.media_type!r} is not one of "
                                    f"{', '.join(MEDIA_TYPES)}")
        if not a.data:
            raise InvalidSubmission(f"attachment {i} is empty")
        if len(a.data) > MAX_BLOB_BYTES:
            raise InvalidSubmission(f"attachment {i} is over 20 MiB")
        if not a.material_code:
            raise InvalidSubmission(f"attachment {i} has no material code")
    try:
        _encode({"applicant": sub.applicant, "form": sub.form, "contact": sub.contact})
    except (TypeError, ValueError) as exc:
        raise InvalidSubmission(f"form data cannot be stored: {exc}") from None




def dead_letter_of(item: OutboxItem) -> DeadLetter:
    try:
        reason = json.loads(item.dead_reason or "{}")
    except ValueError:
        reason = {}
    if not isinstance(reason, dict):
        reason = {}
    fields = [(str(f.get("field", "")), str(f.get("problem", "")))
              for f in reason.get("fields") or [] if isinstance(f, dict)]
    status = reason.get("status")
    return DeadLetter(item.submission_id, item.tracking_no, item.service_code,
                      str(reason.get("error") or "unknown"),
                      status if isinstance(status, int) else None, fields,
                      str(reason.get("message") or ""))
