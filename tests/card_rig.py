"""Helpers for the card tests: pcscd with two vpcd slots and an emulated card in each.

We start our own pcscd (private reader.conf.d, our own ports) unless one is already
running; then we reuse it and skip only what would disturb it (the restart test).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from devices.card.transport import card_present
from sim.card import CardEmulator, PcscdProcess

SPECIMEN_KEY = ("L898902C3", "740812", "120415")


def wait_for(predicate, timeout_s: float = 6.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Slot:
    reader: str
    emulator: CardEmulator
    current: tuple[str, int | None, str | None] = ("specimen", None, None)

    def present(self, profile: str, *, remove_after: int | None = None,
                uid: str | None = None) -> None:
        """Pull whatever card is there, wait until pcscd saw it go, insert `profile`."""
        from sim.card.profiles import get_profile

        wanted = (profile, remove_after, uid)
        if (self.current == wanted and remove_after is None
                and card_present(self.reader) is True):
            return  # the same card is still there (a read resets it on the way out)
        self.current = wanted
        self.emulator.remove()
        # pcscd polls vpcd every 400 ms: a card back sooner can leave the slot empty
        wait_for(lambda: card_present(self.reader) is False, what=f"{self.reader} empty")
        time.sleep(1.0)
        self.emulator.set_profile(get_profile(profile, uid=uid))
        self.emulator.remove_after = remove_after
        self.emulator.insert()
        wait_for(lambda: card_present(self.reader) is True, what=f"card in {self.reader}")


@dataclass
class CardRig:
    pcscd: PcscdProcess
    slots: list[Slot]
    csca_dir: Path


