"""Read the MRZ of a TD1 card or TD3 passport page off a camera frame.

The page is found and straightened (detect_document, rectify); rows of fixed-pitch
characters are found near its bottom; each character cell is classified against OCR-B
templates, restricted to what ICAO 9303 allows at that position (digits in dates and check
digits, letters in names). A reading is returned only when every check digit holds and
every character matched its template well; nothing is guessed to make check digits fit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera.detect import detect_document
from devices.camera.frames import as_bgr
from devices.camera.ocrb import ALPHABET, find_rows, ink_mask, row_cells, templates
from devices.camera.port import Frame
from devices.camera.rectify import side_lengths, upright_corners, warp_quad
from devices.mrz import Mrz, MrzError, parse_mrz

log = logging.getLogger(__name__)

MIN_SCORE = 0.55  # lowest template correlation accepted for any character
MIN_GAP = 0.15  # score by which the best reading must beat another that also fits
AMBIGUOUS_MARGIN = 0.15  # best minus second-best score below which a look-alike is open
PAGE_WIDTH = 900  # pixels across a straightened page

_D, _A, _N, _F = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ<", ALPHABET, "0123456789<"
_SEX = "MFX<"
# What may stand at each position (ICAO 9303 Parts 4 and 5).
_TD3 = ([_A] * 44,
        [_N] * 9 + [_D] + [_A] * 3 + [_D] * 7 + [_SEX] + [_D] * 7 + [_N] * 14 + [_F, _D])
_TD1 = ([_A] * 2 + [_A] * 3 + [_N] * 9 + [_F] + [_N] * 15,
        [_D] * 7 + [_SEX] + [_D] * 7 + [_A] * 3 + [_N] * 11 + [_D],
        [_A] * 30)


@dataclass(frozen=True)
class MrzReading(Mrz):
    """A parsed MRZ (every check digit verified) with the weakest character's score."""

    confidence: float = 0.0


def _masks(layout: tuple[list[str], ...]) -> np.ndarray:
    rows = [c for line in layout for c in line]
    m = np.full((len(rows), len(ALPHABET)), -np.inf, np.float32)
    for i, allowed in enumerate(rows):
        m[i, [ALPHABET.index(ch) for ch in allowed]] = 0.0
    return m


_MASKS = {"TD3": _masks(_TD3), "TD1": _masks(_TD1)}


def _read_page(gray: np.ndarray) -> tuple[str, np.ndarray, int] | None:
    """The format, the per-character class scores (masked) and the line length, or None."""
    h, w = gray.shape
    top = int(h * 0.4)
    region = gray[top:]
    # Expected character height: 2.4 mm on a page 54 to 88 mm tall, from 2.5 to 5 % of it.
    lo, hi = 0.018 * h, 0.065 * h
    mask = ink_mask(region, int(hi * 1.5))
    rows = find_rows(mask, lo, hi)
    if not rows:
        return None
    b = rows[-1].boxes
    tall_h = float(np.median(b[b[:, 3] >= 0.75 * np.percentile(b[:, 3], 90), 3]))
    span = (b[-1, 0] + b[-1, 2] - b[0, 0]) / max(tall_h, 1.0)
    fmt, n, count = ("TD3", 44, 2) if span > 36 else ("TD1", 30, 3)
    if len(rows) < count or span < 22:
        return None
    feats = []
    for row in rows[-count:]:
        f = row_cells(region, row, n)
        if f is None:
            return None
        feats.append(f)
    return fmt, templates().scores(np.concatenate(feats)) + _MASKS[fmt], n


# Pairs OCR-B keeps apart by shape only; where both may stand (document and personal
# numbers), the check digits decide, and only when exactly one choice satisfies them. (6 and
# G are left out: their values differ by ten, which no check digit can see.)
_LOOKALIKES = {frozenset(p) for p in ("0O", "1I", "8B", "5S", "2Z", "0D", "0Q")}
MAX_AMBIGUOUS = 4


