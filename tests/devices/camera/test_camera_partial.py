"""Issue 13's detection cases: a page partly out of view (corners past the frame, the
citizen told which way to move it, never captured cut off), empty counters with papers at
the frame's edge, and a page with a smaller paper lying on it or under it."""

from __future__ import annotations

import random

import numpy as np
import pytest
from camera_helpers import smartdoc_iou

from devices.camera import AutoCapture, DocumentKind, detect_document
from devices.camera.partial import extrapolate, outside_directions
from devices.camera.quality import first_reason
from sim.camera.documents import RENDERERS
from sim.camera.scene import SceneSpec, _pose, render_scene
from sim.camera.wide import DEV_SEED, _paper, _stick, wide_scene

W, H = 1280, 720


def _scene_at(doc: str, shift: tuple[float, float], rotation: float, seed: int = 4):
    """A document laid so that it sticks out of the frame by `shift` pixels."""
    rng = random.Random(seed)
    spec = SceneSpec(doc=doc, counter="dark", rotation_deg=rotation, tilt_deg=3, fill=0.7,
                     blur=0.5, noise=2.0)
    flat = RENDERERS[doc](rng)
    quad = _pose(flat.size_mm, spec, rng, (W, H))
    quad = quad - [quad[:, 0].min(), 0] + [shift[0], 0]  # its left end at x = shift
    return spec, flat, quad, rng


@pytest.mark.parametrize(("doc", "rotation", "left"), [
    ("id1", 0.0, -30.0),  # the whole left side out of view: the frame's edge stands in
    ("passport", 0.0, -20.0),
])
def test_a_page_partly_out_of_view_is_found_with_corners_past_the_edge(doc, rotation, left):
    spec, flat, quad, rng = _scene_at(doc, (left, 0), rotation)
    sc = render_scene(spec, rng, doc=flat, quad=quad)
    got = detect_document(sc.image)
    assert got is not None
    arr = np.asarray(got)
    assert arr[:, 0].min() < -5  # extrapolated past the frame, not cut at its edge
    assert smartdoc_iou(sc.truth["quad"], got, sc.truth["size_mm"]) >= 0.9


def test_a_page_out_of_view_is_never_captured_and_the_citizen_is_told_where_to_move_it():
    spec, flat, quad, rng = _scene_at("id1", (-30, 0), 0.0)
    ac = AutoCapture(kind=DocumentKind.ID1)
    reasons = []
    for _ in range(6):
        jitter = np.array([[rng.gauss(0, 0.2), rng.gauss(0, 0.2)] for _ in range(4)])
        st = ac.feed(render_scene(spec, rng, doc=flat, quad=quad + jitter).image)
        assert st.page is None
        reasons.append(st.reason)
    assert set(reasons) == {"move_right"}  # it sticks out on the left, as the preview shows


def test_directions_follow_the_side_it_sticks_out_of():
    sq = np.array([[100, 100], [300, 100], [300, 260], [100, 260]], float)
    assert outside_directions(sq, W, H, 10) == []
    assert outside_directions(sq + [-150, 0], W, H, 10) == ["right"]
    assert outside_directions(sq + [1100, 0], W, H, 10) == ["left"]
    assert outside_directions(sq + [0, -130], W, H, 10) == ["down"]
    assert outside_directions(sq + [0, 540], W, H, 10) == ["up"]
    assert outside_directions(sq + [-150, 540], W, H, 10)[0] in ("right", "up")


def test_extrapolation_needs_a_documents_proportions():
    # A card cut at the left edge, 132 x 100 px in view.
    cut = np.array([[0, 100], [132, 100], [132, 200], [0, 200]], float)  # 1.32 in view
    out = extrapolate(cut, W, H)
    # The least stretch that gives a kind's proportions: A4's 1.414 (1.32 is in view).
    assert np.isclose(out[:, 0].min(), 132 - 100 * 297 / 210) and np.isclose(out[1:3, 0], 132).all()
    square = np.array([[0, 100], [60, 100], [60, 300], [0, 300]], float)  # 0.3: no kind
    assert (extrapolate(square, W, H) == square).all()


def test_empty_counters_with_papers_at_the_edge_give_no_outline():
    found = 0
    for seed in range(DEV_SEED, DEV_SEED + 8):
        sc = wide_scene(seed, None)
        found += detect_document(sc.image) is not None
    assert found == 0


@pytest.mark.parametrize("where", ["on", "under"])
def test_the_page_is_chosen_over_a_smaller_paper_on_or_under_it(where):
    rng = random.Random(11)
    spec = SceneSpec(doc="a4", counter="wood", rotation_deg=82, tilt_deg=5, fill=0.85,
                     blur=0.5, noise=2.0)
    flat = RENDERERS["a4"](rng)
    quad = _pose(flat.size_mm, spec, rng, (W, H))
    from sim.camera.counters import counter

    bg = counter("wood", rng, H, W)
    centre = quad.mean(axis=0)
    if where == "under":  # sticking out from under the page's right end
        _stick(bg, _paper(rng, 220, 300), quad[1] * 0.75 + centre * 0.25, 20)
    sc = render_scene(spec, rng, doc=flat, quad=quad, background=bg)
    if where == "on":
        _stick(sc.image, _paper(rng, 200, 150), centre + (quad[2] - centre) * 0.4, 12)
    got = detect_document(sc.image)
    assert smartdoc_iou(sc.truth["quad"], got, sc.truth["size_mm"]) >= 0.95

def test_a_corner_out_of_view_still_tells_which_way_to_move():
    spec, flat, quad, rng = _scene_at("id1", (-22, 0), 25.0)
    sc = render_scene(spec, rng, doc=flat, quad=quad)
    ac = AutoCapture(kind=DocumentKind.ID1)
    st = ac.feed(sc.image)
    assert st.page is None and st.reason == "move_right"
    # Measured 0.82: the corner out of view is found, one side is taken at a line inside
    # the card (not yet right, see docs/camera.md); the guidance holds all the same.
    assert smartdoc_iou(sc.truth["quad"], st.quad, sc.truth["size_mm"]) >= 0.75
    assert first_reason(st.gates) == "move_right"


@pytest.mark.parametrize("seed", [1850946454, 1894337446])  # dev seed receipts
def test_a_receipt_out_of_view_wins_over_its_own_panel(seed, monkeypatch):
    """A receipt run out of view whose sides are as clear as the code panel or text block
    inside it: the receipt is the document, not the panel (up to CUT_OVER_SURE of its
    area), and the citizen is told to move it."""
    import devices.camera.detect as detect

    sc = wide_scene(seed, "receipt")
    assert sc.truth["conditions"].get("outside")
    quad = detect_document(sc.image)
    assert smartdoc_iou(sc.truth["quad"], quad, sc.truth["size_mm"]) >= 0.95
    assert outside_directions(np.asarray(quad), W, H, 0.0)
    monkeypatch.setattr(detect, "CUT_OVER_SURE", 0.0)
    inner = detect_document(sc.image)
    assert smartdoc_iou(sc.truth["quad"], inner, sc.truth["size_mm"]) < 0.9


def test_a_stripe_of_wood_grain_on_an_empty_counter_is_no_outline(monkeypatch):
    """An empty wood counter under uneven light (validation seed 5555): two grain lines
    and two shadow edges close a quad twelve times longer than wide; no document is."""
    import devices.camera.detect as detect

    sc = wide_scene(1018817343, None)
    assert sc.truth["quad"] is None and sc.truth["counter"] == "wood"
    assert detect_document(sc.image) is None
    monkeypatch.setattr(detect, "MAX_ASPECT", 1e9)
    assert detect_document(sc.image) is not None
