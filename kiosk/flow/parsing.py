"""Small parsing helpers of the flow: a receipt's QR payload, typed dates, notes, names of
errors for the logs (never their messages: those may carry personal data)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import unquote

from offline_queue.tracking import QUERY_CODE_RE, TRACKING_RE

from ..text import Text

MAX_CODE_PAYLOAD = 512


def local_now() -> datetime:
    return datetime.now().astimezone()


def error_name(exc: BaseException) -> str:
    code = getattr(exc, "code", "")
    return f"{type(exc).__name__}({code})" if code else type(exc).__name__


def note_text(note: object) -> Text | None:
    if isinstance(note, Mapping) and isinstance(note.get("zh"), str):
        en = note.get("en")
        return Text(note["zh"], en if isinstance(en, str) else "")
    return None


def yymmdd(text: str) -> str | None:
    """A typed date as the MRZ writes it: YYMMDD from YYMMDD, YYYYMMDD or YYYY-MM-DD."""
    digits = re.sub(r"[-/. ]", "", text.strip())
    if re.fullmatch(r"\d{8}", digits):
        return digits[2:]
    if re.fullmatch(r"\d{6}", digits):
        return digits
    return None


def parse_receipt_code(text: object, template: str) -> tuple[str, str] | None:
    """Tracking number and query code from a receipt's QR payload, or None if it is not one.

    The payload is the configured tracking URL; a bare "TRACKING_NO QUERY_CODE" is taken
    too (some staff print it). Anything else, or anything odd, is refused.
    """
    if not isinstance(text, str) or not text or len(text) > MAX_CODE_PAYLOAD:
        return None
    text = text.strip()
    pattern = re.escape(template)
    pattern = pattern.replace(re.escape("{tracking_no}"), r"(?P<no>[^&#/?\s]+)")
    pattern = pattern.replace(re.escape("{query_code}"), r"(?P<code>[^&#/?\s]+)")
    found = re.fullmatch(pattern, text)
    if found is not None:
        number, code = unquote(found["no"]).upper(), unquote(found["code"]).upper()
    else:
        parts = text.upper().split()
        if len(parts) != 2:
            return None
        number, code = parts
    if TRACKING_RE.match(number) and QUERY_CODE_RE.match(code):
        return number, code
    return None
