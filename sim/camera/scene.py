"""Camera frames of documents lying on a counter, with their ground truth.

A scene is a pure function of its seed: the document, where it lies (rotation, tilt seen
through a pinhole camera), the counter, and the hard cases (shadow, glare, a finger over an
edge, clutter, blur). The truth holds the document's corners in the document's own order
(its top-left, top-right, bottom-right, bottom-left), the MRZ lines and the QR payload.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from sim.camera.counters import COUNTERS, counter
from sim.camera.documents import RENDERERS, FlatDoc

FRAME_SIZE = (1280, 720)


@dataclass
class SceneSpec:
    doc: str | None  # a4 | id1 | td1 | passport | receipt | None (empty counter)
    counter: str = "wood"
    rotation_deg: float = 0.0
    tilt_deg: float = 0.0  # out-of-plane tilt, seen as perspective
    fill: float = 0.6  # the document's long side as a share of the frame height (or width)
    shadow: bool = False
    glare: bool = False
    finger: bool = False
    blur: float = 0.6  # Gaussian sigma of the optics
    motion: float = 0.0  # motion-blur length in pixels
    noise: float = 2.5
    exposure: float = 1.0


@dataclass
class Scene:
    image: np.ndarray
    truth: dict[str, Any] = field(default_factory=dict)


def random_spec(rng: random.Random, doc: str | None, *, hard: bool = True) -> SceneSpec:
    fill = {"a4": (0.75, 0.95), "passport": (0.55, 0.85), "td1": (0.55, 0.8),
            "id1": (0.4, 0.7), "receipt": (0.65, 0.9)}.get(doc or "", (0.5, 0.8))
    return SceneSpec(
        doc=doc, counter=rng.choice(COUNTERS), rotation_deg=rng.uniform(-180, 180),
        tilt_deg=rng.uniform(0, 22 if hard else 8), fill=rng.uniform(*fill),
        shadow=hard and rng.random() < 0.3, glare=hard and rng.random() < 0.25,
        finger=hard and rng.random() < 0.2, blur=rng.uniform(0.4, 1.2),
        noise=rng.uniform(1.5, 4.0), exposure=rng.uniform(0.8, 1.0))


def _pose(size_mm: tuple[float, float], spec: SceneSpec, rng: random.Random,
          frame: tuple[int, int]) -> np.ndarray:
    """Project the document's rectangle through a pinhole camera; corners in pixels."""
    fw, fh = frame
    w, h = size_mm
    pts = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0],
                    [-w / 2, h / 2, 0]], np.float64)
    a = math.radians(spec.rotation_deg)
    rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    t = math.radians(spec.tilt_deg)
    axis = rng.uniform(0, 2 * math.pi)
    tx, ty = t * math.cos(axis), t * math.sin(axis)
    rx = np.array([[1, 0, 0], [0, math.cos(tx), -math.sin(tx)], [0, math.sin(tx), math.cos(tx)]])
    ry = np.array([[math.cos(ty), 0, math.sin(ty)], [0, 1, 0], [-math.sin(ty), 0, math.cos(ty)]])
    p = pts @ (ry @ rx @ rz).T
    focal = 1100.0
    for _ in range(40):
        dist = focal * max(w, h) / (spec.fill * fh)
        z = p[:, 2] + dist
        quad = np.stack([focal * p[:, 0] / z, focal * p[:, 1] / z], axis=1)
        lo, hi = quad.min(axis=0), quad.max(axis=0)
        span = hi - lo
        margin = 24
        if span[0] < fw - 2 * margin and span[1] < fh - 2 * margin:
            cx = rng.uniform(margin - lo[0], fw - margin - hi[0])
            cy = rng.uniform(margin - lo[1], fh - margin - hi[1])
            return quad + [cx, cy]
        spec.fill *= 0.93
    raise ValueError("document does not fit the frame")


