"""Face camera scenes (640 x 480 BGR frames) and document photos, from the shipped faces.

    turn_sequence("astronaut", "left")   a citizen looks, turns to their left, looks back
    photo_sequence("astronaut")          the same face as a printed photo held up and tilted
    two_faces(), empty_frame()           somebody behind the citizen; nobody there
    document_photo("astronaut", (102, 126), quality=50)   the chip's or the card's photo

"left" and "right" are the citizen's own: the camera faces them, so turning to their left
moves the nose towards +x in the camera's (unmirrored) image.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from sim.face.people import Person, person
from sim.face.warp import flat_tilt, head_turn

FRAME = (640, 480)
LIVE_IOD = 80.0  # eye distance in pixels at head height, ~50 cm from a 640x480 camera


def _hall(seed: int) -> np.ndarray:
    w, h = FRAME
    grad = np.linspace(150, 200, w, dtype=np.float32)[None, :] * np.ones((h, 1), np.float32)
    rng = np.random.default_rng(seed)
    bg = np.dstack([grad * 0.95, grad, grad * 1.02]) + rng.normal(0, 2, (h, w, 3))
    return np.clip(bg, 0, 255).astype(np.uint8)


def _place(img: np.ndarray, p: Person, at: tuple[float, float], iod: float) -> np.ndarray:
    """The image scaled so the eyes are `iod` apart, their midpoint at `at`, on the hall."""
    s = iod / p.iod
    cx, cy = p.centre
    m = np.array([[s, 0, at[0] - s * cx], [0, s, at[1] - s * cy]], dtype=np.float64)
    w, h = FRAME
    out = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    mask = cv2.warpAffine(np.full(img.shape[:2], 255, np.uint8), m, (w, h))
    bg = _hall(1)
    bg[mask > 0] = out[mask > 0]
    return bg


def _noise(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.clip(frame.astype(np.int16) + rng.normal(0, 3, frame.shape).astype(np.int16),
                   0, 255).astype(np.uint8)


def turn_yaws(frontal: int = 4, steps: int = 6, hold: int = 3, peak: float = 30.0) -> list[float]:
    ramp = list(np.linspace(0, peak, steps + 1)[1:])
    return [0.0] * frontal + ramp + [peak] * hold + ramp[::-1][1:] + [0.0] * 2


def turn_sequence(name: str, direction: str = "left", seed: int = 1,
                  peak: float = 30.0) -> list[np.ndarray]:
    p = person(name)
    img = p.image()
    sign = 1.0 if direction == "left" else -1.0
    rng = np.random.default_rng(seed)
    out = []
    for yaw in turn_yaws(peak=peak):
        jitter = rng.normal(0, 1.5, 2)
        frame = _place(head_turn(img, p, sign * yaw), p, (320 + jitter[0], 200 + jitter[1]),
                       LIVE_IOD)
        out.append(_noise(frame, rng))
    return out


def turned_frame(name: str, yaw: float = 0.0, seed: int = 1) -> np.ndarray:
    """One frame of the citizen, turned `yaw` degrees (+ is their left): for screens and
    tests that need a picture, not a challenge (a whole turn_sequence takes seconds)."""
    p = person(name)
    img = p.image() if yaw == 0 else head_turn(p.image(), p, yaw)
    return _noise(_place(img, p, (320, 200), LIVE_IOD), np.random.default_rng(seed))


def photo_sequence(name: str, seed: int = 2, pitch: float = 0.0) -> list[np.ndarray]:
    """A printed photo of the face, held up, then tilted and moved to fake a turn."""
    p = person(name)
    rng = np.random.default_rng(seed)
    frontal = _place(p.image(), p, (320, 200), LIVE_IOD)
    out = []
    for i, yaw in enumerate(turn_yaws(peak=40.0)):
        shift = (4.0 * i, 1.0 * i) if yaw else (0.0, 0.0)
        out.append(_noise(flat_tilt(frontal, yaw, pitch * yaw / 40.0, shift), rng))
    return out


def two_faces(seed: int = 3) -> np.ndarray:
    a, b = person("astronaut"), person("hopper")
    left = _place(a.image(), a, (200, 200), 70.0)
    right = _place(b.image(), b, (460, 210), 60.0)
    frame = left.copy()
    frame[:, 330:] = right[:, 330:]
    return _noise(frame, np.random.default_rng(seed))


def empty_frame(seed: int = 4) -> np.ndarray:
    return _noise(_hall(seed), np.random.default_rng(seed))


def document_photo(name: str, size: tuple[int, int] = (240, 320), quality: int = 80,
                   fmt: str = ".jpg", light: float = 1.0) -> bytes:
    """The face cropped like an ICAO portrait (eyes ~45 % from the top), encoded."""
    p = person(name)
    w, h = size
    iod = 0.28 * w  # ICAO 9303 head width ~ 2/3 of the photo: eyes ~ 0.28 of its width
    s = iod / p.iod
    cx, cy = p.centre
    m = np.array([[s, 0, w / 2 - s * cx], [0, s, 0.45 * h - s * cy]], dtype=np.float64)
    img = cv2.warpAffine(p.image(), m, (w, h), flags=cv2.INTER_AREA,
                         borderMode=cv2.BORDER_REPLICATE)
    if light != 1.0:  # gamma: < 1 darkens, > 1 brightens
        lut = np.clip(255 * (np.arange(256) / 255) ** (1 / light), 0, 255).astype(np.uint8)
        img = cv2.LUT(img, lut)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if fmt == ".jpg" else []
    ok, buf = cv2.imencode(fmt, img, params)
    if not ok:
        raise ValueError(f"OpenCV cannot write {fmt}")
    return buf.tobytes()


def write_frames(frames: Sequence[np.ndarray], folder: Path) -> str:
    """PNG files frame_0000.png ...; returns the glob a Capture source takes."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"frame_{i:04d}.png"), frame)
    return str(folder / "frame_*.png")
