"""Which way up a straightened page lies: 0 or 180 degrees.

`rectify` already turns a page portrait or landscape from its outline (the quarter turns);
what the outline cannot tell is a half turn. Two cues, cheapest first:

- the MRZ: on an ID card or passport page it is the bottom of the page, so rows of
  fixed-pitch characters found at one end and not at the other settle it;
- Latin text: in a line of mixed-case text more ink rises above the x-height band
  (ascenders and capitals: b d f h k l t, A-Z, 0-9) than falls below the baseline
  (descenders: g j p q y). Summed over the page's lines, the sign says which way up.

Measured on the seeded scenes' truth in bench/camera.py; about 15 ms per page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera.ocrb import find_rows, ink_mask

log = logging.getLogger(__name__)

WORK_PX_PER_MM = 5.0  # text is judged at this resolution (a page may come at 50 to 600 dpi)
BLOCK_MM = 10.0  # adaptive-threshold window: wider than a letter, narrower than a column
STRIPS = 8  # the page is cut into vertical strips, so a small skew does not blur the lines
MIN_LINE_PX = 4  # a text line thinner than this at the working resolution is noise
MIN_SCORE = 0.01  # below this the text says nothing either way: leave the page as it is


@dataclass(frozen=True)
class Orientation:
    turn: int  # 0 or 180: turn the page by this many degrees to read it
    score: float  # evidence for upright, -1 .. 1 (negative says upside down)
    cue: str  # "mrz" | "text" | "none"


def _mrz_rows(gray: np.ndarray) -> int:
    """MRZ-like rows (long runs of characters of one size) in a band of the page."""
    h = gray.shape[0] / 0.35  # the band is a third of a page 54 to 88 mm tall
    rows = find_rows(ink_mask(gray, int(0.065 * h * 1.5)), 0.018 * h, 0.065 * h, min_count=20)
    return sum(1 for r in rows if np.ptp(r.boxes[:, 0]) > 0.6 * gray.shape[1])


def _text_asymmetry(gray: np.ndarray) -> float:
    """(ink above the lines' x-height bands - ink below them) / both, over every line."""
    ink = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                int(BLOCK_MM * WORK_PX_PER_MM) | 1, 12)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = ink.shape
    # Letters only: no photo, stamp, table rule or page edge.
    keep = np.zeros(n, bool)
    keep[1:] = (stats[1:, 3] >= 3) & (stats[1:, 3] <= 0.06 * h) & (stats[1:, 2] <= 0.3 * w)
    letters = keep[labels].astype(np.float32)
    above = below = 0.0
    step = max(1, w // STRIPS)
    for x0 in range(0, w - step + 1, step):
        profile = letters[:, x0:x0 + step].sum(axis=1)
        on = profile > max(1.0, 0.02 * float(profile.max()))
        edges = np.flatnonzero(np.diff(np.concatenate(([0], on.astype(np.int8), [0]))))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            if stop - start < MIN_LINE_PX:
                continue
            line = profile[start:stop]
            core = np.flatnonzero(line >= 0.5 * line.max())
            above += float(line[:core[0]].sum())
            below += float(line[core[-1] + 1:].sum())
    return (above - below) / max(above + below, 1.0)


def page_orientation(page: np.ndarray, px_per_mm: float, *, landscape: bool) -> Orientation:
    """How to turn a straightened page (BGR or grey, `px_per_mm` its resolution) to read it.
    `landscape` pages (ID cards, passport pages) are first looked at for an MRZ."""
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if page.ndim == 3 else page
    scale = WORK_PX_PER_MM / max(px_per_mm, 1e-6)
    if abs(scale - 1) > 0.05:
        gray = cv2.resize(gray, None, fx=scale, fy=scale,
                          interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    if landscape:
        band = round(gray.shape[0] * 0.35)
        bottom, top = _mrz_rows(gray[-band:]), _mrz_rows(cv2.rotate(gray[:band],
                                                                    cv2.ROTATE_180))
        if bottom != top and min(bottom, top) == 0:
            return Orientation(0 if bottom else 180, 1.0 if bottom else -1.0, "mrz")
    score = _text_asymmetry(gray)
    if abs(score) < MIN_SCORE:
        return Orientation(0, score, "none")
    return Orientation(0 if score > 0 else 180, score, "text")
