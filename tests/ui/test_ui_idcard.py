"""A whole visit by touch identified by a resident ID card: the real QML offscreen, the
kiosk's own IdCardService reading sim/idcard's emulator over TCP (the SAM frame protocol),
the card's data shown for confirmation and pre-filled into the form, two materials
captured by the camera, filed to the encrypted outbox and the platform simulator, the
receipt printed on the virtual ESC/POS printer. Then an expired card refused, and the
ID card way closing while the reader is unplugged and reopening when it is back."""

from __future__ import annotations

import json

from harness.demo import DEMO_FORM
from harness.probe import wait_for
from kiosk.flow.state import Screen
from sim.idcard import sample_cards
from tests.ui.test_ui_e2e import Finger, printed_receipt


def to_identify(app, kiosk, ui) -> Finger:
    flow, finger = kiosk.flow, Finger(app, ui)
    wait_for(app, lambda: flow.ready_to_file()
             and flow.device_line("idcard_reader").status == "ok", "the ID card reader")
    finger.tap("tile_file")
    assert flow.state.screen == Screen.IDENTIFY and flow.state.view.mode == "idcard"
    wait_for(app, lambda: finger.visible("placeIdcard"), "the ID card picture")
    assert finger.visible("idcardPicture") and finger.visible("usePassport")
    return finger


def test_a_whole_visit_by_touch_identified_by_a_resident_id_card(world, touchscreen):
    app, kiosk, ui = touchscreen
    assert kiosk.config.idcard is not None and kiosk.config.idcard.port.startswith("tcp://")
    flow = kiosk.flow
    finger = to_identify(app, kiosk, ui)
    card = sample_cards()["resident"]
    world.reader.place(card)
    wait_for(app, lambda: getattr(flow.state.view, "identity", None) is not None,
             "the card read by the SAM reader", 20)
    who = flow.state.view.identity
    assert who.source == "id_card" and who.id_type == "resident_id" and who.verified
    assert who.name == "张三" and who.document_number == card.id_number
    assert who.address.startswith("广东省深圳市") and who.nation == "汉"
    assert not who.has_photo  # no vendor decoder configured: the screen says so calmly
    wait_for(app, lambda: finger.visible("noPhoto") and finger.visible("address"),
             "the card's details")
    finger.tap("confirmIdentity")
    assert flow.state.screen == Screen.CHOOSE_SERVICE

    finger.type_into("search", "hzsc")
    wait_for(app, lambda: finger.visible("service_CR-HZ-0001"), "护照首次申领 in the list")
    finger.tap("service_CR-HZ-0001")
    finger.tap("startForm")
    prefilled: dict[str, str] = {}
    while flow.state.screen == Screen.FORM:
        for f in flow.state.view.fields:
            if f.prefilled:
                prefilled[f.field] = f.value
                continue
            value = DEMO_FORM.get(f.field)
            if value is None:
                continue
            if f.type == "select":
                finger.tap(f"option_{f.field}_{value}")
            else:
                finger.type_into(f"input_{f.field}", value)
        finger.tap("nextPage")
    assert prefilled.get("id_number") == card.id_number  # from the card, not typed
    assert flow.state.screen == Screen.MATERIALS
    for code in ("id_card_copy", "photo"):
        finger.tap(f"scan_{code}")
        wait_for(app, lambda: flow.state.view.checking is not None, f"a page of {code}", 40)
        wait_for(app, lambda: finger.visible("materialDone"), "the done button")
        finger.tap("materialDone")
    finger.tap("skip_household_register")
    finger.tap("materialsDone")
    assert flow.state.screen == Screen.REVIEW
    finger.tap("submit")
    wait_for(app, lambda: flow.state.screen == Screen.RECEIPT and flow.state.busy is None
             and flow.state.view.printed is not None, "the receipt")
    view = flow.state.view
    assert view.printed is True
    job, codes = printed_receipt(world)
    assert len(codes) == 1 and view.tracking_no in codes[0]
    assert "张三" not in job.text and card.id_number not in job.text

    # Delivered as the contract says an ID card reader's applicant is.
    def posted() -> list[dict]:
        return [json.loads(r.canonical_body) for r in world.platform.state.submissions.values()
                if r.tracking_no == view.tracking_no]
    wait_for(app, lambda: bool(posted()), "the submission on the platform", 20)
    applicant = posted()[0]["applicant"]
    assert applicant["id_type"] == "resident_id" and applicant["id_number"] == card.id_number
    assert applicant["verification"]["method"] == "id_card_reader"
    assert applicant["name"] == "张三" and applicant["chip_verified"] is False

    finger.tap("finish")
    world.reader.remove()
    app.processEvents()
    assert flow.state.screen == Screen.ATTRACT
    assert "张三" not in json.dumps(ui.vm.state, ensure_ascii=False)


def test_an_expired_card_is_refused_and_an_unplugged_reader_closes_the_way(world,
                                                                           touchscreen):
    app, kiosk, ui = touchscreen
    flow = kiosk.flow
    finger = to_identify(app, kiosk, ui)
    world.reader.place(sample_cards()["resident_expired"])
    wait_for(app, lambda: flow.state.message is not None
             and flow.state.message.key == "identify.card_expired", "the refusal", 20)
    assert flow.state.view.identity is None and flow.session.identity is None
    assert "过有效期" in ui.vm.state["message"]["text"]
    world.reader.remove()

    world.reader.unplug()
    wait_for(app, lambda: not flow.state.capability("identify_idcard").available,
             "the ID card way closed", 20)
    assert "idcard" not in flow.state.view.ways
    world.reader.replug()
    wait_for(app, lambda: flow.state.capability("identify_idcard").available
             and flow.device_line("idcard_reader").status == "ok", "the reader back", 30)
    card = sample_cards()["resident_long_term"]
    flow.use_idcard()
    world.reader.place(card)
    wait_for(app, lambda: getattr(flow.state.view, "identity", None) is not None,
             "a card read after the reader came back", 20)
    assert flow.state.view.identity.long_term and finger.visible("confirmIdentity")
