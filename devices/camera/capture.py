"""Frames from a device index, a video file or an image sequence, on a worker thread.

The thread reads as fast as the source gives frames (files are paced to `fps`) and keeps
only the newest, so a slow consumer never sees stale frames. A source that fails (camera
unplugged, file gone) is reopened with exponential backoff; the status says what is going
on. Every wait is bounded.

Status only changes when something a caller should act on happened: a looping file that
wraps around (however the backend gets back to its start, reopening included) stays `ok`;
a device that loses one frame is reopened at once and reports `degraded` ("reopening")
meanwhile, since the kiosk closes camera capabilities while the camera is `offline`. Only
a reopen that fails makes it `offline`.
"""

from __future__ import annotations

import glob
import logging
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from devices.camera.port import CameraSettings, Frame
from devices.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)


class _Source(Protocol):
    """What the worker needs of a source: cv2.VideoCapture and _ImageSequence both fit."""

    def isOpened(self) -> bool: ...  # noqa: N802 - the cv2.VideoCapture interface

    def read(self) -> tuple[bool, Any]: ...

    def release(self) -> None: ...


class _ImageSequence:
    """Sorted image files matching a glob, read like a camera."""

    def __init__(self, pattern: str, loop: bool) -> None:
        self.files = sorted(glob.glob(pattern))
        self.loop = loop
        self.pos = 0

    def isOpened(self) -> bool:  # noqa: N802 - the cv2.VideoCapture interface
        return bool(self.files)

    def read(self) -> tuple[bool, np.ndarray | None]:
        # An unreadable file (deleted, half-written) is skipped, not fatal; one pass at most.
        for _ in range(len(self.files)):
            if self.pos >= len(self.files):
                if not self.loop:
                    return False, None
                self.pos = 0
            path = self.files[self.pos]
            self.pos += 1
            img = cv2.imread(path, cv2.IMREAD_COLOR)
            if img is not None:
                return True, img
            log.warning("camera_image_unreadable file=%s", Path(path).name)
        return False, None

    def release(self) -> None:
        self.files = []


def _is_glob(source: str) -> bool:
    return any(ch in source for ch in "*?[")


def _is_printf_sequence(source: str) -> bool:
    """OpenCV's own image-sequence form, "frame_%05d.png" (its CAP_IMAGES backend)."""
    return "%" in Path(source).name


