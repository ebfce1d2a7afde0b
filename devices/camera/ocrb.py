"""An OCR-B character classifier for the MRZ, built here from Debian's fonts-ocr-b.

The MRZ is printed in one fixed-pitch font, so a nearest-neighbour match of normalised
character cells against rendered templates is accurate, needs no model download and runs
in a few milliseconds. Templates are made by printing random MRZ lines in OCR-B at several
sizes and blurs and passing them through the very segmentation used for reading, so what
is compared is cut out the same way. Built once per process (about a second) and cached.
"""

from __future__ import annotations

import functools
import logging
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
CELL_W, CELL_H = 14, 20
# The one-folder build (kiosk.spec) ships OCRB.otf in _internal/fonts.
FONT_PATHS = (*((Path(getattr(sys, "_MEIPASS", "")) / "fonts" / "OCRB.otf",)
                if getattr(sys, "frozen", False) else ()),
              Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf"),
              Path("/usr/share/fonts/truetype/ocr-b/OCRB.ttf"))
ADVANCE_EM = 0.723  # OCR-B's advance width in em
GLYPH_SHARE = 0.69  # a glyph's ink width as a share of the advance (measured on the font)


@dataclass(frozen=True)
class Row:
    """One text line's characters as connected components: x, y, w, h per component."""

    boxes: np.ndarray  # (k, 4) float, sorted by x

    @property
    def centres(self) -> np.ndarray:
        return self.boxes[:, :2] + self.boxes[:, 2:] / 2


def char_count(boxes: np.ndarray) -> float:
    """Characters in a row of component boxes (x, y, w, h, sorted by x), from the pitch
    between neighbours (most components are one character; a run of chevrons may be one):
    the first centre to the last right edge, over the pitch. 0 when it cannot tell."""
    centres = boxes[:, 0] + boxes[:, 2] / 2
    pitch = float(np.median(np.diff(centres))) if len(centres) > 1 else 0.0
    if pitch <= 0:
        return 0.0
    return float((boxes[-1, 0] + boxes[-1, 2] - centres[0]) / pitch + 1 - GLYPH_SHARE / 2)


def ink_mask(gray: np.ndarray, block: int, offset: float = 12) -> np.ndarray:
    block = max(3, block | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                 block, offset)


