"""The page around its machine-readable zone, when the outline found is the zone alone.

On a pale counter a passport page's or ID card's faint edge makes no line, while the MRZ's
clear zone or the block of its rows does: the outline found is a band several times longer
than high. ICAO 9303 places the zone at the page's foot with its characters on a fixed
2.54 mm pitch, so the rows give the page: their length is the scale, their first character
the left margin, the lower row the foot. The layout below was measured on the real scans
of ../shared/camera-real (Czech, Finnish and Egyptian passports: the 44-character line's
first glyph 5.0–7.5 mm from the left edge, the lower line's centre 8.8–10.2 mm above the
foot; a Slovenian ID card: 4.8 and 7.8 mm), not on the sim's renderer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera.ocrb import GLYPH_SHARE, char_count, find_rows, ink_mask
from devices.camera.rectify import side_lengths

log = logging.getLogger(__name__)

PITCH_MM = 2.54


@dataclass(frozen=True)
class _Layout:
    chars: int  # per line
    lines: int
    page_mm: tuple[float, float]  # width along the lines, height
    left_mm: float  # page edge to the first glyph's left side
    foot_mm: float  # the lower line's centre above the page's foot


LAYOUTS = (_Layout(44, 2, (125.0, 88.0), 6.0, 9.5), _Layout(30, 3, (85.6, 54.0), 4.8, 7.8))
BAND_MIN = 2.3  # long side over short side: no document the kiosk reads is this flat
WARP_W = 900  # the band straightened, its long side this many pixels
ROW_SPAN = 0.6  # a zone row runs across this share of the band at least
COUNT_TOL = 3  # characters the row's length may be off the layout's count
INK_LEAD = 1.5  # the page's side shows this many times the other side's print


def _rows(band: np.ndarray) -> list[np.ndarray]:
    """The band's long rows of character-sized components (their boxes), top to bottom."""
    w = band.shape[1]
    lo, hi = 0.012 * w, 0.045 * w
    rows = find_rows(ink_mask(band, int(hi * 1.5), 12), lo, hi)
    out = []
    for r in rows:
        b = r.boxes
        if len(b) >= 12 and b[-1, 0] + b[-1, 2] - b[0, 0] >= ROW_SPAN * w:
            out.append(b)
    return out


def _layout(rows: list[np.ndarray]) -> tuple[_Layout, list[np.ndarray]] | None:
    """The layout whose line count and characters per line the last rows match."""
    for lay in LAYOUTS:
        if len(rows) < lay.lines:
            continue
        last = rows[-lay.lines:]
        if all(abs(char_count(b) - lay.chars) <= COUNT_TOL for b in last):
            return lay, last
    return None


def _ink(gray: np.ndarray) -> float:
    hat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT,
                           cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    return float(np.mean(hat > 25))


def page_from_zone(img: np.ndarray, quad: np.ndarray) -> np.ndarray | None:
    """The page's corners (in `quad`'s order round the outline) when `quad` is a band
    holding a TD3 or TD1 zone's rows along its length, else None."""
    q = np.asarray(quad, np.float64).reshape(4, 2)
    a, b = side_lengths(q)
    if min(a, b) <= 0 or max(a, b) / min(a, b) < BAND_MIN:
        return None
    if b > a:  # the long sides first: corners 0 -> 1 run along the band
        q = np.roll(q, -1, axis=0)
        a, b = b, a
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    hgt = max(16, round(WARP_W * b / a))
    # The band with a margin of its own height on both long sides: the print beyond them
    # tells the page's side.
    dst = np.array([[0, hgt], [WARP_W, hgt], [WARP_W, 2 * hgt], [0, 2 * hgt]], np.float32)
    m = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    wide = cv2.warpPerspective(gray, m, (WARP_W, 3 * hgt), borderMode=cv2.BORDER_REPLICATE)
    above, band, below = wide[:hgt], wide[hgt:2 * hgt], wide[2 * hgt:]
    ink_above, ink_below = _ink(above), _ink(below)
    if ink_below > INK_LEAD * ink_above:  # the page lies below: turn it over
        m = cv2.getPerspectiveTransform(
            np.roll(q, 2, axis=0).astype(np.float32), dst)
        band = cv2.rotate(band, cv2.ROTATE_180)
    elif not ink_above > INK_LEAD * ink_below:
        return None
    found = _layout(_rows(band))
    if found is None:
        return None
    lay, rows = found
    x0 = float(min(r[0, 0] for r in rows))
    x1 = float(max(r[-1, 0] + r[-1, 2] for r in rows))
    foot_row = rows[-1]
    y_low = float(np.median(foot_row[:, 1] + foot_row[:, 3] / 2)) + hgt
    # n glyphs span n - 1 pitches and one glyph's width
    px_mm = (x1 - x0) / ((lay.chars - 1 + GLYPH_SHARE) * PITCH_MM)
    left = x0 - lay.left_mm * px_mm
    right = left + lay.page_mm[0] * px_mm
    foot = y_low + lay.foot_mm * px_mm
    top = foot - lay.page_mm[1] * px_mm
    corners = np.array([[[left, top], [right, top], [right, foot], [left, foot]]], np.float32)
    page = cv2.perspectiveTransform(corners, np.linalg.inv(m))[0].astype(np.float64)
    log.debug("zone_page layout=%d", lay.chars)
    return page
