"""Read the MRZ of a TD1 card or TD3 passport page off a camera frame.

The page is found and straightened (detect_document, rectify); rows of fixed-pitch
characters are found near its bottom; each character cell is classified against OCR-B
templates, restricted to what ICAO 9303 allows at that position (digits in dates and check
digits, letters in names); where a look-alike pair (0/O, ...) is close and both may stand, a
pair discriminant settles it when clearly on one side. A reading is returned only when every
check digit holds, the unprotected fields have ICAO 9303's form (mrz_format) and every
character matched its template well; nothing is guessed to make check digits fit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera import mrz_learned
from devices.camera.detect import detect_document, order_corners
from devices.camera.frames import as_bgr
from devices.camera.mrz_format import LAYOUTS, format_problem
from devices.camera.mrz_locate import mrz_band_quads, straighten_band
from devices.camera.ocrb import (
    ALPHABET,
    Row,
    char_count,
    find_rows,
    ink_mask,
    pair_discriminants,
    row_cells,
    row_cells_at,
    templates,
)
from devices.camera.port import Frame
from devices.camera.rectify import side_lengths, upright_corners, warp_quad
from devices.mrz import Mrz, MrzError, parse_mrz

log = logging.getLogger(__name__)

MIN_SCORE = 0.55  # lowest template correlation accepted for any character
MIN_GAP = 0.15  # score by which the best reading must beat another that also fits
AMBIGUOUS_MARGIN = 0.15  # best minus second-best score below which a look-alike is open
PAGE_WIDTH = 900  # pixels across a straightened page
# A look-alike pair is settled by its discriminant only this far (in training spreads) from
# the boundary; nearer, both stay open and the check digits and unique-winner rule decide.
PAIR_SETTLE = 0.25
# Binarisations of the MRZ region (adaptive-mean block in character heights, offset in grey
# levels, after an unsharp mask or not): the first is the round-4 one; the others, tried
# only on a frame none of the earlier ones read, keep fainter strokes or split blurred
# neighbours.
INK_MASKS = ((1.5, 12, False), (1.5, 6, False), (3.0, 18, False), (1.5, 12, True))
RETRY_PAGES = 2  # the other binarisations are tried on this many pages, best rows first
LEARNED_PAGES = 4  # pages the learned reader tries, likeliest rows first
BAND_ASPECT = 2.5  # a quad longer than this across its height is no page but a band


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


_MASKS = {fmt: _masks(layout) for fmt, layout in LAYOUTS.items()}
# Positions where a digit may stand: the fields check digits cover.
_CHECKED = {k: np.isfinite(m[:, :10]).any(axis=1) for k, m in _MASKS.items()}
# The positions no check digit vouches for (document code, states, sex, names), flattened.
_BLIND = {fmt: np.array(sorted(j * len(lines[0]) + i
                               for j, line in enumerate(mrz_learned.blind_positions(fmt))
                               for i in line))
          for fmt, lines in LAYOUTS.items()}
# There the chosen class must beat every other allowed one by this much: a name letter
# won by less than 0.01 (an X over a K, a D over a G, a K over a filler) was wrong as often
# as right on the widened scenes, and nothing else would catch it.
BLIND_MARGIN = 0.012


@dataclass(frozen=True)
class _PageRead:
    fmt: str  # TD1 | TD3
    scores: np.ndarray  # (cells, 37) template scores, -inf where ICAO 9303 forbids the class
    n: int  # characters per line
    cells: np.ndarray  # (cells, D) normalised character cells


def _page_rows(gray: np.ndarray, mask: int = 0) -> tuple[np.ndarray, list[Row]]:
    """The region of the page that may hold the MRZ, and its rows of character-sized
    components under binarisation INK_MASKS[mask]."""
    h, w = gray.shape
    top = int(h * 0.4)
    region = gray[top:]
    # Expected character height: 2.4 mm on a page 54 to 88 mm tall, from 2.5 to 5 % of it.
    lo, hi = 0.018 * h, 0.065 * h
    block, offset, sharpen = INK_MASKS[mask]
    seen = region
    if sharpen:  # segmentation only: the cells are cut from the page as it is
        soft = cv2.GaussianBlur(region, (0, 0), 1.5)
        seen = cv2.addWeighted(region, 2.0, soft, -1.0, 0)
    return region, find_rows(ink_mask(seen, int(hi * block), offset), lo, hi)


def _read_page(gray: np.ndarray, mask: int = 0) -> list[_PageRead]:
    """Candidate readings of the page's MRZ rows under binarisation INK_MASKS[mask]
    (format, masked class scores, line length, cells), the likelier format first; empty
    when no MRZ-like rows are found."""
    return _read_rows(*_page_rows(gray, mask))


def _read_rows(region: np.ndarray, rows: list[Row]) -> list[_PageRead]:
    out, misaligned = _read_last_rows(region, rows)
    if not out and misaligned and len(rows) > 1:
        # A row below the zone that does not line up with it (a booklet's facing page, a
        # paper under the page, taken in by an outline a little too large): the zone's
        # rows are the ones above it.
        out, _ = _read_last_rows(region, rows[:-1])
    return out


def _read_last_rows(region: np.ndarray, rows: list[Row]) -> tuple[list[_PageRead], bool]:
    """Readings of the last rows as an MRZ's lines, and whether a format was refused only
    because its lines did not line up."""
    if not rows:
        return [], False
    # Characters in the last row: 44 say TD3, 30 say TD1. Near the middle both are tried
    # and the check digits decide.
    count = char_count(rows[-1].boxes)
    if count < 22:
        return [], False
    formats = sorted((("TD3", 44, 2), ("TD1", 30, 3)), key=lambda f: abs(f[1] - count))
    if abs(formats[1][1] - count) > 1.5 * abs(formats[0][1] - count) + 2:
        formats = formats[:1]
    out = []
    misaligned = False
    for fmt, n, lines in formats:
        if len(rows) < lines:
            continue
        feats = [row_cells_at(region, row, n) for row in rows[-lines:]]
        present = [f for f in feats if f is not None]
        if len(present) < len(feats):
            continue
        if not _aligned([xs for _c, xs in present]):
            again = _realigned(region, rows[-lines:], present, n)
            if again is None:
                log.debug("mrz_rejected reason=rows_misaligned")
                misaligned = True
                continue
            present = again
        cells = np.concatenate([c for c, _xs in present])
        out.append(_PageRead(fmt, templates().scores(cells) + _MASKS[fmt], n, cells))
    return out, misaligned


ALIGN_SHARE = 0.5  # of the pitch: the MRZ's lines start and end this close to each other


def _pitch(grids: list[np.ndarray]) -> float:
    return float(np.median([np.median(np.diff(xs)) for xs in grids]))


def _aligned(grids: list[np.ndarray]) -> bool:
    """Whether the lines' cells stand under one another, as ICAO 9303 prints them. A line
    whose first characters are hidden (a palm over the start) is otherwise cut from its
    first visible one: every cell a few places off, and on the name line nothing checks
    that (ZHANG<<ANNA read as G<<ANNA passed)."""
    pitch = _pitch(grids)
    starts = [xs[0] for xs in grids]
    ends = [xs[-1] for xs in grids]
    return (max(starts) - min(starts) <= ALIGN_SHARE * pitch
            and max(ends) - min(ends) <= ALIGN_SHARE * pitch)


MAX_SKIP = 8  # leading characters a line may have lost from its row


def _realigned(region: np.ndarray, rows: list[Row],
               cut: list[tuple[np.ndarray, np.ndarray]], n: int
               ) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The lines cut again under the one that starts furthest left, each from the slot
    its first component stands in, when every line is a whole number of pitches off it
    (leading characters hidden by a palm, or run together too wide to be a character);
    None when they are not, or still do not line up."""
    pitch = _pitch([xs for _c, xs in cut])
    left = min(xs[0] for _c, xs in cut)
    out = []
    for row, (cells, xs) in zip(rows, cut, strict=True):
        k = (xs[0] - left) / pitch
        skip = round(k)
        if abs(k - skip) > ALIGN_SHARE / 2 or skip > MAX_SKIP:
            return None
        got = (cells, xs) if skip == 0 else row_cells_at(region, row, n, skip)
        if got is None:
            return None
        out.append(got)
    return out if _aligned([xs for _c, xs in out]) else None


