"""The receipt printer service: status before each print, typed partial failures, and a
status poller on its own thread.

A connection is opened per job and per poll: network printers often accept one client
at a time and drop idle ones, and a fresh connection never carries stale answers.
Before a job we ask DLE EOT 1/2/4; if the printer cannot print, nothing is sent
(PrinterNotReady). After the job we ask again: the printer answers once it has taken
the data before the query, so a reset connection, silence or a paper-out there means
the receipt may be partial (PrintIncomplete) and the UI offers a reprint.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from .document import Document
from .port import (
    DeviceState,
    PrinterConfigError,
    PrinterError,
    PrinterNotReady,
    PrinterStatus,
    PrintIncomplete,
    PrintResult,
    StatusListener,
    Transport,
    TransportError,
)
from .profiles import DEFAULT_PROFILE, PrinterProfile, get_profile
from .render import RenderError, render
from .status import (
    QUERIES,
    RawStatus,
    StatusByteError,
    bad_answer,
    interpret,
    misconfigured,
    no_answer,
    query,
    unreachable,
    write_only,
)
from .transports import Timeouts, open_transport

log = logging.getLogger(__name__)

CHUNK = 4096


class BadDocument(PrinterError):
    code = "bad_document"


class Printer:
    """One receipt printer. Thread-safe: prints and polls take turns on the device."""

    def __init__(self, transport_factory: Callable[[], Transport], profile: PrinterProfile, *,
                 timeouts: Timeouts | None = None, poll_interval_s: float = 30.0) -> None:
        self._factory = transport_factory
        self.profile = profile
        self.timeouts = timeouts or Timeouts()
        self.poll_interval_s = poll_interval_s
        self.retry_first_s = min(1.0, poll_interval_s)  # the first re-poll after a failure
        self._device_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._last: PrinterStatus | None = None
        self._listeners: list[StatusListener] = []
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._executor: ThreadPoolExecutor | None = None

    @classmethod
    def from_url(cls, url: str, profile: str = DEFAULT_PROFILE, *,
                 timeouts: Timeouts | None = None, poll_interval_s: float = 30.0) -> Printer:
        t = timeouts or Timeouts()
        open_transport(url, t)  # validate the URL now, not at the first print
        return cls(lambda: open_transport(url, t), get_profile(profile), timeouts=t,
                   poll_interval_s=poll_interval_s)

    # --- status -------------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        """Ask the printer now (bounded by the connect and status timeouts)."""
        with self._device_lock:
            return self._status_locked()

    def last_status(self) -> PrinterStatus | None:
        with self._state_lock:
            return self._last

    def add_listener(self, listener: StatusListener) -> None:
        """Called with (new, previous) whenever the status changes, on the caller's or
        the poller's thread; keep it short (post to the UI, don't block)."""
        with self._state_lock:
            self._listeners.append(listener)

    def _status_locked(self) -> PrinterStatus:
        try:
            transport = self._factory()
            transport.open()
        except TransportError as exc:
            return self._record(unreachable(str(exc)))
        except PrinterConfigError as exc:
            return self._record(misconfigured(str(exc)))
        try:
            return self._record(self._query(transport))
        except TransportError as exc:
            return self._record(unreachable(str(exc)))
        finally:
            transport.close()

    def _query(self, transport: Transport) -> PrinterStatus:
        if not transport.can_read:
            return write_only()
        answers: list[int] = []
        for n in QUERIES:
            transport.write(query(n))
            reply = transport.read(1, self.timeouts.status_s)
            if not reply:
                return no_answer(f"no answer to DLE EOT {n} within {self.timeouts.status_s:g} s")
            answers.append(reply[0])
        try:
            return interpret(RawStatus(*answers))
        except StatusByteError as exc:
            log.warning("printer_transport_failed printer=%s error=%s", transport.description, exc)
            return bad_answer(str(exc))

    def _record(self, status: PrinterStatus) -> PrinterStatus:
        with self._state_lock:
            previous, self._last = self._last, status
            listeners = list(self._listeners)
        if previous is None or _key(previous) != _key(status):
            log.info("printer_status state=%s code=%s detail=%s", status.state, status.code,
                     status.detail)
            for listener in listeners:
                try:
                    listener(status, previous)
                except Exception:  # a listener's bug must not stop the poller
                    log.exception("printer_status_listener_failed")
        return status

    # --- printing -----------------------------------------------------------------------

    def print_document(self, doc: Document) -> PrintResult:
        try:
            data = render(doc, self.profile)
        except RenderError as exc:
            log.warning("printer_render_failed doc=%s error=%s", doc.title, exc)
            raise BadDocument(str(exc)) from exc
        return self.print_bytes(data, doc.title)

    def print_bytes(self, data: bytes, title: str = "raw") -> PrintResult:
        """Send a rendered job: status check, the bytes, status check."""
        with self._device_lock:
            try:
                transport = self._factory()
                transport.open()
            except TransportError as exc:
                raise PrinterNotReady(self._record(unreachable(str(exc)))) from exc
            except PrinterConfigError as exc:
                raise PrinterNotReady(self._record(misconfigured(str(exc)))) from exc
            try:
                return self._send(transport, data, title)
            finally:
                transport.close()

    def _send(self, transport: Transport, data: bytes, title: str) -> PrintResult:
        try:
            before = self._record(self._query(transport))
        except TransportError as exc:
            raise PrinterNotReady(self._record(unreachable(str(exc)))) from exc
        if not before.can_print:
            log.warning("printer_not_printing doc=%s code=%s", title, before.code)
            raise PrinterNotReady(before)
        sent = 0
        try:
            for start in range(0, len(data), CHUNK):
                chunk = data[start:start + CHUNK]
                transport.write(chunk)
                sent += len(chunk)
            after = self._query(transport)
        except TransportError as exc:
            status = self._record(unreachable(str(exc)))
            log.warning("printer_print_failed doc=%s sent=%d bytes=%d error=%s", title, sent,
                        len(data), exc)
            raise PrintIncomplete(str(exc), bytes_sent=sent, bytes_total=len(data),
                                  status=status) from exc
        self._record(after)
        if not after.can_print:
            log.warning("printer_print_partial doc=%s code=%s", title, after.code)
            raise PrintIncomplete(after.detail, bytes_sent=sent, bytes_total=len(data),
                                  status=after)
        log.info("printer_printed doc=%s bytes=%d", title, sent)
        return PrintResult(title, sent, after)

    def print_async(self, doc: Document) -> Future[PrintResult]:
        """print_document on the printer's own worker thread (for a UI thread caller)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="printer")
        return self._executor.submit(self.print_document, doc)

    # --- polling ------------------------------------------------------------------------

    def start_polling(self) -> None:
        if self._poller and self._poller.is_alive():
            return
        self._stop.clear()
        self._poller = threading.Thread(target=self._poll_loop, name="printer-status-poll",
                                        daemon=True)
        self._poller.start()

    def _poll_loop(self) -> None:
        # Healthy: every poll_interval_s. Unplugged, switched off or failing: again soon,
        # then less and less often (backoff), so it is back within seconds of returning.
        retry = self.retry_first_s
        while not self._stop.is_set():
            status: PrinterStatus | None = None
            # A print holds the device; its own status checks stand in for this poll.
            if self._device_lock.acquire(timeout=self.poll_interval_s):
                try:
                    status = self._status_locked()
                except Exception:  # keep polling whatever one poll hit
                    log.exception("printer_status_poll_failed")
                finally:
                    self._device_lock.release()
            if status is not None and status.state in (DeviceState.OK, DeviceState.DEGRADED):
                retry = self.retry_first_s
                wait = self.poll_interval_s
            else:
                wait = min(retry, self.poll_interval_s)
                retry = min(retry * 2, self.poll_interval_s)
            self._stop.wait(wait)

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout_s)
            self._poller = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _key(status: PrinterStatus) -> tuple[object, ...]:
    return (status.state, status.code, status.paper, status.cover_open, status.online)

