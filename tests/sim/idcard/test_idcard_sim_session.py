"""The card session: find, select, read in order; one read per placement."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from simidcard_host import PtyHost, sw3

from sim.idcard import ReaderEmulator

NOT_FOUND = bytes.fromhex("AAAAAA9669 0004 000080 84")
READ_FAILED = bytes.fromhex("AAAAAA9669 0004 000041 45")


def test_read_needs_find_and_select_first(host, emu, cards) -> None:
    emu.place(cards["resident"])
    assert host.ask(0x30, 0x01) == READ_FAILED  # nothing selected
    assert host.ask(0x20, 0x02) == bytes.fromhex("AAAAAA9669 0004 000081 85")  # no find
    assert sw3(host.ask(0x20, 0x01)) == 0x9F
    assert host.ask(0x30, 0x01) == READ_FAILED  # found but not selected
    host.find_select()
    assert sw3(host.ask(0x30, 0x01)) == 0x90
    assert emu.stats.reads == 1


def test_a_failed_command_ends_the_session(host, emu, cards) -> None:
    emu.place(cards["resident"])
    host.find_select()
    assert sw3(host.ask(0x20, 0x02)) == 0x81  # select again needs a find again
    assert host.ask(0x30, 0x01) == READ_FAILED


def test_sam_reset_ends_the_session(host, emu, cards) -> None:
    emu.place(cards["resident"])
    host.find_select()
    assert sw3(host.ask(0x10, 0xFF)) == 0x90
    assert host.ask(0x30, 0x01) == READ_FAILED


def test_one_read_per_placement(host, emu, cards) -> None:
    emu.place(cards["resident"])
    host.find_select()
    assert sw3(host.ask(0x30, 0x01)) == 0x90
    assert host.ask(0x30, 0x01) == READ_FAILED  # a second read needs a new find...
    assert host.ask(0x20, 0x01) == NOT_FOUND  # ...which fails while the card stays
    assert sw3(host.ask(0x30, 0x03)) != 0x90  # the session is gone with the failed find
    assert host.ask(0x20, 0x01) == NOT_FOUND
    emu.remove()
    assert host.ask(0x20, 0x01) == NOT_FOUND
    emu.place(cards["resident"])
    host.find_select()
    assert sw3(host.ask(0x30, 0x10)) == 0x90


def test_appended_address_after_the_read_in_the_same_session(host, emu, cards) -> None:
    emu.place(cards["resident_long_term"])
    host.find_select()
    assert sw3(host.ask(0x30, 0x01)) == 0x90
    assert sw3(host.ask(0x30, 0x03)) == 0x90


def test_read_once_can_be_switched_off(tmp_path: Path, cards) -> None:
    with ReaderEmulator(read_once_per_placement=False) as emu:
        h = PtyHost(emu.start_pty(tmp_path / "tty"))
        emu.place(cards["resident"])
        for _ in range(2):
            h.find_select()
            assert sw3(h.ask(0x30, 0x01)) == 0x90
        h.close()


def test_a_new_card_is_a_new_placement(host, emu, cards) -> None:
    emu.place(cards["resident"])
    host.find_select()
    emu.place(cards["foreign_2017"])  # swapped between select and read
    assert host.ask(0x30, 0x01) == READ_FAILED
    host.find_select()
    assert sw3(host.ask(0x30, 0x01)) == 0x90


def test_read_delay_and_a_card_taken_during_it(tmp_path: Path, cards) -> None:
    with ReaderEmulator(read_delay_s=0.3, answer_delay_s=0.01) as emu:
        h = PtyHost(emu.start_pty(tmp_path / "tty"))
        emu.place(cards["resident"])
        h.find_select()
        start = time.monotonic()
        assert sw3(h.ask(0x30, 0x01)) == 0x90
        assert 0.3 <= time.monotonic() - start < 1.5
        emu.place(cards["resident"])
        h.find_select()
        threading.Timer(0.1, emu.remove).start()
        assert h.ask(0x30, 0x01) == READ_FAILED
        assert emu.card is None and emu.stats.reads == 1
        h.close()
