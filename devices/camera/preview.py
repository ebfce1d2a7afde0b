"""The live preview path: the newest frame, scaled for the screen, with the last known
document outline drawn on it, while detection and auto-capture run on their own thread.

The preview never waits for detection: it draws whatever outline detection last produced,
so it keeps the capture's frame rate however slow detection is. That outline belongs to
the frame it was found on: it is scaled from that frame's own size, and drawn on a newer
frame only while the picture is still the same one (a thumbnail compared); after the
document was moved or changed it waits for the next detection instead of being drawn
beside the document.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import cv2
import numpy as np

from devices.camera.autocapture import AutoCapture, ScanState
from devices.camera.port import CameraPort, Frame

log = logging.getLogger(__name__)

THUMB = (32, 18)  # the size frames are compared at: a moved page changes it, noise does not
CHANGED_CELL = 25.0  # grey levels: a thumbnail cell this much brighter or darker changed
SAME_PICTURE = 0.01  # share of changed cells up to which two frames show one scene (a
#                      card moved by a cell's width changes several of its edge cells)


def thumbnail(image: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return cv2.resize(gray, THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)


class PreviewPipeline:
    def __init__(self, camera: CameraPort, scanner: AutoCapture | None = None, *,
                 preview_width: int = 640,
                 on_state: Callable[[ScanState], None] | None = None) -> None:
        self.camera = camera
        self.scanner = scanner or AutoCapture()
        self.preview_width = preview_width
        self.on_state = on_state
        self._state: ScanState | None = None
        self._state_frame = -1
        self._state_size: tuple[int, int] = (0, 0)  # (width, height) of the detected frame
        self._state_thumb: np.ndarray | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.detections = 0
        self.errors = 0

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._detect_loop, name="camera-detect",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout_s)

    @property
    def state(self) -> ScanState | None:
        with self._lock:
            return self._state

    def preview(self, timeout_s: float = 0.5,
                newer_than: int = -1) -> tuple[Frame, np.ndarray] | None:
        """The newest frame and its preview image (BGR, preview_width wide)."""
        frame = self.camera.latest(timeout_s, newer_than=newer_than)
        if frame is None:
            return None
        h, w = frame.image.shape[:2]
        scale = self.preview_width / w
        img = cv2.resize(frame.image, (self.preview_width, round(h * scale)),
                         interpolation=cv2.INTER_LINEAR)
        outline = self.outline_for(frame)
        if outline is not None:
            quad, reason = outline
            color = (80, 200, 80) if reason is None else (0, 200, 255)
            cv2.polylines(img, [(quad * scale).astype(np.int32)], True, color, 2, cv2.LINE_AA)
        return frame, img

    def outline_for(self, frame: Frame) -> tuple[np.ndarray, str | None] | None:
        """The last outline found, in `frame`'s pixels, and its reason; None when there is
        none or when `frame` no longer shows the picture it was found on."""
        with self._lock:
            state, (dw, dh), thumb = self._state, self._state_size, self._state_thumb
            same_frame = self._state_frame == frame.index
        if state is None or state.quad is None or dw <= 0 or thumb is None:
            return None
        h, w = frame.image.shape[:2]
        if not same_frame:
            if abs(w / h - dw / dh) > 0.02:
                return None  # another camera mode: not the same picture
            now = thumbnail(frame.image)
            if float(np.mean(np.abs(now - thumb) > CHANGED_CELL)) > SAME_PICTURE:
                return None  # moved or changed since: the outline would be beside it
        return np.asarray(state.quad, dtype=np.float64) * (w / dw), state.reason

    def note(self, frame: Frame, state: ScanState) -> None:
        """Detection's result for `frame` (the detection thread; tests call it directly)."""
        h, w = frame.image.shape[:2]
        thumb = thumbnail(frame.image)
        with self._lock:
            self._state, self._state_frame = state, frame.index
            self._state_size, self._state_thumb = (w, h), thumb

    def _detect_loop(self) -> None:
        last = -1
        while not self._stop.is_set():
            frame = self.camera.latest(0.5, newer_than=last)
            if frame is None:
                continue
            last = frame.index
            try:
                state = self.scanner.feed(frame)
            except Exception:  # a bad frame must not end the loop; the reason is logged
                self.errors += 1
                log.exception("camera_detection_failed frame=%d", frame.index)
                continue
            self.note(frame, state)
            self.detections += 1
            if self.on_state is not None:
                self.on_state(state)
