"""The frame layer over a real pty: exact answers, checksums, LEN, errors, resync."""

from __future__ import annotations

import pytest
from simidcard_host import PRE, PtyHost, chk, req, sw3

from sim.idcard import ReaderEmulator

H = bytes.fromhex


def test_request_frames_of_the_facts_are_what_the_tests_build() -> None:
    # the facts' table: ..00 03 10 FF EC etc.
    assert req(0x10, 0xFF) == H("AAAAAA9669 0003 10FF EC")
    assert req(0x11, 0xFF)[-1] == 0xED
    assert req(0x12, 0xFF)[-1] == 0xEE
    assert req(0x20, 0x01)[-1] == 0x22
    assert req(0x20, 0x02)[-1] == 0x21
    assert req(0x30, 0x01)[-1] == 0x32
    assert req(0x30, 0x10)[-1] == 0x23
    assert req(0x30, 0x03)[-1] == 0x30


def test_sam_status_reset_and_id_answer_exactly(host) -> None:
    assert host.ask(0x11, 0xFF) == H("AAAAAA9669 0004 000090 94")
    assert host.ask(0x10, 0xFF) == H("AAAAAA9669 0004 000090 94")
    frame = host.ask(0x12, 0xFF)
    assert frame[:10] == H("AAAAAA9669 0014 000090")  # LEN 20: SW 3 + 16 + CHK
    data = frame[10:-1]
    assert len(data) == 16
    le = [int.from_bytes(data[a:b], "little") for a, b in ((0, 2), (2, 4), (4, 8), (8, 12),
                                                             (12, 16))]
    assert le == [5, 1, 20231115, 123456, 1234567890]


def test_find_and_select_with_a_card_and_without(host, emu, cards) -> None:
    assert host.ask(0x20, 0x01) == H("AAAAAA9669 0004 000080 84")
    assert host.ask(0x20, 0x02) == H("AAAAAA9669 0004 000081 85")
    emu.place(cards["resident"])
    assert host.ask(0x20, 0x01) == H("AAAAAA9669 0008 00009F 00000000 97")
    assert host.ask(0x20, 0x02) == H("AAAAAA9669 000C 000090 0000000000000000 9C")


def test_read_frame_layout(host, emu, cards) -> None:
    emu.place(cards["resident"])
    host.find_select()
    frame = host.ask(0x30, 0x01)
    assert len(frame) == 1295
    assert frame[:14] == H("AAAAAA9669 0508 000090 0100 0400")
    assert frame[14:270] == cards["resident"].text_block()
    assert frame[270:1294] == cards["resident"].photo
    assert chk(frame[5:-1]) == frame[-1]


def test_bad_checksum_answers_10(host) -> None:
    host.send(req(0x11, 0xFF, checksum=0x00))
    assert host.frame() == H("AAAAAA9669 0004 000010 14")


@pytest.mark.parametrize("length", [0, 1, 2, 0x0508, 0xFFFF])
def test_impossible_length_answers_11_at_once(host, length) -> None:
    host.send(PRE + length.to_bytes(2, "big") + b"\x11\xff\x00")
    assert host.frame() == H("AAAAAA9669 0004 000011 15")


def test_data_on_a_command_without_data_answers_11(host) -> None:
    assert sw3(host.ask(0x20, 0x01, b"\x00")) == 0x11


def test_a_frame_that_stops_short_answers_11_after_the_frame_timeout(host) -> None:
    host.send(req(0x11, 0xFF)[:-2])  # LEN says 3, only 1 byte follows
    assert host.read_for(0.1) == b""  # the reader is still waiting
    assert host.frame(timeout=1.0) == H("AAAAAA9669 0004 000011 15")
    assert host.ask(0x11, 0xFF) == H("AAAAAA9669 0004 000090 94")  # and it listens again


def test_unknown_command_and_unknown_parameter_answer_21(host, emu) -> None:
    assert host.ask(0x77, 0x01) == H("AAAAAA9669 0004 000021 25")
    assert sw3(host.ask(0x20, 0x07)) == 0x21
    assert sw3(host.ask(0x60, 0x05)) == 0x21
    assert emu.stats.commands["unknown"] == 2


def test_resync_after_garbage_and_across_split_writes(host, emu) -> None:
    host.send(b"\x00\xaa\xaa\x13\x37garbage\xaa\xaa")  # a false start, then a split frame
    host.send(b"\xaa\xaa\xaa\xaa\x96\x69\x00\x03")
    host.send(b"\x11\xff\xed")
    assert host.frame() == H("AAAAAA9669 0004 000090 94")
    assert host.ask(0x20, 0x01) == H("AAAAAA9669 0004 000080 84")
    assert emu.stats.garbage_bytes > 0


def test_two_requests_in_one_write_get_two_answers(host) -> None:
    host.send(req(0x11, 0xFF) + req(0x20, 0x01))
    answers = host.read_for(0.3)
    assert answers == H("AAAAAA9669 0004 000090 94") + H("AAAAAA9669 0004 000080 84")


def test_counters(host, emu) -> None:
    host.ask(0x11, 0xFF)
    host.send(req(0x11, 0xFF, checksum=1))
    host.frame()
    stats = emu.stats
    assert (stats.frames_in, stats.frames_out, stats.bad_frames) == (2, 2, 1)
    assert stats["commands"] == {"sam_status": 1}


def test_a_vendor_command_set(tmp_path) -> None:
    with ReaderEmulator(commands={"find": (0x20, 0x11), "baud": (0x61, 0x00)}) as emu:
        h = PtyHost(emu.start_pty(tmp_path / "tty"))
        assert sw3(h.ask(0x20, 0x01)) == 0x21  # the standard bytes are now unknown
        assert sw3(h.ask(0x20, 0x11)) == 0x80
        assert sw3(h.ask(0x61, 0x00)) == 0x90
        h.close()
