"""ui.watchdog in a real Qt event loop (offscreen), pinging a real notify socket."""

from __future__ import annotations

import logging
import os
import time

from PySide6.QtCore import QTimer
from PySide6.QtQuick import QQuickWindow

from kiosk.runtime.sdnotify import Notifier
from ui.watchdog import start_watchdog

PERIOD_USEC = 200_000  # pings every 0.1 s


class Received:
    def __init__(self, sock):
        self.sock = sock
        self.messages: list[str] = []

    def poll(self) -> list[str]:
        self.messages += self.sock.drain()
        return self.messages

    def count(self, message: str) -> int:
        return self.poll().count(message)


def _notifier(sock, **env) -> Notifier:
    return Notifier.from_env(sock.env(WATCHDOG_USEC=str(PERIOD_USEC),
                                      WATCHDOG_PID=str(os.getpid()), **env))


def test_pings_stop_while_the_loop_is_blocked_and_resume_after(qtbot, notify_path):
    got = Received(notify_path)
    timer = start_watchdog(_notifier(notify_path))
    assert timer is not None and timer.interval() == 100
    try:
        qtbot.waitUntil(lambda: got.count("WATCHDOG=1") >= 3, timeout=5000)
        assert got.messages[0] == "READY=1" and got.count("READY=1") == 1

        seen_in_block: list[list[str]] = []

        def block_the_gui_thread():
            got.poll()  # everything sent before the block
            time.sleep(1.0)  # ten ping intervals
            # Only this (the GUI) thread sends pings, and it was asleep: nothing can be here.
            seen_in_block.append(notify_path.drain())

        QTimer.singleShot(0, block_the_gui_thread)
        qtbot.waitUntil(lambda: bool(seen_in_block), timeout=5000)
        assert seen_in_block == [[]]

        before = got.count("WATCHDOG=1")
        qtbot.waitUntil(lambda: got.count("WATCHDOG=1") >= before + 3, timeout=5000)
        assert got.count("READY=1") == 1
    finally:
        timer.stop()


def test_ready_waits_for_the_windows_first_frame(qtbot, notify_path):
    got = Received(notify_path)
    window = QQuickWindow()
    window.resize(320, 240)
    timer = start_watchdog(_notifier(notify_path), window=window)
    try:
        qtbot.waitUntil(lambda: got.count("WATCHDOG=1") >= 3, timeout=5000)
        assert "READY=1" not in got.messages  # the loop runs, but nothing was drawn yet
        with qtbot.waitSignal(window.frameSwapped, timeout=5000):
            window.show()
        qtbot.waitUntil(lambda: got.count("READY=1") == 1, timeout=5000)
        for _ in range(3):  # more frames: READY only once
            with qtbot.waitSignal(window.frameSwapped, timeout=5000):
                window.update()
            got.poll()
        qtbot.wait(50)
        assert got.count("READY=1") == 1
    finally:
        timer.stop()
        window.close()


def test_a_failing_liveness_check_withholds_pings(qtbot, notify_path, caplog):
    got = Received(notify_path)
    alive = [True]
    ticks = [0]

    def check() -> bool:
        ticks[0] += 1
        if ticks[0] == 2:
            raise RuntimeError("a broken check")  # counts as not alive, never a crash
        return alive[0]

    with caplog.at_level(logging.INFO, logger="ui.watchdog"):
        timer = start_watchdog(_notifier(notify_path), alive=check)
        try:
            qtbot.waitUntil(lambda: ticks[0] >= 4 and got.count("WATCHDOG=1") >= 2,
                            timeout=5000)
            alive[0] = False
            qtbot.waitUntil(lambda: ticks[0] >= 6, timeout=5000)
            got.poll()
            withheld_from = ticks[0]
            qtbot.waitUntil(lambda: ticks[0] >= withheld_from + 5, timeout=5000)
            pings = got.count("WATCHDOG=1")
            qtbot.wait(50)
            assert got.count("WATCHDOG=1") == pings  # five checks failed: no ping since
            alive[0] = True
            qtbot.waitUntil(lambda: got.count("WATCHDOG=1") >= pings + 2, timeout=5000)
        finally:
            timer.stop()
    text = caplog.text
    assert "watchdog_liveness_check_failed" in text
    assert text.count("watchdog_liveness_lost") == 2  # the broken check, then the False run
    assert text.count("watchdog_liveness_restored") == 2


def test_without_a_watchdog_only_ready_is_sent(qtbot, notify_path):
    got = Received(notify_path)
    assert start_watchdog(Notifier.from_env(notify_path.env())) is None
    qtbot.waitUntil(lambda: got.count("READY=1") == 1, timeout=5000)
    qtbot.wait(300)
    assert got.messages == ["READY=1"]


def test_outside_systemd_nothing_starts(qtbot):
    assert start_watchdog(Notifier.from_env({})) is None
