"""The learned MRZ line reader (mrz_learned): its weights ship in the installed package, its
decoder keeps ICAO 9303's layout, and what no check digit vouches for must stand clear."""

from __future__ import annotations

import numpy as np
import pytest

from devices.camera import mrz_learned, read_mrz
from devices.camera.mrz_format import LAYOUTS
from devices.camera.mrz_learned import MRZ_CHARS, LineRead, blind_weakest, constrained
from devices.mrz import parse_mrz
from sim.camera.wide import wide_scene

TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


def _probs(steps: list[dict[str, float]]) -> np.ndarray:
    """Per-step probabilities (blank first, then MRZ_CHARS) from {char: p}; the rest is
    the blank's."""
    out = np.zeros((len(steps), 1 + len(MRZ_CHARS)))
    for t, step in enumerate(steps):
        for ch, p in step.items():
            out[t, 1 + MRZ_CHARS.index(ch)] = p
        out[t, 0] = 1.0 - sum(step.values())
    return out


def _spoken(text: str) -> list[dict[str, float]]:
    """A clean CTC path: each character for two steps, then a blank."""
    return [s for ch in text for s in ({ch: 0.9}, {ch: 0.9}, {})]


def test_the_weights_ship_in_the_installed_package():
    assert mrz_learned.available()


def test_a_look_alike_where_only_digits_stand_is_read_as_the_digit():
    steps = _spoken("12")
    steps[0] = {"I": 0.6, "1": 0.3}  # the model leans to I
    steps[1] = {"I": 0.6, "1": 0.3}
    line = constrained(_probs(steps), ["0123456789", "0123456789"])
    assert line is not None and line.text == "12"
    assert constrained(_probs(steps), [MRZ_CHARS, MRZ_CHARS]).text == "I2"


def test_the_line_has_the_layouts_length_where_the_free_reading_has_not():
    # A stray faint K inside a filler run: read freely the line has five characters.
    steps = _spoken("A<<") + [{"K": 0.6}] + _spoken("<")
    assert len(mrz_learned.greedy(_probs(steps))) == 5
    line = constrained(_probs(steps), ["ABCDEFGHIJKLMNOPQRSTUVWXYZ<"] * 4)
    assert line is not None and line.text == "A<<<"


def test_too_few_steps_for_the_line_is_no_reading():
    assert constrained(_probs(_spoken("AB")[:3]), [MRZ_CHARS] * 5) is None


def _line(text: str, weak_at: int | None = None, rival: float = 0.0) -> LineRead:
    peaks = [0.9] * len(text)
    rivals = [0.0] * len(text)
    if weak_at is not None:
        peaks[weak_at], rivals[weak_at] = 0.5, rival
    return LineRead(text, tuple(peaks), tuple(rivals))


def test_an_unchecked_letter_close_to_its_rival_is_weak_a_checked_digit_is_not():
    clear = [_line(TD3[0]), _line(TD3[1])]
    assert blind_weakest("TD3", clear) == pytest.approx(0.9)
    # a name letter with the filler close behind: weak
    assert blind_weakest("TD3", [_line(TD3[0], 8, 0.45), _line(TD3[1])]) == pytest.approx(0.05)
    # a date digit just as unsure: its check digit vouches for it
    assert blind_weakest("TD3", [_line(TD3[0]), _line(TD3[1], 15, 0.45)]) == pytest.approx(0.9)
    # a G in the document number: its check digit cannot tell it from a 6
    g_number = TD3[1][:7] + "G" + TD3[1][8:]
    assert blind_weakest("TD3", [_line(TD3[0]), _line(g_number, 7, 0.45)]) == pytest.approx(0.05)


def test_a_weak_name_needs_a_second_page_to_agree():
    weak = [_line(TD3[0], 8, 0.45), _line(TD3[1])]
    got = mrz_learned.decode_lines("TD3", weak)
    assert got is not None and got[1] < mrz_learned.SURE_MARGIN
    got = mrz_learned.decode_lines("TD3", [_line(TD3[0]), _line(TD3[1])])
    assert got is not None and got[1] >= mrz_learned.SURE_MARGIN


def test_the_layouts_match_the_icao_examples():
    for fmt, lines in (("TD3", TD3),):
        for line, allowed in zip(lines, LAYOUTS[fmt], strict=True):
            assert len(line) == len(allowed)
            assert all(ch in ok for ch, ok in zip(line, allowed, strict=True))


def test_a_chevron_read_as_c_in_the_name_is_refused():
    # A low-resolution sensor: the learned reader reads the doc code's and the name's
    # fillers as C on several cuts (every check digit holds); the templates see fillers.
    sc = wide_scene(43465886, "passport", mrz=True)
    assert read_mrz(sc.image, learned=False) is None
    got = read_mrz(sc.image)
    assert got is None or got.lines == parse_mrz(sc.truth["mrz"]).lines


def test_the_learned_pass_reads_what_the_templates_cannot():
    # A TD1 card of the dev seed (sim.camera.wide.DEV_SEED) seen by a 0.375x sensor
    # upscaled: the templates' cells blur together, the line recogniser reads it exactly.
    sc = wide_scene(554332768, "td1", mrz=True)
    assert read_mrz(sc.image, learned=False) is None
    got = read_mrz(sc.image)
    assert got is not None
    assert got.lines == parse_mrz(sc.truth["mrz"]).lines
