"""Find a document's four corners in a camera frame.

Coarse, at quarter resolution: straight colour edges from an orientation-aware Hough
transform; every pair of near-parallel lines crossed by another pair is a candidate quad,
scored by how much of each side (and of each side's ends, next to the corners) runs along
an edge that crosses it. A side half hidden by a finger or washed out by glare still counts.
When no line quad holds, candidate outlines come from colour edges and Otsu regions of
brightness and saturation instead. The largest well-supported quad wins. Fine, at full
resolution: each side is re-measured as the strongest step across it (sub-pixel) and
fitted robustly as a line; the corners are the lines' intersections.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from devices.camera.frames import as_bgr
from devices.camera.port import Frame, Quad

log = logging.getLogger(__name__)

WORK_WIDTH = 320  # pixels across the coarse image
MIN_AREA = 0.035  # of the frame: an ID-1 card at the kiosk's distance covers about 6 %
MIN_SUPPORT = 0.6  # share of the outline on edges that cross it
EDGE_MIN = 28.0  # Sobel response across a side: a step of about seven grey levels
_KERNELS = (np.ones((3, 3), np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (13, 13)))


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Clockwise on screen, starting at the corner nearest the image's top-left."""
    pts = np.asarray(pts, np.float64).reshape(4, 2)
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


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
    edges = np.zeros(small.shape[:2], np.uint8)
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


def _coarse(small: np.ndarray) -> np.ndarray | None:
    gx, gy = _gradients(small)
    h, w = small.shape[:2]
    min_area = MIN_AREA * h * w
    found = _line_quads(gx, gy, min_area)
    if found:
        return _pick(found)
    # Fallback, slower: outlines of edge contours and of Otsu regions, for a side too faint
    # or too cluttered to stand out as a line (a pale card on white laminate).
    seen: list[np.ndarray] = []
    for cnt in _candidates(small):
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
        if not _plausible(quad, min_area):
            continue
        s = _support(gx, gy, quad)
        if s >= MIN_SUPPORT:
            found.append((s, float(cv2.contourArea(quad.astype(np.float32))), quad))
    return _pick(found)


def _pick(found: list[tuple[float, float, np.ndarray]]) -> np.ndarray | None:
    if not found:
        return None
    # Near-duplicates (the same page with one side on a neighbouring line: grain, a shadow,
    # the page's own margin) keep only their best-supported member, so "largest" below
    # cannot prefer a variant that is merely a little wider.
    kept: list[tuple[float, float, np.ndarray]] = []
    for s, a, q in sorted(found, key=lambda x: -x[0]):
        q = order_corners(q)
        tol = 0.12 * float(np.sqrt(a))
        if all(np.abs(q - k).max() > tol for _, _, k in kept):
            kept.append((s, a, q))
    best = kept[0][0]
    # The document is the largest well-supported outline (not a table or photo inside it).
    good = [(a, q) for s, a, q in kept if s >= best - 0.1]
    return max(good, key=lambda x: x[0])[1]


# --- Line-based candidates: a document's sides are straight edges, even where a finger or
# a shadow breaks its outline as a region. Lines come from an orientation-aware Hough
# transform of the colour edges; quads are pairs of near-parallel lines crossed by another
# pair, each side scored in O(1) from a running sum of edge support along its line.

MAX_LINES = 24
END_MIN = 0.5  # edge share in the fifth of a side next to each corner
_THETAS = np.deg2rad(np.arange(180, dtype=np.float64))
_COS, _SIN = np.cos(_THETAS), np.sin(_THETAS)


