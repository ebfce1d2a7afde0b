"""The face screen through the live QML offscreen: the face camera's preview (sim/face's
astronaut turning her head) inside the oval guide, the step in words with its direction,
the hint and the progress; a failed try's calm "try again"; the staff call. The flow's
checks are the fake face port of tests/kiosk/test_flow_face.py, run job by job."""

from __future__ import annotations

import pytest

from devices.face import Phase
from harness.probe import find_item, tap
from kiosk.flow.ports import ManualExecutor
from kiosk.flow.state import Screen
from sim.face import scenes
from tests.kiosk.test_flow_face import NO_MATCH, TURN, FakeFace, challenge
from tests.ui.test_flow_additions import make_flow


@pytest.fixture
def face_ui(tmp_path):
    from ui.metrics import ScreenMetrics
    from ui.window import application, load_ui

    app = application()
    frames = [scenes.turned_frame("astronaut"), scenes.turned_frame("astronaut", 20)]
    shown = {"i": 0}

    def preview():
        shown["i"] += 1
        return frames[shown["i"] % len(frames)]

    states = [challenge(Phase.LOOK, 0.1, "several_faces"), *TURN[1:]]
    flow, outbox = make_flow(tmp_path, ManualExecutor(), face=FakeFace(NO_MATCH, states=states))
    flow.device_status("face_camera", "ok", "ready")
    ui = load_ui(flow, ScreenMetrics.for_orientation("landscape"), face_preview=preview,
                 tick_ms=0)
    try:
        yield app, flow, ui, shown
    finally:
        ui.close()
        outbox.close()


def text_of(window, name: str) -> str:
    return str(find_item(window, name).property("text"))


def test_the_face_screen_shows_the_preview_the_step_and_the_calm_ways_on(face_ui):
    app, flow, ui, shown = face_ui
    window, jobs = ui.window, flow.ports.executor
    flow.start_filing()
    flow.use_typed_mrz()
    flow.mrz_typed("E98765432", "870423", "330101")
    jobs.run_next()  # the chip (tests/kiosk's fake card: a document with a photo)
    flow.confirm_identity()
    app.processEvents()
    assert flow.state.screen == Screen.FACE
    assert find_item(window, "busy").isVisible()  # the photo through the model
    jobs.run_next()
    jobs.run_next()  # the first frame: look straight
    app.processEvents()
    assert not find_item(window, "busy", visible=False).isVisible()
    assert text_of(window, "faceStep") == "请正视摄像头"
    assert text_of(window, "faceHint") == "请一人办理，其他人请稍向后退"
    assert find_item(window, "faceGuide").isVisible()
    before = shown["i"]
    for _ in range(3):
        ui.window.grabWindow()  # a frame drawn asks the provider for the preview
        app.processEvents()
    preview = find_item(window, "facePreview")
    assert preview.property("mirror") is True and shown["i"] > before - 1
    jobs.run_next()  # turn: direction in words and an arrow on that side
    app.processEvents()
    assert text_of(window, "faceStep") == "请向左转头"
    assert not find_item(window, "faceHint", visible=False).isVisible()  # said just above
    assert find_item(window, "faceArrow").isVisible()
    assert find_item(window, "faceProgress").isVisible()
    flow.set_language("en")
    app.processEvents()
    assert text_of(window, "faceStep") == "Turn your head to your left"
    flow.set_language("zh")
    jobs.run_next()  # back, and the decision: no match
    app.processEvents()
    assert flow.state.view.phase == "retry"
    assert "没有比对成功" in flow.state.message.text("zh")
    assert find_item(window, "message").isVisible()
    assert text_of(window, "faceTriesLeft") == "还可以再试 2 次"
    assert not find_item(window, "facePreview", visible=False).isVisible()
    tap(window, "retryFace")
    jobs.run_all()
    app.processEvents()
    assert flow.state.view.phase == "retry" and flow.state.view.tries_left == 1
    tap(window, "retryFace")
    jobs.run_all()
    app.processEvents()
    # The third try did not match either: staff are called, the words stay calm.
    assert flow.state.view.phase == "staff"
    assert flow.state.message.text("zh") == "没有比对成功，工作人员马上过来帮您。"
    assert text_of(window, "faceStageText") == "工作人员马上就到"
    assert not find_item(window, "retryFace", visible=False).isVisible()
    assert not find_item(window, "declineFace", visible=False).isVisible()
    tap(window, "staffConfirmFace")
    assert flow.state.screen == Screen.STAFF_SIGN_IN and flow.session.identity is not None
