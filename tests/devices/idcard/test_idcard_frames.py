"""The frame layer: the documented frames byte for byte, answers, junk, and a parser that
only ever raises our own errors."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard.errors import ChecksumError, GarbageAnswer, IdCardError
from devices.idcard.frames import PREAMBLE, FrameAssembler, checksum, encode_request, parse_answer
from devices.idcard.profile import CommandProfile
from devices.idcard.sw3 import SW3_ERRORS, sw3_error

# (command, para) -> the tail after the preamble, from the protocol facts' table
DOCUMENTED = {
    (0x10, 0xFF): "00 03 10 FF EC", (0x11, 0xFF): "00 03 11 FF ED",
    (0x12, 0xFF): "00 03 12 FF EE", (0x20, 0x01): "00 03 20 01 22",
    (0x20, 0x02): "00 03 20 02 21", (0x30, 0x01): "00 03 30 01 32",
    (0x30, 0x10): "00 03 30 10 23", (0x30, 0x03): "00 03 30 03 30",
}


def answer(sw3: int, data: bytes = b"") -> bytes:
    body = bytes((0, 0, sw3)) + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes((checksum(length + body),))


@pytest.mark.parametrize(("command", "tail"), DOCUMENTED.items())
def test_requests_match_the_documented_frames(command, tail):
    assert encode_request(*command) == PREAMBLE + bytes.fromhex(tail)


def test_the_default_profile_is_the_documented_command_set():
    p = CommandProfile()
    assert {p.reset_sam, p.sam_status, p.sam_id, p.find, p.select, p.read,
            p.read_fingerprint, p.appended_address} == set(DOCUMENTED)


def test_documented_status_ok_answer_parses():
    got = parse_answer(PREAMBLE + bytes.fromhex("00 04 00 00 90 94"))
    assert (got.sw1, got.sw2, got.sw3, got.data) == (0, 0, 0x90, b"")


def test_a_read_answer_is_1295_bytes_with_text_at_14_and_photo_at_270():
    text, photo = bytes(range(256)), bytes([7]) * 1024
    frame = answer(0x90, b"\x01\x00\x04\x00" + text + photo)
    assert len(frame) == 1295 and frame[5:7] == b"\x05\x08"
    assert frame[14:270] == text and frame[270:1294] == photo
    assert parse_answer(frame).data[4:260] == text


def test_a_flipped_checksum_is_a_checksum_error():
    frame = bytearray(answer(0x9F, bytes(4)))
    frame[-1] ^= 0x01
    with pytest.raises(ChecksumError):
        parse_answer(bytes(frame))


@pytest.mark.parametrize("length", [b"\x00\x02", b"\xff\xff"])
def test_an_impossible_length_is_garbage(length):
    with pytest.raises(GarbageAnswer):
        parse_answer(PREAMBLE + length + b"\x00\x00\x90\x90")


def test_the_assembler_skips_junk_and_never_reads_past_a_frame():
    frame = answer(0x90, b"\x11" * 8)
    junk = b"\x00\xaa\xaa\x13\xaa\x96"
    asm = FrameAssembler()
    stream = junk + frame + answer(0x80)
    pos = 0
    got = None
    while got is None:
        need = asm.needed()
        assert pos + need <= len(junk) + len(frame)  # never asks beyond this frame's end
        got = asm.feed(stream[pos:pos + need])
        pos += need
    assert got.sw3 == 0x90 and got.data == b"\x11" * 8 and asm.skipped == len(junk)


def test_a_preamble_split_across_chunks_is_found():
    frame = answer(0x9F, bytes(4))
    asm = FrameAssembler()
    results = [asm.feed(frame[i:i + 1]) for i in range(len(frame))]
    assert results[-1] is not None and results[-1].sw3 == 0x9F
    assert all(r is None for r in results[:-1])


@pytest.mark.parametrize("sw3", sorted(SW3_ERRORS))
def test_every_documented_failing_sw3_is_a_typed_error_with_its_own_code(sw3):
    err = sw3_error(sw3, "find")
    assert isinstance(err, IdCardError) and err.sw3 == sw3
    assert err.code == SW3_ERRORS[sw3][1] and f"{sw3:02X}" in str(err)


def test_codes_are_distinct_and_an_unknown_sw3_still_is_typed():
    codes = [entry[1] for entry in SW3_ERRORS.values()]
    assert len(codes) == len(set(codes))
    assert sw3_error(0x55, "read").code == "sw3_unknown"


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_garbage_into_the_parser_gives_a_typed_error_never_a_foreign_one(data):
    with contextlib.suppress(IdCardError):
        parse_answer(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=40),
                          st.just(PREAMBLE), st.just(b"\x00\x05"), st.just(b"\xff\xff")),
                max_size=20))
def test_garbage_into_the_assembler_gives_answers_or_typed_errors(chunks):
    asm = FrameAssembler()
    for chunk in chunks:
        try:
            got = asm.feed(chunk)
        except IdCardError:
            asm = FrameAssembler()
            continue
        assert got is None or got.sw3 in range(256)
