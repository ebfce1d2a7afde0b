"""The face camera through devices.camera's Capture: image sequences written by sim.face,
a printed photo replayed, and a camera that goes away and comes back."""

from __future__ import annotations

import shutil
import time

import pytest

from devices.camera import CameraSettings
from devices.face import FaceService, FaceSettings, NotDone
from devices.status import DeviceState
from sim.face import scenes


def _wait(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


def _camera_service(service, source, **kw):
    cam = CameraSettings(source=source, fps=kw.pop("fps", 10), loop=True,
                         reopen_backoff_s=(0.05, 0.3))
    return FaceService(FaceSettings(camera=cam, **kw), worker=service.worker)


def _run(session, last_index):
    """Step until done or the looping feed handed out frame `last_index`."""
    while not session.finished and session.frame_index < last_index:
        session.step(0.5)
    return session.result()


def test_a_printed_photo_held_up_is_refused(service, tmp_path, astronaut_photo_attack,
                                             doc_astronaut):
    source = scenes.write_frames(astronaut_photo_attack, tmp_path / "photo")
    svc = _camera_service(service, source, fps=15)
    svc.start()
    try:
        assert _wait(lambda: svc.status().state is DeviceState.OK)
        with svc.begin(doc_astronaut, direction="left") as session:
            m = _run(session, len(astronaut_photo_attack) - 1)  # one pass
    finally:
        svc.stop()
    # The face is the document holder's, and the photo was tilted to fake a turn.
    assert m.liveness == "failed" and m.result == "no_match"
    assert m.score is not None and m.score >= m.threshold


def test_a_live_turn_through_the_camera_matches(service, tmp_path, astronaut_turn,
                                                doc_astronaut):
    frames = astronaut_turn[:1] * 3 + astronaut_turn  # the first frames go while begin() runs
    source = scenes.write_frames(frames, tmp_path / "live")
    svc = _camera_service(service, source, fps=10)
    svc.start()
    try:
        assert _wait(lambda: svc.status().state is DeviceState.OK)
        with svc.begin(doc_astronaut, direction="left") as session:
            m = _run(session, 3 * len(frames))  # frames may be skipped: up to 3 passes
    finally:
        svc.stop()
    assert m.result == "match" and m.liveness == "passed"


def test_the_face_camera_unplugged_and_back(service, tmp_path, astronaut_turn, doc_astronaut):
    folder = tmp_path / "cam"
    source = scenes.write_frames(astronaut_turn[:4], folder)
    svc = _camera_service(service, source, fps=30)
    svc.start()
    try:
        assert _wait(lambda: svc.status().state is DeviceState.OK)
        assert svc.status().code == "ready"
        shutil.rmtree(folder)  # unplugged: the looping source vanishes
        assert _wait(lambda: svc.status().state is DeviceState.OFFLINE)
        assert svc.status().code in ("source_lost", "source_missing")
        session = svc.begin(doc_astronaut)
        assert session.finished
        assert session.result().not_done_reason == NotDone.FACE_CAMERA_OFFLINE
        scenes.write_frames(astronaut_turn[:4], folder)  # plugged back
        assert _wait(lambda: svc.status().state is DeviceState.OK)
        frame = svc.latest_frame(2.0)
        assert frame is not None and frame.image.shape == (480, 640, 3)
        with svc.begin(doc_astronaut) as session:
            assert not session.finished
            assert session.step(1.0).hint is None  # one face, found
    finally:
        svc.stop()
    assert svc.status().code == "stopped"


@pytest.mark.parametrize("source", ["*.png", "missing.avi"])
def test_no_frames_at_all_is_offline_not_a_hang(service, tmp_path, source, doc_astronaut):
    svc = _camera_service(service, str(tmp_path / source))
    svc.start()
    try:
        assert _wait(lambda: svc.status().code == "source_missing")
        assert svc.latest_frame(0.2) is None
        assert svc.begin(doc_astronaut).result().not_done_reason == "face_camera_offline"
    finally:
        svc.stop()
