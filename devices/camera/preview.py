"""The live preview path: the newest frame, scaled for the screen, with the last known
document outline drawn on it, while detection and auto-capture run on their own thread.

The preview never waits for detection: it draws whatever outline detection last produced,
so it keeps the capture's frame rate however slow detection is.
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
        state = self.state
        if state is not None and state.quad is not None:
            pts = (np.asarray(state.quad) * scale).astype(np.int32)
            color = (80, 200, 80) if state.reason is None else (0, 200, 255)
            cv2.polylines(img, [pts], True, color, 2, cv2.LINE_AA)
        return frame, img

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
            with self._lock:
                self._state, self._state_frame = state, frame.index
            self.detections += 1
            if self.on_state is not None:
                self.on_state(state)