# Pairs OCR-B keeps apart by shape only; where both may stand (document and personal
# numbers), the check digits decide, and only when exactly one choice satisfies them. (6 and
# G are left out: their values differ by ten, which no check digit can see.)
_LOOKALIKES = {frozenset(p) for p in ("0O", "1I", "8B", "5S", "2Z", "0D", "0Q")}
MAX_AMBIGUOUS = 6  # open positions tried both ways; more, and the frame is refused
CLOSE_MARGIN = 0.03  # any two classes this close at a checked position are both tried


def _settle_pairs(ambiguous: list[int], best: np.ndarray, second: np.ndarray,
                  cells: np.ndarray) -> tuple[dict[int, int], list[int]]:
    """Look-alikes the pair discriminant settles clearly (position -> class), and the rest.
    A single wrong 0/O, 1/I, ... verdict always breaks its check digit (their values differ
    by 7 to 24, never by a multiple of ten), so a wrong verdict costs a refusal, not a
    wrong reading; two wrong verdicts in one field would have to cancel out."""
    found = pair_discriminants()
    settled: dict[int, int] = {}
    still: list[int] = []
    for i in ambiguous:
        a, b = ALPHABET[best[i]], ALPHABET[second[i]]
        disc = found.get(frozenset((a, b)))
        z = float(disc.z(cells[i])) if disc is not None else 0.0
        if disc is None or abs(z) < PAIR_SETTLE:
            still.append(i)
            continue
        settled[i] = ALPHABET.index(disc.pair[0] if z < 0 else disc.pair[1])
    return settled, still