def _place(frame: np.ndarray, doc: FlatDoc, quad: np.ndarray) -> None:
    dh, dw = doc.image.shape[:2]
    src = np.array([[-0.5, -0.5], [dw - 0.5, -0.5], [dw - 0.5, dh - 0.5], [-0.5, dh - 0.5]],
                   np.float32)
    hmat = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    shrink = dw / max(1.0, float(np.linalg.norm(quad[1] - quad[0])))
    img = doc.image
    if shrink > 1.3:  # pre-filter so the warp does not alias
        img = cv2.GaussianBlur(img, (0, 0), 0.45 * shrink)
    size = (frame.shape[1], frame.shape[0])
    warped = cv2.warpPerspective(img, hmat, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((dh, dw), np.float32), hmat, size, flags=cv2.INTER_LINEAR)
    m = mask[..., None]
    frame[:] = (frame * (1 - m) + warped * m).astype(np.uint8)


def overlay(img: np.ndarray, rng: random.Random, quad: np.ndarray, spec: SceneSpec) -> None:
    """What lies over a placed document, as the spec asks: a shadow, glare, a finger."""
    if spec.shadow:
        _shadow(img, rng, quad)
    if spec.glare:
        _glare(img, rng, quad)
    if spec.finger:
        _finger(img, rng, quad)


def _shadow(img: np.ndarray, rng: random.Random, around: np.ndarray) -> None:
    h, w = img.shape[:2]
    c = around.mean(axis=0) + [rng.uniform(-80, 80), rng.uniform(-60, 60)]
    a = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = (xx - c[0]) * math.cos(a) + (yy - c[1]) * math.sin(a)
    soft = rng.uniform(8, 40)
    side = 1 / (1 + np.exp(-d / soft))
    factor = 1 - rng.uniform(0.25, 0.5) * side
    img[:] = np.clip(img * factor[..., None], 0, 255).astype(np.uint8)


def _glare(img: np.ndarray, rng: random.Random, quad: np.ndarray) -> None:
    h, w = img.shape[:2]
    wts = np.array([rng.random() for _ in range(len(quad))]) + 0.2
    c = (quad * (wts / wts.sum())[:, None]).sum(axis=0)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    sx, sy = rng.uniform(25, 70), rng.uniform(15, 45)
    blob = np.exp(-(((xx - c[0]) / sx) ** 2 + ((yy - c[1]) / sy) ** 2) / 2)
    img[:] = np.clip(img + rng.uniform(120, 220) * blob[..., None], 0, 255).astype(np.uint8)


def _finger(img: np.ndarray, rng: random.Random, quad: np.ndarray) -> None:
    """A fingertip laid over one edge of the document, coming from outside it."""
    i = rng.randrange(4)
    p, q = quad[i], quad[(i + 1) % 4]
    edge = q - p
    at = p + edge * rng.uniform(0.3, 0.7)
    centre = quad.mean(axis=0)
    normal = np.array([-edge[1], edge[0]]) / (np.linalg.norm(edge) + 1e-9)
    if np.dot(normal, at - centre) < 0:
        normal = -normal
    depth, width = rng.uniform(15, 45), rng.randint(34, 52)
    tip = at - normal * depth
    base = at + normal * 260
    skin = (rng.randint(100, 160), rng.randint(130, 180), rng.randint(170, 230))
    shadow = (tip + np.array([6, 8])).astype(int), (base + np.array([6, 8])).astype(int)
    over = img.copy()
    cv2.line(over, tuple(shadow[0]), tuple(shadow[1]), (0, 0, 0), width, cv2.LINE_AA)
    img[:] = cv2.addWeighted(img, 0.6, over, 0.4, 0)
    cv2.line(img, tuple(tip.astype(int)), tuple(base.astype(int)), skin, width, cv2.LINE_AA)
    nail = tip + normal * width * 0.35
    cv2.circle(img, tuple(nail.astype(int)), width // 4, tuple(min(255, c + 30) for c in skin),
               -1, cv2.LINE_AA)


