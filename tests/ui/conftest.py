"""Qt runs offscreen in these tests (CI has no display); the demo world and the
touchscreen around it, for the modules that need no pcscd."""

import os
from contextlib import contextmanager

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def world(tmp_path):
    """The demo's simulators (the ID card reader behind TCP, the in-process chip, the
    camera feed); test modules with their own `world` override it."""
    from harness.demo import DemoWorld

    w = DemoWorld(tmp_path / "world", use_pcscd=False)
    try:
        yield w
    finally:
        w.close()


@contextmanager
def running_touchscreen(world):
    """The whole kiosk around `world`, the real QML offscreen: (app, kiosk, ui)."""
    from kiosk.config import load_config
    from ui.run import start_touchscreen
    from ui.window import application

    app = application()
    config = load_config(world.config_path)
    kiosk, ui, _ = start_touchscreen(config, config.ui, card=world.card, tick_ms=0)
    try:
        yield app, kiosk, ui
    finally:
        ui.close()
        kiosk.stop()


@pytest.fixture
def touchscreen(world):
    """The whole kiosk around `world`, the real QML offscreen: (app, kiosk, ui)."""
    with running_touchscreen(world) as parts:
        yield parts
