"""FaceService: the face camera, the model process and their one status.

The model process is started in the background by start() (~1 s), so the kiosk's own
start is not held up; status() says `degraded` / `model_loading` meanwhile.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Sequence
from typing import Literal

import numpy as np

from devices.camera.capture import Capture
from devices.camera.port import CameraPort, Frame
from devices.face.port import CompareResult, FaceError, FaceMatch, NotDone
from devices.face.session import FaceSession, similarity
from devices.face.settings import FaceSettings
from devices.face.worker import FaceWorker, Reply
from devices.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)


class FaceService:
    def __init__(self, settings: FaceSettings, *, camera: CameraPort | None = None,
                 worker: FaceWorker | None = None) -> None:
        self.settings = settings
        if camera is None and settings.camera is not None:
            camera = Capture(settings.camera)
        self.camera = camera
        self.worker = worker or FaceWorker(settings.start_timeout_s)
        self._loader: threading.Thread | None = None
        self._load_error: FaceError | None = None

    # -- life -----------------------------------------------------------------------------
    def start(self) -> None:
        if self.camera is not None:
            self.camera.start()
        self._loader = threading.Thread(target=self._load, name="face-model-start",
                                        daemon=True)
        self._loader.start()

    def _load(self) -> None:
        try:
            self.worker.start()
            self._load_error = None
        except FaceError as exc:
            self._load_error = exc
            log.error("face_model_failed code=%s", exc.code)

    def ready(self, timeout_s: float | None = None) -> bool:
        """Wait (bounded) for the model process; True when it answers."""
        loader = self._loader
        if loader is not None:
            loader.join(self.settings.start_timeout_s if timeout_s is None else timeout_s)
        if not self.worker.alive():
            try:  # died since, or never started: one bounded attempt
                self.worker.start()
            except FaceError as exc:
                self._load_error = exc
                return False
        return True

    def stop(self) -> None:
        if self.camera is not None:
            self.camera.stop()
        self.worker.stop()

    def status(self) -> DeviceStatus:
        if self.camera is None:
            return DeviceStatus(DeviceState.OFFLINE, "no_face_camera",
                                "no [face_camera] configured; face match not done")
        cam = self.camera.status()
        if cam.state is not DeviceState.OK:
            return cam
        if self._loader is not None and self._loader.is_alive():
            return DeviceStatus(DeviceState.DEGRADED, "model_loading", "face model loading")
        if not self.worker.alive():
            if self._load_error is not None:
                return DeviceStatus(DeviceState.ERROR, self._load_error.code,
                                    self._load_error.detail)
            return DeviceStatus(DeviceState.DEGRADED, "model_stopped",
                                "face model not running; started on the next check")
        return DeviceStatus(DeviceState.OK, "ready", f"face camera {cam.code}; model ready")

    def latest_frame(self, timeout_s: float = 0.5) -> Frame | None:
        return self.camera.latest(timeout_s) if self.camera is not None else None

    # -- checks ---------------------------------------------------------------------------
    def begin(self, document_photo: bytes | None, *,
              direction: Literal["left", "right"] | None = None,
              need_camera: bool = True) -> FaceSession:
        """A session against the document's photo; not_done at once when it cannot run."""
        turn: Literal["left", "right"] = (
            direction if direction is not None else secrets.choice(("left", "right")))
        reason: NotDone | None = None
        if not document_photo:
            reason = NotDone.NO_PHOTO
        elif need_camera and self.camera is None:
            reason = NotDone.NO_FACE_CAMERA
        elif need_camera and self.camera is not None \
                and self.camera.status().state is DeviceState.OFFLINE:
            reason = NotDone.FACE_CAMERA_OFFLINE
        template = None
        if reason is None and not self.ready():
            reason = NotDone.WORKER_FAILED
        if reason is None:
            assert document_photo is not None
            template, reason = self._template(document_photo)
        return FaceSession(self.worker, self.settings, self.worker.model, template, reason,
                           turn, self.camera if need_camera else None)

    def _template(self, photo: bytes) -> tuple[Reply | None, NotDone | None]:
        buf = bytearray(photo)
        try:
            reply = self.worker.analyze(buf, op="photo", embed=True, largest=True,
                                        timeout_s=self.settings.call_timeout_s)
        except FaceError as exc:
            log.warning("face_photo_failed code=%s", exc.code)
            return None, (NotDone.NO_FACE_IN_PHOTO if exc.code == "bad_image"
                          else NotDone.WORKER_FAILED)
        finally:
            buf[:] = bytes(len(buf))
        if reply.embedding is None:
            return None, NotDone.NO_FACE_IN_PHOTO
        return reply, None

    def compare(self, document_photo: bytes | None, frames: Sequence[np.ndarray], *,
                direction: Literal["left", "right"] | None = None) -> FaceMatch:
        """Frames the caller already has (a recorded challenge) against the photo."""
        with self.begin(document_photo, direction=direction, need_camera=False) as session:
            for frame in frames:
                if session.finished:
                    break
                session.feed(frame)
            return session.result()

    def compare_images(self, a: bytes, b: bytes) -> CompareResult:
        """Two still images (the technicians' CLI); FaceError("bad_image") if unreadable."""
        if not self.ready():
            raise FaceError("worker_failed", "the face model did not start")
        started = time.monotonic()
        replies: list[Reply] = []
        try:
            for data in (a, b):
                buf = bytearray(data)
                try:
                    replies.append(self.worker.analyze(buf, op="photo", embed=True,
                                                       timeout_s=self.settings.call_timeout_s))
                finally:
                    buf[:] = bytes(len(buf))
            counts = (len(replies[0].faces), len(replies[1].faces))
            thr, model = self.settings.threshold, self.worker.model or ""
            if 0 in counts:
                return CompareResult("no_face", None, thr, model, counts)
            if max(counts) > 1:
                return CompareResult("several_faces", None, thr, model, counts)
            va, vb = replies[0].vector(), replies[1].vector()
            assert va is not None and vb is not None
            score = similarity(va, vb)
            match = score >= thr
            log.info("face_compare result=%s ms=%.0f", "match" if match else "no_match",
                     1000 * (time.monotonic() - started))
            return CompareResult("match" if match else "no_match", score, thr, model, counts)
        finally:
            for r in replies:
                r.wipe()
