"""Staff sign-in while the platform is unreachable: for the maintain role only.

The contract's POST /staff/login answers staff_id, name and roles, never a credential the
kiosk could check later, so the kiosk keeps its own: after each online sign-in of a member
with the maintain role it stores a scrypt hash of card UID + PIN (staff_pin.py, a fresh
salt each time) with the staff_id and roles, and nothing else: no name, no PIN, no UID
(the card is found by a SHA-256 tag of its UID). The file is small and bounded (the newest
`offline_entries`), entries expire after `offline_days`, it is written whole (0600) beside
the outbox. A 401 online removes the card's entry; a member without maintain is never
stored. The config may add a local technician credential (`[staff] technician_card_uid`
and `technician_pin_hash`), checked here too.

Wrong PINs are rate limited across visits and cards: after `pin_tries` wrong ones in a
row, nobody signs in offline for `lockout_s`. Thread-safe: the checks run on the flow's
executor (a hash takes tens of milliseconds).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import StaffSettings
from .files import write_atomic
from .staff_pin import SCRYPT_N, PinHash, PinHashError, hash_pin, parse_hash, verify_pin

log = logging.getLogger(__name__)

TECHNICIAN_ID = "technician"  # the staff_id of the config's local technician
# What an offline sign-in may do, whatever the member's roles.
OFFLINE_ROLES: tuple[str, ...] = ("maintain",)
_DAY_S = 86400.0


@dataclass(frozen=True)
class OfflineSignIn:
    """What the local check says: ok (staff_id, roles, via "offline" | "local"), wrong_pin,
    locked (wait_s left) or unknown_card (no live entry for it: assist only, never signed
    in here online, expired, or removed by a 401)."""

    outcome: str
    staff_id: str = ""
    roles: tuple[str, ...] = ()
    via: str = ""
    wait_s: int = 0
    tries_left: int = 0


@dataclass(frozen=True)
class _Entry:
    card: str  # card_tag(uid)
    hash: PinHash
    staff_id: str
    roles: tuple[str, ...]
    stored_at: float  # wall clock, seconds

    def to_json(self) -> dict[str, Any]:
        return {"card": self.card, "hash": str(self.hash), "staff_id": self.staff_id,
                "roles": list(self.roles), "stored_at": self.stored_at}


def card_tag(uid: str) -> str:
    return hashlib.sha256(f"kiosk-staff-card:{uid.upper()}".encode()).hexdigest()


class StaffCredentials:
    def __init__(self, path: Path | None, settings: StaffSettings, *,
                 wall: Callable[[], float] = time.time,
                 clock: Callable[[], float] = time.monotonic, scrypt_n: int = SCRYPT_N) -> None:
        self.path = path  # None: kept in memory only (tests of the flow)
        self.settings = settings
        self._scrypt_n = scrypt_n  # tests make it cheaper; the kiosk keeps the default
        self._wall, self._clock = wall, clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = self._load()
        self._wrong = 0  # wrong PINs in a row, any card
        self._locked_until = 0.0

    # ---- what the flow asks -----------------------------------------------------------

    def is_technician(self, uid: str) -> bool:
        tech = self.settings.technician_card_uid
        return bool(tech) and self.settings.technician_pin_hash is not None \
            and uid.upper() == tech.upper()

    def available(self) -> bool:
        """Whether anyone could sign in here without the platform."""
        if self.settings.technician_pin_hash is not None:
            return True
        with self._lock:
            return any(not self._expired(e) for e in self._entries.values())

    def remember(self, uid: str, pin: str, staff_id: str, roles: tuple[str, ...]) -> None:
        """After an online sign-in: store (or refresh) the member's entry if they may
        maintain, else drop any entry of the card."""
        if "maintain" not in roles:
            self.forget(uid, "no_maintain_role")
            return
        entry = _Entry(card_tag(uid), hash_pin(uid, pin, n=self._scrypt_n), staff_id,
                       tuple(r for r in roles if r in OFFLINE_ROLES), self._wall())
        with self._lock:
            self._entries.pop(entry.card, None)
            self._entries[entry.card] = entry  # the newest last
            while len(self._entries) > self.settings.offline_entries:
                del self._entries[next(iter(self._entries))]
            self._save()
            count = len(self._entries)
        log.info("staff_offline_stored staff_id=%s entries=%d", staff_id, count)

    def forget(self, uid: str, reason: str) -> bool:
        with self._lock:
            entry = self._entries.pop(card_tag(uid), None)
            if entry is not None:
                self._save()
        if entry is not None:
            log.info("staff_offline_removed staff_id=%s reason=%s", entry.staff_id, reason)
        return entry is not None

    def check(self, uid: str, pin: str) -> OfflineSignIn:
        """The card and PIN against the technician credential or the cache."""
        now = self._clock()
        with self._lock:
            if now < self._locked_until:
                return OfflineSignIn("locked", wait_s=int(self._locked_until - now + 0.999))
            if self.is_technician(uid):
                stored = self.settings.technician_pin_hash
                staff_id, roles, via = TECHNICIAN_ID, OFFLINE_ROLES, "local"
            else:
                entry = self._entries.get(card_tag(uid))
                if entry is not None and self._expired(entry):
                    del self._entries[entry.card]
                    self._save()
                    log.info("staff_offline_removed staff_id=%s reason=expired",
                             entry.staff_id)
                    entry = None
                if entry is None:
                    return OfflineSignIn("unknown_card")
                stored, staff_id, roles, via = entry.hash, entry.staff_id, entry.roles, "offline"
        assert stored is not None
        right = verify_pin(stored, uid, pin)  # slow: outside the lock
        with self._lock:
            if right:
                self._wrong = 0
                return OfflineSignIn("ok", staff_id, roles, via)
            self._wrong += 1
            if self._wrong >= self.settings.pin_tries:
                self._wrong = 0
                self._locked_until = self._clock() + self.settings.lockout_s
                log.warning("staff_offline_locked seconds=%d", int(self.settings.lockout_s))
                return OfflineSignIn("locked", wait_s=int(self.settings.lockout_s))
            return OfflineSignIn("wrong_pin", tries_left=self.settings.pin_tries - self._wrong)

    # ---- the file -------------------------------------------------------------------------

    def _expired(self, entry: _Entry) -> bool:
        return self._wall() - entry.stored_at > self.settings.offline_days * _DAY_S

    def _load(self) -> dict[str, _Entry]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            doc = json.loads(self.path.read_bytes())
            entries = [_Entry(str(e["card"]), parse_hash(str(e["hash"])), str(e["staff_id"]),
                              tuple(str(r) for r in e["roles"]), float(e["stored_at"]))
                       for e in doc["entries"]]
        except (OSError, ValueError, KeyError, TypeError, PinHashError) as exc:
            # Start empty: the next online sign-in of each maintainer stores them again.
            log.warning("staff_offline_unreadable error=%s", type(exc).__name__)
            return {}
        entries.sort(key=lambda e: e.stored_at)
        return {e.card: e for e in entries}

    def _save(self) -> None:
        if self.path is None:
            return
        body = {"version": 1, "entries": [e.to_json() for e in self._entries.values()]}
        try:
            write_atomic(self.path, json.dumps(body, indent=1).encode())
        except OSError as exc:  # a full disk: sign-in still works online
            log.warning("staff_offline_not_saved error=%s", type(exc).__name__)
