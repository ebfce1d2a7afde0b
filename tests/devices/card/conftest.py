"""The card test session's rig: our own pcscd and two emulated cards (see card_rig.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from card_rig import CardRig, Slot, card_present, wait_for

from sim.card import CardEmulator, start_pcscd
from sim.card.pki import load_test_pki


@pytest.fixture(scope="session")
def card_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CardRig]:
    work = tmp_path_factory.mktemp("card")
    pcscd = start_pcscd(work / "pcscd")
    csca_dir = work / "csca"
    load_test_pki().write_csca(csca_dir)
    emulators = [CardEmulator("specimen", port=pcscd.port + i).start() for i in range(2)]
    try:
        for e in emulators:
            assert e.wait_connected(10), "the emulator could not reach vpcd"
        slots = [Slot(name, e) for name, e in zip(pcscd.readers, emulators, strict=True)]
        for s in slots:
            wait_for(lambda s=s: card_present(s.reader) is True, what=f"card in {s.reader}")
        yield CardRig(pcscd, slots, csca_dir)
    finally:
        for e in emulators:
            e.stop()
        pcscd.stop()


@pytest.fixture
def slot(card_rig: CardRig) -> Slot:
    return card_rig.slots[0]
