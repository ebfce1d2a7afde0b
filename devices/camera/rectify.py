"""Perspective rectification of a detected document to its true aspect and a set dpi."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera.frames import as_bgr
from devices.camera.orient import page_orientation
from devices.camera.port import CameraError, Frame, Quad

log = logging.getLogger(__name__)

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class DocumentSize:
    name: str
    width_mm: float  # the long side for cards and passport pages; the short side for A4
    height_mm: float
    portrait: bool  # read upright as portrait (A4, receipts) or landscape (cards, passports)


class DocumentKind(enum.Enum):
    A4 = DocumentSize("a4", 210.0, 297.0, True)
    ID1 = DocumentSize("id1", 85.6, 53.98, False)
    PASSPORT = DocumentSize("passport", 125.0, 88.0, False)  # TD3 data page
    RECEIPT = DocumentSize("receipt", 80.0, 150.0, True)

    @property
    def size(self) -> DocumentSize:
        return self.value


def side_lengths(quad: np.ndarray) -> tuple[float, float]:
    """Mean lengths of the TL-TR/BL-BR sides and of the TR-BR/TL-BL sides."""
    q = np.asarray(quad, np.float64)
    horiz = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    vert = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    return float(horiz), float(vert)


def guess_kind(quad: Quad | np.ndarray) -> DocumentKind:
    """The kind whose aspect is nearest the quad's (A4 and a passport page share an aspect;
    A4 wins: the kiosk asks for the passport page by name, see `rectify(kind=...)`)."""
    a, b = side_lengths(np.asarray(quad))
    ratio = max(a, b) / max(min(a, b), 1e-6)
    kinds = (DocumentKind.A4, DocumentKind.ID1, DocumentKind.RECEIPT)
    return min(kinds, key=lambda k: abs(np.log(ratio * min(k.size.width_mm, k.size.height_mm)
                                               / max(k.size.width_mm, k.size.height_mm))))


def warp_quad(img: np.ndarray, quad: np.ndarray, width: int, height: int) -> np.ndarray:
    """Map the quad (TL, TR, BR, BL) onto a width x height image."""
    dst = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    hmat = cv2.getPerspectiveTransform(np.asarray(quad, np.float32), dst)
    return cv2.warpPerspective(img, hmat, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def upright_corners(quad: np.ndarray, portrait: bool) -> np.ndarray:
    """Re-order the corners so the page comes out portrait or landscape as asked."""
    q = np.asarray(quad, np.float64).reshape(4, 2)
    horiz, vert = side_lengths(q)
    if (horiz > vert) == portrait:
        q = np.roll(q, -1, axis=0)  # start at the TR corner: a quarter turn
    return q


def rectify(frame: np.ndarray | Frame, quad: Quad | np.ndarray,
            kind: DocumentKind | None = None, dpi: int = 200, *,
            upright: bool = True) -> np.ndarray:
    """The document as a flat image at `dpi`, in its true aspect (portrait A4, landscape
    card). With `upright` (the default) it is also turned by 180 degrees when its text or
    MRZ says it lies upside down (see devices.camera.orient; right for about 19 pages in
    20 on the seeded scenes); without, it comes out in the quad's own corner order."""
    img = as_bgr(frame)
    if not 50 <= dpi <= 600:
        raise CameraError("bad_setting", f"dpi {dpi} outside 50..600")
    kind = kind or guess_kind(quad)
    size = kind.size
    w = round(size.width_mm / MM_PER_INCH * dpi)
    h = round(size.height_mm / MM_PER_INCH * dpi)
    q = upright_corners(np.asarray(quad), size.portrait)
    page = warp_quad(img, q, w, h)
    if upright:
        found = page_orientation(page, dpi / MM_PER_INCH, landscape=not size.portrait)
        log.debug("camera_page_orientation turn=%d cue=%s score=%.2f", found.turn,
                  found.cue, found.score)
        if found.turn == 180:
            page = cv2.rotate(page, cv2.ROTATE_180)
    return page
