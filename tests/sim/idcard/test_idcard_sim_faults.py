"""Each injected fault, once and n times, over the pty."""

from __future__ import annotations

import pytest
from simidcard_host import PRE, chk, req, sw3

OK = bytes.fromhex("AAAAAA9669 0004 000090 94")


def test_corrupt_gives_a_wrong_checksum_once(host, emu) -> None:
    emu.fault("corrupt")
    host.send(req(0x11, 0xFF))
    bad = host.read_for(0.2)
    assert bad[:-1] == OK[:-1] and bad[-1] != OK[-1] and chk(bad[5:-1]) != bad[-1]
    assert host.ask(0x11, 0xFF) == OK


def test_lost_drops_the_request_n_times(host, emu, cards) -> None:
    emu.place(cards["resident"])
    emu.fault("lost", count=2)
    host.send(req(0x20, 0x01))
    host.send(req(0x20, 0x01))
    assert host.read_for(0.2) == b""
    host.find_select()  # the lost finds never happened
    assert emu.stats.commands["find"] == 1 and emu.stats.faults_applied == 2


def test_lost_answer_acts_but_says_nothing(host, emu, cards) -> None:
    emu.place(cards["resident"])
    host.find_select()
    emu.fault("lost_answer")
    host.send(req(0x30, 0x01))
    assert host.read_for(0.2) == b""
    assert emu.stats.reads == 1
    assert sw3(host.ask(0x20, 0x01)) == 0x80  # the card was read: it is halted


def test_garbage_has_no_preamble_and_the_next_answer_is_clean(host, emu) -> None:
    emu.fault("garbage")
    host.send(req(0x11, 0xFF))
    junk = host.read_for(0.2)
    assert junk and PRE not in junk and 0xAA not in junk
    assert host.ask(0x11, 0xFF) == OK


def test_truncated_sends_half_a_frame(host, emu, cards) -> None:
    emu.place(cards["resident"])
    host.find_select()
    emu.fault("truncated")
    host.send(req(0x30, 0x01))
    half = host.read_for(0.3)
    assert len(half) == 1295 // 2 and half.startswith(PRE + b"\x05\x08")
    assert host.ask(0x11, 0xFF) == OK


def test_remove_mid_read(host, emu, cards) -> None:
    emu.place(cards["resident"])
    host.find_select()
    emu.fault("remove_mid_read")
    assert host.ask(0x30, 0x01) == bytes.fromhex("AAAAAA9669 0004 000041 45")
    assert emu.card is None
    assert sw3(host.ask(0x20, 0x01)) == 0x80


def test_sam_fault_holds_until_cleared(host, emu, cards) -> None:
    emu.place(cards["resident"])
    emu.fault("sam_fault")
    assert host.ask(0x11, 0xFF) == bytes.fromhex("AAAAAA9669 0004 000060 64")
    assert sw3(host.ask(0x10, 0xFF)) == 0x60  # a reset does not heal it
    for cmd, para in ((0x20, 0x01), (0x20, 0x02), (0x30, 0x01), (0x12, 0xFF)):
        assert sw3(host.ask(cmd, para)) == 0x60
    assert sw3(host.ask(0x60, 0x00)) == 0x90  # the reader's own MCU still answers
    assert ("sam_fault", 0) in emu.faults
    emu.clear_faults()
    assert host.ask(0x11, 0xFF) == OK
    host.find_select()
    assert sw3(host.ask(0x30, 0x01)) == 0x90


@pytest.mark.parametrize("code", [0x31, 0x32, 0x33, 0x40, 0x47])
def test_sw3_fault_on_the_next_card_command(host, emu, cards, code) -> None:
    emu.place(cards["resident"])
    emu.fault(f"sw3:0x{code:02x}", count=1)
    assert host.ask(0x11, 0xFF) == OK  # not a card command: untouched
    frame = host.ask(0x20, 0x01)
    assert frame == PRE + bytes([0, 4, 0, 0, code, 4 ^ code])
    host.find_select()
    emu.fault(f"sw3:{code}")  # decimal works too
    assert sw3(host.ask(0x30, 0x01)) == code
    assert sw3(host.ask(0x30, 0x01)) == 0x41  # the session ended with the failure


def test_faults_are_validated_and_cleared(emu) -> None:
    with pytest.raises(ValueError):
        emu.fault("melt")
    with pytest.raises(ValueError):
        emu.fault("corrupt", count=0)
    emu.fault("corrupt", count=3)
    assert emu.faults == [("corrupt", 3)]
    emu.clear_faults()
    assert emu.faults == []