# The name field's span in the flattened MRZ, and what makes the rest of it filler: once
# three filler chevrons stand in a row the names have ended (ICAO 9303 Part 3: names are
# parted by one chevron, surname from given names by two), so every later position is a
# filler whatever its cell shows. A chevron at the end of a blurred line matched C better
# than its own template, and a finger over the tail hid nothing that could be read.
_NAME_SPAN = {"TD3": (5, 44), "TD1": (60, 90)}
FILLER_RUN = 3
FILLER_SURE = 0.7  # each chevron of the run matches at least this well
FILLER_LEAD = 0.03  # ... and beats every other class by this much


def _filler_tail(fmt: str, scores: np.ndarray) -> np.ndarray:
    """The scores with the name field's positions after its first sure run of fillers
    fixed to the filler (every other class impossible there)."""
    a, b = _NAME_SPAN[fmt]
    lt = ALPHABET.index("<")
    field = scores[a:b]
    other = np.delete(field, lt, axis=1).max(axis=1)
    sure = (field[:, lt] >= FILLER_SURE) & (field[:, lt] - other >= FILLER_LEAD)
    run = np.convolve(sure.astype(int), np.ones(FILLER_RUN, int), "valid") == FILLER_RUN
    if not run.any():
        return scores
    start = a + int(np.argmax(run)) + FILLER_RUN
    if start >= b:
        return scores
    out = scores.copy()
    out[start:b] = -np.inf
    out[start:b, lt] = 1.0  # a correlation's ceiling
    return out


