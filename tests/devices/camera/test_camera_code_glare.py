"""Guidance: "glare_on_code" when the light is blown out over a passport's MRZ band."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from devices.camera.quality import GateSettings, QualityGates, code_glare_share, first_reason
from sim.camera.scene import SceneSpec, render_scene


@pytest.fixture(scope="module")
def passport():
    sc = render_scene(SceneSpec(doc="passport", counter="wood", rotation_deg=8, fill=0.75),
                      random.Random(4411))
    return sc.image, np.asarray(sc.truth["quad"], np.float64)


def _spot(img: np.ndarray, quad: np.ndarray, along: float, down: float) -> np.ndarray:
    """A white reflection (saturated) at a point given in the page's own coordinates."""
    tl, tr, br, bl = quad
    top = tl + (tr - tl) * along
    bottom = bl + (br - bl) * along
    centre = top + (bottom - top) * down
    out = img.copy()
    cv2.ellipse(out, tuple(int(v) for v in centre), (38, 9), 0, 0, 360, (255, 255, 255), -1)
    return out


def _reasons(img: np.ndarray, quad: np.ndarray, mrz: bool) -> list[str | None]:
    gates = QualityGates(GateSettings(mrz=mrz))
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    from devices.camera.port import Quad

    q = Quad(tuple((float(x), float(y)) for x, y in quad))
    return [g.reason for g in gates.judge(gray, q) if not g.passed]


def test_glare_across_the_code_lines_is_named(passport):
    img, quad = passport
    assert "glare_on_code" not in _reasons(img, quad, mrz=True)
    lit = _spot(img, quad, 0.45, 0.9)  # over the MRZ's rows at the page's bottom
    gray = cv2.cvtColor(lit, cv2.COLOR_BGR2GRAY)
    assert code_glare_share(gray, quad) > 0.01
    reasons = _reasons(lit, quad, mrz=True)
    assert "glare_on_code" in reasons
    # Said before the page-wide glare: it is the more useful of the two.
    assert first_reason([g for g in QualityGates(GateSettings(mrz=True)).judge(
        gray, _quad(quad)) if g.name in ("code_glare", "glare")]) == "glare_on_code"


def test_the_same_glare_elsewhere_on_the_page_is_not_on_the_code(passport):
    img, quad = passport
    lit = _spot(img, quad, 0.45, 0.5)  # the middle of the page: no MRZ there either way up
    assert "glare_on_code" not in _reasons(lit, quad, mrz=True)


def test_a_page_without_an_mrz_is_not_judged_for_it(passport):
    img, quad = passport
    lit = _spot(img, quad, 0.45, 0.9)
    assert "glare_on_code" not in _reasons(lit, quad, mrz=False)


def test_upside_down_the_band_at_the_top_counts(passport):
    img, quad = passport
    lit = _spot(img, quad, 0.45, 0.1)  # the MRZ of a page lying the other way up
    assert "glare_on_code" in _reasons(lit, quad, mrz=True)


def _quad(quad: np.ndarray):
    from devices.camera.port import Quad

    return Quad(tuple((float(x), float(y)) for x, y in quad))
