"""[face] and [face_camera] read from kiosk.toml tables; errors name the key."""

from __future__ import annotations

import pytest

from devices.face import DEFAULT_THRESHOLD, FaceConfigError, FaceSettings


def test_no_face_camera_section_means_no_face_camera():
    s = FaceSettings.from_tables(None, None)
    assert s.camera is None and s.threshold == DEFAULT_THRESHOLD and s.liveness


def test_a_face_camera_like_the_document_camera():
    s = FaceSettings.from_tables({"threshold": 0.55, "challenge_timeout_s": 8},
                                 {"source": "frames/*.png", "fps": 10, "resolution": [800, 600]})
    assert s.camera is not None and s.camera.source == "frames/*.png"
    assert s.camera.resolution == (800, 600) and s.camera.fps == 10
    assert s.threshold == 0.55 and s.challenge_timeout_s == 8
    assert FaceSettings.from_tables({}, {"source": 1}).camera.source == 1
    assert FaceSettings.from_tables({}, {"source": 1, "enabled": False}).camera is None


@pytest.mark.parametrize(("face", "camera", "key"), [
    ({"threshold": 1.5}, None, "face.threshold"),
    ({"threshold": "high"}, None, "face.threshold"),
    ({"liveness": 1}, None, "face.liveness"),
    ({"colour": 1}, None, "face.colour"),
    ({}, {}, "face_camera.source"),
    ({}, {"source": True}, "face_camera.source"),
    ({}, {"source": 0, "resolution": [640]}, "face_camera.resolution"),
    ({}, {"source": 0, "fps": 0}, "face_camera.fps"),
])
def test_a_wrong_value_names_its_key(face, camera, key):
    with pytest.raises(FaceConfigError) as err:
        FaceSettings.from_tables(face, camera)
    assert err.value.key == key and str(err.value).startswith(key)


def test_the_documented_example_is_valid():
    import tomllib
    from pathlib import Path

    doc = tomllib.loads((Path(__file__).resolve().parents[3] / "docs" / "kiosk.example.toml")
                        .read_text())
    s = FaceSettings.from_tables(doc["face"], doc["face_camera"])
    assert s.camera is not None and s.camera.source == 1 and s.camera.resolution == (640, 480)
    assert s.threshold == DEFAULT_THRESHOLD and s.turn.turn_min == 0.12
    assert set(doc["face"]) >= {"threshold", "liveness", "challenge_timeout_s"}
