"""Form checks (GB 11643 ID numbers, dates, phones, selects; partial input), pages of
fields, the submission body, and prefill from the chip's identity."""

from __future__ import annotations

import random
from datetime import date

import pytest

from kiosk.catalog import FormField, Option
from kiosk.forms import check, check_all, contact_of, form_body, paginate, prefill
from kiosk.session import Identity
from kiosk.strings import STRINGS
from kiosk.text import Text
from offline_queue import loadtest
from offline_queue.resident_id import (
    birth_date_of,
    gb11643_check_digit,
    is_resident_id,
    resident_id_problem,
    synthetic_id_number,
)
from sim.platform.validation import check_form_value

TODAY = date(2025, 6, 6)


def field(kind, name="f", required=True, **kw):
    return FormField(name, Text("字段", "Field"), kind, required, **kw)


ID = field("id_number", "id_number")
PHONE = field("phone", "mobile")
DATE = field("date", "start_date")
NUMBER = field("number", "household_size")
TEXT = field("text", "full_name", max_length=5)
SELECT = field("select", "marital_status", options=(Option("single", Text("未婚", "Single")),
                                                    Option("married", Text("已婚", "Married"))))
OPTIONAL = field("text", "employer", required=False)


# --- GB 11643 ------------------------------------------------------------------------------


def test_check_digit_known_numbers():
    # The standard's example and a number ending in X.
    assert gb11643_check_digit("11010519491231002") == "X"
    assert gb11643_check_digit("44052418800101001") == "4"
    for bad in ("123", "1101051949123100A", "１１０１０５１９４９１２３１００２"):
        with pytest.raises(ValueError):
            gb11643_check_digit(bad)


def test_resident_id_problems():
    good = "11010519491231002X"
    assert is_resident_id(good, today=TODAY)
    assert birth_date_of(good) == date(1949, 12, 31)
    assert resident_id_problem("11010519491231002x", today=TODAY) == "bad_format"
    assert resident_id_problem("110105194912310021", today=TODAY) == "bad_check_digit"
    feb30 = "1101051949023000" + "1"
    assert resident_id_problem(feb30 + gb11643_check_digit(feb30), today=TODAY) == \
        "bad_birth_date"
    future = "11010520300101001"
    assert resident_id_problem(future + gb11643_check_digit(future), today=TODAY) == \
        "bad_birth_date"


def test_synthetic_numbers_are_valid_and_shared_with_the_loadtest():
    rng = random.Random(1)
    numbers = [synthetic_id_number(rng) for _ in range(200)]
    assert all(is_resident_id(n) for n in numbers)
    assert synthetic_id_number(rng, born=date(1990, 2, 3))[6:14] == "19900203"
    assert loadtest.synthetic_id_number is synthetic_id_number
    assert loadtest.gb11643_check_digit is gb11643_check_digit


def test_platform_simulator_agrees_on_every_synthetic_number():
    rng = random.Random(2)
    spec = {"type": "id_number"}
    for _ in range(100):
        assert check_form_value(spec, synthetic_id_number(rng)) is None


# --- checks, final and as you type -----------------------------------------------------------


