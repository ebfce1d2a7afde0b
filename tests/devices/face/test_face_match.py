"""The face match end to end on the shipped faces: the model process, the challenge and
the contract's face_match object."""

from __future__ import annotations

from devices.face import FaceMatch, FaceService, FaceSettings, NotDone
from devices.status import DeviceState
from sim.face import scenes

CONTRACT_KEYS = {"result", "score", "threshold", "liveness", "model", "not_done_reason"}


def test_the_same_person_who_turns_as_asked_matches(service, astronaut_turn, doc_astronaut):
    m = service.compare(doc_astronaut, astronaut_turn, direction="left")
    assert m.result == "match" and m.liveness == "passed"
    assert m.score is not None and m.threshold is not None and m.score >= m.threshold
    out = m.to_contract()
    assert set(out) <= CONTRACT_KEYS
    assert out["result"] == "match" and out["liveness"] == "passed"
    assert isinstance(out["score"], float) and isinstance(out["model"], str)
    assert "dlib" in out["model"] and "not_done_reason" not in out


def test_another_person_does_not_match(service, doc_hopper, astronaut_turn):
    m = service.compare(doc_hopper, astronaut_turn, direction="left")
    assert m.liveness == "passed"  # a live person, just not the document's holder
    assert m.result == "no_match" and m.score is not None and m.score < m.threshold


def test_turning_the_wrong_way_fails_liveness(service, astronaut_turn, doc_astronaut):
    m = service.compare(doc_astronaut, astronaut_turn, direction="right")
    assert m.liveness == "failed" and m.result == "no_match"
    assert not m.accepted


def test_nobody_in_view_is_not_done(service, doc_astronaut):
    m = service.compare(doc_astronaut, [scenes.empty_frame(i) for i in range(4)])
    assert m.to_contract() == {"result": "not_done", "model": m.model,
                               "not_done_reason": "no_live_face"}


def test_two_faces_in_view_are_refused(service, doc_astronaut):
    frame = scenes.two_faces()
    with service.begin(doc_astronaut, need_camera=False) as session:
        state = session.feed(frame)
        assert state.hint == "several_faces" and state.phase.value == "look"
        session.feed(frame)
        m = session.result()
    assert m.result == "not_done" and m.not_done_reason == NotDone.NO_LIVE_FACE


def test_no_photo_on_the_document(service, astronaut_turn):
    for photo in (None, b""):
        m = service.compare(photo, astronaut_turn)
        assert m.to_contract() == {"result": "not_done", "not_done_reason": "no_photo",
                                   "model": m.model}


def test_a_document_photo_without_a_face_or_unreadable(service, astronaut_turn):
    blank = scenes.document_photo("astronaut", (240, 320))
    import cv2
    import numpy as np
    ok, gray = cv2.imencode(".jpg", np.full((320, 240, 3), 128, np.uint8))
    assert ok
    assert service.compare(gray.tobytes(), astronaut_turn).not_done_reason == \
        "no_face_in_photo"
    assert service.compare(b"not an image", astronaut_turn).not_done_reason == \
        "no_face_in_photo"
    assert service.compare(blank[:200], astronaut_turn).not_done_reason == "no_face_in_photo"


def test_a_jpeg2000_chip_photo_is_read(service, astronaut_turn):
    jp2 = scenes.document_photo("astronaut", (240, 320), fmt=".jp2")
    one_frame = FaceService(FaceSettings(liveness=False), worker=service.worker)
    assert one_frame.compare(jp2, astronaut_turn[:1]).result == "match"


def test_liveness_off_compares_one_frame(service, astronaut_turn, doc_astronaut):
    svc = FaceService(FaceSettings(liveness=False), worker=service.worker)
    m = svc.compare(doc_astronaut, astronaut_turn[:1])
    assert m.result == "match" and m.liveness == "not_checked"


def test_a_kiosk_without_a_face_camera_records_not_done(service, doc_astronaut):
    svc = FaceService(FaceSettings(camera=None), worker=service.worker)
    assert svc.status().state is DeviceState.OFFLINE
    assert svc.status().code == "no_face_camera"
    session = svc.begin(doc_astronaut)
    assert session.finished
    assert session.result() == FaceMatch.not_done(NotDone.NO_FACE_CAMERA, svc.worker.model)
    assert session.result().to_contract()["not_done_reason"] == "no_face_camera"


def test_a_tilted_photo_fails_liveness_whichever_way_is_asked(service, doc_astronaut,
                                                             astronaut_photo_attack):
    diagonal = scenes.photo_sequence("astronaut", pitch=25.0)  # tilted about a slanted axis
    # the diagonal tilt moves the nose towards +x: "left" is the way it could pass
    for frames, direction in ((astronaut_photo_attack, "left"),
                              (astronaut_photo_attack, "right"), (diagonal, "left")):
        m = service.compare(doc_astronaut, frames, direction=direction)
        assert m.liveness == "failed" and m.result == "no_match"


def test_status_follows_the_model_process(service):
    import numpy as np

    from devices.camera import CameraSettings

    svc = FaceService(FaceSettings(camera=CameraSettings(source="unused/*.png")))
    svc.camera = _OkCamera()
    assert svc.status().code == "model_stopped"  # not started yet: started on first use
    shared = FaceService(FaceSettings(), worker=service.worker)
    shared.camera = _OkCamera()
    assert shared.status().state is DeviceState.OK and shared.status().code == "ready"
    with shared.begin(scenes.document_photo("astronaut"), need_camera=False) as session:
        assert session.feed(np.zeros((10, 10), np.uint8)).hint == "bad_frame"


class _OkCamera:
    def status(self):
        from devices.status import DeviceStatus
        return DeviceStatus(DeviceState.OK, "streaming", "test")