def _decode(fmt: str, scores: np.ndarray, n: int, cells: np.ndarray) -> tuple[Mrz, float] | None:
    scores = _filler_tail(fmt, scores)
    rows = np.arange(len(scores))
    order = np.argsort(-scores, axis=1)
    best, second = order[:, 0], order[:, 1]
    top = scores[rows, best]
    weakest = float(np.min(top))
    if weakest < MIN_SCORE:
        log.debug("mrz_rejected reason=weak_character score=%.2f", weakest)
        return None
    margin = top - scores[rows, second]
    look = [i for i in np.argsort(margin)
            if frozenset((ALPHABET[best[i]], ALPHABET[second[i]])) in _LOOKALIKES
            and margin[i] < AMBIGUOUS_MARGIN]
    settled, open_pairs = _settle_pairs(look, best, second, cells)
    # Any two classes this close where a check digit counts (a digit may stand) stay open
    # too: a D read as 6 by 0.01 beside a 5/S swap passed every check digit (7 x -7 +
    # 3 x 23 = 20); with both open, two readings fit and the frame is refused.
    close = [i for i in np.argsort(margin) if margin[i] < CLOSE_MARGIN
             and i not in settled and i not in open_pairs and _CHECKED[fmt][i]]
    ambiguous = sorted(open_pairs + close, key=lambda i: margin[i])
    if len(ambiguous) > MAX_AMBIGUOUS:
        log.debug("mrz_rejected reason=too_many_open count=%d", len(ambiguous))
        return None
    base = best.copy()
    for i, cls in settled.items():
        base[i] = cls
    passed: list[tuple[float, Mrz]] = []
    reason = ""
    for choice in range(1 << len(ambiguous)):
        pick = base.copy()
        for k, i in enumerate(ambiguous):
            if choice >> k & 1:
                pick[i] = second[i]
        text = "".join(ALPHABET[i] for i in pick)
        try:
            mrz = parse_mrz([text[i:i + n] for i in range(0, len(text), n)])
        except MrzError as exc:  # the reason names a field, never its value
            reason = reason or exc.field
            continue
        # The fields no check digit covers must still have ICAO 9303's form (a chevron run
        # cut into K and C passes every check digit, not this).
        problem = format_problem(mrz)
        if problem is not None:
            reason = reason or problem
            continue
        passed.append((float(scores[rows, pick].sum()), mrz))
    if not passed:
        log.debug("mrz_rejected reason=%s", reason)
        return None
    passed.sort(key=lambda x: -x[0])
    if len(passed) > 1 and passed[0][0] - passed[1][0] < MIN_GAP:
        log.debug("mrz_rejected reason=two_readings_fit")
        return None
    mrz = passed[0][1]
    if _blind_margin(fmt, scores, "".join(mrz.lines)) < BLIND_MARGIN:
        log.debug("mrz_rejected reason=close_unchecked")
        return None
    return mrz, weakest


def _blind_margin(fmt: str, scores: np.ndarray, text: str) -> float:
    """The least margin, over the positions no check digit covers, by which the read
    class beats the best other class allowed there."""
    at = _BLIND[fmt]
    own_idx = np.array([ALPHABET.index(text[i]) for i in at])
    sub = scores[at].copy()
    own = sub[np.arange(len(at)), own_idx]
    sub[np.arange(len(at)), own_idx] = -np.inf
    return float(np.min(own - sub.max(axis=1)))


def _pages(img: np.ndarray) -> list[np.ndarray]:
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    # A frame this flat is a crop of the code lines alone (a scan cut to the MRZ; standing
    # on end when the scan was turned): the frame itself is the band, whatever outline the
    # letters' edges make inside it.
    crop: list[np.ndarray] = []
    if h < w / BAND_ASPECT or w < h / BAND_ASPECT:
        band = gray if h < w else cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
        bh, bw = band.shape
        crop = _as_page_bottom(_levelled(cv2.resize(
            band, (PAGE_WIDTH, max(16, round(PAGE_WIDTH * bh / bw))),
            interpolation=cv2.INTER_AREA if bw > PAGE_WIDTH else cv2.INTER_CUBIC)))
    quad = detect_document(img)
    if quad is None:  # perhaps the page fills the frame
        return crop or [gray, cv2.rotate(gray, cv2.ROTATE_180)]
    q = upright_corners(np.asarray(quad), portrait=False)
    a, b = side_lengths(q)
    height = max(16, round(PAGE_WIDTH * b / max(a, 1e-6)))
    page = warp_quad(gray, q, PAGE_WIDTH, height)
    if height < PAGE_WIDTH / BAND_ASPECT:
        # A band this flat is the MRZ's own clear zone, found instead of the page around it
        # (pale on pale).
        return crop + _as_page_bottom(page)
    return crop + [page, cv2.rotate(page, cv2.ROTATE_180)]