@pytest.mark.parametrize(("f", "value", "key"), [
    (ID, "11010519491231002X", None),
    (ID, "11010519491231002x", None),  # normalised to the standard's upper-case X
    (ID, " 1101 0519 4912 3100 2X ", None),
    (ID, "110105194912310021", "form.id_bad_check_digit"),
    (ID, "1101051949123100", "form.id_incomplete"),
    (ID, "11010519491231002X1", "form.id_too_long"),
    (ID, "11010519491X31002X", "form.id_bad_format"),
    (ID, "110105199902300017", "form.id_bad_birth_date"),
    (PHONE, "13912345678", None),
    (PHONE, "0571-87654321", None),
    (PHONE, "057187654321", None),
    (PHONE, "010-1234567", None),
    (PHONE, "12912345678", "form.bad_phone"),
    (PHONE, "1391234", "form.phone_incomplete"),
    (PHONE, "139123456789", "form.bad_phone"),
    (PHONE, "phone", "form.bad_phone"),
    (DATE, "2025-02-28", None),
    (DATE, "2024/02/29", None),
    (DATE, "2025-02-29", "form.bad_date"),
    (DATE, "2025-13-01", "form.bad_date"),
    (DATE, "2025-06", "form.date_incomplete"),
    (DATE, "6 June", "form.bad_date_format"),
    (NUMBER, "3", None),
    (NUMBER, "-2.5", None),
    (NUMBER, "３", None),
    (NUMBER, "three", "form.not_a_number"),
    (TEXT, "张三", None),
    (TEXT, "张三李四王五", "form.too_long"),
    (SELECT, "married", None),
    (SELECT, "Married", "form.not_an_option"),
    (ID, "", "form.required"),
    (OPTIONAL, "", None),
])
def test_final_checks(f, value, key):
    result = check(f, value, today=TODAY)
    assert result.ok == (key is None)
    assert result.key == key
    if key is not None:
        assert key in STRINGS["zh"] and key in STRINGS["en"]


@pytest.mark.parametrize(("f", "value", "key", "incomplete"), [
    (ID, "", None, True),  # nothing typed yet: say nothing
    (ID, "110105", "form.id_incomplete", True),
    (ID, "11010519491231", "form.id_incomplete", True),
    (ID, "11010519491331", "form.id_bad_birth_date", False),  # month 13: wrong already
    (ID, "110105194912310021", "form.id_bad_check_digit", False),
    (PHONE, "1", "form.phone_incomplete", True),
    (PHONE, "139", "form.phone_incomplete", True),
    (PHONE, "0571-", "form.phone_incomplete", True),
    (PHONE, "2", "form.bad_phone", False),
    (DATE, "2025-0", "form.date_incomplete", True),
    (DATE, "2025-06-3", "form.date_incomplete", True),
    (DATE, "2025-6-31x", "form.bad_date_format", False),
    (NUMBER, "12.", None, True),
    (NUMBER, "-", None, True),
    (TEXT, "张三李四王五", "form.too_long", False),
])
def test_as_you_type_is_kinder_for_input_that_can_still_become_right(f, value, key,
                                                                      incomplete):
    result = check(f, value, partial=True, today=TODAY)
    assert not result.ok
    assert result.key == key and result.incomplete == incomplete


def test_messages_have_parameters_filled_in_both_languages():
    result = check(TEXT, "一二三四五六", today=TODAY)
    assert dict(result.params) == {"max": "5"}
    from kiosk.flow.state import Message

    msg = Message(result.key, result.params)
    assert msg.text("zh") == "不能超过5个字。" and msg.text("en") == "At most 5 characters."


def test_check_all_returns_only_the_failures():
    values = {"id_number": "110105194912310021", "mobile": "13912345678"}
    failures = check_all([ID, PHONE, DATE, OPTIONAL], values, today=TODAY)
    assert set(failures) == {"id_number", "start_date"}
    assert failures["start_date"].key == "form.required"


def test_body_and_contact():
    fields = [ID, PHONE, NUMBER, TEXT, OPTIONAL, field("address", "home_address"),
              field("phone", "work_phone", required=False)]
    values = {"id_number": "11010519491231002x", "mobile": " 139 1234 5678",
              "household_size": "3", "full_name": " 张三 ", "employer": "",
              "home_address": "杭州市上城区解放路1号", "work_phone": "0571-87654321"}
    body = form_body(fields, values)
    assert body == {"id_number": "11010519491231002X", "mobile": "13912345678",
                    "household_size": 3, "full_name": "张三",
                    "home_address": "杭州市上城区解放路1号", "work_phone": "0571-87654321"}
    assert form_body([NUMBER], {"household_size": "2.50"}) == {"household_size": 2.5}
    # The landline is not a mobile: contact keeps the mobile.
    assert contact_of(fields, values) == {"phone": "13912345678",
                                          "address": "杭州市上城区解放路1号"}
    assert contact_of([TEXT], {"full_name": "x"}) is None
    # What we submit, the platform accepts.
    for f in fields:
        if f.field in body:
            spec = {"type": f.type, "options": [{"value": o.value} for o in f.options]}
            assert check_form_value(spec, body[f.field]) is None, f.field


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "sizes"), [
    (0, []), (1, [1]), (4, [4]), (5, [3, 2]), (8, [4, 4]), (9, [3, 3, 3]), (10, [4, 3, 3]),
])
def test_pages_are_even_and_keep_the_order(n, sizes):
    fields = [field("text", f"f{i}") for i in range(n)]
    pages = paginate(fields, 4)
    assert [len(p) for p in pages] == sizes
    assert [f for p in pages for f in p] == fields
    with pytest.raises(ValueError):
        paginate(fields, 0)


