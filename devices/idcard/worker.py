"""The reader's one I/O thread: every transport call runs here, callers wait at most their
timeout. Each frame exchange is bounded by its own answer timeout, so a job always ends;
a caller that gives up gets IdCardTimeout and the job finishes on its own."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from devices.idcard.errors import IdCardTimeout

T = TypeVar("T")
_Job = tuple[Callable[[], object], "Future[object]", float]


class IoWorker:
    def __init__(self, name: str = "idcard-io") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def _ensure(self) -> queue.Queue[_Job | None]:
        if self._thread is None or not self._thread.is_alive():
            self._queue = queue.Queue()  # a fresh queue: a stale stop marker stays behind
            self._thread = threading.Thread(target=self._run, args=(self._queue,),
                                            name=self.name, daemon=True)
            self._thread.start()
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

    def call(self, fn: Callable[[], T], timeout_s: float, what: str = "reader call") -> T:
        fut: Future[object] = Future()
        with self._lock:
            self._ensure().put((fn, fut, time.monotonic() + timeout_s))
        try:
            return fut.result(timeout_s)  # type: ignore[return-value]
        except FutureTimeout:
            fut.cancel()
            raise IdCardTimeout(f"{what} did not finish within {timeout_s:.1f} s") from None

    def stop(self, timeout_s: float = 2.0) -> None:
        with self._lock:
            t, self._thread = self._thread, None
            if t is not None:
                self._queue.put(None)
        if t is not None and t is not threading.current_thread():
            t.join(timeout_s)
