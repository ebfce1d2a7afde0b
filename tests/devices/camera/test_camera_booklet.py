"""An open passport booklet: the data page is the document, not the two pages (issue 13's
booklet case); a page of text or a receipt of the same shape is never cut in two."""

from __future__ import annotations

import numpy as np
import pytest
from camera_helpers import smartdoc_iou

import devices.camera.detect as detect
from devices.camera import detect_document
from devices.camera.booklet import data_page
from sim.camera.wide import wide_scene


# Dev seed frames: two whole spreads (without the cut the outline is both pages, half the
# truth), and frames 58 and 48, whose facing page's far edge is faint or out of view (the
# outline is the data page and part of the facing page, not a booklet's proportions; the
# cut one page's depth from the zone still gives the data page).
@pytest.mark.parametrize(("seed", "uncut"), [(374286672, 0.6), (723898731, 0.6),
                                             (1306691711, 0.75), (1455272497, 0.75)])
def test_the_data_page_of_an_open_booklet_is_found(seed, uncut, monkeypatch):
    sc = wide_scene(seed, "passport")
    assert sc.truth["conditions"].get("booklet")
    quad = detect_document(sc.image)
    assert smartdoc_iou(sc.truth["quad"], quad, sc.truth["size_mm"]) >= 0.9
    monkeypatch.setattr(detect, "data_page", lambda img, quad: None)
    whole = detect_document(sc.image)
    assert smartdoc_iou(sc.truth["quad"], whole, sc.truth["size_mm"]) < uncut


@pytest.mark.parametrize(("seed", "doc"), [(519107002, "a4"), (1687857905, "a4"),
                                           (1450198155, "receipt")])
def test_a_page_of_text_of_the_same_shape_is_left_whole(seed, doc):
    """Lines of print along an edge (an A4 form, a receipt's lines) are no zone."""
    sc = wide_scene(seed, doc)
    quad = detect_document(sc.image)
    assert quad is not None
    assert data_page(sc.image, np.asarray(quad)) is None
    assert smartdoc_iou(sc.truth["quad"], quad, sc.truth["size_mm"]) >= 0.7


@pytest.mark.parametrize("seed", [1000, 1001, 1006])
def test_a_single_passport_page_is_not_cut_across_its_zone(seed):
    """One data page has a booklet's aspect too; its rows run across the cut, not along."""
    sc = wide_scene(seed, "passport")
    assert not sc.truth["conditions"].get("booklet")
    quad = detect_document(sc.image)
    assert quad is not None
    assert smartdoc_iou(sc.truth["quad"], quad, sc.truth["size_mm"]) >= 0.9
    assert data_page(sc.image, np.asarray(quad)) is None
