"""Kiosk-issued tracking numbers and query codes, valid on a receipt printed offline.

A tracking number is HALL-KIOSK-YYYYMMDD-SEQ (contract pattern
`^[A-Z]{2}[0-9]{2}-K[0-9]{3}-[0-9]{8}-[0-9]{4}$`). The sequence must never repeat, even
after a crash or after the database was restored from an old copy. Three guards:

1. The database records the last sequence issued per day, in the same transaction as
   the submission (so a number is issued exactly when its submission is committed).
2. A ledger file beside it reserves numbers in blocks *before* any of them is used, and
   every process start begins after the last reserved block. A database that was
   restored from an old copy, replaced after corruption or lost therefore never leads
   to a number at or below one that was handed out.
3. A clock floor: the sequence is never below (seconds since local midnight) / 15, so
   even a folder restored whole (ledger included) continues above the numbers issued
   at the kiosk's ordinary pace since the backup was taken.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .crypto import fsync_dir

log = logging.getLogger(__name__)

TRACKING_RE = re.compile(r"^[A-Z]{2}[0-9]{2}-K[0-9]{3}-[0-9]{8}-[0-9]{4}$")
QUERY_CODE_RE = re.compile(r"^[0-9A-Z]{6}$")
# Without 0/O and 1/I, which an elderly citizen copying a receipt cannot tell apart.
QUERY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_SEQUENCE = 9999
RESERVE_BLOCK = 16
CLOCK_FLOOR_SECONDS = 15


class SequenceExhausted(Exception):
    """All of today's tracking numbers are used; filing resumes after midnight."""


def day_of(now: datetime) -> str:
    return now.strftime("%Y%m%d")


def format_tracking_no(hall: str, kiosk_id: str, day: str, seq: int) -> str:
    return f"{hall}-{kiosk_id}-{day}-{seq:04d}"


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_ALPHABET) for _ in range(6))


def clock_floor(now: datetime) -> int:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return int((now - midnight).total_seconds()) // CLOCK_FLOOR_SECONDS


@dataclass
class _Reservation:
    day: str
    reserved: int  # every number up to this may have been issued


class SequenceLedger:
    """The reservation file; one small JSON document replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._current = self._read()
        # Numbers below this were (or may have been) issued before this process started.
        self.start_floor: dict[str, int] = {}
        if self._current is not None:
            self.start_floor[self._current.day] = self._current.reserved

    def _read(self) -> _Reservation | None:
        try:
            doc = json.loads(self.path.read_text())
            return _Reservation(day=str(doc["day"]), reserved=int(doc["reserved"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("sequence_ledger_unreadable path=%s error=%s", self.path, exc)
            return None

    def floor(self, day: str) -> int:
        return self.start_floor.get(day, 0)

    def ensure_reserved(self, day: str, seq: int) -> None:
        """Durably reserve `seq` (and a block after it) before it is used."""
        cur = self._current
        if cur is not None and cur.day == day and cur.reserved >= seq:
            return
        new = _Reservation(day=day, reserved=min(seq + RESERVE_BLOCK - 1, MAX_SEQUENCE))
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, json.dumps({"day": new.day, "reserved": new.reserved}).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        fsync_dir(self.path.parent)
        self._current = new


def next_sequence(db_last: int, ledger: SequenceLedger, now: datetime) -> int:
    day = day_of(now)
    seq = max(db_last, ledger.floor(day), clock_floor(now)) + 1
    if seq > MAX_SEQUENCE:
        raise SequenceExhausted(f"all {MAX_SEQUENCE} tracking numbers of {day} are used")
    return seq
