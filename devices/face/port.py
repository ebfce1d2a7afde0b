"""The face match's port: what the visit flow sees, whatever model and camera drive it.

`FaceMatch.to_contract()` is exactly platform-api.yaml's Applicant.verification.face_match.
Nothing here holds an image or a template; `score` is a similarity (1 - dlib's distance),
so that, as the contract says, higher is more alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

import numpy as np

from devices.status import DeviceStatus

Result = Literal["match", "no_match", "not_done"]
Liveness = Literal["passed", "failed", "not_checked"]


class FaceError(Exception):
    """A face operation failed; `code` is machine-readable ("worker_timeout", ...)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class NotDone(StrEnum):
    """Why no comparison was made: the contract's not_done_reason."""

    NO_PHOTO = "no_photo"  # the document gave no photo (no DG2, no WLT decoder)
    NO_FACE_IN_PHOTO = "no_face_in_photo"  # the document photo shows no usable face
    NO_FACE_CAMERA = "no_face_camera"  # this kiosk has none ([face_camera] not set)
    FACE_CAMERA_OFFLINE = "face_camera_offline"
    NO_LIVE_FACE = "no_live_face"  # nobody, or several people, in view until the time ran out
    WORKER_FAILED = "worker_failed"  # the model process did not answer in time
    DECLINED = "declined"  # the citizen chose another way (the flow sets it)


@dataclass(frozen=True)
class FaceMatch:
    result: Result
    score: float | None = None  # 1 - distance, rounded to 3 places
    threshold: float | None = None  # score >= threshold is a match
    liveness: Liveness = "not_checked"
    model: str | None = None
    not_done_reason: str | None = None

    @classmethod
    def not_done(cls, reason: NotDone | str, model: str | None = None) -> FaceMatch:
        return cls(result="not_done", not_done_reason=str(reason), model=model)

    @property
    def accepted(self) -> bool:
        return self.result == "match" and self.liveness != "failed"

    def to_contract(self) -> dict[str, object]:
        out: dict[str, object] = {"result": self.result}
        if self.result != "not_done":
            out.update(score=self.score, threshold=self.threshold, liveness=self.liveness)
        elif self.liveness != "not_checked":
            out["liveness"] = self.liveness
        if self.model:
            out["model"] = self.model
        if self.not_done_reason:
            out["not_done_reason"] = self.not_done_reason
        return out


@dataclass(frozen=True)
class Face:
    """One detected face: its box and dlib's 5 points (no pixels, no template)."""

    box: tuple[int, int, int, int]  # left, top, right, bottom
    points: tuple[tuple[float, float], ...]  # right eye outer, inner; left outer, inner; nose

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    def array(self) -> np.ndarray:
        return np.asarray(self.points, dtype=np.float64)


class Phase(StrEnum):
    LOOK = "look"  # look straight at the camera
    TURN = "turn"  # turn the head towards `direction`
    BACK = "back"  # look straight again
    DONE = "done"


@dataclass(frozen=True)
class ChallengeState:
    """What the screen shows during a session; `hint` is a message key or None."""

    phase: Phase
    direction: Literal["left", "right"]  # the citizen's own left or right
    progress: float  # 0..1 through the whole challenge
    hint: str | None  # "no_face", "several_faces", "come_closer", "hold_still", ...
    seconds_left: float


@dataclass(frozen=True)
class CompareResult:
    """One still image against another (the technicians' CLI)."""

    result: Literal["match", "no_match", "no_face", "several_faces"]
    score: float | None
    threshold: float
    model: str
    faces: tuple[int, int] = (0, 0)  # faces found in each image


class FaceSessionPort(Protocol):
    def feed(self, frame: np.ndarray) -> ChallengeState: ...

    def state(self) -> ChallengeState: ...

    def result(self) -> FaceMatch: ...

    def close(self) -> None: ...


class FacePort(Protocol):
    """What the flow calls. Every call bounded; nothing blocks the UI thread for long."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def status(self) -> DeviceStatus: ...

    def begin(self, document_photo: bytes | None) -> FaceSessionPort: ...

    def compare(self, document_photo: bytes | None,
                frames: Sequence[np.ndarray]) -> FaceMatch: ...
