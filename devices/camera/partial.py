"""A document partly out of view: which way it sticks out, and its corners past the edge.

When a whole side of the page lies past the frame, the detector's quad has the frame's edge
for that side. The page's true extent is then guessed from its shape: the visible length of
the sides running out of view is stretched until the outline has the proportions of a
document kind (A4, ID-1, passport page, receipt), the least stretch that fits, and only when
at most a fifth of the page is missing. The corners then lie past the frame; the quality
gates tell the citizen which way to move it, and it is never captured so.
"""

from __future__ import annotations

import numpy as np

# Long side over short side of the kinds the kiosk reads (receipts vary; 80 x 150 mm).
ASPECTS = (297 / 210, 85.6 / 53.98, 125 / 88, 150 / 80)
MAX_STRETCH = 1.25  # at most this much longer than what is in view
ON_EDGE_PX = 3.0  # a corner this near the frame's edge lies on it


def border_side(quad: np.ndarray, w: int, h: int, tol: float = ON_EDGE_PX) -> int | None:
    """The side (i: corner i -> i+1) lying along the frame's edge, if one does."""
    for i in range(4):
        p, q = quad[i], quad[(i + 1) % 4]
        for k, top in ((0, 0.0), (0, w - 1.0), (1, 0.0), (1, h - 1.0)):
            if abs(p[k] - top) <= tol and abs(q[k] - top) <= tol:
                return i
    return None


def extrapolate(quad: np.ndarray, w: int, h: int) -> np.ndarray:
    """Move the corners of a side lying on the frame's edge out to where the page ends."""
    i = border_side(quad, w, h)
    if i is None:
        return quad
    a, b = quad[i], quad[(i + 1) % 4]  # on the edge
    c, d = quad[(i + 2) % 4], quad[(i + 3) % 4]  # the far side: b-c and d-a run out of view
    far = float(np.linalg.norm(c - d))
    run = 0.5 * float(np.linalg.norm(b - c) + np.linalg.norm(a - d))
    if far < 1 or run < 1:
        return quad
    seen = run / far
    fits = [r for asp in ASPECTS for r in (asp, 1 / asp) if seen <= r <= seen * MAX_STRETCH]
    if not fits:
        return quad
    stretch = min(fits) / seen
    out = quad.copy()
    out[(i + 1) % 4] = c + (b - c) * stretch
    out[i] = d + (a - d) * stretch
    return out


def outside_directions(quad: np.ndarray, w: int, h: int, margin: float) -> list[str]:
    """Which way to move the page to bring it into view: 'left', 'right', 'up', 'down'
    (as the preview shows it), the side it sticks out furthest first."""
    pts = np.asarray(quad, np.float64)
    over = {"right": margin - pts[:, 0].min(), "left": pts[:, 0].max() - (w - 1 - margin),
            "down": margin - pts[:, 1].min(), "up": pts[:, 1].max() - (h - 1 - margin)}
    return [k for k, v in sorted(over.items(), key=lambda kv: -kv[1]) if v > 0]
