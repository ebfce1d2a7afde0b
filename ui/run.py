"""The touchscreen process: Qt application, the kiosk's parts, the QML window, the loop.

    python -m kiosk --config kiosk.toml
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from pathlib import Path

from kiosk.app import Kiosk, UiSettings, build_kiosk
from kiosk.config import KioskConfig
from kiosk.flow.ports import CardReaderPort
from kiosk.runtime.sdnotify import Notifier

from .metrics import ScreenMetrics
from .watchdog import start_watchdog
from .window import QtPoster, Ui, application, load_ui

log = logging.getLogger(__name__)


def start_touchscreen(config: KioskConfig, settings: UiSettings, *,
                      card: CardReaderPort | None = None, show: bool = True,
                      tick_ms: int = 1000) -> tuple[Kiosk, Ui, QtPoster]:
    """Build and start everything; the caller runs the Qt loop (or drives it in tests)."""
    application()
    poster = QtPoster()
    kiosk = build_kiosk(config, settings, post=poster.post, card=card)
    metrics = ScreenMetrics.for_orientation(settings.orientation, settings.dpi)
    ui = load_ui(kiosk.flow, metrics, preview=kiosk.feed.preview if kiosk.feed else None,
                 face_preview=kiosk.face_preview if kiosk.face is not None else None,
                 speech_engine=settings.speech_engine, tick_ms=tick_ms, show=show)
    kiosk.start()
    return kiosk, ui, poster


def run(config: KioskConfig, settings: UiSettings, *, card: CardReaderPort | None = None,
        fullscreen: bool = False, on_started: Callable[[Kiosk], object] | None = None) -> int:
    """The touchscreen until the application exits; `on_started` sees the kiosk once it
    runs (the demo lays its ID card from there)."""
    app = application()
    kiosk, ui, _poster = start_touchscreen(config, settings, card=card)
    if on_started is not None:
        on_started(kiosk)
    if fullscreen:
        ui.window.showFullScreen()
    # systemd's watchdog, fed from this event loop: a hung UI stops the pings and is
    # restarted (a no-op outside systemd).
    notifier = Notifier.from_env(unset_environment=True)
    start_watchdog(notifier, window=ui.window)
    # 77: a maintainer left (the service stays stopped); 75: restart (the platform asked)
    ui.vm.exitRequested.connect(app.exit)
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    log.info("touchscreen_started orientation=%s", settings.orientation)
    try:
        return app.exec()
    finally:
        ui.close()
        kiosk.stop()


def config_dir(path: Path) -> Path:
    return path.resolve().parent
