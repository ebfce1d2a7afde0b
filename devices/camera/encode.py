"""Captured pages as JPEG of bounded size, and a material of several pages (or one PDF)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from devices.camera.port import CameraError, CapturedPage

log = logging.getLogger(__name__)


def encode_jpeg(img: np.ndarray, max_bytes: int = 400_000, *, quality: int = 88,
                min_quality: int = 45) -> bytes:
    """JPEG no larger than max_bytes: lower the quality first, then the size."""
    if img.ndim not in (2, 3) or img.dtype != np.uint8 or img.size == 0:
        raise CameraError("bad_frame", "cannot encode this image")
    out = img
    while True:
        q = quality
        while q >= min_quality:
            ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, q,
                                                 cv2.IMWRITE_JPEG_OPTIMIZE, 1])
            if not ok:
                raise CameraError("encode_failed", "JPEG encoder failed")
            if len(buf) <= max_bytes:
                return buf.tobytes()
            q -= 8
        if min(out.shape[:2]) < 64:
            raise CameraError("encode_failed", f"cannot fit the page in {max_bytes} bytes")
        out = cv2.resize(out, None, fx=0.85, fy=0.85, interpolation=cv2.INTER_AREA)
        log.debug("camera_page_scaled shape=%s max_bytes=%d", out.shape[:2], max_bytes)


@dataclass
class Material:
    """One required material (e.g. "household register, all pages"), pages in order."""

    code: str
    pages: list[CapturedPage] = field(default_factory=list)

    def add(self, page: CapturedPage) -> int:
        self.pages.append(page)
        return len(self.pages) - 1

    def remove(self, index: int) -> None:
        del self.pages[index]

    def move(self, index: int, to: int) -> None:
        self.pages.insert(to, self.pages.pop(index))

    def to_pdf(self) -> bytes:
        """All pages as one PDF, each page at its capture dpi (the JPEGs are re-embedded)."""
        if not self.pages:
            raise CameraError("empty_material", "no pages captured")
        images = [Image.open(io.BytesIO(p.jpeg)).convert("RGB") for p in self.pages]
        buf = io.BytesIO()
        images[0].save(buf, "PDF", save_all=True, append_images=images[1:],
                       resolution=float(self.pages[0].dpi), quality=85)
        return buf.getvalue()