class Capture:
    """Implements CameraPort over OpenCV."""

    def __init__(self, settings: CameraSettings) -> None:
        self.settings = settings
        self._lock = threading.Condition()
        self._frame: Frame | None = None
        self._count = 0
        self._status = DeviceStatus(DeviceState.OFFLINE, "not_started", "capture not started")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._src: _Source | None = None
        self._paced = True
        self.reopen_count = 0  # successful opens, the first included

    # -- the port -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="camera-capture", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        if self._thread:
            self._thread.join(timeout_s)
        self._close()
        self._set_status(DeviceState.OFFLINE, "stopped", "capture stopped")

    def latest(self, timeout_s: float = 1.0, *, newer_than: int = -1) -> Frame | None:
        """The newest frame with index > newer_than, waiting at most timeout_s for one."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while self._frame is None or self._frame.index <= newer_than:
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    return None
                self._lock.wait(left)
            return self._frame

    def status(self) -> DeviceStatus:
        with self._lock:
            return self._status

    def __enter__(self) -> Capture:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the worker -----------------------------------------------------------------------
    def _set_status(self, state: DeviceState, code: str, detail: str) -> None:
        with self._lock:
            if self._status.code != code:
                log.info("camera_status state=%s code=%s detail=%s", state.value, code, detail)
            self._status = DeviceStatus(state, code, detail)

    def _open(self) -> bool:
        src = self.settings.source
        cap: _Source | None
        if isinstance(src, int):
            device = cv2.VideoCapture(src)
            w, h = self.settings.resolution
            device.set(cv2.CAP_PROP_FRAME_WIDTH, w)
            device.set(cv2.CAP_PROP_FRAME_HEIGHT, h)
            if self.settings.exposure is not None:
                device.set(cv2.CAP_PROP_AUTO_EXPOSURE, 1)  # manual, where the driver allows
                if not device.set(cv2.CAP_PROP_EXPOSURE, self.settings.exposure):
                    log.info("camera_exposure_ignored")
            cap = device
            self._paced = False
        elif _is_glob(src):
            cap = _ImageSequence(src, self.settings.loop)
            self._paced = True
        elif _is_printf_sequence(src):
            cap = cv2.VideoCapture(src, cv2.CAP_IMAGES)
            self._paced = True
        else:
            cap = cv2.VideoCapture(src) if Path(src).exists() else None
            self._paced = True
        if cap is None or not cap.isOpened():
            return False
        self._src = cap
        return True

    def _close(self) -> None:
        src, self._src = self._src, None
        if src is not None:
            try:
                src.release()
            except cv2.error:
                log.debug("camera_release_failed", exc_info=True)

    def _read(self) -> np.ndarray | None:
        src = self._src
        if src is None:
            return None
        if (isinstance(src, cv2.VideoCapture) and src.getBackendName() == "CV_IMAGES"
                and src.get(cv2.CAP_PROP_POS_FRAMES) >= src.get(cv2.CAP_PROP_FRAME_COUNT) > 0):
            return None  # past the last image: reading on would only warn on stderr
        ok, img = src.read()
        # A video file starts over; image sequences (CAP_IMAGES) refuse the seek, and
        # _recover reopens them instead.
        if (not ok and isinstance(src, cv2.VideoCapture) and self._is_file_loop()
                and src.set(cv2.CAP_PROP_POS_FRAMES, 0)):
            ok, img = src.read()
        if not ok or img is None or img.ndim != 3:
            return None
        return img

    def _run(self) -> None:
        first, longest = self.settings.reopen_backoff_s
        pause = first
        period = 1.0 / max(self.settings.fps, 0.1)
        while not self._stop.is_set():
            if self._src is None:
                self._set_status(DeviceState.OFFLINE, "opening", f"opening {self._describe()}")
                if not self._open():
                    self._set_status(DeviceState.OFFLINE, "source_missing",
                                     f"cannot open {self._describe()}; retry in {pause:.1f}s")
                    self._stop.wait(pause)
                    pause = min(pause * 2, longest)
                    continue
                self.reopen_count += 1
                self._set_status(DeviceState.OK, "streaming", f"reading {self._describe()}")
            started = time.monotonic()
            img = self._read()
            if img is None:
                img = self._recover()
            if img is None:
                self._set_status(DeviceState.OFFLINE, "source_lost",
                                 f"{self._describe()} gave no frame; reopening")
                self._stop.wait(pause)
                pause = min(pause * 2, longest)
                continue
            pause = first
            with self._lock:
                self._frame = Frame(img, self._count, time.monotonic())
                self._count += 1
                self._lock.notify_all()
            if self._paced:
                self._stop.wait(max(0.0, period - (time.monotonic() - started)))

    def _is_file_loop(self) -> bool:
        return not isinstance(self.settings.source, int) and self.settings.loop

    def _recover(self) -> np.ndarray | None:
        """One immediate reopen after a failed read; the frame it gives, or None (closed).

        A looping file reopens silently (its wrap-around is no fault); a device says
        `degraded` while it reopens. A non-looping file that ended is a camera gone away:
        no immediate reopen, the caller's backoff applies.
        """
        self._close()
        device = isinstance(self.settings.source, int)
        if not (device or self._is_file_loop()) or self._stop.is_set():
            return None
        if device:
            self._set_status(DeviceState.DEGRADED, "reopening",
                             f"{self._describe()} lost a frame; reopening")
        if not self._open():
            return None
        self.reopen_count += 1
        img = self._read()
        if img is None:
            self._close()
            return None
        self._set_status(DeviceState.OK, "streaming", f"reading {self._describe()}")
        return img

    def _describe(self) -> str:
        src = self.settings.source
        return f"camera {src}" if isinstance(src, int) else Path(str(src)).name
