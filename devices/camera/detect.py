"""Find a document's four corners in a camera frame.

Coarse, at quarter resolution: straight colour edges from an orientation-aware Hough
transform; every pair of near-parallel lines crossed by another pair is a candidate quad,
scored by how much of each side (and of each side's ends, next to the corners) runs along
an edge that crosses it. A side half hidden by a finger or washed out by glare still counts.
On a smooth counter the gradients are also looked at amplified (a white page on white
laminate is a step of a few grey levels). When no line quad holds, candidate outlines
come from colour edges and Otsu regions of brightness and saturation instead. The largest
well-supported quad wins. Fine, at full resolution: each side is re-measured as the
strongest step across it (sub-pixel) and fitted robustly as a line; the corners are the
lines' intersections.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from devices.camera.booklet import data_page
from devices.camera.frames import as_bgr
from devices.camera.lines import EDGE_MIN, MIN_SUPPORT, line_quads
from devices.camera.partial import border_side, extrapolate
from devices.camera.port import Frame, Quad
from devices.camera.rectify import side_lengths
from devices.camera.zone_page import page_from_zone

log = logging.getLogger(__name__)

WORK_WIDTH = 320  # pixels across the coarse image
MIN_AREA = 0.035  # of the frame: an ID-1 card at the kiosk's distance covers about 6 %
# A cut outline beats a whole one only when that lies inside it (the page's photo, a table,
# the MRZ's band) and is not nearly its size (then the cut one is the page's own sides run
# on past its corners to the frame). A page in view with its sides run on past one end to
# the frame, over wood grain, is not: part of the page sticks out of such an outline.
CUT_OVER = 0.75
CONTAINED = 0.95
# A cut outline about as well supported as the whole one inside it (within CUT_SURE_LEAD)
# wins up to CUT_OVER_SURE of its area: a receipt run out of view beside its own code panel
# or text block, whose sides are as clear as the panel's.
CUT_OVER_SURE = 0.9
CUT_SURE_LEAD = -0.02
MAX_ASPECT = 6.0  # long side over short side of any document outline
SAME_IOU = 0.85  # a region's quad and a line quad this alike are one outline
# On a smooth counter (white laminate) a page's edge is a step of a few grey levels, below
# EDGE_MIN; there the gradients are amplified by up to GAIN_MAX, to where the counter's own
# texture (60th percentile of the gradient) sits at EDGE_MIN / TEXTURE_K.
GAIN_MAX = 4.0
TEXTURE_K = 2.5
SMOOTHER_GAIN = 1.8  # above this, a third look at a blurrier image
_KERNELS = (np.ones((3, 3), np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (13, 13)))


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Clockwise on screen, starting at the corner nearest the image's top-left."""
    pts = np.asarray(pts, np.float64).reshape(4, 2)
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def _order_all(qs: np.ndarray) -> np.ndarray:
    """order_corners over a stack of quads (N, 4, 2) at once."""
    c = qs.mean(axis=1, keepdims=True)
    ang = np.arctan2(qs[..., 1] - c[..., 1], qs[..., 0] - c[..., 0])
    qs = np.take_along_axis(qs, np.argsort(ang, axis=1)[..., None], axis=1)
    start = np.argmin(qs.sum(axis=2), axis=1)
    roll = (np.arange(4)[None, :] + start[:, None]) % 4
    return np.take_along_axis(qs, roll[..., None], axis=1)


def _reduce_to_quad(hull: np.ndarray) -> np.ndarray | None:
    """Drop the hull vertex that costs the least area until four remain (Visvalingam)."""
    pts = hull.reshape(-1, 2).astype(np.float64)
    if len(pts) < 4:
        return None
    while len(pts) > 4:
        prev, nxt = np.roll(pts, 1, axis=0), np.roll(pts, -1, axis=0)
        area = np.abs((prev[:, 0] - pts[:, 0]) * (nxt[:, 1] - pts[:, 1])
                      - (nxt[:, 0] - pts[:, 0]) * (prev[:, 1] - pts[:, 1]))
        pts = np.delete(pts, int(np.argmin(area)), axis=0)
    return pts


