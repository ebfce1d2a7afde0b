"""Loading the QML touchscreen around a Flow: engine, view model, image provider, speech.

    ui = load_ui(flow, ScreenMetrics.for_orientation("portrait"))
    ui.window.grabWindow()  # offscreen screenshots

Set QT_QPA_PLATFORM=offscreen before the QGuiApplication for tests and screenshots.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6 import QtQuick  # noqa: F401 - QML needs QtQuick's types registered first
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickWindow

from kiosk.flow import Flow

from .images import FlowImageProvider, PreviewSource
from .keyboard import log_keyboard_input
from .metrics import ScreenMetrics
from .speech import Speaker
from .theme import palettes
from .viewmodel import FlowModel

log = logging.getLogger(__name__)

QML_DIR = Path(__file__).resolve().parent / "qml"


class UiLoadError(RuntimeError):
    pass


class QtPoster(QObject):
    """Hands callables from any thread to the Qt (UI) thread: `post` for ThreadExecutor and
    the device feeds. Create it on the UI thread."""

    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._run)

    def post(self, fn: Callable[[], None]) -> None:
        self._posted.emit(fn)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:  # a posted call must never take the event loop down
            log.exception("posted_call_failed")


def prepare_environment() -> None:
    """Before the QGuiApplication: the virtual keyboard as input method."""
    os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
    os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "0")


def application(argv: list[str] | None = None) -> QGuiApplication:
    prepare_environment()
    app = QGuiApplication.instance()
    if app is None:
        app = QGuiApplication(argv or ["kiosk"])
    return app  # type: ignore[return-value]


@dataclass
class Ui:
    engine: QQmlApplicationEngine
    vm: FlowModel
    images: FlowImageProvider
    speaker: Speaker
    window: QQuickWindow

    def close(self) -> None:
        self.vm.close()
        self.window.close()
        self.engine.deleteLater()


def _drop_leftovers(engine: QQmlApplicationEngine) -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    engine.clearComponentCache()
    engine.collectGarbage()


def load_ui(flow: Flow, metrics: ScreenMetrics | None = None, *,
            preview: PreviewSource | None = None,
            face_preview: PreviewSource | None = None, speech_engine: str = "",
            tick_ms: int = 1000, show: bool = True) -> Ui:
    metrics = metrics or ScreenMetrics()
    log_keyboard_input()  # pinyin, and handwriting only where an engine is installed
    engine = QQmlApplicationEngine()
    vm = FlowModel(flow, metrics, tick_ms=tick_ms, parent=engine)
    images = FlowImageProvider(flow, preview, face_preview)
    engine.addImageProvider("flow", images)
    speaker = Speaker(vm, speech_engine, parent=engine)
    engine.rootContext().setContextProperty("vm", vm)
    engine.rootContext().setContextProperty("palettes", palettes())  # ui/theme.py
    # The screens of a finished visit are gone; make their objects and strings go too.
    # Deferred to the top of the event loop: a screen's own button may have ended the visit.
    vm.visitEnded.connect(lambda: QTimer.singleShot(0, lambda: _drop_leftovers(engine)))
    # Warnings are kept only while loading (for the error); later ones are logged, not kept:
    # a list held for the engine's life grew with every visit (bench/ui.py found it).
    errors: list[str] = []
    loading = [True]

    def on_warnings(ws: list) -> None:  # a QList<QQmlError>
        for w in ws:
            if loading[0]:
                errors.append(w.toString())
            else:
                log.debug("qml_warning text=%s", w.toString()[:200])

    engine.warnings.connect(on_warnings)
    engine.load(QUrl.fromLocalFile(str(QML_DIR / "Main.qml")))
    loading[0] = False
    roots = engine.rootObjects()
    if not roots:
        raise UiLoadError("QML did not load: " + "; ".join(errors[:5]))
    window = roots[0]
    if not isinstance(window, QQuickWindow):
        raise UiLoadError("Main.qml's root is not a window")
    if show:
        window.show()
    return Ui(engine, vm, images, speaker, window)
