"""The card reader's settings (`[card]` in the kiosk config); the composition root builds
CardSettings, the technician CLI builds it from its flags."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CardSettings:
    reader: str = "Virtual PCD 00 00"  # PC/SC reader name (or a unique prefix of it)
    staff_reader: str = ""  # "" = the same reader as citizens use
    csca_dir: Path | None = None  # trusted CSCA certificates (PEM/DER); None = not checked
    read_timeout_s: float = 15.0  # a whole document read
    command_timeout_s: float = 5.0  # UID read and other single commands
    poll_interval_s: float = 0.5  # SCardGetStatusChange timeout per monitor round
    reconnect_backoff_s: float = 1.0  # first wait after pcscd vanished (doubles, max 8x)
    extended_length: bool = True  # try extended-length reads first (fewest APDUs)
    read_dg11: bool = True