def _camera(img: np.ndarray, spec: SceneSpec, rng: random.Random) -> np.ndarray:
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15)
    light = spec.exposure * (1 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5))
    vign = 1 - 0.25 * (((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2)
    out = img.astype(np.float32) * (light * vign)[..., None]
    if spec.motion > 0:
        k = max(2, int(spec.motion))
        kernel = np.zeros((k, k), np.float32)
        cv2.line(kernel, (0, k // 2), (k - 1, k // 2), 1.0, 1)
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (k, k))
        out = cv2.filter2D(out, -1, kernel / max(kernel.sum(), 1e-6))
    if spec.blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), spec.blur)
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, spec.noise, out.shape)
    return np.clip(out + noise, 0, 255).astype(np.uint8)


def render_scene(spec: SceneSpec, rng: random.Random, *, doc: FlatDoc | None = None,
                 frame_size: tuple[int, int] = FRAME_SIZE,
                 background: np.ndarray | None = None,
                 quad: np.ndarray | None = None) -> Scene:
    fw, fh = frame_size
    img = background.copy() if background is not None else counter(spec.counter, rng, fh, fw)
    truth: dict[str, Any] = {"doc": spec.doc, "counter": spec.counter, "quad": None,
                             "shadow": spec.shadow, "glare": spec.glare, "finger": spec.finger,
                             "tilt_deg": round(spec.tilt_deg, 1)}
    if spec.doc is not None:
        doc = doc or RENDERERS[spec.doc](rng)
        if quad is None:
            quad = _pose(doc.size_mm, spec, rng, frame_size)
        _place(img, doc, quad)
        truth.update(quad=quad.round(3).tolist(), size_mm=list(doc.size_mm),
                     mrz=list(doc.mrz.lines) if doc.mrz else None, qr_text=doc.qr_text)
        overlay(img, rng, quad, spec)
    else:
        if spec.shadow:
            _shadow(img, rng, np.array([[fw / 2, fh / 2]]))
        if spec.glare:
            _glare(img, rng, np.array([[fw * 0.3, fh * 0.3], [fw * 0.7, fh * 0.7]]))
    return Scene(_camera(img, spec, rng), truth)


def scene(seed: int, doc: str | None, *, hard: bool = True,
          frame_size: tuple[int, int] = FRAME_SIZE) -> Scene:
    """One frame from one seed: the same seed always gives the same frame and truth."""
    rng = random.Random(seed)
    spec = random_spec(rng, doc, hard=hard)
    out = render_scene(spec, rng, frame_size=frame_size)
    out.truth["seed"] = seed
    return out


def detection_set(seed: int, n: int, *, empty_share: float = 0.15,
                  kinds: tuple[str, ...] = ("a4", "id1", "passport", "td1", "receipt"),
                  frame_size: tuple[int, int] = FRAME_SIZE) -> list[Scene]:
    """A mixed set: every document kind on every counter, with the hard cases; some empty."""
    rng = random.Random(seed)
    out = []
    for _i in range(n):
        doc = None if rng.random() < empty_share else rng.choice(kinds)
        out.append(scene(rng.getrandbits(31), doc, frame_size=frame_size))
    return out


def _mrz_spec(r: random.Random) -> SceneSpec:
    doc = "passport" if r.random() < 0.6 else "td1"
    return SceneSpec(doc=doc, counter=r.choice(COUNTERS),
                     rotation_deg=r.uniform(-25, 25) + (180 if r.random() < 0.2 else 0),
                     tilt_deg=r.uniform(0, 15), fill=r.uniform(0.7, 0.95),
                     shadow=r.random() < 0.25, glare=False, finger=False,
                     blur=r.uniform(0.4, 1.0), noise=r.uniform(1.5, 3.5),
                     exposure=r.uniform(0.8, 1.0))


