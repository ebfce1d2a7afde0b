"""The touchscreen's colours: ONE palette per theme (normal and high contrast), read by
the QML (as the context property `palettes`, see window.py) and by the contrast test.

    palette(high_contrast=False)["fg"]          # "#1b2430"
    contrast("#1b2430", "#ffffff")              # 15.6: WCAG 2.1 contrast ratio

Keys are the QML theme's property names (Main.qml: `theme.fg`, `theme.inputLine`, ...).
Every colour QML shows text or a control's edge in comes from here, so what the test
measures is what the screen shows. Plain Python: no Qt.
"""

from __future__ import annotations

NORMAL: dict[str, str] = {
    "bg": "#f3f6fa",  # the page
    "panel": "#ffffff",  # panels, fields, plain buttons
    "fg": "#1b2430",  # text
    "muted": "#5a6675",  # secondary text
    "accent": "#0b5cad",  # buttons' edges and words, primary buttons, focus
    "inkOnAccent": "#ffffff",
    "ok": "#1d7a3a",
    "warn": "#a35c00",
    "bad": "#b3261e",
    "line": "#7d8896",  # edges of panels and list rows (a white row on the pale page is
    #                     told apart by its edge alone: 3:1; was #c9d2dc, 1.41:1)
    "inputLine": "#66717e",  # a text box's edge: the only thing that shows it is there
    "disabled": "#b8c0ca",  # a button that cannot be pressed
    "disabledInk": "#444444",
    "header": "#0b3a6e",
    "headerInk": "#ffffff",
    "dangerBg": "#fbe9e7",  # "Cancel", "Leave and erase"
    "inkOnOk": "#ffffff",  # the "verified" badge
    "inkOnWarn": "#ffffff",  # the "not verified" badge
    "infoBg": "#e5f0fb",  # message boxes
    "warningBg": "#fff3df",
    "errorBg": "#fde8e6",
    "stage": "#202830",  # behind the camera's picture
    "stageInk": "#ffffff",  # words and guides drawn over the camera's picture
    "veil": "#b0000000",  # over the screen behind a question (ARGB)
}

HIGH_CONTRAST: dict[str, str] = {
    "bg": "#000000",
    "panel": "#000000",
    "fg": "#ffffff",
    "muted": "#ffff00",
    "accent": "#ffff00",
    "inkOnAccent": "#000000",
    "ok": "#00ff00",
    "warn": "#ffff00",
    "bad": "#ff6060",
    "line": "#ffffff",
    "inputLine": "#ffffff",
    "disabled": "#777777",
    "disabledInk": "#000000",  # was #444444: 2.17:1 on the grey
    "header": "#000000",
    "headerInk": "#ffffff",
    "dangerBg": "#000000",
    "inkOnOk": "#000000",  # black on the green badge (white was 1.37:1)
    "inkOnWarn": "#000000",  # black on the yellow badge (white was 1.07:1)
    "infoBg": "#000000",
    "warningBg": "#000000",
    "errorBg": "#000000",
    "stage": "#202830",
    "stageInk": "#ffffff",
    "veil": "#d0000000",
}


def palette(high_contrast: bool = False) -> dict[str, str]:
    return dict(HIGH_CONTRAST if high_contrast else NORMAL)


def palettes() -> dict[str, dict[str, str]]:
    """For QML: {"normal": {...}, "hc": {...}}."""
    return {"normal": palette(False), "hc": palette(True)}


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of "#rrggbb" (an "#aarrggbb" colour's alpha ignored)."""
    h = colour.lstrip("#")
    h = h[-6:]
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
