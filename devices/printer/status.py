"""DLE EOT real-time status: the three bytes we ask for, and what they mean.

DLE EOT 1 (printer), 2 (offline cause) and 4 (roll paper sensor), per the ESC/POS
command reference. Each answer byte has bit 1 and bit 4 set and bits 0 and 7 clear; a
byte without that pattern is not a status answer (a bad cable, a wrong baud rate, or
the printer answering something else) and counts as an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.status import DeviceState

from .port import PaperState, PrinterStatus

DLE_EOT = b"\x10\x04"
QUERIES = (1, 2, 4)
FIXED_MASK, FIXED_BITS = 0x93, 0x12

# DLE EOT 1
PRINTER_OFFLINE = 0x08
# DLE EOT 2
COVER_OPEN = 0x04
FEED_BUTTON = 0x08
STOPPED_PAPER_END = 0x20
ERROR_OCCURRED = 0x40
# DLE EOT 4
NEAR_END = 0x0C
PAPER_END = 0x60


class StatusByteError(ValueError):
    """A status answer that is not a DLE EOT answer byte."""


@dataclass(frozen=True)
class RawStatus:
    printer: int
    offline_cause: int
    paper: int


def query(n: int) -> bytes:
    return DLE_EOT + bytes([n])


def check_byte(n: int, value: int) -> int:
    if value & FIXED_MASK != FIXED_BITS:
        raise StatusByteError(f"DLE EOT {n} answered 0x{value:02x}, not a status byte")
    return value


def interpret(raw: RawStatus) -> PrinterStatus:
    """The device status the kiosk acts on; the worst condition wins."""
    for n, value in ((1, raw.printer), (2, raw.offline_cause), (4, raw.paper)):
        check_byte(n, value)
    online = not raw.printer & PRINTER_OFFLINE
    cover_open = bool(raw.offline_cause & COVER_OPEN)
    if raw.paper & PAPER_END or raw.offline_cause & STOPPED_PAPER_END:
        paper = PaperState.OUT
    elif raw.paper & NEAR_END:
        paper = PaperState.NEAR_END
    else:
        paper = PaperState.OK

    def make(state: DeviceState, code: str, detail: str) -> PrinterStatus:
        return PrinterStatus(state, code, detail, online, paper, cover_open)

    if cover_open:
        return make(DeviceState.OFFLINE, "cover_open", "printer cover is open")
    if paper is PaperState.OUT:
        return make(DeviceState.OFFLINE, "paper_out", "out of paper")
    if raw.offline_cause & ERROR_OCCURRED:
        return make(DeviceState.ERROR, "printer_error", "printer reports an error (cutter or head)")
    if not online:
        return make(DeviceState.OFFLINE, "printer_offline", "printer is offline")
    if paper is PaperState.NEAR_END:
        return make(DeviceState.DEGRADED, "paper_near_end", "paper roll near its end")
    return make(DeviceState.OK, "ready", "ready")


def no_answer(detail: str) -> PrinterStatus:
    return PrinterStatus(DeviceState.OFFLINE, "no_answer", detail, online=False,
                         paper=PaperState.UNKNOWN, cover_open=False)


def unreachable(detail: str) -> PrinterStatus:
    return PrinterStatus(DeviceState.OFFLINE, "unreachable", detail, online=False,
                         paper=PaperState.UNKNOWN, cover_open=False)


def bad_answer(detail: str) -> PrinterStatus:
    return PrinterStatus(DeviceState.ERROR, "bad_status_answer", detail, online=False,
                         paper=PaperState.UNKNOWN, cover_open=False)


def write_only() -> PrinterStatus:
    return PrinterStatus(DeviceState.OK, "no_status_channel",
                         "this connection cannot report status", online=True,
                         paper=PaperState.UNKNOWN, cover_open=False)


def misconfigured(detail: str) -> PrinterStatus:
    return PrinterStatus(DeviceState.ERROR, "misconfigured", detail, online=False,
                         paper=PaperState.UNKNOWN, cover_open=False)
