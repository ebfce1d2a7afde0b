"""What every device reports (CEN/XFS4IoT's Common status, in small): a state, a machine
code and a detail for staff. Shared by the card reader, the camera and the printer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeviceState(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # works, but needs attention soon (paper near end, no CSCA list)
    OFFLINE = "offline"  # does not answer, or cannot work now (unplugged, cover open)
    ERROR = "error"  # answers nonsense or reports a hardware fault


@dataclass(frozen=True)
class DeviceStatus:
    state: DeviceState
    code: str  # for machines: "reader_missing", "source_lost", "paper_out", ...
    detail: str  # for a person (staff, logs); never personal data
