"""Fixtures for the ID card reader emulator's tests: an emulator on a pty, and a host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from simidcard_host import TODAY, PtyHost

from sim.idcard import ReaderEmulator, SimCard, sample_cards


@pytest.fixture
def cards() -> dict[str, SimCard]:
    return sample_cards(today=TODAY)


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[ReaderEmulator]:
    reader = ReaderEmulator(sam_id="05.01-20231115-0000123456-1234567890",
                            frame_timeout_s=0.2, seed=7)
    reader.start_pty(link=tmp_path / "ttyIDR0")
    yield reader
    reader.stop()


@pytest.fixture
def host(emu: ReaderEmulator) -> Iterator[PtyHost]:
    assert emu.pty_path is not None
    h = PtyHost(emu.pty_path)
    yield h
    h.close()
