"""The preview's outline is drawn on the document, not beside it: scaled from the frame it
was found on, and dropped when a newer frame no longer shows that picture (the document
moved or another one laid down) until detection has looked again."""

from __future__ import annotations

import cv2
import numpy as np

from devices.camera import AutoCapture, PreviewPipeline
from devices.camera.port import Frame
from sim.camera.scene import scene


class OneFrame:
    """A camera whose newest frame the test sets."""

    def __init__(self) -> None:
        self.frame: Frame | None = None

    def latest(self, timeout_s: float = 0.5, newer_than: int = -1) -> Frame | None:
        return self.frame


def test_the_outline_follows_its_own_frame_and_only_that_picture():
    a = scene(11, "id1", hard=False)
    b = scene(12, "a4", hard=False)
    camera = OneFrame()
    pipe = PreviewPipeline(camera, AutoCapture(), preview_width=640)  # type: ignore[arg-type]
    found = Frame(a.image, 1, 0.0)
    state = pipe.scanner.feed(found)
    assert state.quad is not None
    pipe.note(found, state)
    quad = np.asarray(state.quad)

    # A newer frame of the same picture: the outline, where it was found.
    later = pipe.outline_for(Frame(a.image.copy(), 2, 0.1))
    assert later is not None and np.allclose(later[0], quad)
    # The same picture from a camera at half the size: scaled from its own frame's size
    # (it was scaled by the newer frame's, beside the document when the sizes differed).
    half = cv2.resize(a.image, (a.image.shape[1] // 2, a.image.shape[0] // 2),
                      interpolation=cv2.INTER_AREA)
    scaled = pipe.outline_for(Frame(half, 3, 0.2))
    assert scaled is not None and np.allclose(scaled[0], quad / 2)
    # Another document laid down: no stale outline until detection has seen it.
    assert pipe.outline_for(Frame(b.image, 4, 0.3)) is None
    camera.frame = Frame(b.image, 4, 0.3)
    shown = pipe.preview(0.1)
    assert shown is not None
    plain = cv2.resize(b.image, (640, round(b.image.shape[0] * 640 / b.image.shape[1])),
                       interpolation=cv2.INTER_LINEAR)
    assert np.array_equal(shown[1], plain)  # nothing drawn on it
    # On the frame it was found on, it is drawn (the preview differs from the plain frame).
    camera.frame = found
    drawn = pipe.preview(0.1)
    assert drawn is not None
    plain_a = cv2.resize(a.image, (640, round(a.image.shape[0] * 640 / a.image.shape[1])),
                         interpolation=cv2.INTER_LINEAR)
    assert not np.array_equal(drawn[1], plain_a)
