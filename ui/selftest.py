"""The self-test's screens check: the real QML loaded around a kiosk built from the config
(nothing started), the attract screen grabbed and looked at. Runs on the main thread with
Qt's offscreen platform (launcher/selftest.py sets it before Qt is imported). The grab is
saved as `self-test.png` in the data folder."""

from __future__ import annotations

import time
from collections import Counter

from PySide6.QtGui import QFontDatabase, QImage

from kiosk.app import build_kiosk
from kiosk.selftest import CheckFailed, Context

from .metrics import ScreenMetrics
from .window import QtPoster, UiLoadError, application, load_ui

SCREENSHOT = "self-test.png"


def check_screens(ctx: Context) -> str:
    """Load the touchscreen's QML around a kiosk built from this config (nothing started),
    grab the attract screen and look at it."""
    app = application()
    poster = QtPoster()
    kiosk = build_kiosk(ctx.config, ctx.ui, post=poster.post)
    ui = None
    try:
        metrics = ScreenMetrics.for_orientation(ctx.ui.orientation, ctx.ui.dpi)
        try:
            ui = load_ui(kiosk.flow, metrics, speech_engine=ctx.ui.speech_engine, tick_ms=0,
                         show=True)
        except UiLoadError as exc:
            raise CheckFailed(str(exc)) from None
        end = time.monotonic() + 1.0  # a few frames: images and the keyboard settle
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)
        image = ui.window.grabWindow()
        keyboard = ui.window.findChild(object, "keyboard")
        kb = (f"keyboard {keyboard.width():.0f}x{keyboard.height():.0f}"
              if keyboard is not None else "")
        saved = ctx.config.storage.data_dir / SCREENSHOT
        image.save(str(saved))
    finally:
        if ui is not None:
            ui.close()
        kiosk.stop()
    if image.isNull() or image.width() == 0:
        raise CheckFailed("the window could not be grabbed")
    share, colours = _ink(image.convertToFormat(QImage.Format.Format_RGB32))
    if colours < 8 or share < 0.01:
        raise CheckFailed(f"the attract screen is blank ({colours} colours, "
                          f"{share:.1%} ink); see {saved}")
    if keyboard is None or keyboard.height() <= 0:
        raise CheckFailed("the virtual keyboard did not load (QtQuick.VirtualKeyboard)")
    chinese = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    if not chinese:
        raise CheckFailed("no font for Chinese: the screens would show boxes")
    return (f"attract {image.width()}x{image.height()} rendered ({share:.0%} ink, "
            f"{colours} colours), {kb}, Chinese in {chinese[0]!r}; saved {saved}")


def _ink(image: QImage) -> tuple[float, int]:
    """Share of pixels unlike the commonest colour, and distinct colours (sampled)."""
    w, h = image.width(), image.height()
    step = max(1, min(w, h) // 200)
    counts: Counter[int] = Counter(image.pixel(x, y)
                                   for y in range(0, h, step) for x in range(0, w, step))
    total = sum(counts.values())
    background = counts.most_common(1)[0][1] if counts else 0
    return (1 - background / total if total else 0.0), len(counts)
