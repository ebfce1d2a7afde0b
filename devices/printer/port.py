"""The printer port: what the kiosk may ask of a receipt printer, and what it gets back.

Modelled in small on CEN/XFS4IoT (Printer + Common status): a device state with a
machine code and a human detail, media (paper) state, and typed failures. A print that
failed part-way is its own exception, so the UI can offer a reprint (the tracking
number is also in the outbox and can be shown on screen as a QR code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from devices.status import DeviceState

from .document import Document


class PaperState(StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrinterStatus:
    state: DeviceState
    code: str  # machine code, e.g. "ready", "paper_out", "cover_open", "no_answer"
    detail: str  # for staff and logs; never personal data
    online: bool
    paper: PaperState
    cover_open: bool

    @property
    def can_print(self) -> bool:
        return self.state in (DeviceState.OK, DeviceState.DEGRADED)

    def to_dict(self) -> dict[str, object]:
        return {"state": self.state.value, "code": self.code, "detail": self.detail,
                "online": self.online, "paper": self.paper.value,
                "cover_open": self.cover_open}


@dataclass(frozen=True)
class PrintResult:
    job_title: str
    bytes_sent: int
    status: PrinterStatus  # as checked after the job


class PrinterError(Exception):
    """Base of everything the printer package raises at its callers."""

    code = "printer_error"


class PrinterConfigError(PrinterError):
    """A bad printer URL or profile, or a transport whose library is missing."""

    code = "config"


class TransportError(PrinterError):
    """The connection failed (refused, reset, timed out)."""

    code = "transport"


class PrinterNotReady(PrinterError):
    """The status check before printing said no: nothing of the job was sent."""

    code = "not_ready"

    def __init__(self, status: PrinterStatus) -> None:
        super().__init__(f"printer not ready: {status.detail}")
        self.status = status


class PrintIncomplete(PrinterError):
    """The job was started but may not be on paper whole: offer a reprint."""

    code = "incomplete"

    def __init__(self, reason: str, *, bytes_sent: int, bytes_total: int,
                 status: PrinterStatus | None) -> None:
        super().__init__(f"print incomplete after {bytes_sent}/{bytes_total} bytes: {reason}")
        self.reason = reason
        self.bytes_sent = bytes_sent
        self.bytes_total = bytes_total
        self.status = status


StatusListener = Callable[[PrinterStatus, PrinterStatus | None], None]


class ReceiptPrinter(Protocol):
    """What the kiosk uses. Calls block for a bounded time; call them off the UI thread."""

    def status(self) -> PrinterStatus: ...

    def last_status(self) -> PrinterStatus | None: ...

    def print_document(self, doc: Document) -> PrintResult: ...

    def add_listener(self, listener: StatusListener) -> None: ...


class Transport(Protocol):
    """A byte pipe to one printer. Every call is bounded by the transport's timeouts."""

    description: str  # e.g. "tcp://10.0.0.5:9100" (no personal data)
    can_read: bool  # False for a plain file: no status channel

    def open(self) -> None: ...

    def write(self, data: bytes) -> None: ...

    def read(self, size: int, timeout_s: float) -> bytes:
        """Up to `size` bytes; b"" if nothing came within timeout_s."""
        ...

    def close(self) -> None: ...
