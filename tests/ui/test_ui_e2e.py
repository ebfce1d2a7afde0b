"""A whole visit by touch, through the real QML offscreen, against real parts: the chip
read through the session's pcscd from the emulator in `card_rig.slots[1]` (the Chinese
passport) after the camera read its MRZ from sim/camera scenes, the service found by
typing pinyin initials into the search field, the form typed field by field, two
materials captured by the camera, submitted to the encrypted outbox, the receipt printed
on the virtual ESC/POS printer and its QR code decoded with zxing-cpp. Then the same visit
with the platform simulator down: the receipt says filed offline, and the sync worker
delivers the submission once the platform is back.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import zxingcpp

from harness.demo import DEMO_FORM, DemoWorld, write_demo_config
from harness.probe import type_text, wait_for
from kiosk.flow.state import Screen


@pytest.fixture
def pcsc_world(tmp_path, card_rig, request):
    """`face` (indirect parameter): a face camera and the real face model, the passport's
    DG2 then showing the person the face camera sees (sim/face)."""
    face = getattr(request, "param", False)
    slot = card_rig.slots[1]
    slot.present("chinese_face" if face else "chinese")
    world = DemoWorld(tmp_path / "world", use_pcscd=False, face=face)
    # The kiosk's own CardService reads the slot through pcscd (no in-process chip).
    world.config_path = write_demo_config(
        world.folder, world.platform.base_url, world.printer.url,
        str(world.folder / "camera" / "frame_*.jpg"), reader=slot.reader,
        csca_dir=card_rig.csca_dir,
        face_source=str(world.folder / "face" / "frame_*.jpg") if face else None)
    try:
        yield world
    finally:
        world.close()
        slot.emulator.remove_after = None
        slot.present("specimen")


@pytest.fixture
def touchscreen(pcsc_world):
    from kiosk.config import load_config
    from ui.run import start_touchscreen
    from ui.window import application

    app = application()
    config = load_config(pcsc_world.config_path)
    kiosk, ui, _ = start_touchscreen(config, config.ui, tick_ms=0)
    kiosk.part("platform-watch").interval_s = 0.3  # type: ignore[attr-defined]
    try:
        yield app, kiosk, ui
    finally:
        ui.close()
        kiosk.stop()


class Finger:
    """Taps and types on the window as a citizen would."""

    def __init__(self, app, ui) -> None:
        self.app, self.ui = app, ui

    def tap(self, name: str) -> None:
        from harness.probe import tap

        self.app.processEvents()
        tap(self.ui.window, name)
        self.app.processEvents()

    def type_into(self, name: str, text: str) -> None:
        """Tap the field (focus, keyboard up), clear it, type the text key by key."""
        from PySide6.QtGui import QGuiApplication

        from harness.probe import clear_focused, find_item, type_text

        # The keyboard's own "hide" key first: the next field may be under it.
        QGuiApplication.inputMethod().hide()
        self.app.processEvents()
        self.tap(name)
        field = find_item(self.ui.window, name)
        focus = self.ui.window.activeFocusItem()
        assert focus is not None and focus.parentItem() == field, name
        clear_focused(self.ui.window)
        type_text(self.ui.window, text)
        self.app.processEvents()

    def visible(self, name: str) -> bool:
        from harness.probe import ItemNotFound, find_item

        try:
            find_item(self.ui.window, name)
            return True
        except ItemNotFound:
            return False


def visit_by_touch(app, kiosk, ui) -> None:
    """attract → receipt, every step a tap or a key press on the QML."""
    flow, finger = kiosk.flow, Finger(app, ui)
    wait_for(app, flow.ready_to_file, "filing available, camera reporting")
    if kiosk.face is not None:
        # The face camera opens beside the model process; on a loaded machine it may still
        # be opening when a quick visit reaches the face step (then filed without a check).
        wait_for(app, lambda: getattr(flow.device_line("face_camera"), "status", "") == "ok",
                 "the face camera reporting", 60)
    finger.tap("tile_file")
    assert flow.state.screen == Screen.IDENTIFY
    # The passport lies under the camera: its MRZ unlocks the chip through pcscd.
    wait_for(app, lambda: flow.state.busy is None
             and getattr(flow.state.view, "identity", None) is not None, "the chip", 40)
    identity = flow.state.view.identity
    assert identity.name == "张伟" and identity.verified and identity.has_photo
    wait_for(app, lambda: finger.visible("confirmIdentity"), "the chip's result")
    finger.tap("confirmIdentity")
    if flow.state.screen == Screen.FACE:  # 请正视摄像头: the real model, sim/face's feed
        wait_for(app, lambda: finger.visible("facePreview")
                 or flow.state.screen != Screen.FACE, "the face camera's preview", 60)
        wait_for(app, lambda: flow.state.screen != Screen.FACE, "the face check", 60)
    assert flow.state.screen == Screen.CHOOSE_SERVICE, flow.state.message

    finger.type_into("search", "hz")  # pinyin initials of 护照
    assert flow.state.view.query == "hz"
    found = [s.code for s in flow.state.view.services]
    assert "CR-HZ-0001" in found and all("-HZ-" in c for c in found[:5]), found[:8]
    type_text(ui.window, "sc")  # 护照首次…: fewer rows, above the keyboard
    assert flow.state.view.query == "hzsc"
    wait_for(app, lambda: finger.visible("service_CR-HZ-0001"), "护照首次申领 in the list")
    finger.tap("service_CR-HZ-0001")
    assert flow.state.screen == Screen.SERVICE
    finger.tap("startForm")

    while flow.state.screen == Screen.FORM:
        page = flow.state.view.page
        for f in flow.state.view.fields:
            value = DEMO_FORM.get(f.field)
            if value is None:
                continue
            if f.type == "select":
                finger.tap(f"option_{f.field}_{value}")
            else:
                finger.type_into(f"input_{f.field}", value)
            assert {x.field: x.value for x in flow.state.view.fields}[f.field] == value
        finger.tap("nextPage")
        assert flow.state.screen != Screen.FORM or flow.state.view.page == page + 1, \
            flow.state.message
    assert flow.state.screen == Screen.MATERIALS

    for code in ("id_card_copy", "photo"):
        finger.tap(f"scan_{code}")
        assert flow.state.screen == Screen.CAPTURE
        wait_for(app, lambda: flow.state.view.checking is not None, f"a page of {code}", 40)
        wait_for(app, lambda: finger.visible("materialDone"), "the done button")
        finger.tap("materialDone")
    finger.tap("skip_household_register")
    assert flow.state.view.can_continue
    finger.tap("materialsDone")
    assert flow.state.screen == Screen.REVIEW
    # Landscape: the review is taller than the screen; the cut edge says "scroll for more".
    wait_for(app, lambda: finger.visible("moreBelowLabel"), "the scroll-for-more hint", 5)
    finger.tap("submit")
    wait_for(app, lambda: flow.state.screen == Screen.RECEIPT and flow.state.busy is None
             and flow.state.view.printed is not None, "the receipt")


def printed_receipt(world):
    job = world.printer.wait_for_jobs(1, timeout_s=5)[-1]
    codes = [r.text for r in zxingcpp.read_barcodes(np.array(job.image().convert("L")))
             if r.format == zxingcpp.BarcodeFormat.QRCode]
    return job, codes


def texts_under(ui, name: str) -> list[str]:
    """The text of every item inside the QML item `name`, as drawn on the screen."""
    from harness.probe import find_item

    stack, out = [find_item(ui.window, name)], []
    while stack:
        item = stack.pop()
        text = item.property("text")
        if isinstance(text, str) and text and item.isVisible():
            out.append(text)
        stack.extend(item.childItems())
    return out


def assert_next_steps(ui, job, lang: str = "zh") -> None:
    """The receipt screen and the paper both say what comes next for 护照首次申领 (the
    catalog's department, fee and time limit, the delivery chosen, the timeline's words),
    and the screen shows the QR code although the receipt printed."""
    from harness.probe import find_item

    shown = " ".join(texts_under(ui, "nextSteps"))
    paper = "".join(job.text.split())
    expected = {"department": "市公安局出入境管理局", "fee": "120元", "delivery": "窗口领取",
                "bring": "本回执和本人身份证件", "promised": "7个工作日",
                "progress": "已接收"}
    for key, words in expected.items():
        assert words in shown, (key, shown)
        assert words in paper, (key, job.text_lines)
    assert "已受理" in paper and paper.index("已接收") < paper.index("已受理")
    assert "申请已受理" not in paper and "受理回执" not in paper
    qr = find_item(ui.window, "qr")
    assert qr.property("paintedWidth") > 100  # the image is loaded and drawn, not just laid out


@pytest.mark.parametrize("pcsc_world", [True], indirect=True, ids=["face_match"])
def test_a_whole_visit_by_touch_with_the_chip_through_pcscd(pcsc_world, touchscreen):
    app, kiosk, ui = touchscreen
    assert kiosk.face is not None  # [face_camera]: the model process started with the kiosk
    visit_by_touch(app, kiosk, ui)
    view = kiosk.flow.state.view
    assert view.printed is True and not view.offline
    # What the platform received: the face matched the chip's photo, and how well.
    platform = pcsc_world.platform
    wait_for(app, lambda: any(r.tracking_no == view.tracking_no
                              for r in platform.state.submissions.values()),
             "delivery to the platform", 30)
    body = next(json.loads(r.canonical_body) for r in platform.state.submissions.values()
                if r.tracking_no == view.tracking_no)
    face = body["applicant"]["verification"]["face_match"]
    assert face["result"] == "match" and face["liveness"] == "passed", face
    assert face["threshold"] == 0.5 and face["threshold"] <= face["score"] <= 1.0
    assert face["model"].startswith("dlib_face_recognition_resnet_model_v1")
    assert set(face) == {"result", "score", "threshold", "liveness", "model"}
    job, codes = printed_receipt(pcsc_world)
    assert len(codes) == 1
    assert view.tracking_no in codes[0] and view.query_code in codes[0]
    assert view.tracking_no in job.text and "张伟" not in job.text
    assert "网络恢复后将自动提交" not in "".join(job.text.split())
    app.processEvents()
    assert_next_steps(ui, job)
    finger = Finger(app, ui)
    finger.tap("finish")
    assert kiosk.flow.state.screen == Screen.ATTRACT
    app.processEvents()
    assert "张伟" not in json.dumps(ui.vm.state, ensure_ascii=False)


def test_the_same_visit_with_the_platform_down(pcsc_world, touchscreen):
    app, kiosk, ui = touchscreen
    flow, platform = kiosk.flow, pcsc_world.platform
    wait_for(app, lambda: flow.state.capability("progress").available, "the platform")
    platform.stop()
    wait_for(app, lambda: not flow.state.capability("progress").available,
             "the kiosk noticing the platform is down")
    visit_by_touch(app, kiosk, ui)
    view = flow.state.view
    assert view.printed is True and view.offline
    tracking = view.tracking_no
    job, codes = printed_receipt(pcsc_world)
    assert len(codes) == 1 and tracking in codes[0]
    # kiosk/receipt.py's offline note (zh: saved on this terminal, sent when the network
    # returns); the online receipt of the other test has no such line.
    assert "网络恢复后将自动提交" in "".join(job.text.split()), job.text_lines
    assert kiosk.outbox.status().pending == 1
    app.processEvents()
    assert_next_steps(ui, job)
    assert any("网络暂不可用" in t for t in texts_under(ui, "step_status"))

    platform.start()  # back on the same port: the sync worker delivers
    wait_for(app, lambda: any(s["tracking_no"] == tracking and s["commits"]
                              for s in platform.audit()["submissions"].values()),
             "delivery to the platform", 30)
    wait_for(app, lambda: flow.state.capability("progress").available, "the platform back")
