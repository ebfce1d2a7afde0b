"""Auto-capture: when every gate holds, straighten, encode and hand out the page, once.

After a capture the next one waits until the document has been taken away (or replaced by
one lying elsewhere), so a page left on the counter is not captured twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera.detect import detect_document
from devices.camera.encode import encode_jpeg
from devices.camera.frames import as_bgr
from devices.camera.port import CapturedPage, Frame, GateResult, Quad
from devices.camera.quality import GateSettings, QualityGates, first_reason
from devices.camera.rectify import DocumentKind, guess_kind, rectify

log = logging.getLogger(__name__)


@dataclass
class ScanState:
    quad: Quad | None
    gates: list[GateResult]
    reason: str | None  # message key for the citizen, None when all gates hold
    page: CapturedPage | None  # set on the frame that captured


class AutoCapture:
    def __init__(self, *, kind: DocumentKind | None = None, dpi: int = 200,
                 max_jpeg_bytes: int = 400_000, gates: GateSettings | None = None,
                 rearm_after: int = 3) -> None:
        self.kind = kind
        self.dpi = dpi
        self.max_jpeg_bytes = max_jpeg_bytes
        self.gates = QualityGates(gates)
        self.rearm_after = rearm_after
        # Off while no page is wanted (the passport on identify, the attract screen): no
        # straightening and encoding for nothing, and a page already lying there when the
        # capture screen opens is taken at once instead of after it is moved.
        self.capturing = True
        # The citizen's "take photo": the next frame is taken as it is, gates or not (the
        # outline when one is found, else the whole frame); then it is cleared.
        self.shutter = False
        self._armed = True
        self._absent = 0
        self._captured_at: np.ndarray | None = None

    def feed(self, frame: np.ndarray | Frame) -> ScanState:
        img = as_bgr(frame)
        quad = detect_document(img)
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        gates = self.gates.judge(gray, quad)
        reason = first_reason(gates)
        self._rearm(quad)
        page = None
        if self.capturing and self.shutter:
            self.shutter = False
            h, w = img.shape[:2]
            whole = Quad(((0.0, 0.0), (w - 1.0, 0.0), (w - 1.0, h - 1.0), (0.0, h - 1.0)))
            page = self._capture(img, quad if quad is not None else whole, gates)
            log.info("camera_shutter_capture outline=%s", "found" if quad is not None else "none")
            self._armed = False
            self._captured_at = np.asarray(page.quad)
        elif reason is None and quad is not None and self._armed and self.capturing:
            page = self._capture(img, quad, gates)
            self._armed = False
            self._captured_at = np.asarray(quad)
        return ScanState(quad, gates, reason, page)

    def _rearm(self, quad: Quad | None) -> None:
        at = self._captured_at  # set whenever it is disarmed
        if self._armed or at is None:
            return
        if quad is None:
            self._absent += 1
            if self._absent >= self.rearm_after:
                self._armed, self._absent = True, 0
            return
        self._absent = 0
        moved = np.linalg.norm(np.asarray(quad) - at, axis=1).max()
        if moved > 0.2 * np.linalg.norm(at[2] - at[0]):
            self._armed = True
            self.gates.reset()

    def _capture(self, img: np.ndarray, quad: Quad, gates: list[GateResult]) -> CapturedPage:
        kind = self.kind or guess_kind(quad)
        page = rectify(img, quad, kind, self.dpi)
        jpeg = encode_jpeg(page, self.max_jpeg_bytes)
        width = next((g.value for g in gates if g.name == "sharpness"), 0.0)
        log.info("camera_page_captured kind=%s width=%d height=%d bytes=%d", kind.size.name,
                 page.shape[1], page.shape[0], len(jpeg))
        return CapturedPage(jpeg, kind.size.name, (page.shape[1], page.shape[0]), self.dpi,
                            quad, width, gates)