def find_rows(mask: np.ndarray, min_h: float, max_h: float, min_count: int = 12) -> list[Row]:
    """Rows of character-sized components, top to bottom."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    s = stats[1:n, :4].astype(np.float64)
    mh, mw = mask.shape
    inside = (s[:, 0] > 1) & (s[:, 1] > 1) & (s[:, 0] + s[:, 2] < mw - 1) & \
             (s[:, 1] + s[:, 3] < mh - 1)  # the page's border is no character
    keep = inside & (s[:, 3] >= min_h * 0.35) & (s[:, 3] <= max_h) & \
        (s[:, 2] <= max_h * 1.2) & (s[:, 2] >= 2)
    s = s[keep]
    if len(s) < min_count:
        return []
    tall_h = float(np.median(s[:, 3][s[:, 3] >= min_h])) if np.any(s[:, 3] >= min_h) else min_h
    cx, cy = s[:, 0] + s[:, 2] / 2, s[:, 1] + s[:, 3] / 2
    # A page straightened from a slightly wrong outline keeps a small skew, enough to run
    # close lines (TD1's three) into one: group along the skew that splits them best.
    best, best_score = _group_rows(s, cy, tall_h, min_count)
    for skew in SKEWS[1:]:
        rows, score = _group_rows(s, cy - skew * cx, tall_h, min_count)
        if score > best_score:
            best, best_score = rows, score
    return best


SKEWS = (0.0, 0.02, -0.02, 0.04, -0.04)  # tan of the angles tried, up to about 2.3 degrees


def _group_rows(s: np.ndarray, cy: np.ndarray, tall_h: float, min_count: int
                ) -> tuple[list[Row], int]:
    """Rows along one skew, and how many components sit in rows no taller than a line."""
    order = np.argsort(cy)
    s, cy = s[order], cy[order]
    rows: list[Row] = []
    start = score = 0
    for i in range(1, len(s) + 1):
        if i == len(s) or cy[i] - cy[i - 1] > 0.45 * tall_h:
            group = s[start:i]
            if len(group) >= min_count:
                rows.append(Row(group[np.argsort(group[:, 0])]))
                score += len(group) if cy[i - 1] - cy[start] <= tall_h else 0
            start = i
    return rows, score


def row_cells(gray: np.ndarray, row: Row, n: int) -> np.ndarray | None:
    """The n character cells of a fixed-pitch row as normalised feature vectors (n, D)."""
    got = row_cells_at(gray, row, n)
    return None if got is None else got[0]


def row_cells_at(gray: np.ndarray, row: Row, n: int, skip: int = 0
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """row_cells, and the x of each cell's centre. `skip`: the row's first component is
    the character in that slot (those before it hidden or run together out of the row)."""
    b = row.boxes
    h = b[:, 3]
    tall = b[h >= 0.75 * np.percentile(h, 90)]
    if len(tall) < 4:
        return None
    height = float(np.median(tall[:, 3]))
    c = row.centres
    tc = tall[:, :2] + tall[:, 2:] / 2
    slope, icpt = np.polyfit(tc[:, 0], tc[:, 1], 1) if np.ptp(tc[:, 0]) > 0 else (0.0, tc[0, 1])
    # The row's first character stands alone, but a run of filler chevrons at its end often
    # blurs into one component: so the pitch comes from the first centre and the last right
    # edge (a glyph is about 0.69 of the pitch wide), then from a fit to the lone characters.
    first, right = c[0, 0], b[-1, 0] + b[-1, 2]
    pitch = (right - first) / (n - 1 - skip + GLYPH_SHARE / 2)
    if pitch <= 0.3 * height:
        return None
    first -= skip * pitch
    lone = b[:, 2] < 1.2 * pitch
    grid = _slot_grid(b, pitch, n, skip)
    if grid is not None:
        xs, pitches = grid
        if pitches.min() <= 0.3 * height:
            return None
    else:
        k = np.round((c[:, 0] - first) / pitch)
        fit = lone & (np.abs(c[:, 0] - first - k * pitch) < 0.3 * pitch) & (k >= 0) & (k < n)
        if fit.sum() >= 8 and np.ptp(k[fit]) >= n // 2:
            pitch, first = np.polyfit(k[fit], c[fit, 0], 1)
            if pitch <= 0.3 * height:
                return None
        xs = first + pitch * np.arange(n)
        pitches = np.full(n, pitch)
    # Snap each grid slot to a component centred near it: the rectified page is not perfect.
    near = np.abs(c[:, 0][None, :] - xs[:, None])
    j = np.argmin(near, axis=1)
    snap = near[np.arange(n), j] < 0.3 * pitch
    xs = np.where(snap, c[j, 0], xs)
    ys = _row_centre_line(c, b, height, pitch, slope, icpt)(xs)
    u = (np.arange(CELL_W) + 0.5) / CELL_W - 0.5
    v = (np.arange(CELL_H) + 0.5) / CELL_H - 0.5
    mx = (xs[:, None, None] + u[None, None, :] * pitches[:, None, None]) + 0 * v[None, :, None]
    my = (ys[:, None, None] + v[None, :, None] * height * 1.3) + 0 * u[None, None, :]
    cells = cv2.remap(gray, mx.reshape(n * CELL_H, CELL_W).astype(np.float32),
                      my.reshape(n * CELL_H, CELL_W).astype(np.float32), cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    cells = cells.reshape(n, CELL_H * CELL_W)
    lo, hi = float(np.percentile(cells, 3)), float(np.percentile(cells, 97))
    cells = np.clip((hi - cells) / max(hi - lo, 1.0), 0, 1)  # ink is 1
    cells -= cells.mean(axis=1, keepdims=True)
    cells /= np.linalg.norm(cells, axis=1, keepdims=True) + 1e-6
    return cells, xs


SLOT_TOLERANCE = 0.3  # of the pitch: a lone character this far off its slot is no guide


def _slot_grid(b: np.ndarray, pitch: float, n: int, skip: int = 0
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """Each slot's centre and pitch along a row whose pitch changes along it (a page seen
    at a slant and straightened from a slightly wrong outline keeps some perspective: 19 px
    at one end, 17.5 at the other, and one pitch for the whole row puts the middle half a
    cell off). The characters are counted off one after another at the local pitch (a
    component of several blurred together, a chevron run or the row's first two, stands
    for as many cells as its width holds), then a quadratic slot -> x is fitted to the
    lone ones. None when too few are lone to say."""
    cx: list[float] = []
    lone: list[bool] = []
    for x, w in zip(b[:, 0], b[:, 2], strict=True):
        m = max(1, round((w - GLYPH_SHARE * pitch) / pitch) + 1)
        if w < 1.2 * pitch or m == 1:
            cx.append(x + w / 2)
            lone.append(True)
        else:  # its cells from its left edge on, at the row's mean pitch
            cx.extend(x + (GLYPH_SHARE / 2 + j) * pitch for j in range(m))
            lone.extend([False] * m)
    slots = np.full(len(cx), -1)
    slots[0] = skip
    prev_x, prev_k, local, steps = cx[0], skip, pitch, []
    for i in range(1, len(cx)):
        d = (cx[i] - prev_x) / local
        m = int(round(d))
        if m < 1 or abs(d - m) > SLOT_TOLERANCE * max(1, m) ** 0.5 or prev_k + m >= n:
            continue  # a broken glyph's piece, a speck: off the grid
        slots[i] = prev_k + m
        if m == 1 and lone[i] and lone[i - 1]:
            steps.append(cx[i] - prev_x)
            local = float(np.median(steps[-5:]))
        prev_x, prev_k = cx[i], slots[i]
    ok = (slots >= 0) & np.array(lone)
    if ok.sum() < 10 or np.ptp(slots[ok]) < n // 2:
        return None
    k, x = slots[ok].astype(np.float64), np.array(cx)[ok]
    fit = np.poly1d(np.polyfit(k, x, 2))
    keep = np.abs(x - fit(k)) < 0.25 * pitch
    if keep.sum() >= 10:
        fit = np.poly1d(np.polyfit(k[keep], x[keep], 2))
    at = np.arange(n, dtype=np.float64)
    return fit(at), fit.deriv()(at)


def _row_centre_line(c: np.ndarray, b: np.ndarray, height: float, pitch: float,
                     slope: float, icpt: float) -> np.poly1d:
    """The row's centre line y(x). A line through the tall characters alone is extrapolated
    over a name line's filler run (chevrons are shorter), and on a curled or slightly
    mis-straightened page that run then drifts off the cells (a chevron cut high or low
    matches K or C): so every character-sized component (chevrons stand centred on the
    row) enters a quadratic fit, once outliers are dropped; too few, the line stays."""
    h, w = b[:, 3], b[:, 2]
    ok = (h >= 0.6 * height) & (h <= 1.25 * height) & (w < 1.3 * pitch)
    ok &= np.abs(c[:, 1] - (slope * c[:, 0] + icpt)) < 0.5 * height
    if ok.sum() < 10 or np.ptp(c[ok, 0]) < 20 * pitch:
        return np.poly1d([slope, icpt])
    fit = np.poly1d(np.polyfit(c[ok, 0], c[ok, 1], 2))
    ok &= np.abs(c[:, 1] - fit(c[:, 0])) < 0.2 * height
    if ok.sum() >= 10:
        fit = np.poly1d(np.polyfit(c[ok, 0], c[ok, 1], 2))
    return fit


@dataclass(frozen=True)
class Templates:
    features: np.ndarray  # (M, D) float32, unit length
    labels: np.ndarray  # (M,) class index into ALPHABET, sorted
    starts: np.ndarray  # index of each class's first template

    def scores(self, cells: np.ndarray) -> np.ndarray:
        """(n, 37): for each cell and class, the best correlation with that class."""
        sim = cells.astype(np.float32) @ self.features.T
        return np.maximum.reduceat(sim, self.starts, axis=1)


def font_path() -> Path:
    for p in FONT_PATHS:
        if p.exists():
            return p
    raise FileNotFoundError("OCR-B font not found: install Debian's fonts-ocr-b")


def render_line(text: str, font_px: int, pad: int = 12) -> np.ndarray:
    font = ImageFont.truetype(str(font_path()), font_px)
    pitch = font_px * ADVANCE_EM
    img = Image.new("L", (int(pitch * len(text) + 2 * pad), int(font_px * 1.3 + 2 * pad)), 235)
    draw = ImageDraw.Draw(img)
    for i, ch in enumerate(text):
        draw.text((pad + i * pitch, pad), ch, font=font, fill=25)
    return np.asarray(img)


def read_row_features(gray: np.ndarray, n: int, char_px: float) -> np.ndarray | None:
    mask = ink_mask(gray, int(char_px * 2.2))
    rows = find_rows(mask, char_px * 0.6, char_px * 1.8)
    if len(rows) != 1:
        return None
    return row_cells(gray, rows[0], n)


# Templates of one class that correlate this well with one already kept add nothing but
# time: the 2,816 cut out come down to about 1,200, and every frame's scores with them.
TEMPLATE_DISTINCT = 0.99
TEMPLATE_SIZES = (18, 24, 30, 38)  # font pixels
TEMPLATE_BLURS = (0.0, 0.8, 1.3, 1.8)  # Gaussian sigma in pixels


def _distinct(x: np.ndarray, y: np.ndarray, most: float) -> tuple[np.ndarray, np.ndarray]:
    """Per class (y sorted), greedily the templates no kept one matches above `most`."""
    keep: list[int] = []
    for cls in np.unique(y):
        idx = np.flatnonzero(y == cls)
        sim = x[idx] @ x[idx].T
        kept: list[int] = []
        for i in range(len(idx)):
            if not kept or float(sim[i, kept].max()) < most:
                kept.append(i)
        keep += idx[kept].tolist()
    return x[keep], y[keep]


@functools.lru_cache(maxsize=1)
def templates(seed: int = 9303) -> Templates:
    rng = random.Random(seed)
    feats: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for font_px in TEMPLATE_SIZES:
        for blur in TEMPLATE_BLURS:
            for shrink in (1.0, 0.7, 0.5, 0.5):
                chars = list(ALPHABET * 2)
                rng.shuffle(chars)
                # Lines begin and end with a tall character so the row's ends are well found.
                text = "P" + "".join(chars[:42]) + "8"
                img = render_line(text, font_px)
                if blur:
                    img = cv2.GaussianBlur(img, (0, 0), blur)
                if shrink != 1.0:
                    small = cv2.resize(img, None, fx=shrink, fy=shrink,
                                       interpolation=cv2.INTER_AREA)
                    img = cv2.resize(small, (img.shape[1], img.shape[0]),
                                     interpolation=cv2.INTER_LINEAR)
                f = read_row_features(img, len(text), font_px * 0.7)
                if f is None:
                    log.debug("ocrb_template_skipped size=%d blur=%.1f", font_px, blur)
                    continue
                feats.append(f)
                labels.append(np.array([ALPHABET.index(ch) for ch in text]))
    x = np.concatenate(feats).astype(np.float32)
    y = np.concatenate(labels)
    order = np.argsort(y, kind="stable")
    x, y = _distinct(x[order], y[order], TEMPLATE_DISTINCT)
    starts = np.searchsorted(y, np.arange(len(ALPHABET)))
    if len(set(y.tolist())) != len(ALPHABET):
        raise RuntimeError("OCR-B templates incomplete")
    log.info("ocrb_templates_built count=%d", len(y))
    return Templates(x, y, starts)


# Look-alike pairs that a check digit cannot always tell apart where both may stand.
PAIRS = ("0O", "1I", "8B", "5S", "2Z", "0D", "0Q")


@dataclass(frozen=True)
class PairDiscriminant:
    """A Fisher linear discriminant between two look-alike characters: z < 0 says the first,
    z > 0 the second, in units of the training set's spread. Correlation against the
    nearest template sees a 0 and an O as all but equal (scores within 0.003 to 0.03); the
    discriminant weighs only the pixels where they differ (the digit stands about 7 % taller
    in OCR-B, and its sides are straighter)."""

    pair: str
    weights: np.ndarray  # (D,)
    offset: float

    def z(self, cells: np.ndarray) -> np.ndarray:
        return cells @ self.weights - self.offset


def _degraded_line(text: str, rng: random.Random, noise: np.random.Generator
                   ) -> tuple[np.ndarray, float]:
    """A printed line as the camera sees it: size, optics blur, a coarser sensor, noise."""
    font_px = rng.uniform(16, 40)
    img = cv2.GaussianBlur(render_line(text, round(font_px)), (0, 0), rng.uniform(0.3, 1.6))
    shrink = rng.uniform(0.3, 1.0)
    if shrink < 0.95:
        small = cv2.resize(img, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        small = np.clip(small + noise.normal(0, rng.uniform(1, 4), small.shape), 0, 255)
        img = cv2.resize(small.astype(np.uint8), (img.shape[1], img.shape[0]),
                         interpolation=cv2.INTER_LINEAR)
    return img, font_px


@functools.lru_cache(maxsize=1)
def pair_discriminants(seed: int = 9303, lines: int = 60) -> dict[frozenset[str], PairDiscriminant]:
    """Trained at first use (about 0.3 s) on degraded OCR-B lines full of look-alikes."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    samples: dict[str, list[np.ndarray]] = {}
    pool = [c for p in PAIRS for c in p] * 2 + list(ALPHABET)
    for _ in range(lines):
        rng.shuffle(pool)
        text = "P" + "".join(pool[:42]) + "8"
        img, font_px = _degraded_line(text, rng, noise)
        f = read_row_features(img, len(text), font_px * 0.7)
        if f is None:
            continue
        for ch, cell in zip(text, f, strict=True):
            samples.setdefault(ch, []).append(cell)
    out: dict[frozenset[str], PairDiscriminant] = {}
    for a, b in ((p[0], p[1]) for p in PAIRS):
        x0, x1 = np.asarray(samples[a]), np.asarray(samples[b])
        mu0, mu1 = x0.mean(axis=0), x1.mean(axis=0)
        within = np.cov(np.concatenate([x0 - mu0, x1 - mu1]).T) + np.eye(x0.shape[1]) * 1e-3
        w = np.linalg.solve(within, mu1 - mu0)
        c = float((mu0 + mu1) @ w / 2)
        spread = float(np.std(np.concatenate([x0, x1]) @ w - c))
        out[frozenset((a, b))] = PairDiscriminant(a + b, (w / spread).astype(np.float32),
                                                  c / spread)
    return out
