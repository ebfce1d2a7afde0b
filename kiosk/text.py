"""`Text`: a string in Chinese and English, as the platform's contract carries them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """Chinese always; English when given, else the Chinese stands in for it."""

    zh: str
    en: str = ""

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh
