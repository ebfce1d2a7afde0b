"""The face match's settings: the `[face_camera]` and `[face]` tables of kiosk.toml.

No `[face_camera]` table means this kiosk has no face camera: visits file as before and
record face_match `not_done` / `no_face_camera`. `from_tables` raises FaceConfigError
naming `face.<key>` or `face_camera.<key>`; devices/ may not import offline_queue, so
kiosk/config.py may wrap it in its ConfigError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devices.camera.port import CameraSettings
from devices.face.liveness import LivenessSettings

# Chosen from bench/face.py (docs/face.md): a similarity, 1 - dlib's distance. dlib's own
# 0.6 distance (0.4 here) let a passport specimen of another person through.
DEFAULT_THRESHOLD = 0.5


class FaceConfigError(ValueError):
    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


@dataclass(frozen=True)
class FaceSettings:
    camera: CameraSettings | None = None  # None: no face camera on this kiosk
    threshold: float = DEFAULT_THRESHOLD  # score >= threshold is a match
    liveness: bool = True  # False: liveness "not_checked" (staff-attended kiosks only)
    challenge_timeout_s: float = 12.0  # the citizen's time for look, turn, look back
    call_timeout_s: float = 2.0  # one frame or photo in the model process
    start_timeout_s: float = 30.0  # loading the model (0.8 s warm, more on a cold disk)
    min_face_px: int = 60  # faces narrower than this are people passing behind
    attempts: int = 3  # tries at the kiosk before a staff member is called
    allow_decline: bool = True  # the citizen may choose not to: recorded not_done / declined
    turn: LivenessSettings = field(default_factory=LivenessSettings)

    @classmethod
    def from_tables(cls, face: Mapping[str, Any] | None,
                    face_camera: Mapping[str, Any] | None) -> FaceSettings:
        return _read(dict(face or {}), None if face_camera is None else dict(face_camera))


def _get(table: dict[str, Any], prefix: str, key: str, default: Any,
         kinds: tuple[type, ...], what: str) -> Any:
    if key not in table:
        return default
    value = table[key]
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        raise FaceConfigError(prefix + key, f"must be {what}, got {value!r}")
    return value


def _number(table: dict[str, Any], prefix: str, key: str, default: float, lo: float,
            hi: float) -> float:
    value = float(_get(table, prefix, key, default, (int, float), "a number"))
    if not lo <= value <= hi:
        raise FaceConfigError(prefix + key, f"must be between {lo} and {hi}")
    return value


def _check_keys(table: dict[str, Any], prefix: str, known: set[str]) -> None:
    for key in table:
        if key not in known:
            raise FaceConfigError(prefix + key, "unknown key; known: " + ", ".join(sorted(known)))


def _camera(table: dict[str, Any]) -> CameraSettings | None:
    p = "face_camera."
    _check_keys(table, p, {"enabled", "source", "resolution", "fps", "loop", "exposure"})
    if not _get(table, p, "enabled", True, (bool,), "true or false"):
        return None
    if "source" not in table:
        raise FaceConfigError(p + "source", "is missing (a device index, a video file or "
                              'an image glob such as "frames/*.png")')
    source = _get(table, p, "source", 0, (int, str), "a device index or a path")
    res = _get(table, p, "resolution", [640, 480], (list,), "[width, height]")
    if len(res) != 2 or not all(isinstance(v, int) and 160 <= v <= 4096 for v in res):
        raise FaceConfigError(p + "resolution", "must be [width, height], 160-4096 pixels")
    exposure = table.get("exposure")
    return CameraSettings(
        source=source, resolution=(res[0], res[1]),
        fps=_number(table, p, "fps", 15.0, 1, 120),
        loop=bool(_get(table, p, "loop", True, (bool,), "true or false")),
        exposure=None if exposure is None else _number(table, p, "exposure", 0, -1e6, 1e6))


def _read(face: dict[str, Any], camera: dict[str, Any] | None) -> FaceSettings:
    p = "face."
    _check_keys(face, p, {"threshold", "liveness", "challenge_timeout_s", "call_timeout_s",
                          "start_timeout_s", "min_face_px", "turn_min", "depth_min",
                          "turn_frames", "attempts", "allow_decline"})
    d, dl = FaceSettings(), LivenessSettings()
    turn = LivenessSettings(
        frontal_max=dl.frontal_max,
        turn_min=_number(face, p, "turn_min", dl.turn_min, 0.03, 0.5),
        depth_min=_number(face, p, "depth_min", dl.depth_min, 0.0, 0.5),
        frames=int(_number(face, p, "turn_frames", dl.frames, 1, 10)))
    return FaceSettings(
        camera=None if camera is None else _camera(camera),
        threshold=_number(face, p, "threshold", d.threshold, 0.0, 1.0),
        liveness=bool(_get(face, p, "liveness", d.liveness, (bool,), "true or false")),
        challenge_timeout_s=_number(face, p, "challenge_timeout_s", d.challenge_timeout_s,
                                    3, 120),
        call_timeout_s=_number(face, p, "call_timeout_s", d.call_timeout_s, 0.2, 30),
        start_timeout_s=_number(face, p, "start_timeout_s", d.start_timeout_s, 1, 300),
        min_face_px=int(_number(face, p, "min_face_px", d.min_face_px, 20, 1000)),
        attempts=int(_number(face, p, "attempts", d.attempts, 1, 10)),
        allow_decline=bool(_get(face, p, "allow_decline", d.allow_decline, (bool,),
                                "true or false")),
        turn=turn)
