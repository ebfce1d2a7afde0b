"""An open passport booklet: the data page, not the two pages together.

Laid open, a booklet is two ID-3 pages (125 x 88 mm) joined along their long edge, an
outline of 125 x 176 mm whose aspect (1.41) is an A4 page's and a single page's too: the
outline alone cannot tell. The data page can: it carries two machine-readable rows,
parallel to the fold, along its outer edge, and the facing page carries none there. Only
then is the outline cut at the fold; an A4 page of text has long rows in both halves, a
single passport page has its rows across the cut, and both are left whole.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from devices.camera.rectify import side_lengths

log = logging.getLogger(__name__)

ASPECT = (1.25, 1.55)  # long side over short side of an open booklet, under tilt
WARP_SHORT, WARP_LONG = 360, 510  # the booklet straightened, long axis down
# Of a half's height: the strip along its outer edge that ICAO 9303 keeps for the zone
# (23.2 of 88 mm, 0.26), with room for an outline a little off: no other print is there.
OUTER = 0.3
ROW_SPAN = 0.7  # a machine-readable row runs across this much of the page at least
ROW_ASPECT = 10.0  # a row blob's length over its height, at least
LINE_SPAN = 0.2  # any other blob this long and thin is a line of print
LENGTH_ALIKE = 0.15  # the rows of one zone are this alike in length
# A row's height over the page's width: OCR-B characters 2.4 mm tall on a 125 mm page are
# 0.019 of it, blurred and closed 0.022 to 0.028 on the widened scenes.
ROW_HEIGHT = (0.012, 0.04)


def _long_first(quad: np.ndarray) -> np.ndarray:
    """The corners turned so that the sides 0 -> 3 and 1 -> 2 are the long ones (the
    long axis drawn downwards), the order kept clockwise."""
    q = np.asarray(quad, np.float64)
    across, down = side_lengths(q)
    if down >= across:  # long axis already down: TL, TR, BR, BL
        return q
    return np.array([q[1], q[2], q[3], q[0]])  # turn a quarter: the right side is long


def _zone_rows(half: np.ndarray, outer_at_top: bool) -> int:
    """Machine-readable rows in the half's strip along its outer edge: long, thin dark
    blobs parallel to the fold, of one length. The count, 0 when they do not look so."""
    h, w = half.shape
    strip_h = int(h * OUTER)
    strip = half[:strip_h] if outer_at_top else half[h - strip_h:]
    blackhat = cv2.morphologyEx(strip, cv2.MORPH_BLACKHAT,
                                cv2.getStructuringElement(cv2.MORPH_RECT, (11, 11)))
    _, ink = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    if float(blackhat.max()) < 25:  # no print at all: Otsu would split the noise
        return 0
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    lengths, heights, lines = [], [], 0
    for c in contours:
        _x, y, bw, bh = cv2.boundingRect(c)
        if y <= 1 or y + bh >= strip_h - 1:
            continue  # cut by the strip's edge: the page's own border, or print beyond it
        if bw >= ROW_SPAN * w and bh >= 2 and bw / bh >= ROW_ASPECT:
            lengths.append(bw)
            heights.append(bh)
        elif bw >= LINE_SPAN * w and bw / max(bh, 1) >= 4:
            lines += 1  # a line of ordinary print: a page of text, not a zone
    if len(lengths) not in (2, 3) or lines:
        return 0
    if not all(ROW_HEIGHT[0] * w <= bh <= ROW_HEIGHT[1] * w for bh in heights):
        return 0  # print too big for OCR-B's 2.4 mm on a 125 mm page: a receipt's lines
    if (max(lengths) - min(lengths)) > LENGTH_ALIKE * max(lengths):
        return 0
    return len(lengths)


def data_page(img: np.ndarray, quad: np.ndarray) -> np.ndarray | None:
    """The corners of the data page when `quad` outlines an open booklet on the image
    (BGR or grey) whose one half holds machine-readable rows along its outer edge and the
    other none; else None."""
    q = _long_first(quad)
    short, long = side_lengths(q)
    if short <= 0 or not ASPECT[0] <= long / short <= ASPECT[1]:
        return None
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    dst = np.array([[0, 0], [WARP_SHORT, 0], [WARP_SHORT, WARP_LONG], [0, WARP_LONG]],
                   np.float32)
    m = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    flat = cv2.warpPerspective(gray, m, (WARP_SHORT, WARP_LONG), flags=cv2.INTER_AREA)
    mid = WARP_LONG // 2
    upper = _zone_rows(flat[:mid], outer_at_top=True)
    lower = _zone_rows(flat[mid:], outer_at_top=False)
    if bool(upper) == bool(lower):
        return None
    fold = cv2.perspectiveTransform(np.array([[[0, mid], [WARP_SHORT, mid]]], np.float32),
                                    np.linalg.inv(m))[0].astype(np.float64)
    log.debug("booklet_data_page half=%s", "upper" if upper else "lower")
    if upper:
        return np.array([q[0], q[1], fold[1], fold[0]])
    return np.array([fold[0], fold[1], q[2], q[3]])