# --- prefill ---------------------------------------------------------------------------------


def make_identity(personal: str, *, full_name: str = "张<<伟", sex: str = "M") -> Identity:
    return Identity(document_type="P", issuing_state="CHN", document_number="E12345678",
                    surname="ZHANG", given_names="WEI", full_name="张伟" if full_name ==
                    "张<<伟" else full_name, nationality="CHN",
                    birth_date=date(1985, 3, 15), sex=sex, expiry_date=date(2033, 3, 14),
                    personal_number=personal, face=None, face_mime="",
                    passive_auth="verified")


FORM = [
    field("text", "full_name", max_length=50),
    field("id_number", "id_number"),
    field("date", "birth_date"),
    field("date", "start_date"),
    field("text", "employer", required=False),
    field("text", "nationality"),
    FormField("gender", Text("性别", "Sex"), "select", True,
              (Option("male", Text("男", "Male")), Option("female", Text("女", "Female")))),
    field("phone", "mobile"),
]


def test_prefill_from_the_chip():
    valid = synthetic_id_number(random.Random(3), born=date(1985, 3, 15))
    values = prefill(FORM, make_identity(valid), today=TODAY)
    assert values == {"full_name": "张伟", "id_number": valid, "birth_date": "1985-03-15",
                      "nationality": "CHN", "gender": "male"}


def test_prefill_skips_a_personal_number_that_is_no_resident_id():
    # The emulator's Chinese passport carries 110101198503150011: its check digit is wrong.
    values = prefill(FORM, make_identity("110101198503150011"), today=TODAY)
    assert "id_number" not in values and values["full_name"] == "张伟"
    assert "id_number" not in prefill(FORM, make_identity("ZE184226B"), today=TODAY)


def test_prefill_respects_max_length():
    short = [field("text", "full_name", max_length=2)]
    assert prefill(short, make_identity("", full_name="欧阳明轩"), today=TODAY) == {}


def test_identity_from_a_chip_document_cleans_the_mrz_forms():
    from devices.card.port import FaceImage, IdentityDocument, PassiveAuthResult

    doc = IdentityDocument(
        mrz_format="TD3", document_type="P", issuing_state="CHN", document_number="E12345678",
        surname="ZHANG", given_names="WEI<MING", nationality="CHN", birth_date="850315",
        sex="M", expiry_date="330314", full_name="张<<伟", personal_number="LMNKLMNK<<<<",
        face=FaceImage(b"\xff\xd8\xff" + b"x" * 10, "image/jpeg"),
        passive_auth=PassiveAuthResult("not_checked", "csca_store", ""),
        data_groups=(1, 2, 11), apdu_count=1, bytes_read=1, read_ms=1.0)
    i = Identity.from_document(doc, today=TODAY)
    assert i.full_name == "张伟" and i.given_names == "WEI MING"
    assert i.birth_date == date(1985, 3, 15) and i.expiry_date == date(2033, 3, 14)
    assert i.personal_number == "LMNKLMNK" and not i.chip_verified
    assert isinstance(i.face, bytearray) and i.face_mime == "image/jpeg"
    assert "张" not in repr(i) and "E12345678" not in repr(i)