def _gradients(small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, the x and y gradient of whichever colour channel changes most (a pastel
    card on white laminate differs in hue more than in brightness). OpenCV calls on whole
    planes: numpy on interleaved channels costs four times as much."""
    blurred = cv2.GaussianBlur(small, (3, 3), 0)
    gx = cv2.split(cv2.Sobel(blurred, cv2.CV_32F, 1, 0, ksize=3))
    gy = cv2.split(cv2.Sobel(blurred, cv2.CV_32F, 0, 1, ksize=3))
    mags = [cv2.magnitude(x, y) for x, y in zip(gx, gy, strict=True)]
    out_x, out_y, out_m = gx[0], gy[0], mags[0]
    for k in range(1, len(gx)):
        stronger = cv2.compare(mags[k], out_m, cv2.CMP_GT)
        out_x = cv2.copyTo(gx[k], stronger, out_x)
        out_y = cv2.copyTo(gy[k], stronger, out_y)
        out_m = cv2.max(out_m, mags[k])
    return out_x, out_y


def _support(gx: np.ndarray, gy: np.ndarray, quad: np.ndarray, step: float = 2.0) -> float:
    """How much of the outline runs along an edge that crosses it (not text or wood grain).

    A point counts when, within two pixels across the side, the gradient across the side is
    strong and at least twice the gradient along it. The score is the mean over the sides,
    or 0 when one side has almost no support (then it is not an edge of a document).
    """
    h, w = gx.shape
    shares = []
    offs = np.arange(-2, 3, dtype=np.float64)
    for i in range(4):
        p, q = quad[i], quad[(i + 1) % 4]
        length = float(np.linalg.norm(q - p))
        if length < 4:
            return 0.0
        d = (q - p) / length
        nrm = np.array([-d[1], d[0]])
        n = max(6, int(length / step))
        t = np.linspace(0.05, 0.95, n)
        base = p[None, :] + np.outer(t * length, d)
        pts = base[:, None, :] + offs[None, :, None] * nrm[None, None, :]
        xi = np.clip(np.rint(pts[..., 0]).astype(int), 0, w - 1)
        yi = np.clip(np.rint(pts[..., 1]).astype(int), 0, h - 1)
        ax, ay = gx[yi, xi], gy[yi, xi]
        across = np.abs(ax * nrm[0] + ay * nrm[1])
        along = np.abs(ax * d[0] + ay * d[1])
        ok = (across >= EDGE_MIN) & (across >= 2 * along)
        shares.append(float(np.mean(ok.any(axis=1))))
    if min(shares) < 0.25:
        return 0.0
    return float(np.mean(shares))


def _line_through(points: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Total least squares line, refitted twice without outliers (finger, glare, shadow)."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if len(pts) < 6:
        return None
    p0 = d = np.zeros(2)
    for _ in range(3):
        p0 = pts.mean(axis=0)
        c = pts - p0
        _, vecs = np.linalg.eigh(c.T @ c)
        d = vecs[:, 1]
        resid = np.abs(c[:, 0] * d[1] - c[:, 1] * d[0])
        keep = resid <= max(1.0, 3.0 * float(np.median(resid)))
        if keep.all() or keep.sum() < 6:
            break
        pts = pts[keep]
    return p0, d


def _intersect(lines: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray | None:
    out = np.empty((4, 2))
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        a = np.array([[d1[0], -d2[0]], [d1[1], -d2[1]]])
        if abs(np.linalg.det(a)) < 1e-6:
            return None
        s = np.linalg.solve(a, p2 - p1)
        out[i] = p1 + s[0] * d1
    return out


def _fit_sides(points: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Fit each side to the outline points nearest it; protrusions (a finger) drop out."""
    pts = points.reshape(-1, 2).astype(np.float64)
    dists = []
    for i in range(4):
        p, q = quad[i], quad[(i + 1) % 4]
        d = q - p
        t = np.clip(((pts - p) @ d) / max(float(d @ d), 1e-9), 0, 1)
        dists.append(np.linalg.norm(pts - (p + t[:, None] * d), axis=1))
    dist = np.stack(dists, axis=1)
    owner = np.argmin(dist, axis=1)
    lines = []
    for i in range(4):
        tol = 0.06 * float(np.linalg.norm(quad[(i + 1) % 4] - quad[i])) + 1.5
        line = _line_through(pts[(owner == i) & (dist[:, i] < tol)])
        if line is None:
            return quad
        lines.append(line)
    out = _intersect(lines)
    size = float(np.sqrt(abs(cv2.contourArea(quad.astype(np.float32)))))
    if out is None or np.max(np.linalg.norm(out - quad, axis=1)) > 0.25 * size:
        return quad
    return out


def _plausible(quad: np.ndarray, min_area: float) -> bool:
    if not cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)):
        return False
    if cv2.contourArea(quad.astype(np.float32)) < min_area:
        return False
    for i in range(4):  # no corner sharper than 35 degrees or flatter than 145
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        if abs(cos) > 0.82:
            return False
    return True


