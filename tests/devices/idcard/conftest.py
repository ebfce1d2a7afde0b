"""The ID card driver's rig: the emulator (sim/idcard) on a real pty, opened by pyserial,
and services with short timeouts so lost answers cost little test time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from idcard_rig import TODAY, Events, fast_settings

from devices.idcard.service import IdCardService
from sim.idcard import ReaderEmulator, SimCard, sample_cards


@pytest.fixture
def cards() -> dict[str, SimCard]:
    return sample_cards(today=TODAY)


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[ReaderEmulator]:
    reader = ReaderEmulator(sam_id="05.01-20231115-0000123456-1234567890")
    reader.start_pty(link=tmp_path / "ttyIDR0")
    yield reader
    reader.stop()


@pytest.fixture
def make_service(emu: ReaderEmulator) -> Iterator[Callable[..., IdCardService]]:
    made: list[IdCardService] = []

    def make(**changes: object) -> IdCardService:
        assert emu.pty_path is not None
        service = IdCardService(fast_settings(str(emu.pty_path), **changes),
                                today=lambda: TODAY)
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop(2.0)


@pytest.fixture
def events() -> Events:
    return Events()
