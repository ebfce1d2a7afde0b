"""Calls for a staff member: the citizen's 呼叫工作人员, or the flow's own (a face check
that did not succeed). At most one is open, since one citizen stands at the kiosk.

    desk = Assistance(on_change=runtime.wake)   # the heartbeat carries it at once
    desk.call("help"); desk.open                # StaffCall(reason, since) | None
    desk.end()                                  # staff signed in, visit ended, cancelled
    desk.counters()                             # {"call_staff_open": 1, "call_staff_waiting_s": 42}

The platform's heartbeat has no field for assistance, so the request rides in the
heartbeat's counters (a contract gap). Reasons are short codes, never personal data.
Thread-safe: the flow calls on the UI thread, the heartbeat reads from its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffCall:
    reason: str  # "help", "face_check", ...
    since: float  # on the desk's (monotonic) clock


class Assistance:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 on_change: Callable[[], None] | None = None) -> None:
        self._clock = clock
        self.on_change = on_change
        self._lock = threading.Lock()
        self._open: StaffCall | None = None

    @property
    def open(self) -> StaffCall | None:
        with self._lock:
            return self._open

    def call(self, reason: str) -> StaffCall:
        """Open a call (idempotent while one is open: the first reason and time stay)."""
        with self._lock:
            if self._open is not None:
                return self._open
            self._open = call = StaffCall(reason, self._clock())
        log.info("staff_call_opened reason=%s", reason)
        self._changed()
        return call

    def end(self) -> None:
        with self._lock:
            call, self._open = self._open, None
        if call is None:
            return
        log.info("staff_call_ended reason=%s waited_s=%d", call.reason,
                 int(self._clock() - call.since))
        self._changed()

    def waiting_s(self) -> int:
        call = self.open
        return int(self._clock() - call.since) if call is not None else 0

    def counters(self) -> dict[str, int]:
        call = self.open
        return {"call_staff_open": int(call is not None), "call_staff_waiting_s": self.waiting_s()}

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception:  # noqa: BLE001 - a heartbeat that cannot wake is not the flow's fault
                log.exception("staff_call_notify_failed")
