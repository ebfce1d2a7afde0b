"""The ID card reader's settings: the `[idcard]` table of kiosk.toml.

`IdCardSettings.from_table` validates the table on its own and raises IdCardConfigError
naming `idcard.<key>`; devices/ may not import offline_queue, so it does not use
offline_queue.settings.Section (kiosk/config.py may wrap the error in its ConfigError).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from devices.idcard.errors import IdCardConfigError
from devices.idcard.photo import VARIANTS, PhotoDecoderSettings, Variant
from devices.idcard.profile import CommandProfile

BAUDS = (115200, 57600, 38400, 19200, 9600)
_VID_PID = re.compile(r"^([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})$")
_TCP = re.compile(r"^tcp://[^:/\s]+:[0-9]{1,5}$")


@dataclass(frozen=True)
class Timeouts:
    answer_s: float = 0.5  # a short command's answer (status, find, select)
    read_s: float = 3.0  # 30 01 takes 0.4-1.1 s on real readers
    fingerprint_read_s: float = 5.0  # 30 10 up to 3 s
    call_margin_s: float = 2.0  # a whole call's budget on top of its answers and retries


@dataclass(frozen=True)
class IdCardSettings:
    enabled: bool = True
    port: str = "/dev/ttyUSB0"  # a serial device, or tcp://host:port (serial over TCP)
    baud: int = 115200
    usb: tuple[int, int] | None = None  # (VID, PID): USB bulk instead of `port`
    usb_out: tuple[int, ...] = (0x02, 0x06)  # split: header OUT, rest OUT; single: one
    usb_in: tuple[int, ...] = (0x81, 0x85)
    usb_split: bool = True
    profile: CommandProfile = field(default_factory=CommandProfile)
    fingerprint: bool = False
    retries: int = 2  # resends after a checksum error or a lost answer
    timeouts: Timeouts = field(default_factory=Timeouts)
    poll_interval_s: float = 0.03  # between two "find" commands: half of it is the mean
    #                                 wait before a placed card is seen
    reconnect_backoff_s: float = 1.0  # first wait after the reader went away (doubles)
    max_backoff_s: float = 8.0
    read_attempts: int = 2  # reads of one placement before waiting for the card to go
    photo_decoder: PhotoDecoderSettings | None = None

    @classmethod
    def from_table(cls, table: Mapping[str, Any] | None) -> IdCardSettings:
        return _read(dict(table or {}))


def parse_vid_pid(text: str) -> tuple[int, int]:
    match = _VID_PID.match(text.strip())
    if match is None:
        raise IdCardConfigError("usb", f'must be "VID:PID" in hex like "0400:C35A", got {text!r}')
    return int(match[1], 16), int(match[2], 16)


class _Table:
    def __init__(self, table: dict[str, Any], prefix: str = "") -> None:
        self.table, self.prefix = table, prefix

    def get(self, key: str, default: Any, kinds: tuple[type, ...], what: str) -> Any:
        if key not in self.table:
            return default
        value = self.table[key]
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            raise IdCardConfigError(self.prefix + key, f"must be {what}, got {value!r}")
        return value

    def number(self, key: str, default: float, lo: float, hi: float) -> float:
        value = float(self.get(key, default, (int, float), "a number"))
        if not lo <= value <= hi:
            raise IdCardConfigError(self.prefix + key, f"must be between {lo} and {hi}")
        return value

    def integer(self, key: str, default: int, lo: int, hi: int) -> int:
        value = int(self.get(key, default, (int,), "an integer"))
        if not lo <= value <= hi:
            raise IdCardConfigError(self.prefix + key, f"must be between {lo} and {hi}")
        return value

    def endpoints(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = self.get(key, list(default), (int, list), "an endpoint or a list of two")
        items = value if isinstance(value, list) else [value]
        if not 1 <= len(items) <= 2 or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 < i < 256 for i in items):
            raise IdCardConfigError(self.prefix + key, "must be one or two endpoint addresses "
                                    "(1-255, e.g. 0x02 or [0x02, 0x06])")
        return tuple(items)


def _read(table: dict[str, Any]) -> IdCardSettings:
    known = {"enabled", "port", "baud", "usb", "usb_out", "usb_in", "split", "profile",
             "fingerprint", "retries", "timeouts", "poll_interval_s", "reconnect_backoff_s",
             "max_backoff_s", "read_attempts", "photo_decoder"}
    for key in table:
        if key not in known:
            raise IdCardConfigError(key, "unknown key; known: " + ", ".join(sorted(known)))
    t, d = _Table(table), IdCardSettings()
    port = t.get("port", d.port, (str,), "a string")
    if port.startswith("tcp://") and not _TCP.match(port):
        raise IdCardConfigError("port", "must be tcp://host:port")
    baud = t.integer("baud", d.baud, 1200, 921600)
    if baud not in BAUDS:
        raise IdCardConfigError("baud", f"must be one of {', '.join(map(str, BAUDS))}")
    usb_text = t.get("usb", "", (str,), 'a string "VID:PID"')
    split = bool(t.get("split", d.usb_split, (bool,), "true or false"))
    usb_out = t.endpoints("usb_out", d.usb_out if split else (0x02,))
    usb_in = t.endpoints("usb_in", d.usb_in if split else (0x81,))
    if split and (len(usb_out) != 2 or len(usb_in) != 2):
        raise IdCardConfigError("usb_out", "the split variant needs two OUT and two IN endpoints")
    if not split and (len(usb_out) != 1 or len(usb_in) != 1):
        raise IdCardConfigError("usb_out", "the single-endpoint variant takes one OUT and one IN")
    profile_table = t.get("profile", {}, (dict,), "a table of command names to hex bytes")
    tt = _Table(t.get("timeouts", {}, (dict,), "a table"), "timeouts.")
    unknown = set(tt.table) - {"answer_s", "read_s", "fingerprint_read_s", "call_margin_s"}
    if unknown:
        raise IdCardConfigError(f"timeouts.{sorted(unknown)[0]}", "unknown key")
    dt = Timeouts()
    timeouts = Timeouts(answer_s=tt.number("answer_s", dt.answer_s, 0.05, 10),
                        read_s=tt.number("read_s", dt.read_s, 0.5, 30),
                        fingerprint_read_s=tt.number("fingerprint_read_s",
                                                     dt.fingerprint_read_s, 0.5, 60),
                        call_margin_s=tt.number("call_margin_s", dt.call_margin_s, 0, 30))
    return IdCardSettings(
        enabled=bool(t.get("enabled", d.enabled, (bool,), "true or false")),
        port=port, baud=baud, usb=parse_vid_pid(usb_text) if usb_text else None,
        usb_out=usb_out, usb_in=usb_in, usb_split=split,
        profile=CommandProfile().with_overrides(profile_table),
        fingerprint=bool(t.get("fingerprint", d.fingerprint, (bool,), "true or false")),
        retries=t.integer("retries", d.retries, 0, 10), timeouts=timeouts,
        poll_interval_s=t.number("poll_interval_s", d.poll_interval_s, 0.02, 10),
        reconnect_backoff_s=t.number("reconnect_backoff_s", d.reconnect_backoff_s, 0.05, 60),
        max_backoff_s=t.number("max_backoff_s", d.max_backoff_s, 0.1, 600),
        read_attempts=t.integer("read_attempts", d.read_attempts, 1, 10),
        photo_decoder=_photo(t.get("photo_decoder", None, (dict,), "a table")))


def _photo(table: dict[str, Any] | None) -> PhotoDecoderSettings | None:
    if not table:
        return None
    p = _Table(table, "photo_decoder.")
    library = p.get("library", "", (str,), "a string")
    if not library:
        raise IdCardConfigError("photo_decoder.library", "is missing")
    variant = p.get("variant", "unpack", (str,), "a string")
    if variant not in VARIANTS:
        raise IdCardConfigError("photo_decoder.variant", f"must be one of {', '.join(VARIANTS)}")
    return PhotoDecoderSettings(library=library, symbol=p.get("symbol", "", (str,), "a string"),
                                variant=cast(Variant, variant),
                                flag=p.integer("flag", 0, -2**31, 2**31 - 1))
