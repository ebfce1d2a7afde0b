"""Cutting an MRZ row into its character cells where the pitch changes along the row."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from devices.camera.ocrb import ALPHABET, find_rows, ink_mask, render_line, row_cells, templates

LINE = "P<VNMTANAKA<<SIOBHAN<<<<<<<<<<<<<<<<<<<<<<<<"
DIGITS = "DW04SS9X<9NLD0601142M25120715715993791881636"


def _foreshortened(text: str, squeeze: float) -> np.ndarray:
    """The line as a slanted page straightened from a slightly wrong outline shows it: the
    pitch shrinks steadily from the left end to the right by `squeeze`."""
    img = render_line(text, 26)
    h, w = img.shape
    # x' = x / (1 + a x): a 1-D perspective; a chosen so the right end's pitch is squeezed.
    a = (1 / np.sqrt(1 - squeeze) - 1) / w
    xs = np.arange(w, dtype=np.float64)
    inv = xs / (1 - a * xs)  # where each output pixel comes from
    span = int(w / (1 + a * w))
    mx = np.tile(inv[:span].astype(np.float32), (h, 1))
    my = np.tile(np.arange(h, dtype=np.float32)[:, None], (1, span))
    out = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.GaussianBlur(out, (0, 0), 0.8)


def _read(gray: np.ndarray, n: int) -> str:
    rows = find_rows(ink_mask(gray, 41), 10, 40)
    assert len(rows) == 1
    cells = row_cells(gray, rows[0], n)
    assert cells is not None
    return "".join(ALPHABET[i] for i in templates().scores(cells).argmax(axis=1))


@pytest.mark.parametrize("text", [LINE, DIGITS])
def test_a_row_whose_pitch_shrinks_along_it_is_cut_at_every_character(text):
    # 10 % narrower at the right end than at the left: one pitch for the whole row put the
    # middle of such a row half a cell off (a dev-seed passport read SIOBHAN as CEJPCEC).
    gray = _foreshortened(text, 0.10)
    pitches = np.diff(find_rows(ink_mask(gray, 41), 10, 40)[0].centres[:, 0])
    assert pitches[:5].mean() > 1.08 * pitches[-5:].mean()
    assert _read(gray, len(text)) == text


def test_an_even_row_is_cut_as_before():
    assert _read(_foreshortened(DIGITS, 0.0), len(DIGITS)) == DIGITS
