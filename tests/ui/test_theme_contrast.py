"""The touchscreen's colours against WCAG 2.1 (relative luminance), in both themes: text
on what it is shown on ≥ 4.5:1, and the edges that show a control is there (text boxes,
buttons, message boxes, badges, list rows) ≥ 3:1 against their neighbours. The palette is
ui/theme.py, which the QML reads (theme.p); a colour written into a screen instead would
escape this test, so the QML may hold none but the ID card picture's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui.theme import contrast, palette

QML = Path(__file__).resolve().parents[2] / "ui" / "qml"

# (foreground, background, where): text.
TEXT = [
    ("fg", "bg", "text on the page"), ("fg", "panel", "text in panels and fields"),
    ("muted", "bg", "secondary text"), ("muted", "panel", "secondary text in panels"),
    ("accent", "panel", "a button's words"), ("accent", "bg", "tile titles"),
    ("inkOnAccent", "accent", "a primary button's words"),
    ("bad", "dangerBg", "a danger button's words"), ("bad", "panel", "errors in panels"),
    ("bad", "bg", "errors on the page"), ("ok", "panel", "'printed'"), ("ok", "bg", "ok"),
    ("warn", "panel", "warnings in panels"), ("warn", "bg", "warnings on the page"),
    ("headerInk", "header", "the header's title"),
    ("fg", "infoBg", "an info message"), ("fg", "warningBg", "a warning message"),
    ("fg", "errorBg", "an error message"),
    ("inkOnOk", "ok", "the 'verified' badge"), ("inkOnWarn", "warn", "'not verified'"),
    ("disabledInk", "disabled", "a button that cannot be pressed"),
    ("stageInk", "stage", "words over the face camera's stage"),
]

# (edge, neighbour, where): what shows a control or a box is there.
EDGES = [
    ("inputLine", "panel", "a text box's edge, inside"), ("inputLine", "bg", "... outside"),
    ("accent", "panel", "a button's edge / focus, inside"), ("accent", "bg", "... outside"),
    ("bad", "dangerBg", "a danger button's edge, inside"), ("bad", "bg", "... outside"),
    ("bad", "panel", "the leave question's frame"),
    ("accent", "infoBg", "an info message's edge, inside"), ("accent", "bg", "... outside"),
    ("warn", "warningBg", "a warning's edge, inside"), ("warn", "bg", "... outside"),
    ("bad", "errorBg", "an error's edge, inside"),
    ("ok", "panel", "the 'verified' badge in its panel"),
    ("warn", "panel", "the 'not verified' badge in its panel"),
    ("line", "bg", "a list row's edge (choose service, materials)"),
    ("line", "panel", "a panel's edge"),
    ("ok", "panel", "a material done"), ("warn", "panel", "the window-only notice"),
]


def failures(hc: bool) -> list[str]:
    p = palette(hc)
    out = []
    for pairs, least in ((TEXT, 4.5), (EDGES, 3.0)):
        for a, b, where in pairs:
            ratio = contrast(p[a], p[b])
            if ratio < least:
                out.append(f"{a} {p[a]} on {b} {p[b]}: {ratio:.2f} < {least} ({where})")
    return out


@pytest.mark.parametrize("hc", [False, True], ids=["normal", "high_contrast"])
def test_text_and_edges_have_enough_contrast(hc):
    assert failures(hc) == []


@pytest.mark.parametrize("hc", [False, True], ids=["normal", "high_contrast"])
def test_header_buttons_stand_out_from_the_header(hc):
    p = palette(hc)
    # A header button is a panel-coloured fill with an accent edge: one of them must part
    # it from the header.
    assert max(contrast(p["panel"], p["header"]), contrast(p["accent"], p["header"])) >= 3


def test_the_measure_is_wcag_2_1():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the known grey
    assert contrast("#ffffff", "#00ff00") == pytest.approx(1.37, abs=0.01)  # issue 15's badge


def test_both_themes_have_the_same_colours_and_qml_uses_them():
    assert set(palette(False)) == set(palette(True))
    main = (QML / "Main.qml").read_text(encoding="utf-8")
    for key in palette(False):
        assert f"property color {key}: p.{key}" in main, key
    literal = re.compile(r'"#[0-9a-fA-F]{6}(?:[0-9a-fA-F]{2})?"')
    found = {}
    for path in QML.rglob("*.qml"):
        hits = literal.findall(path.read_text(encoding="utf-8"))
        if hits:
            found[path.name] = sorted(set(hits))
    # The only colours of their own: the ID card reader drawn on the identify screen.
    assert set(found) <= {"identify.qml"}
    assert set(found.get("identify.qml", [])) <= {'"#37474f"', '"#90a4ae"', '"#e3f2fd"',
                                                  '"#1565c0"', '"#bbdefb"', '"#90caf9"'}
