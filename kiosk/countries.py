"""A state's name from its ICAO 9303 three-letter code (a passport's issuing state and its
holder's nationality), in Chinese and English: "CHN" is 中国 / China on screen."""

from __future__ import annotations

from .country_names import NAMES
from .text import Text


def country_name(code: str) -> Text:
    """The name for `code` ("CHN", or an MRZ's padded "D<<"); an unknown or empty code
    stands for itself, so nothing is hidden that the document says."""
    key = code.strip().replace("<", "").upper()
    names = NAMES.get(key)
    if names is None:
        return Text(key, key)
    return Text(*names)
