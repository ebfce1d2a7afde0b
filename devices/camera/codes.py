"""QR codes and barcodes in a frame: zxing-cpp by default, pyzbar as the alternative."""

from __future__ import annotations

import logging
from typing import Literal

import cv2
import numpy as np

from devices.camera.frames import as_bgr
from devices.camera.port import CameraError, Code, Frame

log = logging.getLogger(__name__)

Backend = Literal["zxing", "pyzbar"]
_PYZBAR_NAMES = {"QRCODE": "QRCode", "CODE128": "Code128", "EAN13": "EAN13", "EAN8": "EAN8",
                 "CODE39": "Code39", "I25": "ITF", "UPCA": "UPCA", "PDF417": "PDF417"}


def _zxing(gray: np.ndarray) -> list[Code]:
    import zxingcpp

    out = []
    for r in zxingcpp.read_barcodes(gray):
        if not r.valid:
            continue
        p = r.position
        corners = tuple((float(pt.x), float(pt.y)) for pt in
                        (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
        raw = bytes(r.bytes)
        out.append(Code(r.format.name, r.text, corners, raw))
    return out


def _pyzbar(gray: np.ndarray) -> list[Code]:
    from pyzbar import pyzbar

    out = []
    for r in pyzbar.decode(gray):
        raw = bytes(r.data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # an odd payload: keep the bytes, show what can be shown
            log.info("code_payload_not_utf8 bytes=%d", len(raw))
            text = raw.decode("latin-1")
        corners = tuple((float(pt.x), float(pt.y)) for pt in r.polygon[:4])
        out.append(Code(_PYZBAR_NAMES.get(r.type, r.type), text, corners, raw))
    return out


def read_codes(frame: np.ndarray | Frame, backend: Backend = "zxing") -> list[Code]:
    """Every QR code and barcode the backend can decode; an empty list when there is none.

    Raises CameraError("bad_frame") for input that is not an image and
    CameraError("bad_setting") for an unknown backend.
    """
    img = as_bgr(frame)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    if backend == "zxing":
        return _zxing(gray)
    if backend == "pyzbar":
        return _pyzbar(gray)
    raise CameraError("bad_setting", f"unknown code backend {backend!r}")
