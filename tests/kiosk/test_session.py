"""The session holds a visit's personal data and wipes it: references dropped, buffers
overwritten, nothing personal in repr()."""

from __future__ import annotations

from datetime import date

from kiosk.session import AccessKey, Identity, Page, Session, Staff, mrz_date

FACE = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8


def full_session() -> Session:
    s = Session()
    s.access_key = AccessKey("E12345678", "850315", "330314")
    s.set_identity(Identity(
        document_type="P", issuing_state="CHN", document_number="E12345678", surname="ZHANG",
        given_names="WEI", full_name="张伟", nationality="CHN", birth_date=date(1985, 3, 15),
        sex="M", expiry_date=date(2033, 3, 14), personal_number="11010519491231002X",
        face=bytearray(FACE), face_mime="image/jpeg", passive_auth="verified"))
    s.form.update(full_name="张伟", mobile="13912345678")
    s.add_page("id_card_copy", Page(bytearray(b"\xff\xd8\xff page one")))
    s.add_page("id_card_copy", Page(bytearray(b"\xff\xd8\xff page two")))
    s.skipped.add("household_register")
    s.delivery = "mail"
    s.staff = Staff("S2001", "李强", ("assist",))
    s.lookup = ("BA01-K017-20250606-0001", "ABC123")
    return s


def test_wipe_forgets_everything_and_overwrites_buffers():
    s = full_session()
    assert s.holds_personal_data()
    assert "张伟" in s.personal_strings() and bytearray(FACE) in s.personal_strings()
    face = s.identity.face
    identity = s.identity
    pages = list(s.pages["id_card_copy"])
    s.wipe()
    assert not s.holds_personal_data() and s.personal_strings() == []
    assert s.identity is None and s.form == {} and s.pages == {} and s.staff is None
    # Whoever kept a reference to the old objects finds nothing in them either.
    assert len(face) == 0 and all(len(p.jpeg) == 0 for p in pages)
    assert identity.full_name == "" and identity.personal_number == ""
    assert identity.birth_date is None
    assert s.wiped_count == 1


def test_clear_citizen_keeps_the_assisting_staff():
    s = full_session()
    s.clear_citizen()
    assert s.identity is None and s.form == {} and s.pages == {} and s.lookup is None
    assert s.staff is not None
    s.wipe()
    assert s.staff is None


def test_pages_insert_replace_and_remove():
    s = Session()
    first = Page(bytearray(b"\xff\xd8\xff 1"))
    s.add_page("m", first)
    s.add_page("m", Page(bytearray(b"\xff\xd8\xff 3")))
    assert s.add_page("m", Page(bytearray(b"\xff\xd8\xff 2")), at=1) == 1
    assert [bytes(p.jpeg)[-1:] for p in s.pages["m"]] == [b"1", b"2", b"3"]
    s.remove_page("m", 0)
    assert len(first.jpeg) == 0 and s.page_count() == 2
    s.remove_page("m", 7)  # out of range: nothing happens
    assert s.page_count() == 2


def test_repr_shows_no_personal_data():
    s = full_session()
    text = repr(s) + repr(s.identity) + repr(s.access_key) + repr(s.staff) + \
        repr(s.pages["id_card_copy"])
    for secret in ("张伟", "ZHANG", "E12345678", "11010519491231002X", "13912345678",
                   "850315", "李强", "S2001", "page one"):
        assert secret not in text
    assert "identity=yes" in text and "pages=2" in text


def test_replacing_the_identity_wipes_the_old_one():
    s = full_session()
    old_face = s.identity.face
    s.set_identity(Identity("P", "UTO", "L898902C3", "ERIKSSON", "ANNA", "", "UTO", None, "F",
                            None, "", None, "", "not_checked"))
    assert len(old_face) == 0 and s.identity.display_name == "ERIKSSON ANNA"


def test_mrz_dates():
    today = date(2025, 6, 6)
    assert mrz_date("850315", birth=True, today=today) == date(1985, 3, 15)
    assert mrz_date("050315", birth=True, today=today) == date(2005, 3, 15)
    assert mrz_date("330314", birth=False, today=today) == date(2033, 3, 14)
    assert mrz_date("991231", birth=False, today=today) == date(1999, 12, 31)
    assert mrz_date("851315", birth=True, today=today) is None
    assert mrz_date("85031", birth=True, today=today) is None
