"""Find a document's four corners in a camera frame.

Coarse, at quarter resolution: candidate outlines from colour edges and from Otsu regions
of brightness and saturation; each outline's hull is cut to four corners, its sides
re-fitted to the outline's own points (so a finger's bump drops out), and scored by how
much of it runs along an edge that crosses it. Fine, at full resolution: each side is
re-measured as the strongest step across it (sub-pixel) and fitted robustly as a line.
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
    """Per pixel, the x and y gradient of whichever colour channel changes most."""
    blurred = cv2.GaussianBlur(small, (3, 3), 0).astype(np.float32)
    gx = cv2.Sobel(blurred, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(blurred, cv2.CV_32F, 0, 1, ksize=3)
    idx = np.argmax(gx * gx + gy * gy, axis=2)[..., None]
    return (np.take_along_axis(gx, idx, axis=2)[..., 0],
            np.take_along_axis(gy, idx, axis=2)[..., 0])


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
    found: list[tuple[float, float, np.ndarray]] = []
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
    if not found:
        return None
    best = max(s for s, _, _ in found)
    # The document is the largest well-supported outline (not a table or photo inside it).
    good = [(a, q) for s, a, q in found if s >= best - 0.1]
    return max(good, key=lambda x: x[0])[1]


def _refine(img: np.ndarray, quad: np.ndarray, reach: float, samples: int = 40) -> np.ndarray:
    """Re-measure each side as the strongest colour step across it, within `reach` pixels."""
    lines = []
    offsets = np.arange(-reach, reach + 1, 1.0, dtype=np.float32)
    rows = np.arange(samples)
    for i in range(4):
        p, q = quad[i], quad[(i + 1) % 4]
        d = q - p
        length = float(np.linalg.norm(d))
        if length < 8:
            return quad
        d /= length
        normal = np.array([-d[1], d[0]])
        t = np.linspace(0.08, 0.92, samples)
        base = p + np.outer(t * length, d)
        mx = (base[:, 0:1] + normal[0] * offsets[None, :]).astype(np.float32)
        my = (base[:, 1:2] + normal[1] * offsets[None, :]).astype(np.float32)
        prof = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        prof = prof.astype(np.float32)
        grad = np.abs(prof[:, 2:] - prof[:, :-2])
        if grad.ndim == 3:
            grad = grad.sum(axis=2)
        k = np.clip(np.argmax(grad, axis=1), 1, grad.shape[1] - 2)
        g0, g1, g2 = grad[rows, k - 1], grad[rows, k], grad[rows, k + 1]
        den = g0 - 2 * g1 + g2
        sub = np.where(np.abs(den) > 1e-6, 0.5 * (g0 - g2) / np.where(den == 0, 1, den), 0.0)
        off = offsets[0] + 1 + k + np.clip(sub, -0.5, 0.5)
        strong = g1 >= max(12.0, 0.3 * float(np.median(g1)))
        line = _line_through((base + normal[None, :] * off[:, None])[strong])
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
    small = cv2.resize(img, (WORK_WIDTH, max(16, round(h * scale))), interpolation=cv2.INTER_AREA)
    quad = _coarse(small)
    if quad is None:
        return None
    quad = order_corners(quad) / scale
    quad = _refine(img, quad, 1.5 / scale + 2)
    quad = _refine(img, quad, 3.0)
    return Quad.from_array(order_corners(quad))
