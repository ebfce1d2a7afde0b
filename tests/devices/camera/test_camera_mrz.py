"""MRZ reading: BAC-key rate on a seeded set, and no reading that is wrong."""

from __future__ import annotations

import logging
import random

import cv2
import numpy as np
import pytest

from devices.camera import CameraError, MrzVoter, read_mrz
from devices.camera.mrz_reader import MrzReading
from devices.mrz import Mrz, parse_mrz
from sim.camera import documents
from sim.camera.scene import SceneSpec, mrz_hold_set, render_scene


def test_bac_key_rate_and_no_false_accepts(mrz_scenes):
    right = wrong = 0
    for sc in mrz_scenes:
        got = read_mrz(sc.image)
        if got is None:
            continue
        truth = parse_mrz(sc.truth["mrz"])
        if got.bac_seed() == truth.bac_seed() and got.lines == truth.lines:
            right += 1
        else:
            wrong += 1
    # Measured on this set: 23 of 24 read exactly, none wrong (round 3: 22, round 2: 19).
    assert wrong == 0
    assert right / len(mrz_scenes) >= 0.9


def test_reading_is_an_mrz_with_parsed_fields(mrz_scenes):
    for sc in mrz_scenes:
        got = read_mrz(sc.image)
        if got is not None:
            break
    else:
        pytest.fail("nothing read")
    assert isinstance(got, Mrz) and isinstance(got, MrzReading)
    assert 0.5 < got.confidence <= 1.0
    assert got.format in ("TD1", "TD3")
    assert got.document_number and len(got.birth_date) == 6


def _tampered_passport(rng: random.Random) -> documents.FlatDoc:
    doc = documents.render_passport(rng)
    img, ppm = documents._canvas("passport", (236, 238, 238))
    line1, line2 = doc.mrz.lines
    digit = line2[13]
    line2 = line2[:13] + str((int(digit) + 1) % 10) + line2[14:]  # birth date off by one
    documents._draw_mrz(img, ppm, (line1, line2), left_mm=6.6, bottom_mm=83.0,
                        line_pitch_mm=4.5)
    return documents.FlatDoc("passport", img, doc.size_mm)


def test_a_wrong_check_digit_is_never_accepted(caplog):
    caplog.set_level(logging.DEBUG, logger="devices.camera")
    for seed in range(3):
        rng = random.Random(seed)
        doc = _tampered_passport(rng)
        spec = SceneSpec(doc="passport", counter="dark", rotation_deg=rng.uniform(-10, 10),
                         fill=0.9, blur=0.5, noise=1.5)
        sc = render_scene(spec, rng, doc=doc)
        assert read_mrz(sc.image) is None
    # The log names what failed, never the characters read.
    assert "birth_date" in caplog.text or "composite" in caplog.text
    assert "<<" not in caplog.text


def test_pages_without_mrz_and_empty_counters_give_none():
    for seed, doc in enumerate(["a4", "id1", "receipt", None]):
        rng = random.Random(40 + seed)
        sc = render_scene(SceneSpec(doc=doc, counter="wood", rotation_deg=5, fill=0.8), rng)
        assert read_mrz(sc.image) is None


def test_bad_frames_raise_a_typed_error():
    with pytest.raises(CameraError):
        read_mrz(np.zeros((3, 3), np.uint8))


def test_voter_reads_a_held_document_and_refuses_a_tampered_one():
    held = mrz_hold_set(77, 1, 3)[0]
    truth = parse_mrz(held[0].truth["mrz"])
    voter = MrzVoter()
    got = None
    for sc in held:
        got = voter.feed(sc.image)
        if got is not None:
            break
    assert got is not None and got.lines == truth.lines
    assert got.bac_seed() == truth.bac_seed()
    # The same passport with its birth date off by one: however many frames, no reading.
    voter.reset()
    rng = random.Random(3)
    doc = _tampered_passport(rng)
    spec = SceneSpec(doc="passport", counter="dark", rotation_deg=4, fill=0.9, blur=0.5,
                     noise=1.5)
    for _ in range(3):
        assert voter.feed(render_scene(spec, random.Random(rng.random()), doc=doc).image) is None
    assert voter.frames <= 3


def test_pair_discriminants_tell_look_alikes_apart():
    """0/O and the other look-alikes, printed as the camera sees them (a seed the
    discriminants were not trained on), fall on their own side of each discriminant."""
    from devices.camera.ocrb import PAIRS, _degraded_line, pair_discriminants, read_row_features

    found = pair_discriminants()
    rng, noise = random.Random(1), np.random.default_rng(1)
    wrong = total = 0
    for _ in range(6):
        text = "P" + "".join(rng.choice(PAIRS)[rng.randrange(2)] for _ in range(42)) + "8"
        img, font_px = _degraded_line(text, rng, noise)
        cells = read_row_features(img, len(text), font_px * 0.7)
        assert cells is not None
        for ch, cell in zip(text[1:-1], cells[1:-1], strict=True):
            for pair, disc in found.items():
                if ch in pair:
                    z = float(disc.z(cell))
                    wrong += (z < 0) != (ch == disc.pair[0])
                    total += 1
    # Measured: 0 of 344 on the wrong side. On camera frames about 1 O in 100 falls on the
    # 0 side; a lone wrong verdict breaks its check digit (a refusal, never a wrong read).
    assert total > 300
    assert wrong / total <= 0.01


