"""The liveness geometry on points alone: a head turning against a picture moved about."""

from __future__ import annotations

import numpy as np
import pytest

from devices.face import LivenessSettings, Pose, TurnCheck

# A head in millimetres: x right (camera's +x), y down, z towards the camera. The 5 points
# in dlib's order: right-hand eye outer, inner; left-hand eye outer, inner; nose base.
HEAD = np.array([[45, 0, -12], [15, 0, 0], [-45, 0, -12], [-15, 0, 0], [0, 45, 18]], float)


def _head(yaw_deg: float, at=(320.0, 200.0), scale=2.5) -> np.ndarray:
    t = np.radians(yaw_deg)
    x = HEAD[:, 0] * np.cos(t) + HEAD[:, 2] * np.sin(t)
    return np.c_[x, HEAD[:, 1]] * scale + at


def _flat(m: np.ndarray) -> np.ndarray:
    """The frontal head's image moved by the affine map m (2 x 3): a picture held up."""
    p = _head(0)
    return p @ m[:, :2].T + m[:, 2]


def test_pose_of_a_frontal_face():
    p = Pose.from_points(_head(0))
    assert p.nose == pytest.approx(0, abs=1e-9) and p.depth == pytest.approx(0, abs=1e-9)
    assert p.span == pytest.approx(2.5 * 60)


def test_a_head_turning_moves_the_nose_and_changes_the_eye_widths():
    left = Pose.from_points(_head(25))  # the citizen's left: nose towards +x
    assert left.nose > 0.12 and left.depth < -0.07
    right = Pose.from_points(_head(-25))
    assert right.nose < -0.12 and right.depth > 0.07


@pytest.mark.parametrize("seed", range(20))
def test_any_affine_map_of_a_picture_keeps_the_eye_width_ratio(seed):
    rng = np.random.default_rng(seed)
    m = np.c_[np.eye(2) + rng.normal(0, 0.3, (2, 2)), rng.normal(0, 50, 2)]
    if np.linalg.det(m[:, :2]) <= 0.2:
        m[:, :2] = np.eye(2) * 0.8
    assert Pose.from_points(_flat(m)).depth == pytest.approx(0, abs=1e-9)


def _run(check: TurnCheck, frames) -> TurnCheck:
    for pts in frames:
        check.add(Pose.from_points(pts))
    return check


def _turn(direction: str, peak=30.0):
    sign = 1 if direction == "left" else -1
    yaws = [0, 0, 0, 1 / 3, 2 / 3, 1, 1, 1, 2 / 3, 1 / 3, 0, 0]
    return [_head(sign * peak * y) for y in yaws]


@pytest.mark.parametrize("direction", ["left", "right"])
def test_the_challenge_passes_when_the_head_turns_the_asked_way(direction):
    check = _run(TurnCheck(direction, LivenessSettings()), _turn(direction))
    assert check.passed and check.progress() == 1.0


def test_the_challenge_fails_the_wrong_way_or_too_little():
    assert not _run(TurnCheck("right", LivenessSettings()), _turn("left")).passed
    assert not _run(TurnCheck("left", LivenessSettings()), _turn("left", peak=8)).passed


def test_a_sheared_picture_that_fakes_the_nose_shift_is_seen_as_flat():
    # x' = x + s*y moves the nose (below the eyes) sideways like a turn would
    frames = [_flat(np.array([[1, s, 0], [0, 1, 0]], float))
              for s in (0, 0, 0, 0.1, 0.2, 0.3, 0.3, 0.3, 0.2, 0.1, 0, 0)]
    check = _run(TurnCheck("left", LivenessSettings()), frames)
    assert not check.passed and check.looks_flat


def test_a_jump_between_frames_starts_the_challenge_over():
    frames = _turn("left")
    frames[6] = _head(30, at=(100.0, 100.0))  # another face, or a picture swapped in
    check = _run(TurnCheck("left", LivenessSettings()), frames[:8])
    assert check.phase == "look"
