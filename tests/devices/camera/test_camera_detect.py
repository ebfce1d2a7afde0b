"""Document detection on a seeded set with the hard cases (see sim.camera.scene)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from camera_helpers import smartdoc_iou

from devices.camera import CameraError, Quad, detect_document
from sim.camera.scene import SceneSpec, render_scene


def test_accuracy_floor_on_the_seeded_set(detect_scenes):
    ious, false_pos = [], 0
    for sc in detect_scenes:
        quad = detect_document(sc.image)
        if sc.truth["quad"] is None:
            false_pos += quad is not None
        else:
            ious.append(smartdoc_iou(sc.truth["quad"], quad, sc.truth["size_mm"]))
    ious = np.array(ious)
    # Measured on this set (round 2, line-based detection): mean 0.956, 33 of 35 frames at
    # IoU >= 0.9 (one pale card on white laminate missed), no false positive.
    assert len(ious) >= 30
    assert ious.mean() >= 0.94
    assert (ious >= 0.9).mean() >= 0.9
    assert false_pos == 0


def test_quad_is_ordered_and_converts_to_a_4x2_array():
    rng = random.Random(5)
    spec = SceneSpec(doc="a4", counter="dark", rotation_deg=90 + 12, tilt_deg=10, fill=0.8)
    sc = render_scene(spec, rng)
    quad = detect_document(sc.image)
    assert isinstance(quad, Quad)
    arr = np.asarray(quad, dtype=float)
    assert arr.shape == (4, 2)
    # TL has the smallest x + y; corners run clockwise on screen (positive shoelace area
    # with y pointing down).
    assert np.argmin(arr.sum(axis=1)) == 0
    x, y = arr[:, 0], arr[:, 1]
    assert np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)) > 0
    assert smartdoc_iou(sc.truth["quad"], quad, sc.truth["size_mm"]) > 0.95


@pytest.mark.parametrize("case", ["finger", "shadow", "glare"])
def test_hard_cases_on_a4_pages(case):
    hits = 0
    for seed in range(4):
        rng = random.Random(1000 + seed)
        spec = SceneSpec(doc="a4", counter=rng.choice(["wood", "dark", "cluttered"]),
                         rotation_deg=rng.uniform(-180, 180), tilt_deg=rng.uniform(0, 15),
                         fill=0.85, **{case: True})
        sc = render_scene(spec, rng)
        hits += smartdoc_iou(sc.truth["quad"], detect_document(sc.image),
                             sc.truth["size_mm"]) >= 0.9
    assert hits >= 3


def test_empty_counters_give_none():
    for seed, counter in enumerate(["wood", "dark", "cluttered", "white"]):
        rng = random.Random(seed)
        sc = render_scene(SceneSpec(doc=None, counter=counter, shadow=seed % 2 == 0), rng)
        assert detect_document(sc.image) is None


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3), np.uint8), np.zeros((100, 100), float),
                                 "not an image", np.zeros((100, 100, 7), np.uint8)])
def test_bad_frames_raise_a_typed_error(bad):
    with pytest.raises(CameraError) as err:
        detect_document(bad)
    assert err.value.code == "bad_frame"


def test_gray_frames_are_accepted():
    rng = random.Random(8)
    sc = render_scene(SceneSpec(doc="a4", counter="dark", rotation_deg=20, fill=0.8), rng)
    gray = sc.image.mean(axis=2).astype(np.uint8)
    assert smartdoc_iou(sc.truth["quad"], detect_document(gray), sc.truth["size_mm"]) > 0.9


def test_a_faint_page_on_a_smooth_white_counter_is_found_and_an_empty_one_is_not(monkeypatch):
    """Development-seed widened scenes (sim.camera.wide, never the held-out seed): a passport
    page a few grey levels off a near-white counter, whose outline only the amplified pass
    finds (without it the photo inside is returned), and two empty near-white counters."""
    import cv2

    from devices.camera import detect
    from sim.camera.wide import wide_scene

    page = wide_scene(1910373439, "passport")
    empties = [wide_scene(s, None) for s in (421216626, 1433783235)]
    assert page.truth["conditions"].get("pale") and all(
        e.truth["counter"] == "pale" for e in empties)
    iou = smartdoc_iou(page.truth["quad"], detect_document(page.image), page.truth["size_mm"])
    assert iou >= 0.95
    assert [detect_document(e.image) for e in empties] == [None, None]
    small = cv2.resize(page.image, (320, 180), interpolation=cv2.INTER_AREA)
    assert detect.smooth_gain(*detect._gradients(small)) > 1.5
    wood = wide_scene(239558355, "receipt")
    small = cv2.resize(wood.image, (320, 180), interpolation=cv2.INTER_AREA)
    assert detect.smooth_gain(*detect._gradients(small)) == 1.0
    monkeypatch.setattr(detect, "GAIN_MAX", 1.0)
    # (without the gain a flat band along the MRZ is found, and the page rebuilt around its
    # rows comes close: the outline the lines give is asked for here)
    monkeypatch.setattr(detect, "page_from_zone", lambda img, quad: None)
    iou = smartdoc_iou(page.truth["quad"], detect_document(page.image), page.truth["size_mm"])
    assert iou < 0.7
