"""One hardware worker thread for card I/O: callers wait at most their timeout.

A PC/SC call cannot be interrupted. If one hangs past its caller's time limit, the
worker is declared stuck and replaced by a fresh thread, so the next read is not queued
behind the hung one; the stuck thread ends whenever its call returns.
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

from devices.card.errors import CardTimeout

log = logging.getLogger(__name__)
T = TypeVar("T")

_Job = tuple[Callable[[], object], "Future[object]", float]


class HardwareWorker:
    def __init__(self, name: str = "card-io") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Job | None] | None = None
        self._thread: threading.Thread | None = None
        self.replaced = 0  # how many times a stuck thread was abandoned

    def _spawn(self) -> queue.Queue[_Job | None]:
        q: queue.Queue[_Job | None] = queue.Queue()
        t = threading.Thread(target=self._run, args=(q,), name=self.name, daemon=True)
        self._queue, self._thread = q, t
        t.start()
        return q

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

    def call(self, fn: Callable[[], T], timeout_s: float, what: str = "card operation") -> T:
        fut: Future[object] = Future()
        with self._lock:
            q = self._queue if self._thread is not None and self._thread.is_alive() else None
            q = q or self._spawn()
            q.put((fn, fut, time.monotonic() + timeout_s))
        try:
            return fut.result(timeout_s)  # type: ignore[return-value]
        except FutureTimeout:
            if not fut.cancel():  # running: the thread is stuck in the call
                with self._lock:
                    if self._queue is q:
                        log.warning("card_worker_replaced call=%s timeout_s=%.1f", what,
                                    timeout_s)
                        q.put(None)
                        self._queue, self._thread = None, None
                        self.replaced += 1
            raise CardTimeout(f"{what} did not finish within {timeout_s:.1f} s") from None

    def stop(self, timeout_s: float = 2.0) -> None:
        with self._lock:
            q, t = self._queue, self._thread
            self._queue, self._thread = None, None
        if q is not None:
            q.put(None)
        if t is not None:
            t.join(timeout_s)
