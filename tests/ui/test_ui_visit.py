"""The touchscreen over the real parts: the QML loaded offscreen around a Flow built by
kiosk.app from a demo config (platform simulator, virtual printer, camera feed written
from sim/camera scenes, the emulated chip in-process), one whole visit, then privacy."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import zxingcpp

from harness.demo import DemoWorld, run_offscreen
from kiosk.flow.state import Screen


@pytest.fixture
def world(tmp_path):
    w = DemoWorld(tmp_path / "world", use_pcscd=False)
    yield w
    w.close()


def wait_for(app, ok, timeout_s=10.0) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if ok():
            return True
        time.sleep(0.02)
    return False


def test_viewmodel_reflects_state_and_sends_intents(world):
    from kiosk.config import load_config
    from ui.run import start_touchscreen
    from ui.window import application

    app = application()
    config = load_config(world.config_path)
    kiosk, ui, _ = start_touchscreen(config, config.ui, card=world.card,
                                     tick_ms=0)
    try:
        vm = ui.vm
        assert wait_for(app, kiosk.flow.ready_to_file, 20)
        assert vm.state["screen"] == "attract" and vm.t["file"] == "办理业务"
        assert vm.send("set_language", ["en"])
        app.processEvents()
        assert vm.state["lang"] == "en" and vm.t["file"] == "File an application"
        assert vm.state["instruction"].startswith("Please choose")
        assert not vm.send("page_captured", [b"x"])  # camera intents never come from QML
        assert not vm.send("no_such_intent", [])
        assert vm.send("start_filing", [])
        assert kiosk.flow.state.screen == Screen.IDENTIFY
        loader = ui.window.findChild(object, "screen")
        assert loader.property("source").toString().endswith("screens/identify.qml")
        # Touch targets: at least 15 mm at the configured dpi.
        assert vm.ui["touch"] >= 15 * vm.ui["dpi"] / 25.4
        vm.send("cancel", [])
        assert kiosk.flow.state.screen == Screen.ATTRACT
    finally:
        ui.close()
        kiosk.stop()


def _texts(obj) -> list[str]:
    out = []
    for child in obj.findChildren(object):
        try:
            value = child.property("text")
        except Exception:
            continue
        if isinstance(value, str) and value:
            out.append(value)
    return out


def test_whole_visit_through_the_qml_then_nothing_left(world, tmp_path):
    out = tmp_path / "shots"
    assert run_offscreen(world, out) == 0
    job = world.printer.wait_for_jobs(1)[0]
    codes = [r.text for r in zxingcpp.read_barcodes(np.array(job.image().convert("L")))
             if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1 and "code=" in codes[0]
    assert "张伟" not in job.text
    names = sorted(p.name for p in out.iterdir())
    assert any(n.endswith("capture-photo.png") for n in names)
    # After the visit: the citizen's data nowhere in temp files we can read.
    needles = ("张伟".encode(), b"ZHANG", b"E12345678")
    for p in Path(tempfile.gettempdir()).glob("kiosk-*"):
        if p.is_file() and p.stat().st_size < 5_000_000:
            data = p.read_bytes()
            assert not any(n in data for n in needles), p


def test_privacy_after_timeout_abandon_and_finish(world):
    from kiosk.config import load_config
    from ui.run import start_touchscreen
    from ui.window import application

    app = application()
    config = load_config(world.config_path)
    kiosk, ui, _ = start_touchscreen(config, config.ui, card=world.card,
                                     tick_ms=0)
    flow = kiosk.flow
    assert wait_for(app, flow.ready_to_file, 20)

    def identified() -> None:
        flow.start_filing()
        flow.use_typed_mrz()
        flow.mrz_typed("E12345678", "850315", "330314")
        assert wait_for(app, lambda: flow.state.busy is None
                        and getattr(flow.state.view, "identity", None) is not None, 20)
        app.processEvents()
        dump = json.dumps(ui.vm.state, ensure_ascii=False)
        assert "张伟" in dump  # it was there while the visit lasted
        assert flow.face_image() is not None

    def nothing_left() -> None:
        from PySide6.QtCore import QCoreApplication, QEvent

        for _ in range(3):
            app.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        dump = json.dumps(ui.vm.state, ensure_ascii=False)
        assert "张伟" not in dump and "E12345678" not in dump
        assert not any("张伟" in t or "E12345678" in t for t in _texts(ui.window))
        from PySide6.QtCore import QSize

        img = ui.images.requestImage("face/0", QSize(), QSize())
        assert img.width() <= 4  # the blank placeholder, not a face
        assert not ui.images.holds_anything()
        assert not flow.session.holds_personal_data()

    try:
        identified()
        flow.tick(flow.visit.clock() + 10_000)  # the idle limit passed: abandoned
        assert flow.state.message.key == "visit.timed_out"
        nothing_left()
        identified()
        ui.vm.send("cancel", [])
        ui.vm.send("leave_confirmed", [])  # answers "Leave this application?"
        nothing_left()
        identified()
        flow.confirm_identity()
        flow.finish()
        nothing_left()
    finally:
        ui.close()
        kiosk.stop()
