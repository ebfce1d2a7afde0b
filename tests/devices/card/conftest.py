"""The card tests' slot; the session's rig (pcscd + two emulated cards) is in
tests/conftest.py, shared with the flow tests (pcsc-lite allows one daemon per machine)."""

from __future__ import annotations

import pytest

from tests.card_rig import CardRig, Slot


@pytest.fixture
def slot(card_rig: CardRig) -> Slot:
    return card_rig.slots[0]
