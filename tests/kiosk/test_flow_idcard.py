"""The visit identified by a resident ID card, through kiosk.flow without Qt: the SAM
reader's events as the composition root posts them (the card's decoded devices.idcard
Identity), against the real outbox, printer and platform simulator of the flow rig."""

from __future__ import annotations

import json
from datetime import date, timedelta

from devices.idcard.port import Identity as CardIdentity
from kiosk.flow.state import Screen
from offline_queue.resident_id import synthetic_id_number
from tests.kiosk.flow_rig import capture_materials, find_by_initials

ADDRESS = "广东省深圳市南山区科技园示例路1号"


def card(*, valid_until: date | None = date(2031, 5, 1), kind: str = "resident",
         number: str | None = None) -> CardIdentity:
    import random

    return CardIdentity(
        card_type=kind, layout="resident" if kind == "resident" else "hmt_residence",  # type: ignore[arg-type]
        name="张三", name_en=None, sex="男", nation="汉", birth_date=date(1990, 3, 7),
        address=ADDRESS, appended_address=None,
        id_number=number or synthetic_id_number(random.Random(5), born=date(1990, 3, 7)),
        issuer="深圳市公安局南山分局", valid_from=date(2021, 5, 1), valid_until=valid_until,
        nationality=None, pass_number=None, issue_count=None, photo_wlt=bytes(1024))


def reader_ok(flow) -> None:
    flow.device_status("idcard_reader", "ok", "ready")


def placed_and_read(flow, the_card: CardIdentity) -> None:
    flow.idcard_event("card_placed")
    assert flow.state.view.reading_idcard
    assert flow.state.message.key == "identify.idcard_reading"
    flow.idcard_event("identity_read", the_card)
    flow.idcard_event("card_removed")  # a strict reader stops finding a card once read


def test_identify_by_id_card_prefills_and_files_as_the_contract_says(rig):
    flow = rig.flow
    reader_ok(flow)
    flow.start_filing()
    assert flow.state.screen == Screen.IDENTIFY
    view = flow.state.view
    assert view.mode == "idcard" and view.ways[0] == "idcard" and "camera" in view.ways
    assert flow.camera_wanted() is None  # the camera rests while the card is asked for
    the_card = card()
    placed_and_read(flow, the_card)
    who = flow.state.view.identity
    assert who is not None and who.source == "id_card" and who.verified
    assert who.name == "张三" and who.address == ADDRESS and who.nation == "汉"
    assert not who.has_photo and flow.state.message is None  # the photo box says so, once
    assert flow.state.view.can_continue
    flow.confirm_identity()
    find_by_initials(flow)
    prefilled = {}
    while flow.state.screen == Screen.FORM:
        for f in flow.state.view.fields:
            if f.prefilled:
                prefilled[f.field] = f.value
            elif f.field == "mobile":
                flow.set_field("mobile", "13912345678")
            elif f.field == "travel_purpose":
                flow.set_field("travel_purpose", "tourism")
            elif f.field == "household_size":
                flow.set_field("household_size", "3")
        flow.next_page()
    assert prefilled["id_number"] == the_card.id_number
    assert prefilled["full_name"] == "张三" and prefilled["home_address"] == ADDRESS
    assert prefilled["birth_date"] == "1990-03-07"
    capture_materials(flow)
    flow.submit()
    assert flow.state.screen == Screen.RECEIPT
    assert rig.sync()
    bodies = [json.loads(r.canonical_body) for r in rig.platform.state.submissions.values()]
    applicant = bodies[-1]["applicant"]
    assert applicant["id_type"] == "resident_id"
    assert applicant["id_number"] == the_card.id_number
    assert applicant["verification"] == {"method": "id_card_reader", "sam_verified": True,
                                         "face_match": {"result": "not_done",
                                                        "not_done_reason": "no_face_camera"}}
    assert applicant["chip_verified"] is False and applicant["birth_date"] == "1990-03-07"
    assert "document_expiry" in applicant


def test_an_expired_card_is_refused_with_a_message_that_says_so(rig):
    flow = rig.flow
    reader_ok(flow)
    flow.start_filing()
    # The reader refuses it itself (card_refused) ...
    flow.idcard_event("card_placed")
    flow.idcard_event("card_refused", None, "card_expired")
    assert flow.state.message.key == "identify.card_expired" and flow.state.message.level == "error"
    assert flow.session.identity is None and not flow.state.view.reading_idcard
    # ... and a lenient reader's expired card is refused by the flow.
    flow.idcard_event("identity_read", card(valid_until=date.today() - timedelta(days=1)))
    assert flow.state.message.key == "identify.card_expired" and flow.session.identity is None
    # A long-term card (长期) is never expired.
    flow.idcard_event("identity_read", card(valid_until=None))
    assert flow.state.view.identity.long_term and flow.state.view.identity.valid_until == ""


