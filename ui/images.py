"""The image provider behind `image://flow/...`: the chip's face photo, the captured pages
and the live camera preview. It asks the flow (or the preview source) on every request and
keeps nothing: once a visit is wiped the flow answers None and an empty image is shown.

    image://flow/face/<visit>              the chip's photo
    image://flow/page/<material>/<i>/<n>   page i of a material (n only defeats caching)
    image://flow/preview/<n>               the camera's newest preview frame
    image://flow/facecam/<n>               the face camera's newest frame (face step only)
    image://flow/qr/<n>                    the receipt's QR code (when it was not printed)
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import qrcode
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage
from PySide6.QtQuick import QQuickImageProvider

from kiosk.flow import Flow

log = logging.getLogger(__name__)

PreviewSource = Callable[[], np.ndarray | None]  # BGR uint8 frame, or None


def _blank(size: QSize) -> QImage:
    w = size.width() if size.isValid() and size.width() > 0 else 4
    h = size.height() if size.isValid() and size.height() > 0 else 4
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor("#d8dde3"))
    return img


def _bgr_to_qimage(frame: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(frame[:, :, ::-1])
    h, w = rgb.shape[:2]
    # copy(): the QImage must not point into a numpy buffer that goes away.
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def _qr_image(payload: str, box: int = 8) -> QImage:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    dark = np.array(qr.get_matrix(), dtype=bool)
    gray = np.where(dark, 0, 255).astype(np.uint8).repeat(box, 0).repeat(box, 1)
    gray = np.ascontiguousarray(gray)
    h, w = gray.shape
    return QImage(gray.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


class FlowImageProvider(QQuickImageProvider):
    def __init__(self, flow: Flow, preview: PreviewSource | None = None,
                 face_preview: PreviewSource | None = None) -> None:
        super().__init__(QQuickImageProvider.ImageType.Image)
        self._flow = flow
        self._preview = preview
        self._face_preview = face_preview  # answers only while the face check runs
        self.requests = 0

    def requestImage(self, image_id: str, size: QSize, requested: QSize) -> QImage:  # noqa: N802
        self.requests += 1
        img = self._load(image_id)
        if img is None or img.isNull():
            img = _blank(requested)
        if size is not None:
            size.setWidth(img.width())
            size.setHeight(img.height())
        if requested.isValid() and requested.width() > 0 and requested.height() > 0:
            from PySide6.QtCore import Qt
            img = img.scaled(requested, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        return img

    def _load(self, image_id: str) -> QImage | None:
        parts = image_id.split("/")
        try:
            if parts[0] == "face":
                data = self._flow.face_image()
            elif parts[0] == "page" and len(parts) >= 3:
                data = self._flow.page_image(parts[1], int(parts[2]))
            elif parts[0] == "qr":
                payload = getattr(self._flow.state.view, "qr_text", "")
                return _qr_image(payload) if payload else None
            elif parts[0] in ("preview", "facecam"):
                source = self._preview if parts[0] == "preview" else self._face_preview
                frame = source() if source is not None else None
                return _bgr_to_qimage(frame) if frame is not None else None
            else:
                log.warning("image_provider_unknown kind=%s", parts[0][:20])
                return None
        except (ValueError, IndexError) as exc:
            log.warning("image_provider_bad_id error=%s", type(exc).__name__)
            return None
        if not data:
            return None
        img = QImage()
        if not img.loadFromData(data):
            log.warning("image_provider_undecodable kind=%s", parts[0])
            return None
        return img

    def holds_anything(self) -> bool:
        """For the privacy tests: this provider keeps no image between requests."""
        return any(isinstance(v, bytes | bytearray | QImage) for v in vars(self).values())
