"""The MRZ fields no check digit covers (document code, states, names, optional data) must
have ICAO 9303's form: a wrong name line or country code that keeps every check digit is
refused, by the format rules and so by the reader."""

from __future__ import annotations

import random

import numpy as np
import pytest

from devices.camera import read_mrz
from devices.camera.mrz_format import format_problem
from devices.mrz import parse_mrz
from sim.camera import documents
from sim.camera.scene import SceneSpec, render_scene

# ICAO 9303 Part 4's TD3 example and Part 5's TD1 example.
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<",
       "7408122F1204159UTO<<<<<<<<<<<6",
       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")


def _swap(lines: tuple[str, ...], row: int, at: int, text: str) -> list[str]:
    out = list(lines)
    out[row] = out[row][:at] + text + out[row][at + len(text):]
    return out


def test_the_icao_examples_have_the_format():
    assert format_problem(parse_mrz(list(TD3))) is None
    assert format_problem(parse_mrz(list(TD1))) is None


@pytest.mark.parametrize(("lines", "field"), [
    (_swap(TD3, 0, 30, "K"), "name"),  # a chevron of the filler run read as K
    (_swap(TD3, 0, 38, "CC"), "name"),
    (_swap(TD3, 0, 5, "<"), "name"),  # a name does not start with a filler
    (_swap(TD3, 0, 19, "<<<"), "name"),  # three fillers inside the name
    # every filler read as a letter (the learned reader's failure on a blurred run)
    (_swap(TD3, 0, 13, "LCANNAKMARIACCEEKCCECECCCCKECCK"), "name"),
    (_swap(TD3, 0, 2, "UTQ"), "issuing_state"),
    (_swap(TD3, 1, 10, "ZZZ"), "nationality"),
    (_swap(TD3, 0, 0, "K"), "document_code"),
    (_swap(TD1, 2, 24, "K"), "name"),
    (_swap(TD1, 1, 15, "UT0"), "nationality"),
    (_swap(TD1, 0, 0, "P"), "document_code"),
])
def test_unprotected_fields_that_break_the_format_are_named(lines, field):
    mrz = parse_mrz(lines)  # every check digit still holds...
    assert format_problem(mrz) == field  # ...the format does not


def test_alpha2_states_padded_with_a_filler_pass_and_others_do_not():
    ok = parse_mrz(_swap(TD1, 0, 2, "SI<"))
    assert format_problem(ok) is None
    assert format_problem(parse_mrz(_swap(TD1, 0, 2, "S<<"))) == "issuing_state"


def test_sim_documents_all_have_the_format():
    from sim.camera.mrz import make_td1, make_td3

    for seed in range(300):
        rng = random.Random(seed)
        for make in (make_td1, make_td3):
            assert format_problem(parse_mrz(list(make(rng).lines))) is None


def _passport_with(lines: tuple[str, str], seed: int) -> documents.FlatDoc:
    rng = random.Random(seed)
    doc = documents.render_passport(rng)
    img, ppm = documents._canvas("passport", (236, 238, 238))
    documents._draw_mrz(img, ppm, lines, left_mm=6.6, bottom_mm=83.0, line_pitch_mm=4.5)
    return documents.FlatDoc("passport", img, doc.size_mm)


def test_reader_refuses_a_name_line_that_only_the_format_catches():
    """The same page printed right reads; with a stray K just after the given names' end
    (a second double separator) and a nationality no state has (both outside every check
    digit) it is refused. A stray K further on, after three fillers, stands where only a
    filler can: the line is read with the filler there."""
    spec = SceneSpec(doc="passport", counter="dark", rotation_deg=4, tilt_deg=3, fill=0.9,
                     blur=0.5, noise=1.5)
    right = _passport_with(TD3, 1)
    got = read_mrz(render_scene(spec, random.Random(2), doc=right).image)
    assert got is not None and got.lines == TD3
    for bad in (_swap(TD3, 0, 27, "K"), _swap(TD3, 1, 10, "ZZZ")):
        assert parse_mrz(bad)  # the check digits hold
        wrong = _passport_with(tuple(bad), 1)
        assert read_mrz(render_scene(spec, random.Random(2), doc=wrong).image) is None
    late = _passport_with(tuple(_swap(TD3, 0, 30, "K")), 1)
    got = read_mrz(render_scene(spec, random.Random(2), doc=late).image)
    assert got is not None and got.lines == TD3


def _clean_read() -> tuple[str, np.ndarray, int, np.ndarray]:
    """The ICAO TD3 example printed in OCR-B and cut into cells: its template scores."""
    from devices.camera.mrz_reader import _MASKS
    from devices.camera.ocrb import read_row_features, render_line, templates

    cells = [read_row_features(render_line(line, 26), 44, 26 * 0.7) for line in TD3]
    assert all(c is not None for c in cells)
    stacked = np.concatenate(cells)
    return "TD3", templates().scores(stacked) + _MASKS["TD3"], 44, stacked