def _hough_lines(gx: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The strongest distinct lines (theta in radians, rho) of the colour edges; each edge
    pixel votes only near its own gradient direction, so text and texture vote little."""
    h, w = gx.shape
    mag = cv2.magnitude(gx, gy)
    dx = np.clip(gx, -32000, 32000).astype(np.int16)
    dy = np.clip(gy, -32000, 32000).astype(np.int16)
    # Thresholds follow the counter's own texture: low on smooth laminate, where a pale
    # card's edge is faint, higher on wood grain.
    low = float(np.clip(1.5 * np.median(mag[::4, ::4]), 12.0, 40.0))
    edges = cv2.Canny(dx, dy, low, 2.5 * low, L2gradient=True)
    ys, xs = np.nonzero(edges)
    if len(xs) < 20:
        return np.empty(0), np.empty(0)
    ang = np.rad2deg(np.arctan2(gy[ys, xs], gx[ys, xs])) % 180.0
    diag = int(np.ceil(np.hypot(h, w)))
    base = np.rint(ang).astype(np.int64)
    tb = (base[:, None] + np.arange(-5, 6)[None, :]) % 180
    rho = xs[:, None] * _COS[tb] + ys[:, None] * _SIN[tb]
    rb = np.rint(rho).astype(np.int64) + diag
    acc = np.bincount((tb * (2 * diag + 1) + rb).ravel(),
                      minlength=180 * (2 * diag + 1)).reshape(180, 2 * diag + 1)
    acc = acc.astype(np.float32)
    # theta wraps around: pad so a peak at 0 and 179 degrees is one peak (rho flips sign).
    wrapped = np.vstack([acc[-3:, ::-1], acc, acc[:3, ::-1]])
    peaks = cv2.dilate(wrapped, np.ones((7, 7), np.uint8))[3:-3]
    min_votes = 0.06 * min(h, w) * 2
    cand = np.argwhere((acc >= peaks) & (acc >= min_votes))
    if len(cand) == 0:
        return np.empty(0), np.empty(0)
    votes = acc[cand[:, 0], cand[:, 1]]
    top = cand[np.argsort(-votes)[:MAX_LINES]]
    return _THETAS[top[:, 0]], (top[:, 1] - diag).astype(np.float64)


def _line_profiles(gx: np.ndarray, gy: np.ndarray, theta: np.ndarray, rho: np.ndarray
                   ) -> tuple[np.ndarray, int]:
    """Running sums, per line and per pixel along it, of 'an edge crosses the line here'."""
    h, w = gx.shape
    half = int(np.ceil(np.hypot(h, w) / 2))  # t is measured from the image's centre
    cx, cy = (w - 1) / 2, (h - 1) / 2
    t = np.arange(-half, half + 1, dtype=np.float64)
    nx, ny = np.cos(theta), np.sin(theta)
    dxl, dyl = -ny, nx
    foot = rho - (cx * nx + cy * ny)  # the line's distance from the centre
    offs = np.arange(-2, 3, dtype=np.float64)
    px = (cx + foot * nx)[:, None, None] + t[None, :, None] * dxl[:, None, None] \
        + offs[None, None, :] * nx[:, None, None]
    py = (cy + foot * ny)[:, None, None] + t[None, :, None] * dyl[:, None, None] \
        + offs[None, None, :] * ny[:, None, None]
    xi, yi = np.rint(px).astype(np.int64), np.rint(py).astype(np.int64)
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    xi, yi = np.clip(xi, 0, w - 1), np.clip(yi, 0, h - 1)
    ax, ay = gx[yi, xi], gy[yi, xi]
    across = np.abs(ax * nx[:, None, None] + ay * ny[:, None, None])
    along = np.abs(ax * dxl[:, None, None] + ay * dyl[:, None, None])
    ok = ((across >= EDGE_MIN) & (across >= 2 * along) & inside).any(axis=2)
    cum = np.zeros((len(theta), len(t) + 1), np.float64)
    np.cumsum(ok, axis=1, out=cum[:, 1:])
    return cum, half


def _line_quads(gx: np.ndarray, gy: np.ndarray, min_area: float
                ) -> list[tuple[float, float, np.ndarray]]:
    """(support, area, quad) for every plausible quad of four of the strongest lines."""
    h, w = gx.shape
    theta, rho = _hough_lines(gx, gy)
    k = len(theta)
    if k < 4:
        return []
    nx, ny = np.cos(theta), np.sin(theta)
    cum, half = _line_profiles(gx, gy, theta, rho)
    i, j = np.triu_indices(k, 1)
    cosang = np.abs(nx[i] * nx[j] + ny[i] * ny[j])
    par = cosang > np.cos(np.deg2rad(30))
    # Opposite sides apart by at least the short side of the smallest document.
    sep = np.abs(rho[i] - np.sign(nx[i] * nx[j] + ny[i] * ny[j]) * rho[j])
    par &= sep > 0.12 * min(h, w)
    pi, pj = i[par], j[par]
    if len(pi) < 2:
        return []
    u, v = np.triu_indices(len(pi), 1)
    a, b, c, d = pi[u], pj[u], pi[v], pj[v]
    cross = np.abs(nx[a] * nx[c] + ny[a] * ny[c])
    keep = (cross < np.cos(np.deg2rad(50))) & (a != c) & (a != d) & (b != c) & (b != d)
    a, b, c, d = a[keep], b[keep], c[keep], d[keep]
    if len(a) == 0:
        return []

    def meet(p: np.ndarray, q: np.ndarray) -> np.ndarray:
        det = nx[p] * ny[q] - ny[p] * nx[q]
        det = np.where(np.abs(det) < 1e-9, 1e-9, det)
        return np.stack([(rho[p] * ny[q] - rho[q] * ny[p]) / det,
                         (nx[p] * rho[q] - nx[q] * rho[p]) / det], axis=1)

    corners = np.stack([meet(a, c), meet(c, b), meet(b, d), meet(d, a)], axis=1)  # (m, 4, 2)
    m = 4.0
    inside = ((corners[..., 0] > -m) & (corners[..., 0] < w - 1 + m) & (corners[..., 1] > -m)
              & (corners[..., 1] < h - 1 + m)).all(axis=1)
    x, y = corners[..., 0], corners[..., 1]
    area = 0.5 * np.abs((x * np.roll(y, -1, axis=1) - y * np.roll(x, -1, axis=1)).sum(axis=1))
    ok = inside & (area >= min_area) & (area <= 0.97 * h * w)
    if not ok.any():
        return []
    corners, area = corners[ok], area[ok]
    sides = np.stack([c[ok], b[ok], d[ok], a[ok]], axis=1)  # side s runs corner s -> s+1
    p0, p1 = corners, np.roll(corners, -1, axis=1)
    dxl, dyl = -ny[sides], nx[sides]
    cx, cy = (w - 1) / 2, (h - 1) / 2
    t0 = (p0[..., 0] - cx) * dxl + (p0[..., 1] - cy) * dyl
    t1 = (p1[..., 0] - cx) * dxl + (p1[..., 1] - cy) * dyl
    lo, hi = np.minimum(t0, t1) + 2, np.maximum(t0, t1) - 2
    length = np.maximum(hi - lo, 1.0)
    il = np.clip(np.rint(lo).astype(np.int64) + half, 0, cum.shape[1] - 1)
    ih = np.clip(np.rint(hi).astype(np.int64) + half, 0, cum.shape[1] - 1)
    share = (cum[sides, ih] - cum[sides, il]) / length
    # Both ends of every side must be edge too: a line running on past the document's
    # corner (wood grain, a shadow's edge) makes a quad with unsupported corner stretches.
    end = np.maximum(0.2 * length, 3.0)
    il2 = np.clip(np.rint(lo + end).astype(np.int64) + half, 0, cum.shape[1] - 1)
    ih2 = np.clip(np.rint(hi - end).astype(np.int64) + half, 0, cum.shape[1] - 1)
    ends = np.minimum(cum[sides, il2] - cum[sides, il], cum[sides, ih] - cum[sides, ih2]) / end
    weak = (share.min(axis=1) < 0.3) | (ends.min(axis=1) < END_MIN)
    score = np.where(weak, 0.0, share.mean(axis=1))
    # Convex, and no corner sharper than 35 degrees or flatter than 145 (as _plausible).
    e1 = np.roll(corners, -1, axis=1) - corners
    e0 = corners - np.roll(corners, 1, axis=1)
    turn = e0[..., 0] * e1[..., 1] - e0[..., 1] * e1[..., 0]
    convex = (turn > 0).all(axis=1) | (turn < 0).all(axis=1)
    cos = -(e0 * e1).sum(axis=2) / (np.linalg.norm(e0, axis=2) * np.linalg.norm(e1, axis=2)
                                    + 1e-9)
    good = np.nonzero((score >= MIN_SUPPORT) & convex & (np.abs(cos) <= 0.82).all(axis=1))[0]
    return [(float(score[g]), float(area[g]), corners[g]) for g in good]


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
    for i in range(4):
        strong = g1[i] >= max(12.0, 0.3 * float(np.median(g1[i])))
        line = _line_through(found[i][strong])
        if line is None:
            return quad
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
    return Quad.from_array(order_corners(quad))
