"""The text block decoder on blocks built here from the layout table (independently of
the emulator), plus GB 11643 and the code tables."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard import gb11643
from devices.idcard.errors import CardDataError, IdCardError
from devices.idcard.nations import NATIONS
from devices.idcard.textblock import decode_address, decode_text


def block(fields: dict[tuple[int, int], str]) -> bytes:
    raw = bytearray(" ".encode("utf-16-le") * 128)
    for (start, length), value in fields.items():
        enc = value.encode("utf-16-le")
        assert len(enc) <= length
        raw[start:start + length] = enc + " ".encode("utf-16-le") * ((length - len(enc)) // 2)
    return bytes(raw)


def resident(**over: str) -> bytes:
    f = {"name": "测试人", "sex": "2", "nation": "11", "birth": "19880229",
         "address": "广东省深圳市福田区测试路1号", "id": "11010519491231002X",
         "issuer": "深圳市公安局福田分局", "from": "20200101", "to": "20400101"}
    f.update(over)
    return block({(0, 30): f["name"], (30, 2): f["sex"], (32, 4): f["nation"],
                  (36, 16): f["birth"], (52, 70): f["address"], (122, 36): f["id"],
                  (158, 30): f["issuer"], (188, 16): f["from"], (204, 16): f["to"]})


def test_gb11643_known_number_and_lower_case_x():
    assert gb11643.check_character("11010519491231002") == "X"
    assert gb11643.is_valid("11010519491231002X") and gb11643.is_valid("11010519491231002x")
    assert not gb11643.is_valid("110105194912310021")
    assert not gb11643.is_valid("1101051949123100")


def test_nation_table_is_complete():
    assert len(NATIONS) == 58 and NATIONS["01"] == "汉" and NATIONS["56"] == "基诺"


def test_resident_fields():
    t = decode_text(resident())
    assert (t.card_type, t.layout, t.name, t.sex, t.nation) == ("resident", "resident",
                                                               "测试人", "女", "满")
    assert t.birth_date == date(1988, 2, 29) and t.id_number == "11010519491231002X"
    assert t.address == "广东省深圳市福田区测试路1号" and t.issuer == "深圳市公安局福田分局"
    assert (t.valid_from, t.valid_until) == (date(2020, 1, 1), date(2040, 1, 1))
    assert t.name_en is None and t.pass_number is None


def test_long_term_validity():
    assert decode_text(resident(to="长期")).valid_until is None


@pytest.mark.parametrize(("field", "value", "code"), [
    ("id", "110105194912310021", "id_number_invalid"),
    ("birth", "19880230", "malformed_text"),
    ("to", "2040011", "malformed_text"),
    ("sex", "5", "malformed_text"),
    ("nation", "77", "malformed_text"),
    ("name", "", "malformed_text"),
])
def test_bad_fields_are_refused_without_quoting_them(field, value, code):
    with pytest.raises(CardDataError) as info:
        decode_text(resident(**{field: value}))
    assert info.value.code == code
    if value:
        assert value not in str(info.value)


def test_residence_permit():
    raw = bytearray(resident(id="810000199901010012"[:17] + gb11643.check_character(
        "81000019990101001"), nation=""))
    raw[220:256] = block({(220, 18): "H12345678", (238, 4): "03", (248, 2): "J"})[220:256]
    t = decode_text(bytes(raw))
    assert (t.card_type, t.pass_number, t.issue_count, t.nation) == ("hmt_residence",
                                                                   "H12345678", 3, None)


def test_foreign_2017():
    raw = block({(0, 120): "SMITH, JOHN", (120, 2): "1", (122, 30): "USA110012345678",
                 (152, 6): "USA", (158, 30): "史密斯", (188, 16): "20200101",
                 (204, 16): "20300101", (220, 16): "19800101", (236, 4): "01",
                 (240, 8): "1500", (248, 2): "I"})
    t = decode_text(raw)
    assert (t.card_type, t.layout, t.name, t.name_en) == ("foreign_permanent",
                                                          "foreign_2017", "史密斯", "SMITH, JOHN")
    assert (t.id_number, t.nationality, t.issuer, t.birth_date) == (
        "USA110012345678", "USA", "1500", date(1980, 1, 1))


def test_foreign_2023_joins_the_split_english_name():
    number = "93310019800101002"
    number += gb11643.check_character(number)
    first = "WILLIAMSON-FEATHERSTONEHAUGH, ALEX"  # 34 characters: part 1 is 35 wide
    raw = block({(0, 30): "", (30, 2): "2", (32, 4): "01", (36, 16): "19800101",
                 (52, 70): first + "A", (122, 36): number, (188, 16): "20230101",
                 (204, 16): "20330101", (220, 22): "NDRA MARIA", (242, 6): "GBR",
                 (248, 2): "Y"})
    t = decode_text(raw)
    assert t.name_en == first + "ANDRA MARIA" and t.name == t.name_en
    assert (t.id_number, t.nationality, t.issue_count) == (number, "GBR", 1)
    assert t.issuer == "中华人民共和国国家移民管理局"


def test_unknown_card_type_mark():
    raw = bytearray(resident())
    raw[248:250] = "Q".encode("utf-16-le")
    with pytest.raises(CardDataError) as info:
        decode_text(bytes(raw))
    assert info.value.code == "unknown_card_type"


def test_appended_address():
    assert decode_address("新地址101室".encode("utf-16-le") + b" \x00" * 10) == "新地址101室"
    assert decode_address(b" \x00" * 35) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=256, max_size=256))
def test_random_text_blocks_give_a_typed_error_or_a_card(raw):
    with contextlib.suppress(IdCardError):
        decode_text(raw)
