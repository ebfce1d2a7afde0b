"""What the soak run watches: crashes of every kind, and the process's resources.

A crash is an uncaught exception in any thread (sys.excepthook, threading.excepthook), an
ERROR record carrying a traceback from the application's loggers, or one of the flow's
own "this should never happen" records; the driver adds stuck flows and visits that
could not get back to the attract screen. Each is counted and described by type and
place only (an exception's message may carry personal data; its type does not).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

APP_LOGGERS = ("kiosk", "devices", "offline_queue", "ui")
# The flow's records for a bug it caught: the visit survived, the code did not behave.
FLOW_BUG_EVENTS = ("flow_internal_error", "flow_state_failed", "flow_listener_failed")
MAX_KEPT = 50


@dataclass
class Crash:
    kind: str  # thread | main | log | stuck_busy | no_attract | callback
    where: str  # thread name, logger, or screen
    what: str  # exception type or log event; never a message that may hold personal data
    visit: int


class CrashWatch(logging.Handler):
    """Counts crashes while installed; keeps the first MAX_KEPT for the report."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.crashes: list[Crash] = []
        self.count = 0
        self.errors: Counter[str] = Counter()  # ERROR records that are not crashes
        self.visit = 0
        self._count_lock = threading.Lock()
        self._old_thread_hook: Any = None
        self._old_sys_hook: Any = None

    def add(self, kind: str, where: str, what: str) -> None:
        with self._count_lock:
            self.count += 1
            if len(self.crashes) < MAX_KEPT:
                self.crashes.append(Crash(kind, where, what, self.visit))

    # ---- hooks ------------------------------------------------------------------------

    def install(self) -> None:
        self._old_thread_hook = threading.excepthook
        self._old_sys_hook = sys.excepthook
        threading.excepthook = self._thread_hook
        sys.excepthook = self._sys_hook
        logging.getLogger().addHandler(self)

    def uninstall(self) -> None:
        logging.getLogger().removeHandler(self)
        if threading.excepthook == self._thread_hook:
            threading.excepthook = self._old_thread_hook
        if sys.excepthook == self._sys_hook:
            sys.excepthook = self._old_sys_hook

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "?"
        self.add("thread", name, args.exc_type.__name__)
        if self._old_thread_hook is not None:
            self._old_thread_hook(args)

    def _sys_hook(self, exc_type: type[BaseException], exc: BaseException,
                  tb: TracebackType | None) -> None:
        self.add("main", "main", exc_type.__name__)
        if self._old_sys_hook is not None:
            self._old_sys_hook(exc_type, exc, tb)

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(APP_LOGGERS):
            return
        msg = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
        event = msg.split(" ", 1)[0] or "?"
        if record.exc_info and record.exc_info[0] is not None:
            self.add("log", record.name, f"{event}:{record.exc_info[0].__name__}")
        elif event in FLOW_BUG_EVENTS:
            detail = record.getMessage().rsplit("error=", 1)[-1][:60]
            self.add("log", record.name, f"{event}:{detail}")
        else:
            with self._count_lock:
                self.errors[event] += 1


@dataclass(frozen=True)
class Resources:
    rss_kb: int
    fds: int
    threads: int  # Python threads
    os_threads: int  # every thread of the process (pcsc-lite, OpenCV, ...)


def resources() -> Resources:
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss = int(fields.get("VmRSS", "0 kB").split()[0])
    os_threads = int(fields.get("Threads", "0").strip())
    return Resources(rss, len(os.listdir("/proc/self/fd")), threading.active_count(),
                     os_threads)