CROP_TILTS = np.arange(-10.0, 10.5, 0.5)  # degrees tried to level a crop's rows


def _levelled(band: np.ndarray) -> np.ndarray:
    """The crop turned so its rows run level: the turn whose ink, summed along the rows,
    has the sharpest profile (rows and gaps). The row finder itself allows about 2
    degrees; a crop cut by hand from a photo is often more askew."""
    small = cv2.resize(band, (band.shape[1] // 3, max(8, band.shape[0] // 3)),
                       interpolation=cv2.INTER_AREA)
    ink = ink_mask(small, max(3, small.shape[0] // 3), 8).astype(np.float32)
    centre = (small.shape[1] / 2, small.shape[0] / 2)
    best, best_sharp = 0.0, -1.0
    for tilt in CROP_TILTS:
        turned = cv2.warpAffine(ink, cv2.getRotationMatrix2D(centre, float(tilt), 1.0),
                                (small.shape[1], small.shape[0]))
        sharp = float(np.square(np.diff(turned.sum(axis=1))).sum())
        if sharp > best_sharp:
            best, best_sharp = float(tilt), sharp
    if best == 0.0:
        return band
    # Room above and below, so the ends of the outer rows are not turned out of the band.
    pad = int(np.ceil(0.5 * band.shape[1] * np.sin(np.deg2rad(abs(best)))))
    band = cv2.copyMakeBorder(band, pad, pad, 0, 0, cv2.BORDER_CONSTANT,
                              value=float(np.median(band)))
    centre = (band.shape[1] / 2, band.shape[0] / 2)
    return cv2.warpAffine(band, cv2.getRotationMatrix2D(centre, best, 1.0),
                          (band.shape[1], band.shape[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def _as_page_bottom(band: np.ndarray) -> list[np.ndarray]:
    """A flat band read as the bottom of a page of the usual height, both ways up."""
    pad = round(band.shape[1] / 1.5) - band.shape[0]
    return [cv2.copyMakeBorder(p, pad, 0, 0, 0, cv2.BORDER_CONSTANT, value=float(np.median(p)))
            for p in (band, cv2.rotate(band, cv2.ROTATE_180))]


# The rows' own geometry, for frames whose page outline misleads (the photo found instead
# of the page, a cut through the MRZ, nothing): dark-on-light ink closed at a few scales
# into row blobs; the longest elongated blob and those as long as it make the band.
ROW_CLOSE_PX = (5, 8, 12)
ROW_MIN_ASPECT = 6.0  # a row blob's length over its height
ROW_MIN_LENGTH = 0.15  # of the frame's width


def _row_band_quads(gray: np.ndarray) -> list[np.ndarray]:
    """Rotated rectangles round the MRZ's row blobs (round 4), one per closing size."""
    w = gray.shape[1]
    blackhat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT,
                                cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    _, ink = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    out: list[np.ndarray] = []
    seen: list[tuple[float, float, float, float]] = []
    for size in ROW_CLOSE_PX:
        closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
        contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        rows = []
        for c in contours:
            _centre, (a, b), _angle = cv2.minAreaRect(c)
            long, short = max(a, b), min(a, b)
            if long >= ROW_MIN_LENGTH * w and short >= 4 and long / short >= ROW_MIN_ASPECT:
                rows.append((long, c))
        if not rows:
            continue
        rows.sort(key=lambda r: -r[0])
        group = [c for long, c in rows if long > 0.8 * rows[0][0]][:3]
        pts = np.concatenate([c.reshape(-1, 2) for c in group]).astype(np.float32)
        (cx, cy), (a, b), ang = cv2.minAreaRect(pts)
        if a < b:
            a, b, ang = b, a, ang + 90
        key = (cx, cy, a, b)
        if any(np.allclose(key, k, atol=2.0) for k in seen):
            continue  # the same band at another closing size
        seen.append(key)
        out.append(cv2.boxPoints(((cx, cy), (a * 1.08, b * 1.5), ang)).astype(np.float64))
    return out


def _row_bands(gray: np.ndarray) -> list[np.ndarray]:
    """MRZ bands straightened from the rows themselves, padded to the bottom of a page of
    the usual height (as _pages does for a flat band), both ways up."""
    return [b for q in _row_band_quads(gray) for b in straighten_band(gray, q)]


BAND_SAME = 0.02  # of the band's length: a fitted band this close to a rectangle is no new one


def _bands(gray: np.ndarray) -> list[np.ndarray]:
    """The round-4 rectangles, then the bands fitted to the rows' ends (mrz_locate) that
    differ from every rectangle (an upright band gives the same one twice)."""
    quads = [order_corners(q) for q in _row_band_quads(gray)]
    for q in mrz_band_quads(gray):
        q = order_corners(q)
        tol = BAND_SAME * float(np.linalg.norm(q[1] - q[0]))
        if all(np.abs(q - k).max() > tol for k in quads):
            quads.append(q)
    return [b for q in quads for b in straighten_band(gray, q)]


def _reading(mrz: Mrz, weakest: float) -> MrzReading:
    return MrzReading(**{k: getattr(mrz, k) for k in mrz.__dataclass_fields__},
                      confidence=round(weakest, 3))


def read_mrz(frame: np.ndarray | Frame, learned: bool = True) -> MrzReading | None:
    """The MRZ on the frame's TD1 or TD3 document, or None when none can be read with every
    check digit right. With `learned`, the learned line reader (mrz_learned) is the last
    pass where it is installed. Raises CameraError("bad_frame") for input that is not an
    image."""
    img = as_bgr(frame)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    # First the page straightened from its outline, then the rows found in the frame
    # itself (the outline aside), each with the first binarisation; then the other
    # binarisations, only where rows whose typical character matches OCR-B were found but
    # did not decode (a frame with no MRZ, or only other text, pays for one pass). The
    # same decoder and safeguards apply throughout.
    with_rows: list[tuple[float, int, np.ndarray]] = []
    for source in (lambda: _pages(img), lambda: _bands(gray)):
        for page in source():
            found = _read_page(page, 0)
            got = _first_decoded(found)
            if got is not None:
                return got
            sane = max((float(np.median(f.scores.max(axis=1))) for f in found), default=0.0)
            if sane >= SANE_MEDIAN:  # rows that look like OCR-B, cut right or nearly
                with_rows.append((sane, len(with_rows), page))
    retry = [page for _s, _i, page in sorted(with_rows, reverse=True)[:RETRY_PAGES]]
    for mask in range(1, len(INK_MASKS)):
        for page in retry:
            got = _first_decoded(_read_page(page, mask))
            if got is not None:
                return got
    if not learned:
        return None
    # Last, the learned reader on the pages whose rows looked most like an MRZ: it reads a
    # line whole, where blur or tilt broke the templates' cell cuts (about 40 ms a line on
    # one core, so only a few pages, and only rows as OCR-B-like as the retries': a page of
    # ordinary print, 0.66 at best on the real share, pays nothing).
    return _learned_agreeing((page for _s, _i, page in sorted(with_rows, reverse=True)),
                             LEARNED_PAGES)


def _learned_agreeing(pages: Iterable[np.ndarray], limit: int) -> MrzReading | None:
    """The learned reader's reading: at once when every character no check digit vouches
    for stood clear of its rival, else once two pages (two straightenings of the frame)
    give the same lines; never where the templates see a clear filler under a letter of
    an unprotected field. The check digits say nothing of the names and states, and a
    blurred chevron read as C there comes and goes with the cut; a right reading does
    not. At most `limit` pages with rows are read."""
    seen: list[tuple[str, ...]] = []
    tried = 0
    for page in pages:
        region, rows = _page_rows(page, 0)
        if not rows:
            continue
        tried += 1
        if tried > limit:
            break
        learnt = mrz_learned.read_rows(region, rows)
        if learnt is None:
            continue
        if _templates_veto(region, rows, learnt):
            log.debug("mrz_learned_rejected reason=filler_under_letter")
            continue
        lines = learnt.mrz.lines
        if learnt.margin >= mrz_learned.SURE_MARGIN or lines in seen:
            return _reading(learnt.mrz, learnt.margin)
        seen.append(lines)
    if seen:
        log.debug("mrz_learned_rejected reason=pages_disagree")
    return None


VETO_SCORE = 0.85  # a template filler this sure under a learned letter refuses the reading
VETO_GAP = 0.15  # by this much over the template's score for the learned letter


def _templates_veto(region: np.ndarray, rows: list[Row],
                    learnt: mrz_learned.LearnedRead) -> bool:
    """Whether the templates, on the same rows cut into cells, see a clear filler where
    the learned reading has a letter or digit of an unprotected field."""
    mrz = learnt.mrz
    for j, line, blind in zip(learnt.rows, mrz.lines, mrz_learned.blind_positions(mrz.format),
                              strict=True):
        cells = row_cells(region, rows[j], len(line))
        if cells is None:
            continue
        scores = templates().scores(cells)
        filler = scores[:, ALPHABET.index("<")]
        for i in blind:
            if line[i] == "<":
                continue
            own = scores[i, ALPHABET.index(line[i])]
            if filler[i] >= VETO_SCORE and filler[i] - own >= VETO_GAP:
                return True
    return False


def _first_decoded(found: list[_PageRead]) -> MrzReading | None:
    for f in found:
        decoded = _decode(f.fmt, f.scores, f.n, f.cells)
        if decoded is not None:
            return _reading(*decoded)
    return None


SANE_MEDIAN = 0.7  # a frame whose typical character matches worse than this was cut wrong
# A vote averages frames that may share one wrong cut (a held page does not move), so its
# weakest character must match better than a single frame's: a garbage row whose check
# digits happened to fit was seen at 0.58; right votes sit above 0.8.
VOTE_MIN_SCORE = 0.7


class MrzVoter:
    """Reads a held document over several frames: per-character template scores (and the
    character cells, for the pair discriminants) are averaged over the frames, then decoded
    with the same safeguards as one frame (every check digit, the correlation floor, a
    unique winner among look-alikes). Averaging
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
        self._frames: list[_PageRead] = []

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
        best: _PageRead | None = None
        for found in (f for page in _pages(img) for f in _read_page(page)):
            decoded = _decode(found.fmt, found.scores, found.n, found.cells)
            if decoded is not None:
                return _reading(*decoded)
            med = float(np.median(found.scores.max(axis=1)))
            if med >= SANE_MEDIAN and (best is None
                                        or med > float(np.median(best.scores.max(axis=1)))):
                best = found
        if best is None:
            return None
        key = (best.fmt, len(best.scores))
        if self._key != key:  # another document or another format
            self._key, self._frames = key, []
        self._frames = [*self._frames, best][-self.max_frames:]
        if len(self._frames) < 2:
            return None
        decoded = _decode(best.fmt, np.mean([f.scores for f in self._frames], axis=0), best.n,
                          np.mean([f.cells for f in self._frames], axis=0))
        if decoded is None or decoded[1] < VOTE_MIN_SCORE:
            return None
        return _reading(*decoded)


def read_mrz_learned(frame: np.ndarray | Frame) -> MrzReading | None:
    """The learned line reader alone (no templates) on the same pages and bands as
    read_mrz, for the bench's comparison; None where it is not installed."""
    img = as_bgr(frame)
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    pages = (p for source in (lambda: _pages(img), lambda: _bands(gray)) for p in source())
    return _learned_agreeing(pages, LEARNED_PAGES + 1)
