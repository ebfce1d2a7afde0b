"""End to end: a supervisor doing what systemd does with WatchdogSec= runs a real Qt
process that pings from its event loop, and aborts it when the loop hangs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from kiosk.runtime.sdnotify import Notifier
from ui.watchdog import start_watchdog

app = QGuiApplication([])
notifier = Notifier.from_env()
start_watchdog(notifier)

def hang_in_the_ui_thread():
    notifier.status("hanging")
    time.sleep(600)  # the event loop stops here, as in a deadlock

mode, after_ms = sys.argv[1], int(sys.argv[2])
if mode == "hang":
    QTimer.singleShot(after_ms, hang_in_the_ui_thread)
else:  # a maintainer leaves the application: EX_TECHNICIAN
    QTimer.singleShot(after_ms, lambda: app.exit(77))
sys.exit(app.exec())
"""


@dataclass
class Outcome:
    messages: list[str] = field(default_factory=list)
    aborted_for_silence: bool = False
    returncode: int | None = None
    stderr: str = ""


def supervise(sock, mode: str, after_ms: int, watchdog_s: float) -> Outcome:
    """systemd in small: Type=notify (wait for READY=1), then WatchdogSec=watchdog_s."""
    env = {**os.environ, "NOTIFY_SOCKET": sock.env_value,
           "WATCHDOG_USEC": str(int(watchdog_s * 1e6))}
    # WATCHDOG_PID is the main process's pid, as systemd sets it: `exec` keeps the pid.
    cmd = ["sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$0" "$@"',
           sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(after_ms)]
    child = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    out = Outcome()
    try:
        first = sock.recv(timeout=30)  # TimeoutStartSec
        assert first == "READY=1", f"no READY=1 (got {first!r})"
        out.messages.append(first)
        while child.poll() is None:
            msg = sock.recv(timeout=watchdog_s)
            if msg is not None:
                out.messages.append(msg)
            elif child.poll() is None:
                out.aborted_for_silence = True
                child.send_signal(signal.SIGABRT)  # WatchdogSignal=SIGABRT
                break
        try:
            out.returncode = child.wait(timeout=10)  # TimeoutAbortSec
        except subprocess.TimeoutExpired:
            child.kill()
            out.returncode = child.wait(timeout=10)
        out.messages += sock.drain()
        out.stderr = child.stderr.read()
        return out
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        child.stderr.close()


def test_a_hung_event_loop_is_aborted_with_its_stack_in_the_log(notify_path):
    out = supervise(notify_path, "hang", after_ms=2500, watchdog_s=2.0)
    assert out.aborted_for_silence
    assert out.messages.count("WATCHDOG=1") >= 2  # it was fed while the loop ran ...
    assert out.messages[-1] == "STATUS=hanging"   # ... and starved only once it hung
    assert out.returncode == -signal.SIGABRT
    # faulthandler (enabled by start_watchdog) names the frame the GUI thread hung in
    assert "hang_in_the_ui_thread" in out.stderr, out.stderr[-2000:]


def test_a_maintainers_exit_says_stopping_and_keeps_its_code(notify_path):
    out = supervise(notify_path, "exit", after_ms=1500, watchdog_s=2.0)
    assert not out.aborted_for_silence
    assert out.returncode == 77
    assert out.messages[0] == "READY=1" and out.messages[-1] == "STOPPING=1"
    assert "WATCHDOG=1" in out.messages
