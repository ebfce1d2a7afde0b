"""What the camera sees, as the flow's intents: MRZ readings on identify, pages on capture,
QR codes on the progress lookup. What is wanted comes from the flow as a typed
`CameraRequest` (FlowState.camera); the feed never reads the flow itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Protocol

import numpy as np

from devices.camera import (
    AutoCapture,
    CameraPort,
    MrzVoter,
    PreviewPipeline,
    ScanState,
    read_codes,
)
from devices.mrz import Mrz

from .flow.state import CameraRequest
from .runtime.threads import Background

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


class CameraIntents(Protocol):
    """The flow's intents the feed posts (on the flow's thread)."""

    def mrz_read(self, mrz: Mrz) -> None: ...

    def page_captured(self, jpeg: bytes, *, kind: str = "", size: tuple[int, int] | None = None,
                      dpi: int | None = None) -> None: ...

    def capture_hint(self, reason: str | None) -> None: ...

    def code_scanned(self, text: str) -> None: ...


class CameraFeed(Background):
    """What the camera sees, as the flow's intents, decided by the screen showing.

    Runs on its own thread (detection on the PreviewPipeline's); knows what is wanted
    only from the `CameraRequest` handed to `wanted()` on the flow's thread (build_kiosk
    subscribes it to the flow's state), and posts intents to the flow's thread. One MRZ and
    one QR code per visit of the screen: the citizen leaving the document there does not
    repeat it.
    """

    def __init__(self, camera: CameraPort, flow: CameraIntents, post: Post, *,
                 preview_width: int = 960, code_backend: str = "zxing") -> None:
        super().__init__("camera-feed")
        self.camera = camera
        self.flow = flow
        self.post = post
        self.code_backend = code_backend
        self.pipeline = PreviewPipeline(camera, AutoCapture(), preview_width=preview_width,
                                        on_state=self._on_scan)
        self._voter = MrzVoter()
        self._request = CameraRequest()
        self._screen_key: tuple[object, ...] | None = None
        self._sent = False
        self._hint: str | None = None
        self._shutter = 0  # the last "take photo" count seen (CameraRequest.shutter)
        self.pages_sent = 0
        self.mrz_sent = 0
        self.codes_sent = 0

    def start(self) -> None:
        self.camera.start()
        self.pipeline.start()
        super().start()

    def stop(self, timeout_s: float = 2.0) -> None:
        super().stop(timeout_s)
        self.pipeline.stop(timeout_s)
        self.camera.stop(timeout_s)

    def preview(self) -> np.ndarray | None:
        """The newest frame with the detected outline, for the image provider."""
        out = self.pipeline.preview(timeout_s=0.2)
        return out[1] if out is not None else None

    def wanted(self, request: CameraRequest) -> None:
        """The flow's latest wish for the camera, handed over on the flow's thread; the
        feed's threads read only this value, never the flow (which is single-threaded)."""
        self._request = request
        self.pipeline.scanner.capturing = request.want == "page"
        if request.want == "page" and request.shutter > self._shutter:
            self.pipeline.scanner.shutter = True  # "take photo": the next frame, as it is
        self._shutter = request.shutter

    def _entered(self) -> CameraRequest:
        request = self._request
        if request.key != self._screen_key:
            self._screen_key, self._sent, self._hint = request.key, False, None
            self._voter.reset()
        return request

    def _on_scan(self, scan: ScanState) -> None:
        # On the detection thread: pages and hints only while a page is awaited.
        request = self._entered()
        if request.want != "page":
            return
        if scan.page is not None and not self._sent:
            self._sent = True
            page = scan.page
            self.pages_sent += 1
            self.post(lambda: self.flow.page_captured(page.jpeg, kind=page.kind,
                                                      size=page.size, dpi=page.dpi))
            return
        if scan.reason != self._hint:
            self._hint = scan.reason
            reason = scan.reason
            self.post(lambda: self.flow.capture_hint(reason))

    def run(self) -> None:
        last = -1
        while not self.stopping.is_set():
            frame = self.camera.latest(0.5, newer_than=last)
            if frame is None:
                continue
            last = frame.index
            request = self._entered()
            if self._sent or request.want is None:
                continue
            try:
                if request.want == "mrz":
                    reading = self._voter.feed(frame)
                    if reading is not None:
                        self._sent = True
                        self.mrz_sent += 1
                        self.post(partial(self.flow.mrz_read, reading))
                elif request.want == "code":
                    codes = [c for c in read_codes(frame, self.code_backend)  # type: ignore[arg-type]
                             if c.format == "QRCode"]
                    if codes:
                        self._sent = True
                        self.codes_sent += 1
                        self.post(partial(self.flow.code_scanned, codes[0].text))
            except Exception as exc:  # a bad frame must not end the feed
                log.warning("camera_feed_frame_failed error=%s", type(exc).__name__)
