"""Helpers for the ID card driver's tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from devices.idcard.port import IdCardEvent
from devices.idcard.settings import IdCardSettings, Timeouts

TODAY = date(2026, 6, 1)
FAST = Timeouts(answer_s=0.15, read_s=1.0, fingerprint_read_s=1.0, call_margin_s=1.0)


def fast_settings(port: str, **changes: object) -> IdCardSettings:
    base = IdCardSettings(port=port, timeouts=FAST, poll_interval_s=0.02,
                          reconnect_backoff_s=0.05, max_backoff_s=0.2)
    return replace(base, **changes)  # type: ignore[arg-type]


class Events:
    """Collects a monitor's events; waits on a condition, never on a fixed sleep."""

    def __init__(self) -> None:
        self.items: list[IdCardEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: IdCardEvent) -> None:
        with self._cond:
            self.items.append(event)
            self._cond.notify_all()

    def kinds(self) -> list[str]:
        with self._cond:
            return [e.kind for e in self.items]

    def wait_for(self, kind: str, count: int = 1, timeout_s: float = 5.0) -> IdCardEvent:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: sum(e.kind == kind for e in self.items) >= count, timeout_s)
            assert ok, f"no {count}x {kind} within {timeout_s} s; saw {self.kinds_unlocked()}"
            return [e for e in self.items if e.kind == kind][count - 1]

    def kinds_unlocked(self) -> list[str]:
        return [e.kind for e in self.items]


def wait_until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout_s / 0.01)):
        if predicate():
            return
        done.wait(0.01)
    raise AssertionError("condition not reached in time")