def test_a_card_laid_on_the_reader_at_home_begins_a_visit(rig):
    flow = rig.flow
    reader_ok(flow)
    assert flow.state.screen == Screen.ATTRACT
    flow.idcard_event("card_placed")  # nothing yet: nobody asked
    assert flow.state.screen == Screen.ATTRACT
    flow.idcard_event("identity_read", card())
    assert flow.state.screen == Screen.IDENTIFY and flow.state.view.identity is not None
    assert flow.state.visit_active and flow.counters.get("visits_started") == 1


def test_failed_reads_removal_and_switching_ways(rig):
    flow = rig.flow
    reader_ok(flow)
    flow.start_filing()
    flow.idcard_event("card_placed")
    flow.idcard_event("card_removed")  # taken away mid-read
    assert not flow.state.view.reading_idcard and flow.state.message is None
    flow.idcard_event("read_failed", None, "read_failed")
    assert flow.state.message.key == "identify.idcard_read_failed"
    flow.use_passport()
    assert flow.state.view.mode == "camera" and flow.camera_wanted() == "mrz"
    flow.back()  # back from the passport: the ID card again, not the end of the visit
    assert flow.state.screen == Screen.IDENTIFY and flow.state.view.mode == "idcard"
    flow.device_status("idcard_reader", "offline", "reader_missing")
    assert "idcard" not in flow.state.view.ways
    assert not flow.state.capability("identify_idcard").available
    assert flow.state.capability("file").available  # the passport still works
    flow.cancel()
    flow.start_filing()
    assert flow.state.view.mode == "camera"  # the reader is down: the passport way first


def test_without_any_reader_filing_closes_and_says_what_is_missing(rig):
    flow = rig.flow
    flow.device_status("card_reader", "offline", "pcscd_down")
    cap = flow.state.capability("file")
    assert not cap.available and cap.missing == ("card_reader",)  # no [idcard]: not broken
    reader_ok(flow)
    assert flow.state.capability("file").available


def test_the_catalog_check_refuses_before_commit_and_names_the_field(rig):
    flow = rig.flow
    reader_ok(flow)
    flow.start_filing()
    placed_and_read(flow, card())
    flow.confirm_identity()
    find_by_initials(flow)
    while flow.state.screen == Screen.FORM:
        for f, value in (("mobile", "13912345678"), ("travel_purpose", "tourism"),
                         ("household_size", "3")):
            flow.set_field(f, value)
        flow.next_page()
    capture_materials(flow)
    flow.session.delivery = "drone"  # not among the service's deliveries
    flow.submit()
    state = flow.state
    assert state.screen == Screen.REVIEW and state.message.key == "submit.catalog_refused"
    assert dict(state.message.params)["field"] == "领取方式"
    assert rig.outbox.status().pending == 0


def test_staff_assisted_filing_with_the_citizens_id_card(rig):
    flow = rig.flow
    reader_ok(flow)
    flow.open_staff_sign_in()
    flow.card_inserted()  # the staff card, on the PC/SC reader
    flow.pin_entered("654321")
    assert flow.state.screen == Screen.STAFF_MENU
    flow.staff_assist()
    assert flow.state.screen == Screen.IDENTIFY and flow.state.view.mode == "idcard"
    placed_and_read(flow, card())  # the citizen's card, on the SAM reader
    view = flow.state.view
    assert view.identity is not None and view.identity.source == "id_card"
    assert view.assisted_by is not None
    flow.confirm_identity()
    find_by_initials(flow)
    while flow.state.screen == Screen.FORM:
        for f, value in (("mobile", "13912345678"), ("travel_purpose", "tourism"),
                         ("household_size", "3")):
            flow.set_field(f, value)
        flow.next_page()
    capture_materials(flow)
    flow.submit()
    assert flow.state.screen == Screen.RECEIPT
    assert rig.sync()
    body = [json.loads(r.canonical_body) for r in rig.platform.state.submissions.values()][-1]
    assert body["applicant"]["verification"]["method"] == "id_card_reader"
    assert body["applicant"]["verification"]["staff_present"] is True
    assert body.get("assisted_by")
