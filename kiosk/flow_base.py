"""What the visit's journeys share: settings, limits, exit codes, job results, the
receipt and ticket being shown, and small parsing helpers."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from devices.printer import Document
from offline_queue.tracking import QUERY_CODE_RE, TRACKING_RE

from .config import ReceiptSettings
from .flow_state import Screen
from .receipt import Place
from .text import Text

log = logging.getLogger("kiosk.flow")

LANGUAGES = ("zh", "en")
MIN_WARNING_S = 20.0
EXIT_RESTART = 75  # EX_TEMPFAIL: start me again (the platform's restart command)
EXIT_MAINTAINER = 77  # a maintainer left on purpose: the service manager leaves it stopped
ATTRACT_MESSAGE_S = 15.0  # how long the attract screen shows why the last visit ended
PIN_RE = re.compile(r"^[0-9]{6}$")
MAX_CODE_PAYLOAD = 512
JPEG_MAGIC = b"\xff\xd8\xff"
_TYPED_LIMITS = {"phone": 20, "id_number": 24, "date": 12, "number": 20, "select": 64}

DEFAULT_IDLE_S: dict[Screen, float | None] = {
    Screen.ATTRACT: None,  # nobody is there: nothing to abandon
    Screen.IDENTIFY: 90.0,
    Screen.STAFF_SIGN_IN: 60.0,
    Screen.STAFF_MENU: 60.0,
    Screen.CHOOSE_SERVICE: 120.0,
    Screen.SERVICE: 120.0,
    Screen.FORM: 120.0,
    Screen.MATERIALS: 120.0,
    Screen.CAPTURE: 120.0,
    Screen.REVIEW: 120.0,
    Screen.RECEIPT: 60.0,
    Screen.PROGRESS_LOOKUP: 60.0,
    Screen.PROGRESS: 90.0,
    Screen.TICKET: 60.0,
    Screen.MAINTENANCE: 120.0,
    Screen.OUT_OF_SERVICE: None,  # nobody is there either
}


class FlowSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class FlowSettings:
    place: Place
    receipt: ReceiptSettings
    default_lang: str = "zh"
    idle_s: Mapping[Screen, float | None] = field(default_factory=lambda: dict(DEFAULT_IDLE_S))
    warning_s: float = 30.0  # the "I need more time" prompt shows this long before the end
    fields_per_page: int = 4
    staff_pin_attempts: int = 3
    search_limit: int = 50

    def __post_init__(self) -> None:
        if self.default_lang not in LANGUAGES:
            raise FlowSettingsError(f"default_lang must be one of {LANGUAGES}")
        if self.warning_s < MIN_WARNING_S:
            raise FlowSettingsError(f"warning_s must be at least {MIN_WARNING_S:.0f} s: "
                                    "people need time to read and answer")
        for screen, limit in self.idle_s.items():
            if limit is not None and limit < self.warning_s + 10:
                raise FlowSettingsError(f"idle time of {screen.value} must be at least "
                                        f"warning_s + 10 s")

    def idle_limit(self, screen: Screen) -> float | None:
        if screen in self.idle_s:
            return self.idle_s[screen]
        return DEFAULT_IDLE_S.get(screen)


@dataclass(frozen=True)
class JobDone:
    """A job's outcome, delivered back to the flow as an intent."""

    name: str
    token: int
    value: Any = None
    error: BaseException | None = None


@dataclass
class _Receipt:
    kind: str
    service: Text
    tracking_no: str
    query_code: str
    document: Document
    offline: bool
    printed: bool | None = None


@dataclass
class _Ticket:
    number: str
    area: Text
    people_ahead: int
    wait_min: int
    document: Document
    printed: bool | None = None


def _local_now() -> datetime:
    return datetime.now().astimezone()


def _error_name(exc: BaseException) -> str:
    code = getattr(exc, "code", "")
    return f"{type(exc).__name__}({code})" if code else type(exc).__name__


def _note(note: object) -> Text | None:
    if isinstance(note, Mapping) and isinstance(note.get("zh"), str):
        en = note.get("en")
        return Text(note["zh"], en if isinstance(en, str) else "")
    return None


def _yymmdd(text: str) -> str | None:
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
