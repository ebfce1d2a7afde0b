"""Each card type's text block, read over the pty and decoded at the facts' offsets."""

from __future__ import annotations

from datetime import date

import pytest
from simidcard_host import TODAY, sw3, ucs2

from sim.idcard import LONG_TERM, SimCard, id_check_digit, sample_cards


def _gb11643_ok(number: str) -> bool:
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(c) * w for c, w in zip(number[:17], weights, strict=True))
    return number[17] == "10X98765432"[total % 11]


def _read(host, emu, card: SimCard, para: int = 0x01) -> bytes:
    emu.place(card)
    host.find_select()
    frame = host.ask(0x30, para)
    assert sw3(frame) == 0x90
    return frame


def test_check_digit_against_a_published_example() -> None:
    assert id_check_digit("11010519491231002") == "X"  # GB 11643-1999's own example
    assert _gb11643_ok("11010519491231002X") and not _gb11643_ok("110105194912310021")


def test_sample_people_are_synthetic_and_valid(cards) -> None:
    assert set(cards) == {"resident", "resident_long_term", "resident_expired",
                          "foreign_2017", "foreign_2023", "hmt_residence"}
    for name in ("resident", "resident_long_term", "resident_expired"):
        assert cards[name].id_number.startswith("4403") and _gb11643_ok(cards[name].id_number)
        assert cards[name].address.startswith("广东省深圳市")
    assert cards["foreign_2023"].id_number.startswith("9")
    assert _gb11643_ok(cards["foreign_2023"].id_number)
    assert _gb11643_ok(cards["hmt_residence"].id_number)
    permit = cards["foreign_2017"].id_number
    assert len(permit) == 15 and permit[:3].isalpha() and permit[3:].isdigit()
    for card in cards.values():
        assert len(card.photo) == 1024 and len(card.text_block()) == 256


def test_resident_block(host, emu, cards) -> None:
    frame = _read(host, emu, cards["resident"])
    t = frame[14:270]
    assert ucs2(t, 0, 30) == "张三"
    assert ucs2(t, 30, 2) == "1"
    assert ucs2(t, 32, 4) == "01"
    assert ucs2(t, 36, 16) == "19900307"
    assert ucs2(t, 52, 70).startswith("广东省深圳市南山区")
    assert ucs2(t, 122, 36) == cards["resident"].id_number
    assert ucs2(t, 158, 30) == "深圳市公安局南山分局"
    assert ucs2(t, 188, 16) == "20220601" and ucs2(t, 204, 16) == "20320601"
    assert t[220:256] == " ".encode("utf-16-le") * 18  # reserved, no type char
    assert frame[270:1294] == cards["resident"].photo


def test_long_term_and_expired(host, emu, cards) -> None:
    t = _read(host, emu, cards["resident_long_term"])[14:270]
    assert ucs2(t, 204, 16) == LONG_TERM == "长期"
    assert len(ucs2(t, 52, 70)) == 35  # an address that fills its field
    expired = cards["resident_expired"]
    assert date.fromisoformat(expired.valid_to) < TODAY
    assert sample_cards(today=date(2040, 1, 1))["resident_expired"].valid_to.startswith("2039")


def test_foreign_2017_block(host, emu, cards) -> None:
    t = _read(host, emu, cards["foreign_2017"])[14:270]
    assert ucs2(t, 0, 120) == "MILLER, SAMPLE JOHN"
    assert ucs2(t, 120, 2) == "1"
    assert ucs2(t, 122, 30) == "CAN440385061500"
    assert ucs2(t, 152, 6) == "CAN"
    assert ucs2(t, 158, 30) == "米勒"
    assert ucs2(t, 188, 16) == "20220601" and ucs2(t, 204, 16) == "20320601"
    assert ucs2(t, 220, 16) == "19850615"
    assert ucs2(t, 236, 4) == "20" and ucs2(t, 240, 8) == "1500"
    assert ucs2(t, 248, 2) == "I"


def test_foreign_2023_block_splits_the_english_name(host, emu, cards) -> None:
    card = cards["foreign_2023"]
    t = _read(host, emu, card)[14:270]
    assert ucs2(t, 0, 30) == "安娜" and ucs2(t, 30, 2) == "2" and ucs2(t, 32, 4) == "00"
    assert ucs2(t, 36, 16) == "19920202"
    part1, part2 = t[52:122].decode("utf-16-le"), ucs2(t, 220, 22)
    assert (part1 + part2).rstrip() == card.english_name and len(part2) > 0
    assert ucs2(t, 122, 36) == card.id_number and card.id_number[0] == "9"
    assert ucs2(t, 242, 6) == "DEU" and ucs2(t, 248, 2) == "Y"


def test_residence_permit_block(host, emu, cards) -> None:
    t = _read(host, emu, cards["hmt_residence"])[14:270]
    assert ucs2(t, 0, 30) == "陈六" and ucs2(t, 32, 4) == ""  # a permit has no nation
    assert ucs2(t, 122, 36).startswith("810000")
    assert ucs2(t, 220, 18) == "H12345678" and ucs2(t, 238, 4) == "01"
    assert ucs2(t, 248, 2) == "J"


@pytest.mark.parametrize(("name", "fp_len"), [("resident", 1024), ("resident_long_term", 512),
                                              ("foreign_2017", 0)])
def test_read_with_fingerprint(host, emu, cards, name, fp_len) -> None:
    frame = _read(host, emu, cards[name], para=0x10)
    assert int.from_bytes(frame[5:7], "big") == 3 + 6 + 256 + 1024 + fp_len + 1
    assert frame[10:16] == bytes.fromhex("0100 0400") + fp_len.to_bytes(2, "big")
    assert frame[16:272] == cards[name].text_block()
    assert frame[272:1296] == cards[name].photo
    assert frame[1296:-1] == (cards[name].fingerprint or b"")


def test_appended_address(host, emu, cards) -> None:
    emu.place(cards["resident_long_term"])
    host.find_select()
    frame = host.ask(0x30, 0x03)
    assert sw3(frame) == 0x90 and ucs2(frame[10:-1], 0, 70) == "广东省深圳市罗湖区虚构路8号"
    emu.place(cards["resident"])
    host.find_select()
    assert host.ask(0x30, 0x03) == bytes.fromhex("AAAAAA9669 0004 000091 95")


def test_fields_that_do_not_fit_are_refused() -> None:
    with pytest.raises(ValueError, match="name"):
        SimCard("", "名" * 16, "1", "19900101", "x", "20200101", "20300101").text_block()
    with pytest.raises(ValueError):
        SimCard("X", "a", "1", "19900101", "x", "20200101", "20300101")
