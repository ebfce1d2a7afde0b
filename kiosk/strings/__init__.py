"""One catalog of the kiosk's words, keyed by language code: what the screens show and
speak, and what the receipts print. One file per language (zh.py, en.py) with the same
keys; adding a language is adding a file here and its code to LANGUAGES.

    text("visit.timed_out", "en")            # a message key of the flow or the form checks
    table("en", "label.")["back"]            # the screens' labels, as QML's vm.t.back
    table("zh", "paper.")["tracking"]        # a receipt's words

A missing key shows the key itself (and logs it once), never an exception.
"""

from __future__ import annotations

import logging

from . import en, zh

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
STRINGS: dict[str, dict[str, str]] = {"zh": zh.STRINGS, "en": en.STRINGS}

_reported: set[str] = set()


def _catalog(lang: str) -> dict[str, str]:
    return STRINGS.get(lang, STRINGS[DEFAULT])


def text(key: str, lang: str, **params: object) -> str:
    """The text of `key` in `lang` (an unknown language falls back to Chinese) with its
    parameters filled in."""
    template = _catalog(lang).get(key)
    if template is None:
        if key not in _reported:
            _reported.add(key)
            log.warning("strings_missing key=%s lang=%s", key, lang)
        return key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        log.warning("strings_bad_params key=%s", key)
        return template


def table(lang: str, prefix: str) -> dict[str, str]:
    """Every entry under `prefix` in `lang`, keyed without the prefix."""
    n = len(prefix)
    return {k[n:]: v for k, v in _catalog(lang).items() if k.startswith(prefix)}
