"""Line-based candidate quads for detect.py: a document's sides are straight edges, even where
a finger or a shadow breaks its outline as a region. Lines come from an orientation-aware
Hough transform of the colour edges; quads are pairs of near-parallel lines crossed by
another pair, each side scored in O(1) from a running sum of edge support along its line.
A corner may lie past the frame's edge (a page partly out of view): then only the side's
visible part is scored, and the end test is waived at that corner.
"""

from __future__ import annotations

import cv2
import numpy as np

MIN_SUPPORT = 0.6  # share of the outline on edges that cross it
EDGE_MIN = 28.0  # Sobel response across a side: a step of about seven grey levels

MAX_LINES = 24
OUT_REACH = 0.15  # how far past the frame a corner may lie, as a share of its size
MIN_VISIBLE = 0.4  # share of every side that must be in view to be judged
END_MIN = 0.5  # edge share in the fifth of a side next to each corner
# ... and next to a corner on the frame's edge (a side running out of view): there the side
# must run on to the frame, or the outline is a page in view with its sides drawn on past
# its corners to the frame (then a gap of a tenth of the side would pass END_MIN).
END_EDGE = 0.85
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
    min_votes = 0.03 * min(h, w) * 2
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
    # Samples past the frame read the zero border padded round it: no edge there. One flat
    # gather per plane is several times cheaper than 2-D fancy indexing.
    xi = np.clip(np.rint(px).astype(np.int32) + 1, 0, w + 1)
    yi = np.clip(np.rint(py).astype(np.int32) + 1, 0, h + 1)
    flat = yi * (w + 2) + xi
    ax = np.pad(gx, 1).ravel().take(flat)
    ay = np.pad(gy, 1).ravel().take(flat)
    across = np.abs(ax * nx[:, None, None] + ay * ny[:, None, None])
    along = np.abs(ax * dxl[:, None, None] + ay * dyl[:, None, None])
    ok = ((across >= EDGE_MIN) & (across >= 2 * along)).any(axis=2)
    cum = np.zeros((len(theta), len(t) + 1), np.float64)
    np.cumsum(ok, axis=1, out=cum[:, 1:])
    return cum, half


def _visible(p0: np.ndarray, p1: np.ndarray, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Where segments p0 -> p1 (..., 2) are inside the frame: the parameters (s_lo, s_hi) in
    0..1 of the part in view (Liang-Barsky clipping; s_lo >= s_hi when none is)."""
    d = p1 - p0
    s_lo = np.zeros(p0.shape[:-1])
    s_hi = np.ones(p0.shape[:-1])
    for k, top in ((0, w - 1.0), (1, h - 1.0)):
        dk = np.where(np.abs(d[..., k]) < 1e-9, 1e-9, d[..., k])
        a = (0.0 - p0[..., k]) / dk
        b = (top - p0[..., k]) / dk
        s_lo = np.maximum(s_lo, np.minimum(a, b))
        s_hi = np.minimum(s_hi, np.maximum(a, b))
    return s_lo, s_hi


def line_quads(gx: np.ndarray, gy: np.ndarray, min_area: float
                ) -> list[tuple[float, float, np.ndarray]]:
    """(support, area, quad) for every plausible quad of four of the strongest lines."""
    h, w = gx.shape
    theta, rho = _hough_lines(gx, gy)
    real = len(theta)
    if real < 3:
        return []
    # The frame's four edges stand in for a side lying past them (a page partly out of
    # view); they count as supported, but only the real sides are scored, and a quad may
    # use one of them at most.
    theta = np.concatenate([theta, [0.0, 0.0, np.pi / 2, np.pi / 2]])
    rho = np.concatenate([rho, [0.0, w - 1.0, 0.0, h - 1.0]])
    k = len(theta)
    nx, ny = np.cos(theta), np.sin(theta)
    cum, half = _line_profiles(gx, gy, theta, rho)
    cum[real:] = np.arange(cum.shape[1], dtype=np.float64)[None, :]
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
    keep &= ((a >= real).astype(int) + (b >= real) + (c >= real) + (d >= real)) <= 1
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
    corner_in = ((corners[..., 0] > -m) & (corners[..., 0] < w - 1 + m) & (corners[..., 1] > -m)
                 & (corners[..., 1] < h - 1 + m))
    # Corners may lie a little past the frame (a page partly out of view), not far: at least
    # two stay in view, the others within OUT_REACH of the frame.
    near = ((corners[..., 0] > -OUT_REACH * w) & (corners[..., 0] < (1 + OUT_REACH) * w)
            & (corners[..., 1] > -OUT_REACH * h) & (corners[..., 1] < (1 + OUT_REACH) * h))
    inside = near.all(axis=1) & (corner_in.sum(axis=1) >= 2)
    x, y = corners[..., 0], corners[..., 1]
    area = 0.5 * np.abs((x * np.roll(y, -1, axis=1) - y * np.roll(x, -1, axis=1)).sum(axis=1))
    ok = inside & (area >= min_area) & (area <= 0.97 * h * w)
    if not ok.any():
        return []
    corners, area, corner_in = corners[ok], area[ok], corner_in[ok]
    cx_, cy_ = corners[..., 0], corners[..., 1]
    on_edge = corner_in & ((cx_ < m) | (cx_ > w - 1 - m) | (cy_ < m) | (cy_ > h - 1 - m))
    sides = np.stack([c[ok], b[ok], d[ok], a[ok]], axis=1)  # side s runs corner s -> s+1
    p0, p1 = corners, np.roll(corners, -1, axis=1)
    in0, in1 = corner_in, np.roll(corner_in, -1, axis=1)
    s_lo, s_hi = _visible(p0, p1, w, h)
    dxl, dyl = -ny[sides], nx[sides]
    cx, cy = (w - 1) / 2, (h - 1) / 2
    ta = (p0[..., 0] - cx) * dxl + (p0[..., 1] - cy) * dyl
    tb = (p1[..., 0] - cx) * dxl + (p1[..., 1] - cy) * dyl
    t0, t1 = ta + s_lo * (tb - ta), ta + s_hi * (tb - ta)  # the part of the side in view
    lo, hi = np.minimum(t0, t1) + 2, np.maximum(t0, t1) - 2
    length = np.maximum(hi - lo, 1.0)
    il = np.clip(np.rint(lo).astype(np.int64) + half, 0, cum.shape[1] - 1)
    ih = np.clip(np.rint(hi).astype(np.int64) + half, 0, cum.shape[1] - 1)
    share = (cum[sides, ih] - cum[sides, il]) / length
    # Both ends of every side must be edge too: a line running on past the document's
    # corner (wood grain, a shadow's edge) makes a quad with unsupported corner stretches.
    # A corner out of view has no end to test.
    end = np.maximum(0.2 * length, 3.0)
    il2 = np.clip(np.rint(lo + end).astype(np.int64) + half, 0, cum.shape[1] - 1)
    ih2 = np.clip(np.rint(hi - end).astype(np.int64) + half, 0, cum.shape[1] - 1)
    e_lo = (cum[sides, il2] - cum[sides, il]) / end
    e_hi = (cum[sides, ih] - cum[sides, ih2]) / end
    lo_in = np.where(ta <= tb, in0, in1)
    hi_in = np.where(ta <= tb, in1, in0)
    e0_, e1_ = on_edge, np.roll(on_edge, -1, axis=1)
    need_lo = np.where(np.where(ta <= tb, e0_, e1_), END_EDGE, END_MIN)
    need_hi = np.where(np.where(ta <= tb, e1_, e0_), END_EDGE, END_MIN)
    short = (lo_in & (e_lo < need_lo)) | (hi_in & (e_hi < need_hi))
    weak = (short.any(axis=1) | (share.min(axis=1) < 0.3)
            | ((s_hi - s_lo).min(axis=1) < MIN_VISIBLE))
    on_real = sides < real
    share = np.where(on_real, share, 1.0)
    score = np.where(weak, 0.0, (share * on_real).sum(axis=1) / on_real.sum(axis=1))
    # Convex, and no corner sharper than 35 degrees or flatter than 145 (as _plausible).
    e1 = np.roll(corners, -1, axis=1) - corners
    e0 = corners - np.roll(corners, 1, axis=1)
    turn = e0[..., 0] * e1[..., 1] - e0[..., 1] * e1[..., 0]
    convex = (turn > 0).all(axis=1) | (turn < 0).all(axis=1)
    cos = -(e0 * e1).sum(axis=2) / (np.linalg.norm(e0, axis=2) * np.linalg.norm(e1, axis=2)
                                    + 1e-9)
    good = np.nonzero((score >= MIN_SUPPORT) & convex & (np.abs(cos) <= 0.82).all(axis=1))[0]
    return [(float(score[g]), float(area[g]), corners[g]) for g in good]