# Bench-set scenes (seed 2016's mrz_set) whose page outline misleads: no outline or one
# that leaves the MRZ out. Round 3 read none of them; the rows found in the frame do.
OUTLINE_MISSES = (1568360784, 156138386, 1465665339, 369100314)


def _scene_from_seed(seed):
    from sim.camera.scene import FRAME_SIZE, _mrz_spec

    r = random.Random(seed)
    return render_scene(_mrz_spec(r), r, frame_size=FRAME_SIZE)


def test_rows_found_in_the_frame_read_what_the_page_outline_misses(monkeypatch):
    from devices.camera import mrz_reader

    scenes = [_scene_from_seed(s) for s in OUTLINE_MISSES]
    truths = [parse_mrz(sc.truth["mrz"]) for sc in scenes]
    got = [read_mrz(sc.image) for sc in scenes]
    assert [g.lines if g else None for g in got] == [t.lines for t in truths]
    # The rows' own geometry alone, with no page outline, reads every one, by either of
    # its two bands (the rows' rectangle, the band fitted to the rows' ends).
    pages = mrz_reader._pages
    monkeypatch.setattr(mrz_reader, "_pages", lambda img: [])
    monkeypatch.setattr(mrz_reader, "mrz_band_quads", lambda gray: [])
    assert [_lines(read_mrz(sc.image)) for sc in scenes] == [t.lines for t in truths]
    # Without it, the one whose outline still misleads is not read. (The others' outlines
    # are found since the smooth-counter gain of issue 13, or read since the cells follow
    # a pitch that changes along the row; the first one's page is rebuilt around its zone
    # since then too, so the outline is asked for as it was found.)
    import devices.camera.detect as detect

    monkeypatch.setattr(detect, "page_from_zone", lambda img, quad: None)
    monkeypatch.setattr(mrz_reader, "_pages", pages)
    monkeypatch.setattr(mrz_reader, "_row_band_quads", lambda gray: [])
    assert [read_mrz(sc.image) is None for sc in scenes] == [True, False, False, False]


def _lines(reading):
    return None if reading is None else reading.lines


def test_row_bands_find_no_mrz_where_there_is_none():
    from devices.camera.mrz_reader import _read_page, _row_bands

    for seed, doc in enumerate(["a4", "receipt", None]):
        sc = render_scene(SceneSpec(doc=doc, counter="cluttered", rotation_deg=12, fill=0.8),
                          random.Random(60 + seed))
        for band in _row_bands(sc.image[:, :, 1]):
            for found in _read_page(band):
                assert mrz_reader_decode(found) is None


def mrz_reader_decode(found):
    from devices.camera.mrz_reader import _decode

    return _decode(found.fmt, found.scores, found.n, found.cells)



@pytest.mark.parametrize(("render", "top", "seed", "tilt"), [
    (documents.render_passport, 0.78, 0, 0.0), (documents.render_passport, 0.78, 1, -4.0),
    (documents.render_passport, 0.78, 2, 6.0), (documents.render_td1, 0.6, 0, 0.0),
    (documents.render_td1, 0.6, 1, -5.0)])
def test_a_crop_of_the_mrz_alone_is_read_as_the_bottom_of_a_page(render, top, seed, tilt):
    # Scans and photos cut to the code lines (a band three to seven times wider than high,
    # no page outline, often askew when cut by hand) were read as a whole page, where rows
    # of that height are no MRZ; beyond about 2 degrees the rows were not found at all.
    doc = render(random.Random(seed))
    h, w = doc.image.shape[:2]
    band = doc.image[round(h * top):round(h * 0.985)]
    band = cv2.resize(band, (1100, round(1100 * band.shape[0] / w)), interpolation=cv2.INTER_AREA)
    room = round(550 * np.sin(np.deg2rad(abs(tilt))))  # the turned rows stay in the crop
    band = cv2.copyMakeBorder(band, room, room, 0, 0, cv2.BORDER_REPLICATE)
    turn = cv2.getRotationMatrix2D((band.shape[1] / 2, band.shape[0] / 2), tilt, 1.0)
    band = cv2.warpAffine(band, turn, (band.shape[1], band.shape[0]),
                          borderMode=cv2.BORDER_REPLICATE)
    band = cv2.GaussianBlur(band, (0, 0), 1.0)
    assert band.shape[1] / band.shape[0] > 2.5
    got = read_mrz(band)
    assert got is not None
    assert got.lines == doc.mrz.lines
    if seed == 0:  # the scan turned on its end
        on_end = read_mrz(cv2.rotate(band, cv2.ROTATE_90_COUNTERCLOCKWISE))
        assert on_end is not None and on_end.lines == doc.mrz.lines
