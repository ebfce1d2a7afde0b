"""The hardware worker's bounds, and the client against the emulated chip in-process."""

from __future__ import annotations

import threading
import time

import pytest

from devices.card.client import read_identity
from devices.card.errors import BacFailed, CardTimeout, SecureMessagingError
from devices.card.worker import HardwareWorker
from devices.mrz import bac_seed
from sim.card.chip import Chip
from sim.card.lds import build_files
from sim.card.pki import load_test_pki
from sim.card.profiles import PROFILES


class ChipTransport:
    """The emulator's chip called directly: same bytes as through pcscd, no socket."""

    def __init__(self, profile: str, corrupt_after: int | None = None):
        self.chip = Chip(PROFILES[profile])
        self.sent: list[bytes] = []
        self.corrupt_after = corrupt_after

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        answer = self.chip.process(apdu)
        if self.corrupt_after is not None and len(self.sent) > self.corrupt_after:
            answer = answer[:-5] + bytes([answer[-5] ^ 1]) + answer[-4:]  # a MAC byte
        return answer


SPECIMEN = bac_seed("L898902C3", "740812", "120415")
CSCAS = [load_test_pki().csca_cert]


def test_worker_times_out_and_recovers():
    worker = HardwareWorker("test-io")
    release = threading.Event()
    try:
        with pytest.raises(CardTimeout, match="within 0.2"):
            worker.call(lambda: release.wait(5), 0.2, "a hung call")
        assert worker.replaced == 1
        started = time.monotonic()
        assert worker.call(lambda: threading.current_thread().name, 2.0) == "test-io"
        assert time.monotonic() - started < 2.0  # not queued behind the hung call
        with pytest.raises(ZeroDivisionError):
            worker.call(lambda: 1 / 0, 1.0)
    finally:
        release.set()
        worker.stop()


def test_extended_reads_use_one_apdu_per_file():
    t = ChipTransport("specimen")
    doc = read_identity(t, SPECIMEN, cscas=CSCAS)
    assert doc.apdu_count == len(t.sent) == 7
    assert [a[1] for a in t.sent[3:]] == [0xB0] * 4
    assert all(a[2] & 0x80 for a in t.sent[3:])  # short file identifiers, no SELECTs


def test_le_ladder_on_a_short_read_chip():
    t = ChipTransport("short")
    doc = read_identity(t, SPECIMEN, cscas=CSCAS)
    assert doc.passive_auth.status == "verified"
    # four refusals (extended, 256, 224: 6700; 160: 6C64), then every read at the limit:
    # the fewest APDUs this chip allows
    sizes = [len(build_files(PROFILES["short"]).by_fid[f]) for f in (0x11E, 0x11D, 0x101, 0x102)]
    assert doc.apdu_count == len(t.sent) == 3 + 4 + sum(-(-n // 100) for n in sizes)


def test_without_extended_length_reads_start_at_256():
    t = ChipTransport("specimen")
    doc = read_identity(t, SPECIMEN, cscas=CSCAS, extended_length=False)
    assert doc.face is not None and doc.passive_auth.status == "verified"
    # 15.5 KB in reads of at most 256 bytes
    assert doc.apdu_count >= 3 + doc.bytes_read // 256


def test_wrong_key_and_corrupted_mac():
    with pytest.raises(BacFailed):
        read_identity(ChipTransport("specimen"), bac_seed("L898902C3", "740812", "120416"),
                      cscas=CSCAS)
    with pytest.raises(SecureMessagingError, match="MAC"):
        read_identity(ChipTransport("specimen", corrupt_after=4), SPECIMEN, cscas=CSCAS)
