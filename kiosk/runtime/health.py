"""The kiosk's health: each device's status, what each capability needs, counters.

Every device and the platform link reports `ok`, `degraded`, `offline` or `error` with a
machine code and a detail for staff (never personal data). Each capability names what it
needs; it closes while one of those is down and reopens when it returns, with no restart.
The kiosk is *useful* while one thing a walk-in citizen came for is open; when nothing is,
or the platform ordered it, the kiosk is out of service and shows the hotline.

`Health` and `Counters` are thread-safe: the flow's thread writes, the heartbeat reads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEVICES = ("card_reader", "idcard_reader", "camera", "face_camera", "printer", "platform",
           "storage")
STATUSES = ("ok", "degraded", "offline", "error", "unknown")

# What each capability needs; "a|b" is either. Filing needs no platform: it is committed to
# the outbox and its receipt is valid offline ("filed offline"; the sync worker delivers it
# later). A citizen identifies with a passport's chip (card_reader, "identify") or a
# resident ID card on the SAM reader (idcard_reader, "identify_idcard").
CAPABILITY_NEEDS: dict[str, tuple[str, ...]] = {
    "file": ("card_reader|idcard_reader", "camera", "storage"),
    "identify": ("card_reader",),
    "identify_idcard": ("idcard_reader",),
    "scan": ("camera",),
    "print": ("printer",),
    "progress": ("platform",),
    "ticket": ("platform",),
    "staff": ("card_reader", "platform"),
}

# What a walk-in citizen can come for: while none of these is open the kiosk is useless to
# them, and says so (out of service, with the hotline) instead of offering dead buttons.
CITIZEN_CAPABILITIES = ("file", "progress", "ticket")

# A device never heard from counts as usable (it is still starting), except the platform:
# progress and tickets are offered only once it has really answered.
_MUST_HAVE_ANSWERED = ("platform",)


@dataclass(frozen=True)
class DeviceLine:
    device: str
    status: str  # ok | degraded | offline | error | unknown
    code: str = ""
    detail: str = ""  # for staff; never personal data

    @property
    def usable(self) -> bool:
        if self.status == "unknown":
            return self.device not in _MUST_HAVE_ANSWERED
        return self.status in ("ok", "degraded")


@dataclass(frozen=True)
class Capability:
    name: str  # a key of CAPABILITY_NEEDS
    available: bool
    missing: tuple[str, ...] = ()  # the devices that are down
    instead: str | None = None  # a kiosk.strings key: what to do instead


@dataclass(frozen=True)
class ServiceState:
    """In service or not, and why not: "commanded" (the platform said so, with its reason)
    or "nothing_useful" (every citizen capability is closed)."""

    in_service: bool
    why: str = ""  # "" | commanded | nothing_useful
    reason: str = ""  # the platform's reason for a command (shown to staff, not citizens)
    missing: tuple[str, ...] = ()  # the devices that are down


def capabilities_of(lines: Mapping[str, DeviceLine]) -> tuple[Capability, ...]:
    out: list[Capability] = []
    for name, needs in CAPABILITY_NEEDS.items():
        missing: tuple[str, ...] = ()
        for need in needs:
            either = need.split("|")
            if not any(lines[d].usable for d in either):
                # A device this kiosk does not have is not broken: name the others.
                broken = tuple(d for d in either if lines[d].code != "not_configured")
                missing += broken or tuple(either)
        out.append(Capability(name, not missing, missing,
                              None if not missing else f"avail.{name}.instead"))
    return tuple(out)


class Health:
    """The devices' last statuses and what follows from them."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._lines: dict[str, DeviceLine] = {d: DeviceLine(d, "unknown") for d in DEVICES}
        self._since: dict[str, float] = {d: clock() for d in DEVICES}
        self._heard: dict[str, float | None] = dict.fromkeys(DEVICES)  # last report, any
        self._commanded: str | None = None  # the platform's out_of_service reason

    def report(self, device: str, status: str, code: str = "", detail: str = "") -> bool:
        """Record a status; False (and a log line) for an unknown device or status."""
        if device not in DEVICES or status not in STATUSES:
            log.warning("health_report_ignored device=%s status=%s", device, status)
            return False
        line = DeviceLine(device, status, code, detail)
        with self._lock:
            self._heard[device] = self._clock()
            old = self._lines[device]
            if old == line:
                return True
            self._lines[device] = line
            if old.status != status:
                self._since[device] = self._clock()
        if old.status != status or old.code != code:
            level = logging.INFO if line.usable else logging.WARNING
            log.log(level, "health_device device=%s status=%s code=%s was=%s", device, status,
                    code or "-", old.status)
        return True

    def line(self, device: str) -> DeviceLine:
        with self._lock:
            return self._lines[device]

    def heard_at(self, device: str) -> float | None:
        """When the device's status was last reported (changed or not); None: never."""
        with self._lock:
            return self._heard[device]

    def lines(self) -> tuple[DeviceLine, ...]:
        with self._lock:
            return tuple(self._lines.values())

    def capabilities(self) -> tuple[Capability, ...]:
        with self._lock:
            return capabilities_of(self._lines)

    def can(self, capability: str) -> bool:
        return next(c.available for c in self.capabilities() if c.name == capability)

    # ---- in service or not ------------------------------------------------------------

    def set_commanded_out(self, reason: str | None) -> None:
        """The platform's out_of_service (a reason) or in_service (None)."""
        with self._lock:
            self._commanded = reason

    @property
    def commanded_out(self) -> str | None:
        with self._lock:
            return self._commanded

    def service_state(self) -> ServiceState:
        caps = self.capabilities()
        with self._lock:
            commanded = self._commanded
        if commanded is not None:
            return ServiceState(False, "commanded", commanded)
        citizen = [c for c in caps if c.name in CITIZEN_CAPABILITIES]
        if any(c.available for c in citizen):
            return ServiceState(True)
        missing = sorted({d for c in citizen for d in c.missing})
        return ServiceState(False, "nothing_useful", "", tuple(missing))

    # ---- for the heartbeat --------------------------------------------------------------

    def heartbeat_devices(self) -> dict[str, dict[str, str]]:
        """The contract's `devices`: status one of ok/degraded/offline/error, and a detail.
        A device not heard from yet is reported offline ("no status yet"); one this kiosk
        does not have ("not_configured": no camera source, no [idcard]) is left out, so the
        monitoring centre sees no alarm for what was never there."""
        out: dict[str, dict[str, str]] = {}
        now = self._clock()
        with self._lock:
            for name, line in self._lines.items():
                if line.code == "not_configured":
                    continue
                status = "offline" if line.status == "unknown" else line.status
                detail = line.code or ("no status yet" if line.status == "unknown" else "")
                if line.detail:
                    detail = f"{detail}: {line.detail}" if detail else line.detail
                since = int(now - self._since[name])
                out[name] = {"status": status,
                             "detail": f"{detail} (for {since} s)" if detail else f"for {since} s"}
        return out


class Counters:
    """Monotonic counts since start (visits, filings, prints, ...) for the heartbeat."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + n

    def get(self, name: str) -> int:
        with self._lock:
            return self._counts.get(name, 0)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

