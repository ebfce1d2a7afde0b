"""Find the MRZ's rows in a whole frame and straighten their band under perspective.

For frames whose page outline misleads (the photo found instead of the page, a cut through
the MRZ, nothing on a pale counter) the rows are found from their own ink: dark-on-light
strokes (black-hat, Otsu) closed at a few scales into row blobs. The longest elongated blob
and up to two more beside it, parallel and about as long, are the MRZ's lines. Each line's
own axis and ends are measured (a line fit through its pixels), so a band seen at a slant
is a trapezoid whose four corners are the first and last lines' ends: a homography from
that quadrilateral, not a rotated rectangle, takes out the keystone that made the pitch
drift along a tilted row. Location runs on a frame shrunk to at most LOCATE_WIDTH pixels;
the band is warped from the frame at its own resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera.rectify import side_lengths, upright_corners, warp_quad

LOCATE_WIDTH = 1280  # frames wider are shrunk for the search (the warp reads the original)
ROW_CLOSE_PX = (5, 8, 12)  # closing sizes at 1280 px across
ROW_MIN_ASPECT = 6.0  # a row blob's length over its height
ROW_MIN_LENGTH = 0.15  # of the frame's width
BAND_WIDTH = 900  # pixels across the straightened band (as a straightened page)
PAGE_ASPECT = 1.5  # the band is padded at its top to a page this much wider than tall


@dataclass(frozen=True)
class _Line:
    """One row blob: its axis (a point and a unit direction), its ends along the axis and
    its half height across it, in frame pixels."""

    point: np.ndarray
    direction: np.ndarray
    start: float
    end: float
    half: float

    @property
    def length(self) -> float:
        return self.end - self.start

    @property
    def normal(self) -> np.ndarray:
        return np.array([-self.direction[1], self.direction[0]])

    def at(self, t: float, across: float) -> np.ndarray:
        return self.point + self.direction * t + self.normal * across


def _line(contour: np.ndarray, scale: float) -> _Line | None:
    pts = contour.reshape(-1, 2).astype(np.float64) / scale
    vx, vy, x0, y0 = cv2.fitLine(pts.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel()
    d = np.array([vx, vy], np.float64)
    if d[0] < 0 or (d[0] == 0 and d[1] < 0):
        d = -d  # left to right, so lines in one group share a direction
    p = np.array([x0, y0], np.float64)
    t = (pts - p) @ d
    u = (pts - p) @ np.array([-d[1], d[0]])
    half = float(np.percentile(np.abs(u), 90))
    if half <= 0:
        return None
    return _Line(p, d, float(t.min()), float(t.max()), half)


def _group(lines: list[_Line]) -> list[_Line]:
    """The longest line and up to two more beside it: parallel (within 6 degrees), at least
    0.8 of its length, within four line heights across; ordered across the rows."""
    lines = sorted(lines, key=lambda ln: -ln.length)
    first = lines[0]
    group = [first]
    for ln in lines[1:]:
        if len(group) == 3:
            break
        parallel = abs(float(ln.direction @ first.direction)) > np.cos(np.radians(6))
        across = abs(float((ln.point - first.point) @ first.normal))
        if parallel and ln.length > 0.8 * first.length and across < 8 * first.half:
            group.append(ln)
    return sorted(group, key=lambda ln: float((ln.point - first.point) @ first.normal))


def _band_quad(group: list[_Line]) -> np.ndarray:
    """The band's four corners: the first line's ends raised by its height, the last line's
    ends lowered by its, and the whole widened by 4 % of its length on each side."""
    top, bottom = group[0], group[-1]
    pad = 0.04 * max(top.length, bottom.length)
    corners = [top.at(top.start - pad, -2 * top.half), top.at(top.end + pad, -2 * top.half),
               bottom.at(bottom.end + pad, 2 * bottom.half),
               bottom.at(bottom.start - pad, 2 * bottom.half)]
    return np.array(corners, np.float64)


def mrz_band_quads(gray: np.ndarray) -> list[np.ndarray]:
    """Candidate MRZ band quadrilaterals in the frame (frame pixels), one per closing size
    that gives a band not already found."""
    h, w = gray.shape
    scale = min(1.0, LOCATE_WIDTH / w)
    small = gray if scale == 1.0 else cv2.resize(gray, (round(w * scale), round(h * scale)),
                                                 interpolation=cv2.INTER_AREA)
    sw = small.shape[1]
    k = max(7, round(15 * sw / 1280) | 1)
    blackhat = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT,
                                cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    _, ink = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    out: list[np.ndarray] = []
    for size in ROW_CLOSE_PX:
        px = max(2, round(size * sw / 1280))
        closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (px, px)))
        contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        lines = []
        for c in contours:
            _centre, (a, b), _angle = cv2.minAreaRect(c)
            long, short = max(a, b), min(a, b)
            if long >= ROW_MIN_LENGTH * sw and short >= 3 and long / short >= ROW_MIN_ASPECT:
                ln = _line(c, scale)
                if ln is not None:
                    lines.append(ln)
        if not lines:
            continue
        quad = _band_quad(_group(lines))
        if any(np.abs(quad - q).max() < 3.0 for q in out):
            continue  # the same band at another closing size
        out.append(quad)
    return out


def straighten_band(gray: np.ndarray, quad: np.ndarray) -> list[np.ndarray]:
    """The band warped to BAND_WIDTH across in its measured aspect, padded at its top to a
    page's height (the reader looks for the MRZ at a page's bottom), both ways up."""
    q = upright_corners(quad, portrait=False)
    length, height_px = side_lengths(q)
    height = max(16, round(BAND_WIDTH * height_px / max(length, 1e-6)))
    band = warp_quad(gray, q, BAND_WIDTH, height)
    pad = max(0, round(BAND_WIDTH / PAGE_ASPECT) - height)
    return [cv2.copyMakeBorder(p, pad, 0, 0, 0, cv2.BORDER_CONSTANT, value=float(np.median(p)))
            for p in (band, cv2.rotate(band, cv2.ROTATE_180))]