def mrz_set(seed: int, n: int, frame_size: tuple[int, int] = FRAME_SIZE) -> list[Scene]:
    """Passport data pages (TD3) and ID card backs (TD1) held under the camera."""
    rng = random.Random(seed)
    out = []
    for _i in range(n):
        s = rng.getrandbits(31)
        r = random.Random(s)
        spec = _mrz_spec(r)
        sc = render_scene(spec, r, frame_size=frame_size)
        sc.truth["seed"] = s
        out.append(sc)
    return out


def mrz_hold_set(seed: int, n: int, frames: int = 5,
                 frame_size: tuple[int, int] = FRAME_SIZE) -> list[list[Scene]]:
    """n documents, each held under the camera for `frames` frames: the hand trembles
    (corners move by about a pixel), the sensor noise is new in every frame."""
    rng = random.Random(seed)
    out = []
    for _i in range(n):
        s = rng.getrandbits(31)
        r = random.Random(s)
        spec = _mrz_spec(r)
        fw, fh = frame_size
        bg = counter(spec.counter, r, fh, fw)
        flat = RENDERERS[spec.doc or "passport"](r)
        rest = _pose(flat.size_mm, spec, r, frame_size)
        held = []
        for _f in range(frames):
            jitter = np.array([[r.gauss(0, 0.7), r.gauss(0, 0.7)] for _ in range(4)])
            sc = render_scene(spec, r, doc=flat, frame_size=frame_size, background=bg,
                              quad=rest + jitter)
            sc.truth["seed"] = s
            held.append(sc)
        out.append(held)
    return out


def qr_set(seed: int, n: int, frame_size: tuple[int, int] = FRAME_SIZE) -> list[Scene]:
    """Receipts with a QR code on the counter, at several distances and blurs."""
    rng = random.Random(seed)
    out = []
    for _i in range(n):
        s = rng.getrandbits(31)
        r = random.Random(s)
        spec = SceneSpec(doc="receipt", counter=r.choice(COUNTERS),
                         rotation_deg=r.uniform(-180, 180), tilt_deg=r.uniform(0, 20),
                         fill=r.uniform(0.45, 0.95), shadow=r.random() < 0.25,
                         blur=r.uniform(0.4, 1.8), noise=r.uniform(1.5, 4.0))
        sc = render_scene(spec, r, frame_size=frame_size)
        sc.truth["seed"] = s
        out.append(sc)
    return out


def hold_sequence(seed: int, doc: str = "a4", *, still: int = 12, moving: int = 6,
                  empty: int = 4, frame_size: tuple[int, int] = FRAME_SIZE) -> list[Scene]:
    """A citizen lays a document down: empty counter, the page sliding in (motion blur),
    held still, then taken away. For auto-capture and the capture loop."""
    rng = random.Random(seed)
    spec = random_spec(rng, doc, hard=False)
    spec.shadow = spec.glare = spec.finger = False
    fw, fh = frame_size
    bg = counter(spec.counter, rng, fh, fw)
    flat = RENDERERS[doc](rng)
    rest = _pose(flat.size_mm, spec, rng, frame_size)
    frames: list[Scene] = []
    empty_spec = SceneSpec(doc=None, counter=spec.counter, blur=spec.blur, noise=spec.noise)
    for _ in range(empty):
        frames.append(render_scene(empty_spec, rng, frame_size=frame_size, background=bg))
    start = rest + [fw * 0.6, 0]
    for i in range(moving):
        t = (i + 1) / (moving + 1)
        quad = start + (rest - start) * t
        moving_spec = SceneSpec(**{**spec.__dict__, "motion": 25 * (1 - t) + 6})
        frames.append(render_scene(moving_spec, rng, doc=flat, frame_size=frame_size,
                                   background=bg, quad=quad))
    for _ in range(still):
        jitter = np.array([[rng.gauss(0, 0.2), rng.gauss(0, 0.2)] for _ in range(4)])
        frames.append(render_scene(spec, rng, doc=flat, frame_size=frame_size, background=bg,
                                   quad=rest + jitter))
    for _ in range(empty):
        frames.append(render_scene(empty_spec, rng, frame_size=frame_size, background=bg))
    return frames
