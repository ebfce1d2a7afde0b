"""The reader's monitoring thread: polls "find", reads each placement once, keeps health.

SAM readers have no card-arrival notification, so a thread of its own asks "find" every
poll_interval_s (through the I/O worker, like every other call). A placement is a run of
successful finds with the same select bytes: it is read once (up to read_attempts when
reads fail), never again while it stays, so a card left on the reader is not re-read on
readers that keep finding it, and strict readers (which stop finding a card once it was
read) simply report it gone. An unplugged reader, a SAM fault or a reader answering
garbage become a health status; the link is dropped and reopened with backoff.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from devices.idcard.errors import (
    AnswerLost,
    ChecksumError,
    GarbageAnswer,
    IdCardError,
    IdCardTimeout,
    ReaderUnavailable,
    TruncatedAnswer,
)
from devices.idcard.port import IdCardEvent, IdCardEventKind, Identity
from devices.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Poll:
    outcome: Literal["absent", "same", "read", "failed"]
    key: bytes = b""
    identity: Identity | None = field(default=None, repr=False)
    error: IdCardError | None = None


class MonitorOps(Protocol):
    """What the monitor asks of the service; each call is bounded and may raise
    IdCardError for a reader-level failure."""

    def connect(self) -> str: ...  # returns the SAM id

    def disconnect(self) -> None: ...

    def poll(self, known: bytes | None, want_read: bool,
             on_placed: Callable[[bytes], None]) -> Poll: ...

    def refusal(self, identity: Identity) -> IdCardError | None: ...

    def set_health(self, status: DeviceStatus) -> None: ...


def health_of(exc: Exception) -> DeviceStatus:
    """A reader-level failure -> the status staff see (no personal data in it)."""
    if isinstance(exc, ReaderUnavailable):
        return DeviceStatus(DeviceState.OFFLINE, "reader_missing", str(exc))
    if isinstance(exc, AnswerLost | TruncatedAnswer | IdCardTimeout):
        return DeviceStatus(DeviceState.OFFLINE, "reader_not_answering",
                            f"the reader does not answer ({exc.code})")
    if isinstance(exc, GarbageAnswer | ChecksumError):
        return DeviceStatus(DeviceState.ERROR, "reader_garbage",
                            f"the reader answers unusable frames ({exc.code})")
    if isinstance(exc, IdCardError):
        return DeviceStatus(DeviceState.ERROR, exc.code, str(exc))
    return DeviceStatus(DeviceState.ERROR, "monitor_error", f"{type(exc).__name__}")


class IdCardMonitor:
    def __init__(self, ops: MonitorOps, on_event: Callable[[IdCardEvent], None], *,
                 poll_interval_s: float = 0.05, backoff_s: float = 1.0,
                 max_backoff_s: float = 8.0, read_attempts: int = 2) -> None:
        self.ops, self._on_event = ops, on_event
        self.poll_interval_s = poll_interval_s
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.read_attempts = read_attempts
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = False
        self.sam_id = ""
        self.rounds = 0  # polls done; shows the thread is alive
        # the current placement
        self._key: bytes | None = None
        self._attempts = 0
        self._done = False

    def start(self) -> None:
        if self.alive:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="idcard-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _emit(self, kind: IdCardEventKind, *, identity: Identity | None = None, code: str = "",
              detail: str = "") -> None:
        log.info("idcard_event kind=%s code=%s", kind, code or "-")
        try:
            self._on_event(IdCardEvent(kind, identity, code, detail, time.monotonic()))
        except Exception:  # a faulty listener must not stop monitoring
            log.exception("idcard_event_listener_failed")

    # the loop ---------------------------------------------------------------------------
    def _run(self) -> None:
        delay, lost = self.backoff_s, False
        while not self._stop.is_set():
            try:
                if not self.connected:
                    self.sam_id = self.ops.connect()
                    self.connected, delay = True, self.backoff_s
                    self.ops.set_health(DeviceStatus(DeviceState.OK, "ready", "ready"))
                    if lost:
                        lost = False
                        log.info("idcard_reader_restored")
                        self._emit("reader_restored")
                self._round()
                self._stop.wait(self.poll_interval_s)
            except Exception as exc:  # never die: a health status, drop the link, back off
                status = health_of(exc)
                if not isinstance(exc, IdCardError):
                    log.exception("idcard_monitor_round_failed")
                self.ops.set_health(status)
                self._forget_placement()
                if self.connected or not lost:
                    log.warning("idcard_reader_lost code=%s", status.code)
                    self._emit("reader_lost", code=status.code, detail=status.detail)
                self.connected, lost = False, True
                try:
                    self.ops.disconnect()
                except Exception:
                    log.exception("idcard_disconnect_failed")
                self._stop.wait(delay)
                delay = min(delay * 2, self.max_backoff_s)

    def _round(self) -> None:
        want_read = self._key is not None and not self._done
        result = self.ops.poll(self._key, want_read, self._placed)
        self.rounds += 1
        if result.outcome == "absent":
            self._forget_placement()
            return
        if result.outcome == "same":
            return
        self._attempts += 1
        if result.outcome == "read" and result.identity is not None:
            self._done = True
            refused = self.ops.refusal(result.identity)
            if refused is not None:
                self._emit("card_refused", code=refused.code, detail=str(refused))
            else:
                self._emit("identity_read", identity=result.identity)
            return
        err = result.error
        code = err.code if err is not None else "read_failed"
        self._emit("read_failed", code=code, detail=str(err) if err else "")
        if code == "card_removed":
            self._key, self._attempts, self._done = None, 0, False
        elif self._attempts >= self.read_attempts:
            self._done = True  # wait for the card to go rather than hammer a bad one

    def _placed(self, key: bytes) -> None:
        """Called from the poll when the selected card is not the current placement."""
        if key == self._key:
            return
        if self._key is not None:
            self._emit("card_removed")  # swapped between two polls
        self._key, self._attempts, self._done = key, 0, False
        self._emit("card_placed")

    def _forget_placement(self) -> None:
        if self._key is not None:
            self._key, self._attempts, self._done = None, 0, False
            self._emit("card_removed")
