"""Quality gates for a detected document, each with a reason the UI can tell the citizen.

Reason keys (the UI translates them): "place_document", "move_into_frame", "move_closer",
"too_blurry", "glare", "hold_still"; and, from the same measurements, which way to bring a
page that sticks out into view ("move_left", "move_right", "move_up", "move_down", as the
preview shows it; "too_close" when it sticks out on opposite sides) and "tilted" when the
page is held at a slant (its opposite sides' lengths differ by more than MAX_SLANT);
"glare_on_code" when the document carries an MRZ (GateSettings.mrz) and the light is blown
out over the band along a long edge where the MRZ lies (either way up), which the reader
cannot see through even where the page as a whole has little glare.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera.partial import outside_directions
from devices.camera.port import GateResult, Quad

MOVE_REASONS = ("move_left", "move_right", "move_up", "move_down", "too_close")


@dataclass(frozen=True)
class GateSettings:
    min_coverage: float = 0.04  # document area as a share of the frame
    edge_margin: float = 0.01  # corners keep this share of the width from the frame's edge
    max_edge_width: float = 5.0  # pixels; see edge_width() (sharp: about 4 at 1280x720)
    max_glare: float = 0.004  # share of the page blown out to white
    stable_frames: int = 4  # the corners held still over this many frames...
    max_motion: float = 0.006  # ...moving less than this share of the page's diagonal
    # Longer over shorter opposite side: about 1.04 at 8 degrees of tilt, 1.15 near 20.
    max_slant: float = 1.15
    # A document with an MRZ to read (passport page, ID card): its bands along both long
    # edges (the MRZ's share of the height, either way up) may hold at most this share
    # blown out (a reflection across one row of characters is about 2 %).
    mrz: bool = False
    max_code_glare: float = 0.01
    mrz_band: float = 0.3


def _region(gray: np.ndarray, quad: Quad | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pts = np.asarray(quad).astype(np.int32)
    x, y, w, h = cv2.boundingRect(pts)
    x, y = max(x, 0), max(y, 0)
    crop = gray[y:y + h, x:x + w]
    mask: np.ndarray = np.zeros(crop.shape, np.uint8)
    cv2.fillConvexPoly(mask, pts - [x, y], 255)
    mask = cv2.erode(mask, np.ones((9, 9), np.uint8))  # keep the page's own edge out
    return crop, mask


def edge_width(gray: np.ndarray, quad: Quad, samples: int = 24) -> float:
    """How many pixels the page's own outline takes to go from counter to paper.

    About 2 for a sharp frame, growing with defocus and motion; measured on the outline
    because every page has one, whatever it holds. The worst side counts (motion blurs the
    sides across its direction). Returns inf when no side has contrast enough to measure.
    """
    pts = np.asarray(quad, np.float64)
    smooth = cv2.blur(gray, (3, 3)).astype(np.float32)
    offsets = np.arange(-10, 11, dtype=np.float32)
    widths = []
    for i in range(4):
        p, q = pts[i], pts[(i + 1) % 4]
        d = q - p
        length = float(np.linalg.norm(d))
        if length < 10:
            continue
        d /= length
        n = np.array([-d[1], d[0]])
        base = p + np.outer(np.linspace(0.15, 0.85, samples) * length, d)
        mx = (base[:, 0:1] + n[0] * offsets[None, :]).astype(np.float32)
        my = (base[:, 1:2] + n[1] * offsets[None, :]).astype(np.float32)
        prof = cv2.remap(smooth, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        contrast = np.abs(prof[:, :4].mean(axis=1) - prof[:, -4:].mean(axis=1))
        slope = np.abs(prof[:, 2:] - prof[:, :-2]).max(axis=1) / 2
        ok = (contrast >= 15) & (slope > 0)
        if ok.sum() >= samples // 3:
            widths.append(float(np.median(contrast[ok] / slope[ok])))
    return max(widths) if len(widths) >= 2 else float("inf")


def glare_share(gray: np.ndarray, quad: Quad) -> float:
    crop, mask = _region(gray, quad)
    if not mask.any():
        return 0.0
    # Blown out relative to the paper itself: a bright page is not glare, a patch far above
    # the page's own white (up to the sensor's limit) is.
    paper = float(np.median(crop[mask > 0]))
    return float(_blown(crop, mask, paper).sum() / max(int(np.count_nonzero(mask)), 1))


def _blown(crop: np.ndarray, mask: np.ndarray, paper: float) -> np.ndarray:
    blown: np.ndarray = (crop >= min(254.0, max(235.0, paper + 20))) & (mask > 0)
    return cv2.morphologyEx(blown.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))


def code_glare_share(gray: np.ndarray, quad: Quad | np.ndarray, band: float = 0.3) -> float:
    """The saturated share of the worse of the two bands along the page's long edges (the
    MRZ lies along one of them; which one depends on which way up the page lies). The MRZ's
    clear zone is often the brightest paper on the page, so only what the sensor clips
    (>= SATURATED, and above the band's own white) counts."""
    pts = np.asarray(quad, np.float64)
    side = np.linalg.norm(np.roll(pts, -1, axis=0) - pts, axis=1)
    if side[0] + side[2] < side[1] + side[3]:
        pts = np.roll(pts, -1, axis=0)  # TL-TR is a long side
    tl, tr, br, bl = pts
    bands = (np.array([tl, tr, tr + (br - tr) * band, tl + (bl - tl) * band]),
             np.array([bl + (tl - bl) * band, br + (tr - br) * band, br, bl]))
    worst = 0.0
    for b in bands:
        crop, mask = _region(gray, b)
        if not mask.any():
            continue
        white = float(np.percentile(crop[mask > 0], 75))
        clipped: np.ndarray = (crop >= max(SATURATED, white + 6)) & (mask > 0)
        clipped = cv2.morphologyEx(clipped.astype(np.uint8), cv2.MORPH_OPEN,
                                   np.ones((3, 3), np.uint8))
        worst = max(worst, float(clipped.sum() / np.count_nonzero(mask)))
    return worst


SATURATED = 250  # grey level from which the sensor is taken to clip


def _move_reason(pts: np.ndarray, w: int, h: int, margin: float) -> str:
    """Which way the citizen should move a page that is not wholly in view."""
    ways = outside_directions(pts, w, h, margin)
    if not ways:
        return "move_into_frame"
    opposite = {"left": "right", "right": "left", "up": "down", "down": "up"}
    if opposite[ways[0]] in ways:
        return "too_close"  # out on both sides: no move brings it in; lift the camera's view
    return "move_" + ways[0]


def slant_ratio(quad: Quad | np.ndarray) -> float:
    """The longer over the shorter of each pair of opposite sides, the worse pair: 1.0 for a
    page seen square-on, growing with tilt (perspective shortens the far side)."""
    p = np.asarray(quad, np.float64)
    side = np.linalg.norm(np.roll(p, -1, axis=0) - p, axis=1)
    r1 = max(side[0], side[2]) / max(min(side[0], side[2]), 1e-9)
    r2 = max(side[1], side[3]) / max(min(side[1], side[3]), 1e-9)
    return float(max(r1, r2))


class QualityGates:
    """Judges frame after frame; stability needs the recent corners, so it keeps them."""

    def __init__(self, settings: GateSettings | None = None) -> None:
        self.settings = settings or GateSettings()
        self._recent: deque[np.ndarray] = deque(maxlen=self.settings.stable_frames)

    def reset(self) -> None:
        self._recent.clear()

    def judge(self, gray: np.ndarray, quad: Quad | None) -> list[GateResult]:
        s = self.settings
        if quad is None:
            self._recent.clear()
            return [GateResult("detected", False, "place_document", 0.0)]
        h, w = gray.shape[:2]
        pts = np.asarray(quad)
        out = [GateResult("detected", True, None, 1.0)]
        margin = s.edge_margin * w
        inside = bool(np.all(pts[:, 0] >= margin) and np.all(pts[:, 0] <= w - 1 - margin)
                      and np.all(pts[:, 1] >= margin) and np.all(pts[:, 1] <= h - 1 - margin))
        cover = quad.area / (w * h)
        out.append(GateResult("coverage", inside and cover >= s.min_coverage,
                              None if inside and cover >= s.min_coverage
                              else (_move_reason(pts, w, h, margin) if not inside
                                    else "move_closer"), cover))
        slant = slant_ratio(pts)
        out.append(GateResult("slant", slant <= s.max_slant,
                              None if slant <= s.max_slant else "tilted", slant))
        width = edge_width(gray, quad)
        out.append(GateResult("sharpness", width <= s.max_edge_width,
                              None if width <= s.max_edge_width else "too_blurry", width))
        if s.mrz:  # before the page-wide glare: it says where the light must not fall
            code = code_glare_share(gray, pts, s.mrz_band)
            out.append(GateResult("code_glare", code <= s.max_code_glare,
                                  None if code <= s.max_code_glare else "glare_on_code", code))
        glare = glare_share(gray, quad)
        out.append(GateResult("glare", glare <= s.max_glare,
                              None if glare <= s.max_glare else "glare", glare))
        self._recent.append(pts)
        diag = float(np.linalg.norm(pts[2] - pts[0]))
        if len(self._recent) < s.stable_frames:
            motion = float("inf")
        else:
            stack = np.stack(self._recent)
            motion = float(np.max(np.linalg.norm(stack - stack.mean(axis=0), axis=2))) / diag
        still = motion <= s.max_motion
        out.append(GateResult("stability", still, None if still else "hold_still",
                              min(motion, 1e6)))
        return out


def first_reason(gates: list[GateResult]) -> str | None:
    """What to tell the citizen now: the first gate that failed, in the order judged."""
    return next((g.reason for g in gates if not g.passed), None)
