"""Which way up rectified pages come out, against the seeded scenes' truth."""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
from PIL import Image

from devices.camera import AutoCapture, DocumentKind, detect_document, rectify
from devices.camera.orient import page_orientation
from sim.camera import documents, hold_sequence

KINDS = {"a4": DocumentKind.A4, "id1": DocumentKind.ID1, "td1": DocumentKind.ID1,
         "passport": DocumentKind.PASSPORT, "receipt": DocumentKind.RECEIPT}


def _small(img: np.ndarray) -> np.ndarray:
    return cv2.resize(img, (160, 160), interpolation=cv2.INTER_AREA).astype(np.int16)


def _is_upright(page: np.ndarray, truth_page: np.ndarray) -> bool:
    """The page looks like the truth page (rectified from the document's own corners) more
    than like the truth page turned over."""
    a, t = _small(page), _small(truth_page)
    return np.abs(a - t).mean() < np.abs(a - _small(cv2.rotate(truth_page,
                                                                 cv2.ROTATE_180))).mean()


def test_pages_come_out_upright_on_the_seeded_set(detect_scenes):
    before = after = total = 0
    for sc in detect_scenes:
        quad = detect_document(sc.image)
        if sc.truth["quad"] is None or quad is None:
            continue
        kind = KINDS[sc.truth["doc"]]
        truth_page = rectify(sc.image, np.array(sc.truth["quad"]), kind, 100, upright=False)
        before += _is_upright(rectify(sc.image, quad, kind, 100, upright=False), truth_page)
        after += _is_upright(rectify(sc.image, quad, kind, 200), truth_page)
        total += 1
    # Measured on this set (round 3): 33 of 34 upright with the orientation step (one A4
    # page whose text gave no evidence), 19 of 34 without it.
    assert total >= 30
    assert after / total >= 0.9
    assert after > before


def test_the_mrz_says_which_way_up_a_passport_page_lies():
    doc = documents.render_passport(random.Random(5))
    ppm = doc.image.shape[1] / doc.size_mm[0]
    up = page_orientation(doc.image, ppm, landscape=True)
    down = page_orientation(cv2.rotate(doc.image, cv2.ROTATE_180), ppm, landscape=True)
    assert (up.turn, up.cue) == (0, "mrz")
    assert (down.turn, down.cue) == (180, "mrz")


def test_text_says_which_way_up_an_a4_page_lies():
    turns = []
    for seed in range(4):
        doc = documents.render_a4(random.Random(seed))
        ppm = doc.image.shape[1] / doc.size_mm[0]
        turns.append((page_orientation(doc.image, ppm, landscape=False).turn,
                      page_orientation(cv2.rotate(doc.image, cv2.ROTATE_180), ppm,
                                       landscape=False).turn))
    assert turns == [(0, 180)] * 4


def test_a_blank_page_is_left_as_it_lies():
    found = page_orientation(np.full((600, 420, 3), 235, np.uint8), 2.0, landscape=False)
    assert found.turn == 0 and found.cue == "none"


def test_autocapture_hands_out_the_page_upright():
    seq = hold_sequence(12, "a4")  # its quad comes out upside down without the step
    ac = AutoCapture(kind=DocumentKind.A4, dpi=100)
    pages = [(sc, s.page) for sc in seq if (s := ac.feed(sc.image)).page is not None]
    assert len(pages) == 1
    sc, page = pages[0]
    got = cv2.cvtColor(np.asarray(Image.open(io.BytesIO(page.jpeg))), cv2.COLOR_RGB2BGR)
    truth_page = rectify(sc.image, np.array(sc.truth["quad"]), DocumentKind.A4, 100,
                         upright=False)
    assert _is_upright(got, truth_page)
