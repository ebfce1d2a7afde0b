"""The MRZ's band found instead of its page (a pale page's edge makes no line): the page
is rebuilt around the zone's rows from ICAO 9303's layout (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest
from camera_helpers import smartdoc_iou

import devices.camera.detect as detect
from devices.camera import detect_document
from devices.camera.rectify import side_lengths
from devices.camera.zone_page import BAND_MIN, page_from_zone
from sim.camera.wide import wide_scene


@pytest.mark.parametrize(("seed", "doc"), [(1397279827, "passport"), (767522539, "td1")])
def test_the_page_is_rebuilt_around_its_zone(seed, doc, monkeypatch):
    """Dev seed frames 232 (a passport page on a pale counter: its clear zone found) and
    298 (a TD1 card on white: its rows' block found)."""
    sc = wide_scene(seed, doc)
    quad = detect_document(sc.image)
    assert smartdoc_iou(sc.truth["quad"], quad, sc.truth["size_mm"]) >= 0.85
    monkeypatch.setattr(detect, "page_from_zone", lambda img, quad: None)
    band = detect_document(sc.image)
    assert smartdoc_iou(sc.truth["quad"], band, sc.truth["size_mm"]) < 0.5


@pytest.mark.parametrize(("seed", "doc"), [(1512324828, "a4"), (1318576360, "id1")])
def test_a_flat_outline_without_a_zone_is_left_as_it_is(seed, doc, monkeypatch):
    """Dev seed frames 56 (a band of an A4 form's print) and 77 (an ID card with the finger
    holding it): flat outlines, but no MRZ rows along them."""
    monkeypatch.setattr(detect, "page_from_zone", lambda img, quad: None)
    sc = wide_scene(seed, doc)
    quad = detect_document(sc.image)
    assert quad is not None
    long, short = sorted(side_lengths(np.asarray(quad)), reverse=True)
    assert long / short >= BAND_MIN  # flat enough to be looked at
    assert page_from_zone(sc.image, np.asarray(quad)) is None


def test_a_page_that_is_no_band_is_not_touched():
    """A whole passport page (aspect 1.4) is never taken for a zone."""
    sc = wide_scene(1000, "passport")
    quad = detect_document(sc.image)
    assert quad is not None
    assert page_from_zone(sc.image, np.asarray(quad)) is None
