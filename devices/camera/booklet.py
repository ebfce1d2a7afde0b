"""An open passport booklet: the data page, not the two pages together.

Laid open, a booklet is two ID-3 pages (125 x 88 mm) joined along their long edge, an
outline of 125 x 176 mm whose aspect (1.41) is an A4 page's and a single page's too: the
outline alone cannot tell. The data page can: it carries two machine-readable rows,
parallel to the fold, along its outer edge, and the facing page carries none there. Only
then is the outline cut, one page's depth (88/125 of the zone's side) from that edge, so an
outline that took in only part of the facing page (its far edge faint, or out of view) is
cut there too. An A4 page of text has lines of print in its strips, a single passport page
is no deeper than one page from its zone, and both are left whole.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

PAGE_DEPTH = 88 / 125  # an ID-3 page's depth over its width (the zone runs along the width)
# The outline's depth from the zone's side over that side's length: past one page's depth
# (the facing page, whole or in part, or run out of view), up to both pages' under tilt.
DEPTH = (PAGE_DEPTH * 1.15, 2 * PAGE_DEPTH * 1.12)
WARP_SHORT = 360  # the outline straightened: the zone's side this many pixels long
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


def _zone_rows(strip: np.ndarray) -> int:
    """Machine-readable rows in a page's strip along its outer edge: long, thin dark blobs
    parallel to the fold, of one length. The count, 0 when they do not look so."""
    strip_h, w = strip.shape
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
    (BGR or grey): the data page's zone rows along one side, the outline reaching on past
    the page's depth from there (the facing page, whole or in part), and no zone along the
    far side; else None."""
    q = np.asarray(quad, np.float64).reshape(4, 2)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    for i in range(4):
        r = np.roll(q, -i, axis=0)  # r[0] -> r[1]: the side looked at as the outer edge
        width = float(np.linalg.norm(r[1] - r[0]))
        depth = 0.5 * float(np.linalg.norm(r[3] - r[0]) + np.linalg.norm(r[2] - r[1]))
        if width <= 0 or not DEPTH[0] <= depth / width <= DEPTH[1]:
            continue
        tall = int(round(WARP_SHORT * depth / width))
        dst = np.array([[0, 0], [WARP_SHORT, 0], [WARP_SHORT, tall], [0, tall]], np.float32)
        m = cv2.getPerspectiveTransform(r.astype(np.float32), dst)
        page = int(round(WARP_SHORT * PAGE_DEPTH))  # the data page's depth, warped
        strip = int(page * OUTER)
        # Only the two strips are warped (the outline's whole would cost ten times more).
        if not _zone_rows(cv2.warpPerspective(gray, m, (WARP_SHORT, strip))):
            continue
        far = np.array([[1, 0, 0], [0, 1, strip - tall], [0, 0, 1]], np.float64) @ m
        if _zone_rows(cv2.warpPerspective(gray, far, (WARP_SHORT, strip))):
            continue  # rows along both ends: no booklet
        fold = cv2.perspectiveTransform(np.array([[[0, page], [WARP_SHORT, page]]],
                                                 np.float32), np.linalg.inv(m))[0]
        log.debug("booklet_data_page side=%d", i)
        return np.array([r[0], r[1], fold[1], fold[0]], np.float64)
    return None
