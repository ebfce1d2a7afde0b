"""One hardware worker thread per device: every device call runs there, and its caller
waits at most its timeout (the model is Electrum's hardware-wallet plugins: device calls
on one hardware thread).

What happens to a call still running when its caller gives up is the device's choice:
- `replace_stuck=True` (the card reader): a PC/SC call cannot be interrupted, so the
  worker is declared stuck and replaced by a fresh thread; the next read is not queued
  behind the hung one, and the stuck thread ends whenever its call returns.
- `replace_stuck=False` (the ID card reader): each frame exchange is bounded by its own
  answer timeout, so a job always ends; a second thread on the same serial line would only
  garble its frames, so the job finishes on the one thread.
The caller gets `timeout_error` (the device package's own timeout type) either way.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_Job = tuple[Callable[[], object], "Future[object]", float]


class DeviceWorker:
    def __init__(self, name: str, *, timeout_error: type[Exception],
                 replace_stuck: bool, what: str = "device call") -> None:
        self.name = name
        self.timeout_error = timeout_error
        self.replace_stuck = replace_stuck
        self.what = what
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Job | None] | None = None
        self._thread: threading.Thread | None = None
        self.replaced = 0  # how many times a stuck thread was abandoned

    def _current(self) -> queue.Queue[_Job | None]:
        """The running thread's queue; a fresh thread (and queue: a stale stop marker stays
        behind) when there is none."""
        if self._queue is None or self._thread is None or not self._thread.is_alive():
            q: queue.Queue[_Job | None] = queue.Queue()
            t = threading.Thread(target=self._run, args=(q,), name=self.name, daemon=True)
            self._queue, self._thread = q, t
            t.start()
        return self._queue

    @staticmethod
    def _run(q: queue.Queue[_Job | None]) -> None:
        while True:
            job = q.get()
            if job is None:
                return
            fn, fut, deadline = job
            if time.monotonic() > deadline or not fut.set_running_or_notify_cancel():
                continue  # its caller has given up already
            try:
                fut.set_result(fn())
            except BaseException as exc:  # handed to the caller, who decides
                fut.set_exception(exc)

    def call(self, fn: Callable[[], T], timeout_s: float, what: str | None = None) -> T:
        what = what or self.what
        fut: Future[object] = Future()
        with self._lock:
            q = self._current()
            q.put((fn, fut, time.monotonic() + timeout_s))
        try:
            return fut.result(timeout_s)  # type: ignore[return-value]
        except FutureTimeout:
            running = not fut.cancel()
            if running and self.replace_stuck:  # the thread is stuck in the call
                with self._lock:
                    if self._queue is q:
                        log.warning("device_worker_replaced worker=%s call=%s timeout_s=%.1f",
                                    self.name, what, timeout_s)
                        q.put(None)
                        self._queue, self._thread = None, None
                        self.replaced += 1
            raise self.timeout_error(
                f"{what} did not finish within {timeout_s:.1f} s") from None

    def stop(self, timeout_s: float = 2.0) -> None:
        with self._lock:
            q, t = self._queue, self._thread
            self._queue, self._thread = None, None
        if q is not None:
            q.put(None)
        if t is not None and t is not threading.current_thread():
            t.join(timeout_s)