def _candidates(small: np.ndarray) -> list[np.ndarray]:
    """Outlines that might be the document: edge contours, and Otsu regions of brightness
    and saturation (a page's outline stays whole there even where text meets its edge)."""
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    edges: np.ndarray = np.zeros(small.shape[:2], np.uint8)
    for ch in cv2.split(blurred):
        edges |= cv2.Canny(ch, 18, 45, L2gradient=True)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    found, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    contours = list(found)
    gray = cv2.cvtColor(blurred, cv2.COLOR_BGR2GRAY)
    sat = cv2.cvtColor(blurred, cv2.COLOR_BGR2HSV)[..., 1]
    for ch in (gray, sat):
        _, mask = cv2.threshold(ch, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        for m in (mask, 255 - mask):
            for kernel in _KERNELS:  # the large one cuts a finger off the page's outline
                opened = cv2.morphologyEx(m, cv2.MORPH_OPEN, kernel)
                found, _ = cv2.findContours(opened, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
                contours.extend(found)
    return contours


def smooth_gain(gx: np.ndarray, gy: np.ndarray) -> float:
    """The factor that lifts a faint page edge on a smooth counter to EDGE_MIN (1: none).
    Texture, noise and text keep it near 1 on wood, dark and cluttered counters."""
    texture = float(np.percentile(cv2.magnitude(gx[::2, ::2], gy[::2, ::2]), 60))
    return float(np.clip(EDGE_MIN / max(TEXTURE_K * texture, 1e-3), 1.0, GAIN_MAX))


def _regions(gx: np.ndarray, gy: np.ndarray) -> list[np.ndarray]:
    """Outlines of what stands off the counter: the counter is what the frame's border
    reaches without crossing an edge, the rest are objects. A page's faint outline closes
    round it even where the text inside it makes more lines than its sides."""
    h, w = gx.shape
    edge = cv2.dilate((cv2.magnitude(gx, gy) >= EDGE_MIN).astype(np.uint8), _KERNELS[0])
    n, labels = cv2.connectedComponents(1 - edge, connectivity=4)
    if n < 2:
        return []
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    counter = np.isin(labels, border[border > 0])
    objects = cv2.morphologyEx(np.where(counter, 0, 255).astype(np.uint8), cv2.MORPH_OPEN,
                               _KERNELS[1])  # the large kernel cuts a finger off the page
    found, _ = cv2.findContours(objects, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    return list(found)


def _contour_quads(contours: list[np.ndarray], gx: np.ndarray, gy: np.ndarray,
                   min_area: float, img: np.ndarray | None = None
                   ) -> list[tuple[float, float, np.ndarray]]:
    """(support, area, quad) of the outlines that reduce to a well-supported quad."""
    h, w = gx.shape
    out: list[tuple[float, float, np.ndarray]] = []
    seen: list[np.ndarray] = []
    for cnt in contours:
        if len(cnt) < 12:
            continue
        _, _, bw, bh = cv2.boundingRect(cnt)
        if bw * bh < min_area:  # cheap: most contours are text and grain
            continue
        hull = cv2.convexHull(cnt)
        area = cv2.contourArea(hull)
        if area < min_area or area > 0.97 * h * w:
            continue
        eps = max(1.0, 0.004 * cv2.arcLength(hull, True))
        quad = _reduce_to_quad(cv2.approxPolyDP(hull, eps, True))
        if quad is None or any(np.abs(quad - q).max() < 1.5 for q in seen):
            continue
        seen.append(quad)
        if _support(gx, gy, quad) < 0.3:  # cheap rejection before the fit
            continue
        quad = _fit_sides(cnt, quad)
        if img is not None:
            # A region's outline runs a pixel or two off the page's edge (the edge band,
            # the counter's texture beside it): snap its sides to the colour step.
            quad = _refine(img, order_corners(quad), 5.0)
        if not _plausible(quad, min_area):
            continue
        s = _support(gx, gy, quad)
        if s >= MIN_SUPPORT:
            out.append((s, float(cv2.contourArea(quad.astype(np.float32))), quad))
    return out


def _covered(region: tuple[float, float, np.ndarray],
             lines: list[tuple[float, float, np.ndarray]]) -> bool:
    """A region's outline that a line quad at least as well supported already gives, near
    enough: the lines are the more exact (a region takes in a wood grain's stripe or a
    shadow at a corner, and being larger would win in _pick)."""
    s, a, q = region
    qf = q.astype(np.float32)
    for ls, la, lq in lines:
        if ls < s or not 0.7 * a < la < 1.3 * a:
            continue
        both, _ = cv2.intersectConvexConvex(qf, lq.astype(np.float32))
        if both / (a + la - both) >= SAME_IOU:
            return True
    return False


def _coarse(small: np.ndarray) -> np.ndarray | None:
    gx, gy = _gradients(small)
    h, w = small.shape[:2]
    min_area = MIN_AREA * h * w
    found = line_quads(gx, gy, min_area)
    gain = smooth_gain(gx, gy)
    if gain > 1.05:
        # A second look with the faint edges lifted; both sets compete in _pick, where the
        # page's faint outline beats the photo or text block inside it by being larger.
        gx, gy = gx * gain, gy * gain
        found += line_quads(gx, gy, min_area)
        if gain > SMOOTHER_GAIN:
            # Fainter still: the step of a few grey levels over noise of one or two; a wider
            # blur lowers the noise and keeps the step (the page's side is long and straight).
            bx, by = _gradients(cv2.GaussianBlur(small, (5, 5), 1.2))
            g2 = smooth_gain(bx, by)
            found += line_quads(bx * g2, by * g2, min_area)
    # Regions standing off the counter: a side too short or too broken to make a line
    # (a card's side under a finger, a pale page's faint edge beside its text's lines).
    found += [r for r in _contour_quads(_regions(gx, gy), gx, gy, min_area, small)
              if not _covered(r, found)]
    log.debug("detect_coarse gain=%.2f quads=%d", gain, len(found))
    if found:
        return _pick(found, w, h)
    # Fallback, slower: outlines of edge contours and of Otsu regions, for a side too faint
    # or too cluttered to stand out as a line (a pale card on white laminate).
    return _pick(_contour_quads(_candidates(small), gx, gy, min_area), w, h)


def _out_of_view(q: np.ndarray, w: int, h: int) -> bool:
    """On the frame's edge or past it: part of this outline is not seen."""
    m = 4.0
    past = (q[:, 0] < -m) | (q[:, 0] > w - 1 + m) | (q[:, 1] < -m) | (q[:, 1] > h - 1 + m)
    return bool(past.any()) or border_side(q, w, h) is not None


def _pick(found: list[tuple[float, float, np.ndarray]], w: int, h: int) -> np.ndarray | None:
    if not found:
        return None
    # Near-duplicates (the same page with one side on a neighbouring line: grain, a shadow,
    # the page's own margin) keep only their best-supported member, so "largest" below
    # cannot prefer a variant that is merely a little wider.
    found = sorted(found, key=lambda x: -x[0])
    ordered = _order_all(np.stack([np.asarray(q, np.float64).reshape(4, 2)
                                   for _, _, q in found]))
    kept: list[tuple[float, float, np.ndarray]] = []
    kept_q = np.empty((len(found), 4, 2))
    for (s, a, _q), q in zip(found, ordered, strict=True):
        tol = 0.12 * float(np.sqrt(a))
        if not kept or bool((np.abs(kept_q[:len(kept)] - q).max(axis=(1, 2)) > tol).all()):
            kept_q[len(kept)] = q
            kept.append((s, a, q))
    best = kept[0][0]
    # The document is the largest well-supported outline (not a table or photo inside it).
    good = [(s, a, q) for s, a, q in kept if s >= best - 0.1]
    # An outline with the frame's edge for a side (a page partly out of view) is weaker
    # evidence: it wins only over a whole outline lying well inside it (the page's photo,
    # a table, the MRZ's clear zone), never over one nearly its size (then it is the page's
    # own lines run on to the frame), and only when its hidden part has a document's
    # proportions (extrapolate moved it).
    seen = [not _out_of_view(q, w, h) for _s, _a, q in good]
    full = [(s, a, q) for (s, a, q), v in zip(good, seen, strict=True) if v and not _slim(q)]
    cut = [(s, a, extrapolate(q, w, h)) for (s, a, q), v in zip(good, seen, strict=True)
           if not v]
    cut = [(s, a, q) for s, a, q in cut if border_side(q, w, h) is None and not _slim(q)]
    top = max(full, key=lambda x: x[1]) if full else None
    for s, a, q in sorted(cut, key=lambda x: -x[1]):
        if top is None:
            return q
        larger = (top[1] < CUT_OVER * a and s >= top[0] - 0.05
                  or top[1] < CUT_OVER_SURE * a and s >= top[0] + CUT_SURE_LEAD)
        if larger and _inside_share(top[2], q) >= CONTAINED:
            return q
    return top[2] if top is not None else None


def _slim(q: np.ndarray) -> bool:
    """Longer than MAX_ASPECT times its width: a stripe of wood grain or a shadow's edge
    between two lines, no document (a long receipt is about 1 to 4)."""
    a, b = side_lengths(q)
    return max(a, b) > MAX_ASPECT * max(min(a, b), 1e-6)


def _inside_share(inner: np.ndarray, outer: np.ndarray) -> float:
    """The share of `inner`'s area that lies inside `outer` (both convex)."""
    a = float(cv2.contourArea(inner.astype(np.float32)))
    if a <= 0:
        return 0.0
    both, _ = cv2.intersectConvexConvex(inner.astype(np.float32), outer.astype(np.float32))
    return float(both) / a


def _refine(img: np.ndarray, quad: np.ndarray, reach: float, samples: int = 40) -> np.ndarray:
    """Re-measure each side as the strongest colour step across it, within `reach` pixels.

    The four sides' profiles are sampled in one remap; each side is then fitted robustly,
    so where a finger or glare hides part of a side its points drop out as outliers.
    """
    offsets = np.arange(-reach, reach + 1, 1.0)
    p, q = quad, np.roll(quad, -1, axis=0)
    d = q - p
    length = np.linalg.norm(d, axis=1)
    if length.min() < 8:
        return quad
    d /= length[:, None]
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    t = np.linspace(0.08, 0.92, samples)
    base = p[:, None, :] + (t[None, :, None] * length[:, None, None]) * d[:, None, :]  # (4,S,2)
    pts = base[:, :, None, :] + offsets[None, None, :, None] * normal[:, None, None, :]
    mx = pts[..., 0].reshape(4 * samples, -1).astype(np.float32)
    my = pts[..., 1].reshape(4 * samples, -1).astype(np.float32)
    prof = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    prof = prof.astype(np.float32)
    grad = np.abs(prof[:, 2:] - prof[:, :-2])
    if grad.ndim == 3:
        grad = grad.sum(axis=2)
    rows = np.arange(len(grad))
    k = np.clip(np.argmax(grad, axis=1), 1, grad.shape[1] - 2)
    g0, g1, g2 = grad[rows, k - 1], grad[rows, k], grad[rows, k + 1]
    den = g0 - 2 * g1 + g2
    sub = np.where(np.abs(den) > 1e-6, 0.5 * (g0 - g2) / np.where(den == 0, 1, den), 0.0)
    off = (offsets[0] + 1 + k + np.clip(sub, -0.5, 0.5)).reshape(4, samples)
    g1 = g1.reshape(4, samples)
    found = base + normal[:, None, :] * off[..., None]
    lines = []
    h, w = img.shape[:2]
    # Samples past the frame's edge (a page partly out of view) measure nothing.
    seen = ((found[..., 0] >= 1) & (found[..., 0] <= w - 2) & (found[..., 1] >= 1)
            & (found[..., 1] <= h - 2))
    for i in range(4):
        strong = (g1[i] >= max(12.0, 0.3 * float(np.median(g1[i])))) & seen[i]
        line = _line_through(found[i][strong])
        if line is None:
            if seen[i].mean() > 0.5:
                return quad
            # A side out of view (extrapolated past the frame) keeps its coarse line.
            e = quad[(i + 1) % 4] - quad[i]
            line = (quad[i].astype(np.float64), e / max(float(np.linalg.norm(e)), 1e-9))
        lines.append(line)
    out = _intersect(lines)
    if out is None or np.max(np.linalg.norm(out - quad, axis=1)) > 2.5 * reach:
        return quad
    return out


def detect_document(frame: np.ndarray | Frame) -> Quad | None:
    """The document's corners (TL, TR, BR, BL on screen) in pixels, or None if none is there.

    Raises CameraError("bad_frame") for input that is not an image.
    """
    img = as_bgr(frame)
    h, w = img.shape[:2]
    scale = WORK_WIDTH / w
    size = (WORK_WIDTH, max(16, round(h * scale)))
    if w >= 2 * WORK_WIDTH:  # two halvings by area average: the same pixels, half the time
        img2 = cv2.resize(img, (size[0] * 2, size[1] * 2), interpolation=cv2.INTER_AREA)
        small = cv2.resize(img2, size, interpolation=cv2.INTER_AREA)
    else:
        small = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    quad = _coarse(small)
    if quad is None:
        return None
    quad = order_corners(quad) / scale
    quad = _refine(img, quad, 1.5 / scale + 2)
    quad = _refine(img, quad, 3.0)
    page = data_page(img, quad)  # an open booklet: its data page
    if page is None:
        page = page_from_zone(img, quad)  # the MRZ's band alone: the page around it
    if page is not None:
        quad = page
    return Quad.from_array(order_corners(quad))