def _decode(fmt: str, scores: np.ndarray, n: int) -> tuple[Mrz, float] | None:
    rows = np.arange(len(scores))
    order = np.argsort(-scores, axis=1)
    best, second = order[:, 0], order[:, 1]
    top = scores[rows, best]
    weakest = float(np.min(top))
    if weakest < MIN_SCORE:
        log.debug("MRZ rejected: weakest character score %.2f", weakest)
        return None
    margin = top - scores[rows, second]
    ambiguous = [i for i in np.argsort(margin)
                 if frozenset((ALPHABET[best[i]], ALPHABET[second[i]])) in _LOOKALIKES
                 and margin[i] < AMBIGUOUS_MARGIN][:MAX_AMBIGUOUS]
    passed: list[tuple[float, Mrz]] = []
    reason = ""
    for choice in range(1 << len(ambiguous)):
        pick = best.copy()
        for k, i in enumerate(ambiguous):
            if choice >> k & 1:
                pick[i] = second[i]
        text = "".join(ALPHABET[i] for i in pick)
        try:
            mrz = parse_mrz([text[i:i + n] for i in range(0, len(text), n)])
        except MrzError as exc:  # the reason names a field, never its value
            reason = reason or exc.field
            continue
        passed.append((float(scores[rows, pick].sum()), mrz))
    if not passed:
        log.debug("MRZ rejected: %s", reason)
        return None
    passed.sort(key=lambda x: -x[0])
    if len(passed) > 1 and passed[0][0] - passed[1][0] < MIN_GAP:
        log.debug("MRZ rejected: two readings fit the check digits")
        return None
    return passed[0][1], weakest


def _pages(img: np.ndarray) -> list[np.ndarray]:
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    quad = detect_document(img)
    if quad is None:  # perhaps the page fills the frame
        return [gray, cv2.rotate(gray, cv2.ROTATE_180)]
    q = upright_corners(np.asarray(quad), portrait=False)
    a, b = side_lengths(q)
    height = max(16, round(PAGE_WIDTH * b / max(a, 1e-6)))
    page = warp_quad(gray, q, PAGE_WIDTH, height)
    return [page, cv2.rotate(page, cv2.ROTATE_180)]


def _reading(mrz: Mrz, weakest: float) -> MrzReading:
    return MrzReading(**{k: getattr(mrz, k) for k in mrz.__dataclass_fields__},
                      confidence=round(weakest, 3))


def read_mrz(frame: np.ndarray | Frame) -> MrzReading | None:
    """The MRZ on the frame's TD1 or TD3 document, or None when none can be read with every
    check digit right. Raises CameraError("bad_frame") for input that is not an image."""
    img = as_bgr(frame)
    for page in _pages(img):
        found = _read_page(page)
        if found is None:
            continue
        decoded = _decode(*found)
        if decoded is None:
            continue
        return _reading(*decoded)
    return None


SANE_MEDIAN = 0.7  # a frame whose typical character matches worse than this was cut wrong
# A vote averages frames that may share one wrong cut (a held page does not move), so its
# weakest character must match better than a single frame's: a garbage row whose check
# digits happened to fit was seen at 0.58; right votes sit above 0.8.
VOTE_MIN_SCORE = 0.7


class MrzVoter:
    """Reads a held document over several frames: per-character template scores are
    averaged over the frames, then decoded with the same safeguards as one frame (every
    check digit, the correlation floor, a unique winner among look-alikes). Averaging
    shrinks each frame's noise, so a 0/O that one frame cannot settle often settles.

        voter = MrzVoter()
        for frame in frames:
            reading = voter.feed(frame)
            if reading: break

    A frame read on its own is returned at once. Not thread-safe: one voter per worker.
    """

    def __init__(self, max_frames: int = 8) -> None:
        self.max_frames = max_frames
        self._key: tuple[str, int] | None = None
        self._frames: list[np.ndarray] = []

    @property
    def frames(self) -> int:
        """How many frames the current vote holds."""
        return len(self._frames)

    def reset(self) -> None:
        """Forget the frames so far (the citizen took the document away)."""
        self._key, self._frames = None, []

    def feed(self, frame: np.ndarray | Frame) -> MrzReading | None:
        """Add one frame; the reading once the frames agree on one, else None."""
        img = as_bgr(frame)
        best: tuple[str, np.ndarray, int] | None = None
        for page in _pages(img):
            found = _read_page(page)
            if found is None:
                continue
            decoded = _decode(*found)
            if decoded is not None:
                return _reading(*decoded)
            med = float(np.median(found[1].max(axis=1)))
            if med >= SANE_MEDIAN and (best is None
                                        or med > float(np.median(best[1].max(axis=1)))):
                best = found
        if best is None:
            return None
        fmt, scores, n = best
        if self._key != (fmt, len(scores)):  # another document or another format
            self._key, self._frames = (fmt, len(scores)), []
        self._frames = [*self._frames, scores][-self.max_frames:]
        if len(self._frames) < 2:
            return None
        decoded = _decode(fmt, np.mean(self._frames, axis=0), n)
        if decoded is None or decoded[1] < VOTE_MIN_SCORE:
            return None
        return _reading(*decoded)
