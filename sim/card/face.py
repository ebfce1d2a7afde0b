"""A synthetic, face-like portrait JPEG of about a given size (nothing is downloaded)."""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 240, 320


def _portrait(seed: int, hue: tuple[int, int, int]) -> Image.Image:
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, HEIGHT)[:, None, None]
    background = (np.array([200, 210, 225]) * (1 - 0.25 * y)).repeat(WIDTH, axis=1)
    img = Image.fromarray(background.astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    skin = hue
    d.rectangle((70, 250, 170, 320), fill=(60, 70, 90))           # shoulders
    d.ellipse((20, 255, 220, 360), fill=(60, 70, 90))
    d.rectangle((100, 215, 140, 262), fill=skin)                   # neck
    d.ellipse((60, 60, 180, 230), fill=skin)                       # face
    d.chord((55, 40, 185, 150), 180, 360, fill=(50, 35, 25))       # hair
    for cx in (95, 145):                                           # eyes and brows
        d.ellipse((cx - 12, 125, cx + 12, 139), fill=(250, 250, 250))
        d.ellipse((cx - 5, 127, cx + 5, 137), fill=(70, 45, 30))
        d.line((cx - 14, 115, cx + 14, 113), fill=(50, 35, 25), width=4)
    d.line((120, 140, 114, 175), fill=tuple(int(c * 0.8) for c in skin), width=3)   # nose
    d.chord((98, 180, 142, 205), 0, 180, fill=(170, 80, 80))       # mouth
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    noise = rng.normal(0, 6, (HEIGHT, WIDTH, 3))                   # skin and sensor texture
    arr = np.clip(np.asarray(img, dtype=np.float64) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


@lru_cache(maxsize=16)
def face_jpeg(target_bytes: int = 15_000, seed: int = 1,
              hue: tuple[int, int, int] = (224, 180, 150)) -> bytes:
    """The highest JPEG quality whose file stays at or under target_bytes."""
    img = _portrait(seed, hue)
    best = b""
    lo, hi = 5, 95
    while lo <= hi:
        q = (lo + hi) // 2
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=q)
        data = buf.getvalue()
        if len(data) <= target_bytes:
            best, lo = data, q + 1
        else:
            hi = q - 1
    if not best:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=5)
        best = buf.getvalue()
    return best
