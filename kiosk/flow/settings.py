"""The flow's settings and limits: languages, idle times, exit codes, input limits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..config import ReceiptSettings
from ..receipt import Place
from ..strings import LANGUAGES
from .state import Screen

MIN_WARNING_S = 20.0
EXIT_RESTART = 75  # EX_TEMPFAIL: start me again (the platform's restart command)
EXIT_MAINTAINER = 77  # a maintainer left on purpose: the service manager leaves it stopped
ATTRACT_MESSAGE_S = 15.0  # how long the attract screen shows why the last visit ended
UNDO_S = 10.0  # how long "deleted · undo" is offered for a page deleted on capture
PIN_RE = re.compile(r"^[0-9]{6}$")
JPEG_MAGIC = b"\xff\xd8\xff"
TYPED_LIMITS = {"phone": 20, "id_number": 24, "date": 12, "number": 20, "select": 64}

DEFAULT_IDLE_S: dict[Screen, float | None] = {
    Screen.ATTRACT: None,  # nobody is there: nothing to abandon
    Screen.IDENTIFY: 90.0,
    Screen.FACE: 120.0,  # a try, another, then waiting for the staff member called
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
    face_attempts: int = 3  # [face] attempts: tries before staff are called
    face_decline: bool = True  # [face] allow_decline

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
