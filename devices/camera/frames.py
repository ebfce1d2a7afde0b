"""Checks on frames handed to the camera functions: bad input gets a typed error."""

from __future__ import annotations

import logging

import numpy as np

from devices.camera.port import CameraError, Frame

log = logging.getLogger(__name__)


def as_bgr(frame: np.ndarray | Frame) -> np.ndarray:
    """The frame as a contiguous BGR uint8 array; a gray image is accepted and expanded."""
    img = frame.image if isinstance(frame, Frame) else frame
    if not isinstance(img, np.ndarray) or img.dtype != np.uint8:
        log.warning("camera_frame_rejected reason=not_uint8 type=%s", type(img).__name__)
        raise CameraError("bad_frame", "a frame must be a uint8 numpy array")
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] not in (3, 4) or min(img.shape[:2]) < 16:
        log.warning("camera_frame_rejected reason=shape shape=%s", img.shape)
        raise CameraError("bad_frame", f"unexpected frame shape {img.shape}")
    if img.shape[2] == 4:
        img = img[..., :3]
    return np.ascontiguousarray(img)
