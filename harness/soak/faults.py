"""The soak run's fault schedule: what breaks, when, for how many visits; seeded.

Stretches (the platform dropping connections, answering 503, too slow or flaky; the
printer off, out of paper, cover open; the camera unplugged; the card reader empty; the ID
card reader unplugged or its SAM failing its self-test) start between visits and last a few
visits; one-shots (the card pulled mid-read, the document reaching the reader late, the
printer cut off mid-job, pcscd restarting; the ID card reader's answer corrupted or lost,
the ID card taken away mid-read) belong to one visit. At most one stretch per family runs
at a time.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .camera import SoakCamera
from .world import PLATFORM_READ_TIMEOUT_S, SoakWorld, wait_for

log = logging.getLogger(__name__)

SUBMISSIONS = "/api/v1/submissions"
PLATFORM_RULES: dict[str, list[dict[str, Any]]] = {
    "platform_outage": [{"kind": "drop"}],
    "platform_503": [{"kind": "status", "status": 503, "retry_after": 1}],
    "platform_slow": [{"kind": "delay", "seconds": PLATFORM_READ_TIMEOUT_S + 0.3,
                       "probability": 0.5}],
    "platform_flaky": [{"kind": "commit_then_drop", "method": "POST", "path": SUBMISSIONS,
                        "probability": 0.5},
                       {"kind": "corrupt", "probability": 0.1},
                       {"kind": "drop", "probability": 0.1}],
}
PRINTER_KINDS = ("printer_off", "printer_paper_out", "printer_cover_open", "printer_near_end")
STRETCHES: dict[str, tuple[str, tuple[int, int], float]] = {
    # kind: (family, visits it lasts (min, max), chance per visit to start when idle)
    **{k: ("platform", (8, 40), 1 / 200) for k in PLATFORM_RULES},
    **{k: ("printer", (4, 20), 1 / 300) for k in PRINTER_KINDS},
    "camera_offline": ("camera", (4, 12), 1 / 300),
    "card_absent": ("card", (2, 6), 1 / 400),
    "idcard_unplugged": ("idcard", (2, 6), 1 / 300),
    "idcard_sam_fault": ("idcard", (2, 5), 1 / 400),
}
ONE_SHOTS: dict[str, float] = {"card_pull": 1 / 60, "card_late": 1 / 80,
                               "printer_drop": 1 / 80, "pcscd_restart": 1 / 1500,
                               "idcard_corrupt": 1 / 60, "idcard_lost": 1 / 80,
                               "idcard_pulled": 1 / 80}
# The ID card reader's one-shots happen on the visit that lays a card on it.
IDCARD_SHOTS = {"idcard_corrupt": "corrupt", "idcard_lost": "lost_answer",
                "idcard_pulled": "remove_mid_read"}
ALL_KINDS = (*STRETCHES, *ONE_SHOTS)


@dataclass
class Active:
    kind: str
    until: int  # the visit index at which it ends


@dataclass
class Faults:
    """Starts and ends faults between visits; counts what it injected."""

    world: SoakWorld
    camera: SoakCamera
    rng: random.Random
    visits: int
    dense: bool = False  # every kind at least once, early and short (tests)
    injected: Counter[str] = field(default_factory=Counter)
    active: dict[str, Active] = field(default_factory=dict)  # by family
    control_failed: Counter[str] = field(default_factory=Counter)
    _forced: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dense:
            kinds = list(ALL_KINDS)
            if not self.can_restart_pcscd():
                kinds.remove("pcscd_restart")
            self.rng.shuffle(kinds)
            step = max(1, self.visits // (len(kinds) + 1))
            self._forced = {step * (i + 1) - 1: k for i, k in enumerate(kinds)}

    def can_restart_pcscd(self) -> bool:
        pcscd = self.world.card.pcscd
        return pcscd is not None and pcscd.owned

    # ---- between visits ----------------------------------------------------------------

    def before(self, visit: int) -> list[str]:
        """End stretches that are over, start new ones; the one-shots for this visit."""
        for family, act in list(self.active.items()):
            if visit >= act.until:
                self._end(act.kind)
                del self.active[family]
        shots: list[str] = []
        forced = self._forced.get(visit)
        for kind, (family, (lo, hi), chance) in STRETCHES.items():
            if family in self.active:
                continue
            if kind == forced or (not self.dense and self.rng.random() < chance):
                length = self.rng.randint(2, 3) if self.dense else self.rng.randint(lo, hi)
                self._start(kind)
                self.active[family] = Active(kind, visit + length)
        for kind, chance in ONE_SHOTS.items():
            if kind == forced or (not self.dense and self.rng.random() < chance):
                if kind == "pcscd_restart" and not self.can_restart_pcscd():
                    continue
                shots.append(kind)
        return shots

    def shot(self, kind: str) -> bool:
        """A one-shot, at the moment the visit needs it (the card ones are the visit's)."""
        if kind == "printer_drop" and not self.world.printer.is_on:
            return False  # switched off already: nothing to cut off
        self.injected[kind] += 1
        log.info("soak_fault kind=%s", kind)
        if kind == "printer_drop":
            self._control(self.world.printer.set_state,
                          drop_after_bytes=self.rng.randint(60, 400))
        elif kind == "pcscd_restart":
            self.world.card.restart_pcscd()
        elif kind in IDCARD_SHOTS:
            self.world.idcard.fault(IDCARD_SHOTS[kind])
        return True

    def _control(self, call: Any, *args: object, **kwargs: object) -> None:  # noqa: ANN401
        # A simulator's control API not answering is the soak's problem, not the kiosk's:
        # say so and go on (the fault simply did not happen).
        try:
            call(*args, **kwargs)
        except OSError as exc:
            self.control_failed[type(exc).__name__] += 1
            log.warning("soak_control_failed call=%s error=%s",
                        getattr(call, "__name__", "?"), type(exc).__name__)

    def _start(self, kind: str) -> None:
        self.injected[kind] += 1
        log.info("soak_fault_start kind=%s", kind)
        w = self.world
        if kind in PLATFORM_RULES:
            self._control(w.platform_faults, PLATFORM_RULES[kind])
        elif kind == "printer_off":
            w.printer.off()
        elif kind == "printer_paper_out":
            self._control(w.printer.set_state, paper="out")
        elif kind == "printer_near_end":
            self._control(w.printer.set_state, paper="near_end")
        elif kind == "printer_cover_open":
            self._control(w.printer.set_state, cover_open=True)
        elif kind == "camera_offline":
            self.camera.offline(True)
        elif kind == "card_absent":
            w.card.remove()
        elif kind == "idcard_unplugged":
            w.idcard.unplug()
        elif kind == "idcard_sam_fault":
            w.idcard.fault("sam_fault")

    def _end(self, kind: str) -> None:
        log.info("soak_fault_end kind=%s", kind)
        w = self.world
        if kind in PLATFORM_RULES:
            self._control(w.clear_platform_faults)
        elif kind == "printer_off":
            self._control(w.printer.on)
        elif kind in PRINTER_KINDS:
            self._control(w.printer.set_state, paper="ok", cover_open=False)
        elif kind == "camera_offline":
            self.camera.offline(False)
        elif kind == "card_absent":
            w.card.reinsert()
        elif kind == "idcard_unplugged":
            w.idcard.replug()
        elif kind == "idcard_sam_fault":
            w.idcard.clear_faults()

    def clear_all(self) -> None:
        for act in list(self.active.values()):
            self._end(act.kind)
        self.active.clear()
        w = self.world
        w.clear_platform_faults()
        w.printer.on()
        w.printer.set_state(paper="ok", cover_open=False, drop_after_bytes=None)
        self.camera.offline(False)
        w.card.restore()
        if not w.idcard.plugged:
            w.idcard.replug()
        w.idcard.clear_faults()
        w.idcard.remove()

    def wait_recovered(self, timeout_s: float = 8.0) -> bool:
        """After pcscd restarted: the card seen again."""
        return wait_for(self.world.card.present, timeout_s)
