"""Make one frontal photo turn like a head, or move like a flat picture held up.

A head turn: the face is a rounded dome (about a cylinder of radius 1.25 x the eye distance,
with smooth sides so no point is hidden at 30 degrees) with a ridge for the nose, rotated
about its vertical axis and seen orthographically, so points nearer the camera (the nose,
the inner eye corners) move further than the outer corners. This is a model, not a head:
liveness tuned on it learns the model's blind spots (no ears, no occlusion, no hair
moving), so the real check is a hall's own recordings.

A flat picture: the same image as a plane rotated in 3-D and projected with a pinhole
camera: a planar homography, which keeps every point on the plane.
"""

from __future__ import annotations

import cv2
import numpy as np

from sim.face.people import Person


def _depth(person: Person, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    cx, cy = person.centre
    iod = person.iod
    radius = 1.25 * iod
    xs = np.arange(w, dtype=np.float32)[None, :] - cx
    ys = np.arange(h, dtype=np.float32)[:, None]
    cylinder = radius * np.exp(-(xs**2) / (2 * (0.7 * radius) ** 2)) * np.ones((h, 1), np.float32)
    nx, ny = person.nose
    ridge_y = (cy + ny) / 2  # from between the eyes to the nose base
    ridge = 0.45 * iod * np.exp(-((xs + cx - nx) ** 2) / (2 * (0.22 * iod) ** 2)
                                - ((ys - ridge_y) ** 2) / (2 * (0.42 * iod) ** 2))
    # the face stops below the chin and above the forehead: fade the relief out there
    fade = np.exp(-np.clip(np.abs(ys - (cy + 0.5 * iod)) - 1.4 * iod, 0, None) ** 2
                  / (2 * (0.4 * iod) ** 2))
    return ((cylinder + ridge) * fade).astype(np.float32)


def head_turn(img: np.ndarray, person: Person, yaw_deg: float) -> np.ndarray:
    """The face turned by yaw_deg about a vertical axis; positive moves the nose to +x."""
    if abs(yaw_deg) < 1e-3:
        return img.copy()
    h, w = img.shape[:2]
    theta = np.radians(yaw_deg)
    cos, sin = float(np.cos(theta)), float(np.sin(theta))
    z = _depth(person, (h, w))
    cx = person.centre[0]
    xo = np.arange(w, dtype=np.float32)[None, :] * np.ones((h, 1), np.float32)
    ys = np.arange(h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
    xs = xo.copy()
    rows = np.repeat(np.arange(h)[:, None], w, axis=1)
    # x_out = cx + (x_src - cx) cos + z(x_src) sin, solved for x_src by fixed-point steps
    for _ in range(12):
        zi = z[rows, np.clip(xs, 0, w - 1).astype(np.int32)]
        xs = 0.5 * xs + 0.5 * (cx + (xo - cx - zi * sin) / cos)  # damped: converges on slopes
    return cv2.remap(img, xs.astype(np.float32), ys, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)


def flat_tilt(img: np.ndarray, yaw_deg: float, pitch_deg: float = 0.0,
              shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """The image as a flat card rotated about its centre and seen by a pinhole camera."""
    h, w = img.shape[:2]
    f = 1.2 * w
    yaw, pitch = np.radians(yaw_deg), np.radians(pitch_deg)
    ry = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    rx = np.array([[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)],
                   [0, np.sin(pitch), np.cos(pitch)]])
    corners = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0],
                        [-w / 2, h / 2, 0]], dtype=np.float64)
    moved = corners @ (ry @ rx).T
    proj = f * moved[:, :2] / (f + moved[:, 2:3]) + [w / 2 + shift[0], h / 2 + shift[1]]
    src = (corners[:, :2] + [w / 2, h / 2]).astype(np.float32)
    m = cv2.getPerspectiveTransform(src, proj.astype(np.float32))
    return cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
