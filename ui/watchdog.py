"""systemd's watchdog, fed from the Qt event loop: a hung touchscreen gets restarted.

    notifier = Notifier.from_env()
    start_watchdog(notifier, window=ui.window)

The pings come from a QTimer on the GUI thread, so they stop whenever that thread stops
turning the event loop (a deadlock, an endless loop, a blocking call in a slot). After
WatchdogSec= without a ping systemd aborts the process (SIGABRT: faulthandler prints every
thread's stack to the journal) and Restart= starts a fresh one. READY=1 is sent once the
window has shown its first frame (or, without a window, at the loop's first turn), so
`systemctl start` waits until a citizen can see the screen.
"""

from __future__ import annotations

import faulthandler
import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Slot
from PySide6.QtQuick import QQuickWindow

from kiosk.runtime.sdnotify import Notifier

log = logging.getLogger(__name__)


class _Watchdog(QObject):
    """Lives on the GUI thread; its slots run there, which is the point."""

    def __init__(self, notifier: Notifier, alive: Callable[[], bool] | None,
                 parent: QObject | None) -> None:
        super().__init__(parent)
        self.notifier = notifier
        self.alive = alive
        self.readied = False
        self.healthy = True
        self.pings = 0
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.ping)

    @Slot()
    def ready(self) -> None:
        if self.readied:
            return
        self.readied = True
        self.notifier.ready()
        log.info("sd_notify_ready")

    @Slot()
    def ping(self) -> None:
        if not self._alive():
            return  # no ping: if this lasts a whole watchdog period, systemd restarts us
        if self.notifier.ping():
            self.pings += 1

    @Slot()
    def stopping(self) -> None:
        self.timer.stop()
        self.notifier.stopping()

    def _alive(self) -> bool:
        if self.alive is None:
            return True
        try:
            ok = bool(self.alive())
        except Exception:  # a broken check counts as "not alive", never as a crash
            log.exception("watchdog_liveness_check_failed")
            ok = False
        if ok != self.healthy:
            self.healthy = ok
            if ok:
                log.info("watchdog_liveness_restored")
            else:
                log.warning("watchdog_liveness_lost pings_withheld=true")
        return ok


def start_watchdog(notifier: Notifier, *, window: QQuickWindow | None = None,
                   alive: Callable[[], bool] | None = None,
                   parent: QObject | None = None) -> QTimer | None:
    """Start pinging systemd from the GUI thread; call it on that thread, before exec().

    `window`: READY=1 waits for its first frame; without one, for the loop's first turn.
    `alive`: optional check run before each ping (on the GUI thread; keep it cheap), e.g.
    "the flow's clock ticked within 10 s"; while it is False no ping is sent.
    Returns the ping timer, or None when systemd set no watchdog (READY=1 and STOPPING=1
    are still sent when there is a notify socket). Does nothing outside systemd.
    """
    if not notifier.enabled:
        return None
    owner = parent if parent is not None else QCoreApplication.instance()
    if owner is None:
        raise RuntimeError("start_watchdog needs the Qt application (or a parent) first")
    dog = _Watchdog(notifier, alive, owner)
    if window is not None:
        # frameSwapped comes from the render thread: queued, so READY also proves the GUI
        # thread turns its loop.
        window.frameSwapped.connect(dog.ready, Qt.ConnectionType.QueuedConnection)
    else:
        QTimer.singleShot(0, dog.ready)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(dog.stopping)
    interval = notifier.interval_s
    if interval is None:
        return None
    if not faulthandler.is_enabled():
        try:
            faulthandler.enable()  # systemd's SIGABRT then shows where the loop hung
        except (RuntimeError, ValueError, OSError):  # no usable stderr
            log.debug("faulthandler_unavailable")
    dog.timer.setInterval(max(1, int(interval * 1000)))
    dog.timer.start()
    log.info("watchdog_started interval_s=%.3f", interval)
    return dog.timer
