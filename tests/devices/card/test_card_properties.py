"""Property tests: random and truncated input gives only the module's own errors."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.card import lds, passive_auth
from devices.card.apdu import CommandApdu
from devices.card.errors import CardError, SecureMessagingError, TlvError
from devices.card.secure_messaging import SecureChannel
from devices.card.tlv import encode, header_length, parse_all, parse_single
from sim.card.chip import Chip
from sim.card.lds import build_files
from sim.card.profiles import PROFILES

KS_ENC = bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = bytes.fromhex("F1CB1F1FB5ADF208806B89DC579DC1F8")
SPECIMEN = build_files(PROFILES["specimen"])
FAST = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.binary(max_size=300))
def test_tlv_parser_random_bytes(data):
    for fn in (parse_all, parse_single, header_length):
        with contextlib.suppress(TlvError):
            fn(data)
    try:
        for node in parse_all(data):
            if node.constructed:
                node.find(0x5F1F)
    except TlvError:
        pass


@FAST
@given(st.sampled_from(sorted(SPECIMEN.by_fid)), st.data())
def test_tlv_parser_truncated_files(fid, data):
    content = SPECIMEN.by_fid[fid]
    cut = data.draw(st.integers(0, len(content) - 1))
    try:
        parse_single(content[:cut]).find(0x5F2E)
        raise AssertionError("a truncated file parsed")
    except TlvError:
        pass


@settings(database=None)
@given(st.binary(max_size=200), st.integers(1, 0x5FFF))
def test_tlv_round_trip(value, tag):
    tag = tag if tag < 0x100 and tag & 0x1F != 0x1F else 0x5F00 | (tag & 0x7F)
    node = parse_single(encode(tag, value))
    assert (node.tag, node.value) == (tag, value)


def _fresh() -> SecureChannel:
    return SecureChannel(KS_ENC, KS_MAC, 0x887022120C06C226)


@FAST
@given(st.binary(max_size=300))
def test_sm_response_random_bytes(raw):
    with contextlib.suppress(SecureMessagingError):
        _fresh().unprotect(raw)


def _real_response() -> tuple[SecureChannel, bytes]:
    """A genuine protected READ BINARY answer from the emulated chip."""
    chip = Chip(PROFILES["specimen"])
    chip.ks_enc, chip.ks_mac, chip.ssc, chip.app_selected = KS_ENC, KS_MAC, 7, True
    reader = SecureChannel(KS_ENC, KS_MAC, 7)
    raw = chip.process(reader.protect(CommandApdu(0x00, 0xB0, 0x81, 0x00, le=64)))
    return reader, raw


@FAST
@given(st.data())
def test_sm_response_truncated_or_flipped(data):
    reader, raw = _real_response()
    mode = data.draw(st.sampled_from(["cut", "flip"]))
    if mode == "cut":
        broken = raw[:data.draw(st.integers(0, len(raw) - 3))] + raw[-2:]
    else:
        i = data.draw(st.integers(0, len(raw) - 3))
        broken = raw[:i] + bytes([raw[i] ^ data.draw(st.integers(1, 255))]) + raw[i + 1:]
    try:
        answer = reader.unprotect(broken)
    except SecureMessagingError:
        return
    # the only survivable damage is none at all: a plain status word has no data
    assert answer.data == b"" and broken[:-2] == b""


def test_sm_genuine_response_opens():
    reader, raw = _real_response()
    answer = reader.unprotect(raw)
    assert answer.sw == 0x9000 and answer.data == SPECIMEN.by_fid[0x0101][:64]


@FAST
@given(st.binary(max_size=400), st.sampled_from([lds.parse_com, lds.parse_dg1,
                                                 lds.parse_dg2, lds.parse_dg11]))
def test_lds_parsers_random_bytes(data, parser):
    with contextlib.suppress(CardError):
        parser(data)


@FAST
@given(st.sampled_from([0x0101, 0x0102, 0x010B]), st.data())
def test_lds_parsers_on_damaged_files(fid, data):
    files = build_files(PROFILES["chinese"]).by_fid
    content = bytearray(files[fid])
    i = data.draw(st.integers(0, len(content) - 1))
    content[i] ^= data.draw(st.integers(1, 255))
    parser = {0x0101: lds.parse_dg1, 0x0102: lds.parse_dg2, 0x010B: lds.parse_dg11}[fid]
    with contextlib.suppress(CardError):
        parser(bytes(content))


@settings(max_examples=60, deadline=None, database=None)
@given(st.binary(max_size=200))
def test_passive_auth_never_raises(junk):
    result = passive_auth.verify(junk, {1: b"x"}, [])
    assert result.status == "failed" and result.step == "sod"
    sod = SPECIMEN.by_fid[0x011D]
    cut = passive_auth.verify(sod[: len(junk) % len(sod)], {1: SPECIMEN.by_fid[0x0101]}, [])
    assert cut.status == "failed"
