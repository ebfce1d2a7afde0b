"""The soak run's document camera: a CameraPort serving frames rendered by sim/camera.

The soak's citizen lays documents on it (`show_passport`, `show_page`, `show_receipt`,
`clear`) and the frames go through the kiosk's real detection, auto-capture, MRZ and QR
code reading. Frames are rendered once at start-up and served at a steady pace (fast
while a document lies there, slow on an empty counter, as a camera would idle) so that
the detection threads never spin. `offline(True)` is a camera unplugged: no frames, and
the status says so. Every wait is bounded by the caller's timeout.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera import DeviceState, DeviceStatus, Frame
from sim.camera.counters import counter
from sim.camera.documents import RENDERERS, qr_matrix
from sim.camera.scene import FRAME_SIZE, SceneSpec, _pose, render_scene

PAGE_KINDS = ("a4", "id1", "id1", "a4", "id1", "id1")  # alternate sides: an even count


@dataclass(frozen=True)
class _Scene:
    name: str
    lead: tuple[np.ndarray, ...]  # shown once, in order (e.g. the empty counter)
    loop: tuple[np.ndarray, ...]  # then these, round and round
    fps: float


def _frozen(img: np.ndarray) -> np.ndarray:
    # Frames are shared by every consumer, as the real capture's are: nobody may draw on one.
    img = np.ascontiguousarray(img)
    img.flags.writeable = False
    return img


def _page(seed: int, kind: str, side: int) -> tuple[np.ndarray, np.ndarray]:
    """The empty counter, and a page lying still on it in the left (0) or right (1) half:
    the next page lies in the other half, so auto-capture re-arms even when it missed the
    empty counter in between (it does when a page lies elsewhere)."""
    rng = random.Random(seed)
    spec = SceneSpec(doc=kind, counter="wood", rotation_deg=rng.uniform(-6, 6),
                     tilt_deg=rng.uniform(0, 4), fill=0.85 if kind == "a4" else 0.5, blur=0.5,
                     noise=1.5, exposure=0.9)
    flat = RENDERERS[kind](rng)
    fw, fh = FRAME_SIZE
    quad = _pose(flat.size_mm, spec, rng, FRAME_SIZE)
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    dx = fw * (0.27 if side == 0 else 0.73) - (lo[0] + hi[0]) / 2
    dx = min(max(dx, 24 - lo[0]), fw - 24 - hi[0])
    background = counter("wood", rng, fh, fw)
    empty = render_scene(SceneSpec(doc=None, counter="wood", blur=0.5, noise=1.5), rng,
                         background=background)
    still = render_scene(spec, rng, doc=flat, background=background, quad=quad + [dx, 0])
    return _frozen(empty.image), _frozen(still.image)


def _capturable(seed: int, kind: str, side: int) -> tuple[np.ndarray, np.ndarray]:
    """A page that auto-capture takes when it lies still: a page that shows glare, say,
    would only make every visit that lays it down wait in vain."""
    from devices.camera import AutoCapture

    for attempt in range(8):
        empty, still = _page(seed + 1000 * attempt, kind, side)
        scanner = AutoCapture()
        if any(scanner.feed(still).page is not None for _ in range(8)):
            return empty, still
    raise RuntimeError(f"no {kind} page that auto-capture takes (seed {seed})")


class SoakFrames:
    """Frames rendered once: the passport (its MRZ unlocks the card), a few pages laid at
    different places (auto-capture re-arms when a page lies elsewhere), the empty counter."""

    def __init__(self, seed: int, mrz: tuple[str, ...], pages: int = len(PAGE_KINDS)) -> None:
        from harness.demo import passport_scenes  # the demo's passport with our chip's MRZ

        self.passport = tuple(_frozen(s.image) for s in passport_scenes(mrz, seed, 3))
        self.pages = [_capturable(seed + 11 * (i + 1), PAGE_KINDS[i % len(PAGE_KINDS)], i % 2)
                      for i in range(pages)]
        self.empty = self.pages[0][0]

    def receipt(self, text: str, rng: random.Random) -> np.ndarray:
        """A printed receipt with `text` in its QR code, on the counter."""
        img = self.empty.copy()
        h, w = img.shape[:2]
        matrix = qr_matrix(text)
        module = 5
        side = matrix.shape[0] * module
        pw, ph = side + 120, side + 360
        x0 = rng.randint(40, max(41, w - pw - 40))
        y0 = max(0, (h - ph) // 2)
        img[y0:y0 + ph, x0:x0 + pw] = (238, 240, 240)
        qr = cv2.resize(matrix, (side, side), interpolation=cv2.INTER_NEAREST)
        qx, qy = x0 + 60, y0 + 180
        img[qy:qy + side, qx:qx + side] = qr[..., None]
        roi = img[y0:y0 + ph, x0:x0 + pw]
        img[y0:y0 + ph, x0:x0 + pw] = cv2.GaussianBlur(roi, (0, 0), 0.7)
        return _frozen(img)


class SoakCamera:
    """CameraPort over SoakFrames; frames are numbered across scenes, never reused."""

    def __init__(self, frames: SoakFrames, *, fps: float = 60.0, idle_fps: float = 15.0,
                 seed: int = 1) -> None:
        self.frames = frames
        self.fps = fps
        self.idle_fps = idle_fps
        self._rng = random.Random(seed)
        self._cond = threading.Condition()
        self._offline = False
        self._scene = self._empty_scene()
        self._base = 0  # the index of the scene's first frame
        self._since = time.monotonic()
        self._last = -1
        self.served = 0
        self._page = 0

    def _empty_scene(self) -> _Scene:
        return _Scene("empty", (), (self.frames.empty,), self.idle_fps)

    # ---- the citizen's hands ----------------------------------------------------------

    def _show(self, scene: _Scene) -> None:
        with self._cond:
            self._scene = scene
            self._base = self._last + 1
            self._since = time.monotonic()
            self._cond.notify_all()

    def clear(self) -> None:
        self._show(self._empty_scene())

    def show_passport(self) -> None:
        self._show(_Scene("passport", (), self.frames.passport, self.fps))

    def show_page(self) -> None:
        """The next page of the pool, laid down after the counter was seen empty."""
        empty, page = self.frames.pages[self._page % len(self.frames.pages)]
        self._page += 1
        self._show(_Scene("page", (empty,) * 2, (page,), self.fps))

    def show_receipt(self, text: str) -> None:
        self._show(_Scene("receipt", (), (self.frames.receipt(text, self._rng),), self.fps))

    def offline(self, on: bool) -> None:
        with self._cond:
            self._offline = on
            self._cond.notify_all()

    @property
    def is_offline(self) -> bool:
        return self._offline

    # ---- CameraPort -------------------------------------------------------------------

    def start(self) -> None:
        pass  # frames are made when asked for: nothing runs on its own

    def stop(self, timeout_s: float = 2.0) -> None:
        with self._cond:
            self._cond.notify_all()

    def status(self) -> DeviceStatus:
        if self._offline:
            return DeviceStatus(state=DeviceState.OFFLINE, code="no_signal",
                                detail="the camera sends no frames")
        return DeviceStatus(state=DeviceState.OK, code="streaming", detail="soak camera")

    def latest(self, timeout_s: float = 1.0, *, newer_than: int = -1) -> Frame | None:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                now = time.monotonic()
                if not self._offline:
                    scene = self._scene
                    index = self._base + int((now - self._since) * scene.fps)
                    if index > newer_than:
                        return self._frame(scene, index, now)
                    # until the frame after `newer_than` is due
                    wait = self._since + (newer_than + 1 - self._base) / scene.fps - now
                else:
                    wait = deadline - now
                left = deadline - now
                if left <= 0:
                    return None
                self._cond.wait(min(max(wait, 0.001), left))

    def _frame(self, scene: _Scene, index: int, now: float) -> Frame:
        k = index - self._base
        image = scene.lead[k] if k < len(scene.lead) else \
            scene.loop[(k - len(scene.lead)) % len(scene.loop)]
        self._last = max(self._last, index)
        self.served += 1
        return Frame(image, index, now)
