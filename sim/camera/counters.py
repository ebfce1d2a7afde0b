"""Counter surfaces under the camera: wood, dark, cluttered and near-white, plus clutter."""

from __future__ import annotations

import random

import cv2
import numpy as np

COUNTERS = ("wood", "dark", "cluttered", "white")


def _noise(rng: random.Random, h: int, w: int, scale: int) -> np.ndarray:
    small = np.random.default_rng(rng.getrandbits(32)).random(
        (max(2, h // scale), max(2, w // scale))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def wood(rng: random.Random, h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(-0.3, 0.3)
    u = xx * np.sin(angle) + yy * np.cos(angle)
    warp = _noise(rng, h, w, 64) * 40
    grain = np.sin((u + warp) * rng.uniform(0.05, 0.15)) * 0.5 + 0.5
    fine = _noise(rng, h, w, 3)
    base = np.array([rng.randint(40, 90), rng.randint(80, 130), rng.randint(130, 190)], np.float32)
    light = (0.75 + 0.2 * grain + 0.1 * fine)[..., None]
    return np.clip(base * light, 0, 255).astype(np.uint8)


def dark(rng: random.Random, h: int, w: int) -> np.ndarray:
    level = rng.randint(15, 60)
    tint = np.array([level + rng.randint(-5, 10), level, level + rng.randint(-5, 5)], np.float32)
    tex = (0.85 + 0.3 * _noise(rng, h, w, 8))[..., None]
    return np.clip(tint * tex, 0, 255).astype(np.uint8)


def white(rng: random.Random, h: int, w: int) -> np.ndarray:
    """Near-white laminate: little contrast against paper."""
    level = rng.randint(196, 222)
    tint = np.array([level + rng.randint(-6, 6), level + rng.randint(-4, 4), level], np.float32)
    tex = (0.96 + 0.06 * _noise(rng, h, w, 16))[..., None]
    return np.clip(tint * tex, 0, 255).astype(np.uint8)


def clutter(img: np.ndarray, rng: random.Random, n: int) -> None:
    """Pens, coins, keys, sticky notes and cup rings; all smaller than an ID-1 card."""
    h, w = img.shape[:2]
    for _ in range(n):
        kind = rng.choice(("pen", "coin", "note", "ring", "key"))
        x, y = rng.randint(0, w), rng.randint(0, h)
        color = tuple(rng.randint(0, 255) for _ in range(3))
        if kind == "pen":
            a = rng.uniform(0, np.pi)
            length = rng.randint(80, 160)
            p2 = (int(x + length * np.cos(a)), int(y + length * np.sin(a)))
            cv2.line(img, (x, y), p2, color, rng.randint(6, 12), cv2.LINE_AA)
        elif kind == "coin":
            r = rng.randint(12, 26)
            cv2.circle(img, (x, y), r, (90, 160, 190), -1, cv2.LINE_AA)
            cv2.circle(img, (x, y), r - 3, (70, 130, 160), 1, cv2.LINE_AA)
        elif kind == "note":
            s = rng.randint(50, 90)
            box = cv2.boxPoints(((x, y), (s, s), rng.uniform(0, 90))).astype(np.int32)
            cv2.fillConvexPoly(img, box, (80, 230, 240), cv2.LINE_AA)
        elif kind == "ring":
            cv2.circle(img, (x, y), rng.randint(30, 45), (60, 80, 110), 3, cv2.LINE_AA)
        else:
            cv2.circle(img, (x, y), 14, (150, 150, 150), 4, cv2.LINE_AA)
            a = rng.uniform(0, np.pi * 2)
            cv2.line(img, (x, y), (int(x + 60 * np.cos(a)), int(y + 60 * np.sin(a))),
                     (170, 170, 170), 7, cv2.LINE_AA)


def counter(kind: str, rng: random.Random, h: int, w: int) -> np.ndarray:
    if kind == "wood":
        return wood(rng, h, w)
    if kind == "dark":
        return dark(rng, h, w)
    if kind == "white":
        return white(rng, h, w)
    img = wood(rng, h, w) if rng.random() < 0.5 else dark(rng, h, w)
    clutter(img, rng, rng.randint(6, 14))
    return img
