"""The one start/stop shape of every object of the kiosk that owns a thread.

    class Watch(Periodic):
        def step(self) -> None: ...      # every interval_s, on the object's own thread

    watch.start(); watch.wake(); watch.stop()

`Background` owns one daemon thread and a stop event: `start()` starts it, `stop()` sets the
event, wakes the thread and joins it (bounded). `Periodic` runs `step()` every `interval_s`
(and at once on `wake()`); a step that raises is logged and the loop goes on, because a
bug in one round must not end a watch the kiosk depends on. `RunsForever` gives the same
shape to a loop written as `run_forever(stop_event)` (the outbox's sync worker).
The devices keep their own workers (devices/ imports nothing of the kiosk); the composition
root starts and stops those beside these.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Background:
    """One thread, started once; `run()` must return soon after `stopping` is set."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self.stopping.clear()
        self._thread = threading.Thread(target=self._guarded, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        self.stopping.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("thread_stop_late thread=%s timeout_s=%.1f", self.name, timeout_s)
            self._thread = None

    def wake(self) -> None:
        """Cut a wait short (Periodic: run the next step now)."""

    def run(self) -> None:
        raise NotImplementedError

    def _guarded(self) -> None:
        try:
            self.run()
        except Exception:  # the thread ends, but says why
            log.exception("thread_crashed thread=%s", self.name)


class Periodic(Background):
    """`step()` every `interval_s` (the first after `first_after_s`), and at once on wake()."""

    def __init__(self, name: str, interval_s: float, *, first_after_s: float = 0.0) -> None:
        super().__init__(name)
        self.interval_s = interval_s
        self.first_after_s = first_after_s
        self._wake = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def step(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        wait = self.first_after_s
        while not self.stopping.is_set():
            if wait > 0:
                self._wake.wait(wait)
                if self.stopping.is_set():
                    break
            self._wake.clear()
            try:
                self.step()
            except Exception:  # a bug in one round must not end the loop
                log.exception("thread_step_failed thread=%s", self.name)
            wait = self.interval_s


class RunsForever(Background):
    """A `run_forever(stop_event)` loop (e.g. offline_queue.sync.SyncWorker) as a Background."""

    def __init__(self, name: str, loop: Callable[[threading.Event], None]) -> None:
        super().__init__(name)
        self._loop = loop

    def run(self) -> None:
        self._loop(self.stopping)


class ServicePart(Background):
    """A device service that runs its own threads (start()/stop()), in the kiosk's list of
    background parts so that it starts and stops in order with them."""

    def __init__(self, name: str, start: Callable[[], None], stop: Callable[[], None]) -> None:
        super().__init__(name)
        self._start_service, self._stop_service = start, stop
        self.started = False

    def start(self) -> None:
        if not self.started:
            self.started = True
            self._start_service()

    def stop(self, timeout_s: float = 3.0) -> None:
        if self.started:
            self.started = False
            self._stop_service()
