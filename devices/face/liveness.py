"""Head-turn liveness from dlib's 5 points: a challenge, and a check for a flat picture.

The 5 points are, in image terms, the right-hand eye's outer and inner corners, the
left-hand eye's outer and inner corners, and the nose base. Two measures per frame:

- `nose`: where the nose base sits along the eye line, in eye spans from the eyes'
  midpoint. It grows when the head turns (the nose stands in front of the eyes), and is
  unchanged when a flat picture is scaled, rotated in the image or tilted about a vertical
  or horizontal axis: that is the challenge's yaw.
- `depth`: (right eye width - left eye width) / their sum. The four eye corners lie on
  one line, and any affine map of a picture keeps the ratio of lengths along a line; a
  head's outer corners sit ~1.5 cm behind its inner ones, so when it turns the far eye
  widens and the near one narrows. A printed photo or a phone screen, however it is held,
  moved or tilted (all affine at arm's length), keeps `depth` where it was.

A turn passes when the nose moves the asked way by `turn_min` eye spans AND `depth` moves
the opposite way by `depth_min`, over several frames of one unbroken track. What this does
not stop is in docs/face.md: a video replay of the person turning, a mask, a photo bent
round a cylinder, a perspective-heavy close tilt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class Pose:
    nose: float  # nose base along the eye line, in eye spans; + is towards +x
    depth: float  # (right-hand eye width - left-hand eye width) / sum
    span: float  # eye centres' distance, pixels
    centre: tuple[float, float]

    @classmethod
    def from_points(cls, points: np.ndarray) -> Pose:
        p = np.asarray(points, dtype=np.float64).reshape(5, 2)
        right, left = (p[0] + p[1]) / 2, (p[2] + p[3]) / 2
        u = right - left
        span = float(np.hypot(*u))
        mid = (right + left) / 2
        nose = float(np.dot(p[4] - mid, u) / max(span**2, 1e-6))
        wr, wl = float(np.hypot(*(p[0] - p[1]))), float(np.hypot(*(p[2] - p[3])))
        return cls(nose, (wr - wl) / max(wr + wl, 1e-6), span, (float(mid[0]), float(mid[1])))


@dataclass(frozen=True)
class LivenessSettings:
    frontal_max: float = 0.08  # |nose| of a frame that counts as looking straight
    # a 30 degree turn of the synthetic head moves the nose 0.19-0.27 spans and the
    # eye-width ratio 0.15-0.2; a flat photo tilted 40 degrees close to the camera reaches
    # 0.09 / 0.05 through perspective alone (bench/face.py prints both)
    turn_min: float = 0.12  # nose shift the turn must reach (eye spans)
    depth_min: float = 0.07  # opposite change in the eye-width ratio a head shows
    frames: int = 2  # frames needed in each phase
    max_jump: float = 0.6  # eye-span moves between two frames beyond which the track breaks


Direction = Literal["left", "right"]


@dataclass
class TurnCheck:
    """Accumulates poses; `phase` goes look -> turn -> back -> done, or resets."""

    direction: Direction
    settings: LivenessSettings
    phase: str = "look"
    baseline: list[Pose] | None = None
    turned: int = 0
    flat: int = 0  # turned frames whose depth did not change: a picture's signature
    back: int = 0
    peak: float = 0.0
    last: Pose | None = None

    @property
    def sign(self) -> float:
        # the citizen's left is the camera's +x: the nose moves right in the image
        return 1.0 if self.direction == "left" else -1.0

    def reset(self) -> None:
        self.phase, self.baseline, self.turned, self.flat, self.back = "look", None, 0, 0, 0
        self.peak, self.last = 0.0, None

    def _base(self) -> tuple[float, float]:
        assert self.baseline
        return (float(np.median([p.nose for p in self.baseline])),
                float(np.median([p.depth for p in self.baseline])))

    def add(self, pose: Pose) -> None:
        s = self.settings
        if self.last is not None:
            moved = np.hypot(pose.centre[0] - self.last.centre[0],
                             pose.centre[1] - self.last.centre[1]) / max(pose.span, 1.0)
            if moved > s.max_jump or abs(pose.span / self.last.span - 1) > 0.35:
                self.reset()  # another face, or a picture swapped in: start over
        self.last = pose
        if self.phase == "look":
            if abs(pose.nose) <= s.frontal_max:
                self.baseline = [*(self.baseline or []), pose][-4:]
                if len(self.baseline) >= s.frames:
                    self.phase = "turn"
            return
        nose0, depth0 = self._base()
        shift = self.sign * (pose.nose - nose0)
        if self.phase == "turn":
            self.peak = max(self.peak, shift)
            if shift >= s.turn_min:
                if -self.sign * (pose.depth - depth0) >= s.depth_min:
                    self.turned += 1
                else:
                    self.flat += 1
                if self.turned >= s.frames:
                    self.phase = "back"
        elif self.phase == "back" and abs(pose.nose - nose0) <= s.turn_min / 2:
            self.back += 1
            if self.back >= 1:
                self.phase = "done"

    @property
    def passed(self) -> bool:
        return self.phase == "done"

    @property
    def looks_flat(self) -> bool:
        """Turned far enough, yet shaped like a picture: what a tilted photo does."""
        return self.flat >= self.settings.frames and self.turned < self.settings.frames

    def progress(self) -> float:
        s = self.settings
        if self.phase == "look":
            return 0.2 * len(self.baseline or []) / s.frames
        if self.phase == "turn":
            return 0.2 + 0.6 * min(1.0, max(0.0, self.peak) / s.turn_min)
        return 0.9 if self.phase == "back" else 1.0
