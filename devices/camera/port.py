"""The camera's port: what the kiosk sees of a document camera, whatever drives it.

Modelled in small on CEN/XFS4IoT's Camera class and CUSS: a status with a machine code
and a human-readable detail, settings read from config, and typed results.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from devices.status import DeviceStatus


class CameraError(Exception):
    """A camera operation failed; `code` is machine-readable (e.g. "bad_frame")."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class CameraSettings:
    source: int | str  # device index, a video file, or an image-sequence glob ("scans/*.png")
    resolution: tuple[int, int] = (1280, 720)
    exposure: float | None = None  # driver units; None leaves auto-exposure on
    fps: float = 15.0  # pace for files; devices run at their own rate
    loop: bool = True  # files start over at the end, like a camera that never stops
    code_backend: Literal["zxing", "pyzbar"] = "zxing"
    dpi: int = 200  # rectified pages
    max_jpeg_bytes: int = 400_000
    open_timeout_s: float = 5.0
    reopen_backoff_s: tuple[float, float] = (0.2, 5.0)  # first and longest pause


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # BGR uint8, H x W x 3
    index: int  # counts up from 0 for each frame the capture thread handed out
    timestamp: float  # time.monotonic() when it was read

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]


@dataclass(frozen=True)
class Quad:
    """A document's corners in image pixels: top-left, top-right, bottom-right, bottom-left."""

    points: tuple[tuple[float, float], ...]

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        arr = np.array(self.points, dtype=np.float64)
        return arr if dtype is None else arr.astype(dtype)

    def __iter__(self) -> Iterator[tuple[float, float]]:
        return iter(self.points)

    @classmethod
    def from_array(cls, pts: np.ndarray) -> Quad:
        return cls(tuple((float(x), float(y)) for x, y in np.asarray(pts).reshape(4, 2)))

    @property
    def area(self) -> float:
        p = np.asarray(self)
        x, y = p[:, 0], p[:, 1]
        return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


@dataclass(frozen=True)
class Code:
    format: str  # "QRCode", "DataMatrix", "Code128", ... (zxing-cpp's names)
    text: str
    corners: tuple[tuple[float, float], ...]  # four points, as the decoder reports them
    raw: bytes = b""


@dataclass(frozen=True)
class GateResult:
    """One quality gate: `reason` is a message key the UI translates ("hold_still")."""

    name: str  # "detected", "coverage", "sharpness", "glare", "stability"
    passed: bool
    reason: str | None  # None when passed
    value: float


@dataclass
class CapturedPage:
    jpeg: bytes
    kind: str  # "a4", "id1", "passport", "receipt"
    size: tuple[int, int]  # pixels of the rectified page
    dpi: int
    quad: Quad
    edge_width: float  # pixels the outline's step took: lower is sharper
    gates: list[GateResult] = field(default_factory=list)


class CameraPort(Protocol):
    """A running camera: frames from a worker thread; every wait bounded."""

    def start(self) -> None: ...

    def stop(self, timeout_s: float = 2.0) -> None: ...

    def latest(self, timeout_s: float = 1.0, *, newer_than: int = -1) -> Frame | None: ...

    def status(self) -> DeviceStatus: ...
