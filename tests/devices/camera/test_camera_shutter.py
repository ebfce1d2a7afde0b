"""The citizen's "take photo" beside auto-capture: the next frame is taken as it is, while
a gate still says no (a page not yet held still for long enough), or with no outline found
(the whole frame); once, then the automatic capture goes on as before."""

from __future__ import annotations

import io

from PIL import Image

from devices.camera import AutoCapture, DocumentKind
from sim.camera.scene import scene


def test_the_shutter_takes_the_frame_a_gate_refused_once():
    frame = scene(7, "a4", hard=False).image
    auto = AutoCapture(kind=DocumentKind.A4, dpi=200)
    refused = auto.feed(frame)  # one frame: not yet seen to be still
    assert refused.page is None and refused.reason == "hold_still" and refused.quad is not None
    auto.shutter = True
    taken = auto.feed(frame)
    assert taken.page is not None and not auto.shutter  # once
    assert taken.page.quad == refused.quad  # the outline found, straightened
    assert Image.open(io.BytesIO(taken.page.jpeg)).size == (1654, 2339)
    assert auto.feed(frame).page is None  # the same page lying there is not taken again


def test_with_no_outline_the_shutter_takes_the_whole_frame():
    empty = scene(3, None, hard=False).image  # the counter, nothing found on it
    auto = AutoCapture(dpi=200)
    assert auto.feed(empty).quad is None
    auto.shutter = True
    state = auto.feed(empty)
    h, w = empty.shape[:2]
    assert state.page is not None
    assert state.page.quad.points == ((0.0, 0.0), (w - 1.0, 0.0), (w - 1.0, h - 1.0),
                                      (0.0, h - 1.0))
    auto.shutter = True
    auto.capturing = False  # no page wanted (identify, attract): the shutter does nothing
    assert auto.feed(empty).page is None and auto.shutter
