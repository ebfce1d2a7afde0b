"""The identity read by the real card stack, not a fake.

1. Through pcscd: the test session's pcscd (the `card_rig` fixture, shared with the card
   tests, since pcsc-lite runs one daemon per machine) with the chip emulator in a vpcd
   slot, read by `devices.card.CardService` (BAC, secure messaging, DG1/DG2/DG11, passive
   authentication against the test CSCA).
2. In-process: the same emulated chip answering `devices.card.client.read_identity`
   directly (every byte as through pcscd, without PC/SC), always run, for a whole visit
   with the chip's DG11 name and a personal number that is not a valid resident ID.
"""

from __future__ import annotations

import json
import random
import time
from datetime import date

import pytest

from devices.card.client import read_identity
from devices.card.service import CardService
from devices.card.settings import CardSettings
from devices.mrz import bac_seed, parse_mrz
from kiosk.flow.state import Screen
from offline_queue.resident_id import synthetic_id_number
from sim.card import get_profile
from sim.card.chip import Chip
from sim.card.pki import load_test_pki
from sim.card.profiles import CHINESE_MRZ
from tests.kiosk.flow_rig import capture_materials, find_by_initials, make_rig

CSCA = load_test_pki().csca_cert


class InProcessChip:
    """The card port over the emulated chip, called directly (no pcscd)."""

    def __init__(self, profile: str) -> None:
        self.profile = get_profile(profile)

    def read_identity(self, document_number, birth_date, expiry_date):
        chip = Chip(self.profile)
        return read_identity(type("T", (), {"transmit": staticmethod(chip.process)})(),
                             bac_seed(document_number, birth_date, expiry_date),
                             cscas=[CSCA])

    def read_uid(self):
        return self.profile.uid


def test_visit_with_the_chinese_passport_read_in_process(tmp_path, platform):
    rig, vp = make_rig(tmp_path, platform, card=InProcessChip("chinese"))
    try:
        flow = rig.flow
        flow.platform_status(True)
        flow.start_filing()
        flow.mrz_read(parse_mrz(CHINESE_MRZ))
        view = flow.state.view
        assert view.identity.name == "张伟" and view.identity.verified
        assert view.identity.has_photo and flow.face_image().startswith(b"\xff\xd8")
        assert flow.state.message is None  # the badge says "verified"; not said twice
        flow.confirm_identity()
        find_by_initials(flow)
        fields = {f.field: f for f in flow.state.view.fields}
        assert fields["full_name"].value == "张伟" and fields["full_name"].prefilled
        # DG11's 110101198503150011 fails its GB 11643 check digit: not prefilled.
        assert fields["id_number"].value == ""
        assert fields["birth_date"].value == "1985-03-15"
        typed = synthetic_id_number(random.Random(4), born=date(1985, 3, 15))
        values = {"id_number": typed, "mobile": "13700001111", "travel_purpose": "business",
                  "home_address": "北京市东城区中山路8号"}
        while flow.state.screen == Screen.FORM:
            for f in flow.state.view.fields:
                if f.field in values:
                    flow.set_field(f.field, values[f.field])
            flow.next_page()
        capture_materials(flow)
        flow.submit()
        assert flow.state.screen == Screen.RECEIPT and flow.state.view.printed
        item = rig.outbox.find(flow.state.view.tracking_no)
        body = json.loads(rig.outbox.body(item.submission_id))
        assert body["applicant"]["name"] == "张伟"
        assert body["applicant"]["chip_verified"] is True
        assert body["applicant"]["birth_date"] == "1985-03-15"
        assert body["applicant"]["nationality"] == "CHN"
        assert body["form"]["id_number"] == typed
        assert rig.sync()
    finally:
        vp.stop()
        rig.outbox.close()


def test_wrong_typed_key_is_bac_failure_from_the_real_chip(tmp_path, platform):
    rig, vp = make_rig(tmp_path, platform, card=InProcessChip("specimen"))
    try:
        flow = rig.flow
        flow.start_filing()
        flow.use_typed_mrz()
        flow.mrz_typed("L898902C3", "1974-08-13", "2012-04-15")  # birth date off by one
        assert flow.state.message.key == "identify.bac_failed"
        assert flow.state.view.mode == "typed" and flow.state.view.identity is None
        flow.mrz_typed("L898902C3", "740812", "120415")
        assert flow.state.view.identity.name == "ERIKSSON ANNA MARIA"
    finally:
        vp.stop()
        rig.outbox.close()


@pytest.fixture
def pcsc_slot(card_rig):
    """The session's pcscd (shared with the card tests), its second slot with the Chinese
    passport in it; the specimen goes back in afterwards."""
    slot = card_rig.slots[1]
    slot.present("chinese")
    try:
        yield slot.reader, slot.emulator, card_rig.csca_dir
    finally:
        slot.emulator.remove_after = None
        slot.present("specimen")


def test_identity_through_pcscd_and_the_emulator(tmp_path, platform, pcsc_slot):
    reader, emulator, csca_dir = pcsc_slot
    service = CardService(CardSettings(reader=reader, csca_dir=csca_dir, read_timeout_s=10))
    rig, vp = make_rig(tmp_path, platform, card=service)
    try:
        flow = rig.flow
        flow.start_filing()
        deadline = time.monotonic() + 8
        while True:  # pcscd polls vpcd: the card shows up within a second or so
            flow.mrz_read(parse_mrz(CHINESE_MRZ))
            if flow.state.view.identity is not None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        identity = flow.state.view.identity
        assert identity is not None and identity.name == "张伟" and identity.verified
        assert identity.has_photo

        # Pulled out in the middle of the next read: the visit is wiped.
        flow.cancel()
        flow.leave_confirmed()  # answers "Leave this application?"
        emulator.remove()
        time.sleep(1.0)
        emulator.remove_after = 5
        emulator.insert()
        time.sleep(1.0)
        flow.start_filing()
        flow.mrz_read(parse_mrz(CHINESE_MRZ))
        assert flow.state.screen == Screen.ATTRACT
        assert flow.state.message.key == "visit.card_removed"
        assert not flow.session.holds_personal_data()
    finally:
        emulator.remove_after = None
        service.stop()
        vp.stop()
        rig.outbox.close()
