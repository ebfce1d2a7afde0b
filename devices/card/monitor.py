"""Reader and card monitoring: our own polling thread over SCardGetStatusChange.

pyscard's CardMonitor thread dies silently on PC/SC errors and its context never
recovers when pcscd restarts. Here every wait is bounded (poll_interval_s), the context
is re-established with backoff when pcscd vanishes, readers that disappear are dropped
and picked up again, and events go to a callback on this worker thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from smartcard import scard

from devices.card.errors import CardError, ReaderUnavailable
from devices.card.port import CardEvent, CardEventKind, ReaderInfo
from devices.card.transport import (
    PNP_NOTIFICATION,
    establish_context,
    list_readers,
    release_context,
)

log = logging.getLogger(__name__)

_LOST = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_INVALID_HANDLE,
         scard.SCARD_F_COMM_ERROR, scard.SCARD_E_NO_READERS_AVAILABLE}
_READER_GONE = {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE}


def _u32(v: int) -> int:
    return v & 0xFFFFFFFF


class _ContextLost(Exception):
    pass


class CardMonitor:
    def __init__(self, on_event: Callable[[CardEvent], None], *, poll_interval_s: float = 0.5,
                 backoff_s: float = 1.0, max_backoff_s: float = 8.0) -> None:
        self._on_event = on_event
        self.poll_ms = max(50, int(poll_interval_s * 1000))
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._readers: dict[str, ReaderInfo] = {}
        self.service_up = False
        self.last_error = ""
        self.rounds = 0  # SCardGetStatusChange calls; shows the thread is alive
        self._counts: dict[str, int] = {}  # pcsc-lite's per-reader card event counter

    # public -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="card-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)  # bounded: one poll interval at most, in practice
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def readers(self) -> list[ReaderInfo]:
        with self._lock:
            return list(self._readers.values())

    # the loop ---------------------------------------------------------------------------
    def _emit(self, kind: CardEventKind, reader: str = "", atr: str = "") -> None:
        event = CardEvent(kind, reader, atr, time.monotonic())
        log.info("card_event kind=%s reader=%s", kind, reader)
        try:
            self._on_event(event)
        except Exception:  # a faulty listener must not kill monitoring
            log.exception("card_event_listener_failed")

    def _run(self) -> None:
        delay = self.backoff_s
        while not self._stop.is_set():
            try:
                ctx = establish_context()
            except ReaderUnavailable as exc:
                self._service_lost(str(exc))
                self._stop.wait(delay)
                delay = min(delay * 2, self.max_backoff_s)
                continue
            delay = self.backoff_s
            try:
                self._watch(ctx)
            except _ContextLost as exc:
                self._service_lost(str(exc))
                self._stop.wait(min(self.backoff_s, 0.5))
            except Exception as exc:  # never die silently: log, drop the context, go on
                log.exception("card_monitor_round_failed")
                self._service_lost(f"monitor error: {type(exc).__name__}")
                self._stop.wait(self.backoff_s)
            finally:
                release_context(ctx)

    def _service_lost(self, why: str) -> None:
        self.last_error = why
        with self._lock:
            gone = list(self._readers.values())
            self._readers.clear()
        for info in gone:
            if info.card_present:
                self._emit("card_removed", info.name)
            self._emit("reader_removed", info.name)
        if self.service_up:
            self.service_up = False
            log.warning("card_service_lost why=%s", why)
            self._emit("service_lost")

    def _sync_readers(self, ctx: int, states: dict[str, int]) -> None:
        try:
            names = list_readers(ctx)
        except ReaderUnavailable as exc:
            raise _ContextLost(str(exc)) from exc
        except CardError as exc:
            raise _ContextLost(str(exc)) from exc
        with self._lock:
            known = set(self._readers)
        for name in known - set(names):
            with self._lock:
                info = self._readers.pop(name)
            states.pop(name, None)
            if info.card_present:
                self._emit("card_removed", name)
            self._emit("reader_removed", name)
        for name in names:
            if name not in known:
                with self._lock:
                    self._readers[name] = ReaderInfo(name, False)
                states[name] = scard.SCARD_STATE_UNAWARE
                self._emit("reader_added", name)

    def _watch(self, ctx: int) -> None:
        states: dict[str, int] = {PNP_NOTIFICATION: scard.SCARD_STATE_UNAWARE}
        self._sync_readers(ctx, states)
        if not self.service_up:
            self.service_up = True
            self.last_error = ""
            self._emit("service_restored")
        while not self._stop.is_set():
            request = [(name, state) for name, state in states.items()]
            hresult, result = scard.SCardGetStatusChange(ctx, self.poll_ms, request)
            self.rounds += 1
            code = _u32(hresult)
            if code == _u32(scard.SCARD_E_TIMEOUT):
                continue
            if code in {_u32(c) for c in _LOST}:
                raise _ContextLost(f"SCardGetStatusChange: 0x{code:08X}")
            if code in {_u32(c) for c in _READER_GONE}:
                self._sync_readers(ctx, states)
                continue
            if code != scard.SCARD_S_SUCCESS:
                raise _ContextLost(f"SCardGetStatusChange: 0x{code:08X}")
            resync = False
            for name, event_state, atr in result:
                states[name] = event_state & ~scard.SCARD_STATE_CHANGED
                if name == PNP_NOTIFICATION:
                    resync = resync or bool(event_state & scard.SCARD_STATE_CHANGED)
                    continue
                if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                    resync = True
                    continue
                self._update_card(name, event_state, bytes(atr))
            if resync:
                self._sync_readers(ctx, states)

    def _update_card(self, name: str, event_state: int, atr: bytes) -> None:
        present = bool(event_state & scard.SCARD_STATE_PRESENT) and not (
            event_state & scard.SCARD_STATE_MUTE)
        count = (event_state >> 16) & 0xFFFF
        swapped = self._counts.get(name, count) != count  # out and in between two polls
        self._counts[name] = count
        with self._lock:
            before = self._readers.get(name)
            self._readers[name] = ReaderInfo(name, present, atr.hex().upper() if present else "")
        if before is not None and before.card_present == present:
            if not (present and swapped):
                return
            self._emit("card_removed", name)
        if present:
            self._emit("card_inserted", name, atr.hex().upper())
        elif before is not None and before.card_present:
            self._emit("card_removed", name)