def test_a_name_letter_won_by_a_hair_is_refused_and_a_clear_one_is_read():
    """No check digit covers the name: where its letter beats another allowed letter by
    less than BLIND_MARGIN the reading is refused (a D over a G passed every check
    digit); the same letter won clearly is read."""
    from devices.camera.mrz_reader import BLIND_MARGIN, _decode
    from devices.camera.ocrb import ALPHABET

    fmt, scores, n, cells = _clean_read()
    got = _decode(fmt, scores, n, cells)
    assert got is not None and got[0].lines == TD3
    at = TD3[0].index("ANNA") + 1  # the first N of ANNA
    own = scores[at, ALPHABET.index("N")]
    for rival, gap, reads in (("M", BLIND_MARGIN / 3, False), ("M", 4 * BLIND_MARGIN, True),
                              ("<", BLIND_MARGIN / 3, False)):
        close = scores.copy()
        close[at, ALPHABET.index(rival)] = own - gap
        got = _decode(fmt, close, n, cells)
        assert (got is not None and got[0].lines == TD3) is reads, (rival, gap)


def _passport_with_tail_hidden(seed: int):
    """A rendered passport page whose name line's last eight cells are covered by a
    finger-coloured blob (nothing that could be read there)."""
    import cv2

    from devices.camera.ocrb import find_rows, ink_mask

    doc = documents.render_passport(random.Random(seed))
    img = doc.image.copy()
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    h = gray.shape[0]
    top = int(h * 0.7)
    rows = find_rows(ink_mask(gray[top:], 41), 0.018 * h, 0.065 * h)
    line1 = rows[-2].boxes
    x0 = int(line1[-8, 0]) - 2
    y0, y1 = top + int(line1[:, 1].min()) - 3, top + int((line1[:, 1] + line1[:, 3]).max()) + 3
    cv2.rectangle(img, (x0, y0), (img.shape[1] - 1, y1), (120, 150, 200), -1)
    # On a dark counter, as the camera sees it.
    img = cv2.copyMakeBorder(img, 90, 90, 120, 120, cv2.BORDER_CONSTANT, value=(60, 55, 50))
    return doc, cv2.GaussianBlur(img, (0, 0), 1.0)


@pytest.mark.parametrize("seed", [3, 4])
def test_the_name_line_after_three_fillers_is_filler_even_where_hidden(seed):
    doc, img = _passport_with_tail_hidden(seed)
    assert doc.mrz.lines[0].endswith("<" * 12)  # the names end well before the cover
    got = read_mrz(img)
    assert got is not None and got.lines == doc.mrz.lines


def test_filler_tail_needs_three_sure_fillers_and_fixes_only_what_follows():
    from devices.camera.mrz_reader import _filler_tail
    from devices.camera.ocrb import ALPHABET

    lt, c = ALPHABET.index("<"), ALPHABET.index("C")
    scores = np.full((88, len(ALPHABET)), 0.2, np.float32)
    scores[:, c] = 0.6
    text = "P<UTOSILVA<<ANA<MARIA" + "<" * 23
    for i, ch in enumerate(text):
        scores[i, ALPHABET.index(ch)] = 0.9
    scores[40:44, c] = 0.95  # the tail's chevrons matched C better
    out = _filler_tail("TD3", scores)
    assert (out[40:44].argmax(axis=1) == lt).all()
    assert (out[:24] == scores[:24]).all()  # the names and the run itself are left alone
    # The surname's separator is two sure fillers, no run; with the tail's chevrons unsure
    # (below FILLER_SURE) nothing is fixed.
    unsure = scores.copy()
    unsure[21:44, lt] = 0.65
    assert (_filler_tail("TD3", unsure) == unsure).all()


def _td1_with_name_start_hidden(seed: int):
    """A rendered TD1 card on a dark counter whose name line's first four characters are
    covered (a palm over the card's corner)."""
    import cv2

    from devices.camera.ocrb import find_rows, ink_mask

    doc = documents.render_td1(random.Random(seed))
    img = doc.image.copy()
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    h = gray.shape[0]
    top = int(h * 0.5)
    name = find_rows(ink_mask(gray[top:], 41), 0.018 * h, 0.065 * h)[-1].boxes
    x1 = int(name[3, 0] + name[3, 2]) + 2
    y0, y1 = top + int(name[:, 1].min()) - 3, top + int((name[:, 1] + name[:, 3]).max()) + 3
    cv2.rectangle(img, (0, y0), (x1, y1), (120, 150, 200), -1)
    img = cv2.copyMakeBorder(img, 90, 90, 120, 120, cv2.BORDER_CONSTANT, value=(60, 55, 50))
    return doc, cv2.GaussianBlur(img, (0, 0), 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_name_line_whose_start_is_hidden_is_never_read_shifted(seed, monkeypatch):
    # Cut from its first visible character, the name line read ZHANG<<AGNIESZKA as
    # G<<AGNIESZKA, with every check digit right (they cover none of it). Its cells do not
    # stand under the other lines', so it is refused.
    import devices.camera.mrz_reader as reader

    doc, img = _td1_with_name_start_hidden(seed)
    assert read_mrz(img) is None
    monkeypatch.setattr(reader, "_aligned", lambda grids: True)
    shifted = read_mrz(img)
    assert shifted is not None and shifted.lines[2] != doc.mrz.lines[2]
    assert shifted.lines[:2] == doc.mrz.lines[:2]
