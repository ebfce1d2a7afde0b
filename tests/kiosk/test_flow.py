"""The visit driven through kiosk.flow without Qt, against real parts: the platform
simulator (in-process HTTP), the encrypted outbox in a temp folder, the virtual ESC/POS
printer over TCP with its rendered paper, receipts read back with zxing-cpp. Only the
chip reader is a fake here (test_flow_card.py reads through pcscd and the emulator):
it answers with a real `devices.card.IdentityDocument`.
"""

from __future__ import annotations

import gc
import json
import os
import random
import sys
import types
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from devices.card.errors import BacFailed, CardRemoved, NoCard
from devices.card.port import FaceImage, IdentityDocument, PassiveAuthResult
from devices.mrz import parse_mrz
from devices.printer import Printer, Timeouts
from kiosk.catalog import CatalogStore
from kiosk.config import ReceiptSettings
from kiosk.flow import Flow, FlowSettings, parse_receipt_code
from kiosk.flow.ports import InlineExecutor, ManualExecutor
from kiosk.flow.state import Screen
from kiosk.receipt import Place, tracking_url
from kiosk.strings import STRINGS
from kiosk.text import Text
from offline_queue.client import PlatformClient
from offline_queue.outbox import Outbox
from offline_queue.resident_id import synthetic_id_number
from offline_queue.settings import load_queue_settings
from offline_queue.sync import SyncWorker
from sim.printer import VirtualPrinter
from tests.conftest import write_config

SERVICE = "CR-HZ-0001"  # 护照首次申领: every field type, materials id_card_copy + photo
RECEIPT = ReceiptSettings("https://zwfw.example.gov/track?no={tracking_no}&code={query_code}",
                          "12345")
PLACE = Place(Text("杭州市民之家政务服务中心", "Hangzhou Citizens' Service Center"),
              "BA01", "K017")
CITIZEN_NAME = "欧阳明轩"
CITIZEN_ID = synthetic_id_number(random.Random(11), born=date(1987, 4, 23))
SPECIMEN_MRZ = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


def face_bytes() -> bytes:
    rng = np.random.default_rng(5)
    img = rng.integers(0, 255, (96, 72, 3), dtype=np.uint8)
    return cv2.imencode(".jpg", img)[1].tobytes()


FACE = face_bytes()


def page_jpeg(seed: int) -> bytes:
    """A 'scanned page': real OpenCV-encoded JPEG of a drawn document."""
    img = np.full((280, 200, 3), 245, np.uint8)
    rng = random.Random(seed)
    for y in range(20, 260, 14):
        cv2.line(img, (16, y), (16 + rng.randint(60, 170), y), (40, 40, 40), 2)
    cv2.putText(img, f"P{seed}", (20, 270), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 200), 1)
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()


def identity(*, passive: str = "verified", personal: str = CITIZEN_ID) -> IdentityDocument:
    return IdentityDocument(
        mrz_format="TD3", document_type="P", issuing_state="CHN", document_number="E98765432",
        surname="OUYANG", given_names="MINGXUAN", nationality="CHN", birth_date="870423",
        sex="M", expiry_date="330101", full_name=CITIZEN_NAME, personal_number=personal,
        face=FaceImage(FACE, "image/jpeg"),
        passive_auth=PassiveAuthResult(passive, "" if passive == "verified" else "sod", ""),
        data_groups=(1, 2, 11), apdu_count=40, bytes_read=20000, read_ms=900.0)


class FakeCard:
    """The chip reader port: answers with an IdentityDocument or raises what it is told."""

    def __init__(self) -> None:
        self.fail: list[Exception] = []
        self.keys: list[tuple[str, str, str]] = []
        self.passive = "verified"
        self.uid = "04112233445566"

    def read_identity(self, document_number, birth_date, expiry_date):
        self.keys.append((document_number, birth_date, expiry_date))
        if self.fail:
            raise self.fail.pop(0)
        return identity(passive=self.passive)

    def read_uid(self):
        return self.uid


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    flow: Flow
    clock: FakeClock
    card: FakeCard
    outbox: Outbox
    client: PlatformClient
    printer: VirtualPrinter
    platform: object
    store: CatalogStore
    folder: Path
    states: list = field(default_factory=list)

    def sync(self, timeout_s: float = 10.0) -> bool:
        settings = load_queue_settings(self.folder / "kiosk.toml")
        return SyncWorker(self.outbox, self.client, settings.sync).run_until_empty(timeout_s)


def make_rig(folder: Path, platform, *, executor=None, card=None) -> tuple[Rig, VirtualPrinter]:
    settings = load_queue_settings(write_config(folder, platform.base_url))
    outbox = Outbox(settings.storage, settings.kiosk)
    client = PlatformClient(settings.platform, settings.kiosk.id)
    store = CatalogStore(folder / "catalog.json", client)
    assert store.refresh().changed
    vp = VirtualPrinter().start()
    printer = Printer.from_url(vp.url, "cn-80", timeouts=Timeouts(status_s=2.0))
    clock = FakeClock()
    card = card or FakeCard()
    flow = Flow(FlowSettings(PLACE, RECEIPT), catalog=store, outbox=outbox, printer=printer,
                card=card, platform=client, executor=executor or InlineExecutor(), clock=clock)
    # As build_kiosk says of a kiosk without an [idcard] reader (test_flow_idcard.py has one).
    flow.device_status("idcard_reader", "offline", "not_configured")
    rig = Rig(flow, clock, card, outbox, client, vp, platform, store, folder)
    flow.subscribe(rig.states.append)
    return rig, vp


# --- driving a visit --------------------------------------------------------------------


def identify(flow: Flow) -> None:
    flow.start_filing()
    assert flow.state.screen == Screen.IDENTIFY
    flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
    view = flow.state.view
    assert view.identity is not None and view.identity.name == CITIZEN_NAME
    assert view.identity.verified and view.identity.has_photo
    flow.confirm_identity()
    assert flow.state.screen == Screen.CHOOSE_SERVICE


def find_by_initials(flow: Flow) -> None:
    flow.search("hz")
    codes = [s.code for s in flow.state.view.services]
    assert SERVICE in codes
    assert all(s.name.zh.startswith("护照") for s in flow.state.view.services[:7])
    flow.choose_service(SERVICE)
    assert flow.state.screen == Screen.SERVICE
    flow.start_form()
    assert flow.state.screen == Screen.FORM


def fill_form(flow: Flow) -> None:
    values = {"mobile": "13912345678", "travel_purpose": "tourism",
              "home_address": "杭州市上城区解放路1号", "household_size": "3"}
    seen_prefill = set()
    while flow.state.screen == Screen.FORM:
        for f in flow.state.view.fields:
            if f.prefilled:
                seen_prefill.add(f.field)
            if f.field in values:
                flow.set_field(f.field, values[f.field])
        flow.next_page()
    # From the chip: name, ID number (a valid resident ID), birth date.
    assert {"full_name", "id_number", "birth_date"} <= seen_prefill


def capture_materials(flow: Flow) -> None:
    assert flow.state.screen == Screen.MATERIALS
    assert not flow.state.view.can_continue
    for code, seed in (("id_card_copy", 1), ("photo", 3)):
        flow.open_material(code)
        assert flow.state.view.awaiting_page
        flow.page_captured(page_jpeg(seed), kind="a4", size=(200, 280), dpi=200)
        assert flow.state.view.pages == 1 and flow.state.view.checking == 0
        flow.material_done()
    flow.skip_material("household_register")
    assert flow.state.view.can_continue
    flow.materials_done()
    assert flow.state.screen == Screen.REVIEW


def file_visit(flow: Flow) -> None:
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    capture_materials(flow)
    assert flow.state.view.problems == ()
    flow.submit()


def receipt_qr(job) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(job.image())
            if r.format == zxingcpp.BarcodeFormat.QRCode]


# --- the whole visit --------------------------------------------------------------------


def test_whole_visit_online(rig):
    file_visit(rig.flow)
    state = rig.flow.state
    assert state.screen == Screen.RECEIPT
    view = state.view
    assert view.printed is True and view.offline is False and not view.can_reprint
    job = rig.printer.wait_for_jobs(1)[0]
    assert receipt_qr(job) == [tracking_url(RECEIPT, view.tracking_no, view.query_code)]
    text = job.text
    assert view.tracking_no in text and "护照首次申领" in text
    assert "本申请已保存在本终端" not in text
    assert CITIZEN_NAME not in text and CITIZEN_ID not in text
    # The personal data left the session when the outbox had it.
    assert not rig.flow.session.holds_personal_data()

    body = json.loads(rig.outbox.body(rig.outbox.find(view.tracking_no).submission_id))
    assert body["applicant"]["name"] == CITIZEN_NAME
    assert body["applicant"]["id_number"] == CITIZEN_ID
    assert body["applicant"]["chip_verified"] is True
    assert body["form"]["mobile"] == "13912345678" and body["form"]["household_size"] == 3
    assert body["contact"] == {"phone": "13912345678", "address": "杭州市上城区解放路1号"}
    assert [a["material_code"] for a in body["attachments"]] == ["id_card_copy", "photo"]
    assert "assisted_by" not in body
    assert rig.sync()
    audit = rig.platform.audit()["submissions"][body["submission_id"]]
    assert audit["commits"] == 1 and audit["attachments_ok"]

    rig.flow.finish()
    assert rig.flow.state.screen == Screen.ATTRACT
    assert rig.flow.state.message.key == "visit.thank_you"


def test_whole_visit_with_the_platform_down(rig):
    rig.platform.stop()
    rig.flow.platform_status(False)
    attract = {c.name: c for c in rig.flow.state.capabilities}
    assert attract["file"].available  # filing works offline
    assert not attract["ticket"].available and not attract["progress"].available
    assert attract["ticket"].instead == "avail.ticket.instead"

    file_visit(rig.flow)
    view = rig.flow.state.view
    assert rig.flow.state.screen == Screen.RECEIPT and view.offline and view.printed
    job = rig.printer.wait_for_jobs(1)[0]
    assert "本申请已保存在本终端，网络恢复后将自动提交" in job.text.replace("\n", "")
    assert receipt_qr(job) == [view.qr_text]
    assert not rig.sync(timeout_s=0.3)  # still down: stays pending

    rig.platform.start()  # same port, same state
    assert rig.sync()
    item = rig.outbox.find(view.tracking_no)
    assert item.state == "acknowledged"
    assert rig.platform.audit()["tracking_numbers"] == {view.tracking_no: 1}


def test_printer_failure_shows_the_receipt_on_screen_and_reprints(rig):
    rig.printer.set_state(paper="out")
    file_visit(rig.flow)
    state = rig.flow.state
    assert state.screen == Screen.RECEIPT
    assert state.view.printed is False and state.view.can_reprint
    assert state.message.key == "receipt.print_failed"
    assert parse_receipt_code(state.view.qr_text, RECEIPT.tracking_url) == (
        state.view.tracking_no, state.view.query_code)
    assert rig.printer.jobs == []
    # Committed before printing: the application is safe whatever the printer does.
    assert rig.outbox.find(state.view.tracking_no).state == "pending"

    rig.printer.set_state(paper="ok")
    rig.flow.reprint()
    assert rig.flow.state.view.printed is True
    job = rig.printer.wait_for_jobs(1)[0]
    assert receipt_qr(job) == [state.view.qr_text]


def test_staff_assisted_filing_records_assisted_by(rig):
    flow = rig.flow
    flow.open_staff_sign_in()
    assert flow.state.screen == Screen.STAFF_SIGN_IN
    flow.card_inserted()
    assert flow.state.view.card_read
    flow.pin_entered("12345")
    assert flow.state.message.key == "staff.pin_format"
    flow.pin_entered("000000")
    assert flow.state.message.key == "staff.bad_credentials"
    flow.pin_entered("654321")
    assert flow.state.screen == Screen.STAFF_MENU
    assert flow.state.view.can_assist and flow.state.view.can_maintain
    flow.staff_assist()
    assert flow.state.screen == Screen.IDENTIFY
    flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
    assert flow.state.view.assisted_by == "李强"
    flow.confirm_identity()
    find_by_initials(flow)
    fill_form(flow)
    capture_materials(flow)
    assert flow.state.view.assisted_by == "李强"
    flow.submit()
    tracking_no = flow.state.view.tracking_no
    body = json.loads(rig.outbox.body(rig.outbox.find(tracking_no).submission_id))
    assert body["assisted_by"] == "S2001"
    assert body["applicant"]["verification"]["staff_present"] is True
    flow.finish()
    assert not flow.state.staff_signed_in and not flow.session.holds_personal_data()


def test_staff_sign_in_locks_after_three_wrong_pins(rig):
    flow = rig.flow
    flow.open_staff_sign_in()
    flow.card_inserted()
    for _ in range(3):
        flow.pin_entered("999999")
    assert flow.state.screen == Screen.ATTRACT
    assert flow.state.message.key == "staff.too_many_attempts"


def test_maintenance_queue_retry_test_print_catalog_and_exit(rig):
    flow = rig.flow
    rig.card.uid = "0499AABBCCDDEE"  # Technician Zhao: maintain only
    flow.open_staff_sign_in()
    flow.card_inserted()
    flow.pin_entered("111111")
    assert flow.state.view.can_maintain and not flow.state.view.can_assist
    flow.staff_assist()  # not this role: nothing happens
    assert flow.state.screen == Screen.STAFF_MENU
    flow.staff_maintain()
    view = flow.state.view
    assert flow.state.screen == Screen.MAINTENANCE
    assert view.queue is not None and view.queue.pending == 0 and view.catalog_services == 756

    # A dead item (the platform refused it) goes back to pending.
    from offline_queue.outbox import NewSubmission
    filed = rig.outbox.commit(NewSubmission("CR-HZ-0001", {"name": "x"}, {}))
    rig.outbox.mark_dead(filed.submission_id, {"error": "validation"})
    flow.refresh_maintenance()
    assert flow.state.view.queue.dead == 1
    flow.retry_dead()
    assert flow.state.view.queue.dead == 0 and flow.state.view.queue.pending == 1
    assert flow.state.message.key == "maintenance.retried"

    flow.test_print()
    assert flow.state.message.key == "maintenance.printed"
    assert "TERMINAL STATUS" in rig.printer.wait_for_jobs(1)[0].text or \
        "终端状态单" in rig.printer.jobs[0].text

    flow.reload_catalog()
    assert flow.state.message.key == "maintenance.catalog_unchanged"  # 304
    rig.platform.bump_catalog()
    flow.reload_catalog()
    assert flow.state.message.key == "maintenance.catalog_reloaded"

    flow.leave_application()
    assert flow.state.exit_requested and flow.state.screen == Screen.ATTRACT
    assert not flow.state.staff_signed_in


def test_progress_needs_materials_then_supplement(rig):
    flow = rig.flow
    file_visit(flow)
    tracking_no, code = flow.state.view.tracking_no, flow.state.view.query_code
    qr = flow.state.view.qr_text
    flow.finish()
    assert rig.sync()
    rig.platform.force_status(tracking_no, "needs_materials", ["household_register"])
    rig.printer.clear_jobs()

    flow.open_progress()
    assert flow.state.screen == Screen.PROGRESS_LOOKUP
    flow.code_scanned("WIFI:S:hall;T:WPA;P:secret;;")
    assert flow.state.message.key == "progress.bad_code"
    flow.code_scanned(qr)
    state = flow.state
    assert state.screen == Screen.PROGRESS and state.view.status == "needs_materials"
    assert [m.code for m in state.view.missing] == ["household_register"]
    assert state.view.can_supplement and state.view.timeline
    flow.start_supplement()
    assert flow.state.screen == Screen.MATERIALS and flow.state.view.supplement
    flow.materials_done()
    assert flow.state.message.key == "materials.missing"
    flow.open_material("household_register")
    flow.page_captured(page_jpeg(7))
    flow.add_page()
    flow.page_captured(page_jpeg(8))
    assert flow.state.view.pages == 2
    flow.material_done()
    flow.materials_done()
    state = flow.state
    assert state.screen == Screen.RECEIPT and state.view.kind == "supplement"
    assert state.view.printed
    job = rig.printer.wait_for_jobs(1)[0]
    assert "补正材料回执" in job.text and "户口簿" in job.text
    assert receipt_qr(job) == [qr]
    progress = rig.client.progress(tracking_no, code)
    assert progress.status in ("in_review", "approved", "completed")


def test_progress_typed_and_not_found(rig):
    flow = rig.flow
    flow.open_progress()
    flow.progress_typed("BA01-K017-2025", "ABC123")
    assert flow.state.message.key == "progress.bad_tracking_no"
    flow.progress_typed("BA01-K017-20250101-0001", "abc")
    assert flow.state.message.key == "progress.bad_query_code"
    flow.progress_typed("ba01-k017-20250101-0001", "abc123")
    assert flow.state.screen == Screen.PROGRESS_LOOKUP
    assert flow.state.message.key == "progress.not_found"
    assert not flow.session.holds_personal_data()


def test_ticket_only_while_the_platform_is_reachable(rig):
    flow = rig.flow
    flow.open_ticket()
    assert flow.state.screen == Screen.TICKET
    flow.pick_ticket_category("CR")
    ticket = flow.state.view.ticket
    assert ticket is not None and ticket.number.startswith("B") and ticket.printed
    job = rig.printer.wait_for_jobs(1)[0]
    assert ticket.number in job.text
    flow.finish()

    rig.platform.stop()
    flow.platform_status(False)
    flow.open_ticket()
    assert flow.state.screen == Screen.ATTRACT
    assert flow.state.message.key == "avail.ticket.instead"


def test_ticket_when_the_link_drops_mid_visit(rig):
    flow = rig.flow
    flow.open_ticket()
    rig.platform.stop()
    flow.pick_ticket_category("HJ")
    assert flow.state.message.key == "platform.unreachable"
    assert not flow.state.capability("ticket").available  # learnt from the failure


def test_service_the_kiosk_cannot_file_says_where_to_go(rig):
    flow = rig.flow
    identify(flow)
    catalog = rig.store.catalog
    service = next(s for s in catalog.services if not s.kiosk_filing)
    flow.search(service.name.zh)
    flow.choose_service(service.code)
    view = flow.state.view
    assert not view.kiosk_filing and view.go_instead == service.department
    assert view.can_take_ticket
    flow.start_form()
    assert flow.state.screen == Screen.SERVICE
    assert flow.state.message.key == "service.not_at_kiosk"
    assert service.department.zh in flow.state.message.text("zh")
    flow.take_ticket_instead()
    assert flow.state.screen == Screen.TICKET
    assert flow.state.view.preselected == service.category
    assert not flow.session.holds_personal_data()


def test_review_edits_and_returns(rig):
    flow = rig.flow
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    capture_materials(flow)
    row = next(r for r in flow.state.view.rows if r.field == "mobile")
    assert row.value == "13912345678"
    flow.edit_field("mobile")
    assert flow.state.screen == Screen.FORM and flow.state.view.returning_to_review
    flow.set_field("mobile", "1391234")
    msg = next(f.message for f in flow.state.view.fields if f.field == "mobile")
    assert msg.key == "form.phone_incomplete" and msg.level == "info"
    flow.next_page()
    assert flow.state.screen == Screen.FORM  # strict check stops it
    flow.set_field("mobile", "13800138000")
    flow.next_page()
    assert flow.state.screen == Screen.REVIEW
    assert next(r for r in flow.state.view.rows if r.field == "mobile").value == "13800138000"
    select = next(r for r in flow.state.view.rows if r.field == "travel_purpose")
    assert select.value == "旅游"
    flow.set_language("en")
    assert next(r for r in flow.state.view.rows if r.field == "travel_purpose").value == "Tourism"

    flow.edit_materials()
    flow.open_material("photo")
    assert not flow.state.view.awaiting_page and flow.state.view.pages == 1
    flow.retake(0)
    assert flow.state.view.awaiting_page and flow.state.view.replacing == 0
    flow.material_done()
    assert flow.state.message.key == "capture.retake_pending"
    flow.page_captured(b"not a jpeg")
    assert flow.state.message.key == "capture.bad_image"
    flow.page_captured(page_jpeg(9))
    flow.add_page()
    assert flow.state.message.key == "capture.max_pages"  # a photo has one page
    flow.material_done()
    flow.materials_done()
    assert flow.state.screen == Screen.REVIEW
    flow.set_delivery("mail")
    assert flow.state.view.delivery == "mail"
    flow.submit()
    body = json.loads(rig.outbox.body(rig.outbox.find(flow.state.view.tracking_no).submission_id))
    assert body["delivery"] == "mail" and body["form"]["mobile"] == "13800138000"


# --- identify: failures ----------------------------------------------------------------


def test_typed_mrz_fallback_after_bac_failure(rig):
    flow, card = rig.flow, rig.card
    card.fail = [BacFailed("refused")]
    flow.start_filing()
    flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
    assert flow.state.message.key == "identify.bac_failed"
    assert flow.state.view.mode == "typed" and flow.state.view.identity is None
    flow.mrz_typed("L898902C3", "1974-13-12", "120415")
    assert flow.state.message.key == "identify.bad_birth_date"
    flow.mrz_typed("L898902C3", "1974-08-12", "2012-04-15")
    assert card.keys[-1] == ("L898902C3", "740812", "120415")
    assert flow.state.view.identity.name == CITIZEN_NAME


def test_no_card_waits_for_the_document_then_reads(rig):
    flow, card = rig.flow, rig.card
    card.fail = [NoCard("empty")]
    flow.start_filing()
    flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
    assert flow.state.view.waiting_for_card
    assert flow.state.message.key == "identify.place_on_reader"
    flow.card_inserted()
    assert flow.state.view.identity is not None


def test_a_chip_that_fails_verification_cannot_file(rig):
    flow = rig.flow
    rig.card.passive = "failed"
    flow.start_filing()
    flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
    assert flow.state.message.key == "identify.chip_failed"
    assert not flow.state.view.can_continue
    flow.confirm_identity()
    assert flow.state.screen == Screen.IDENTIFY


def test_unusable_devices_close_only_their_capabilities(rig):
    flow = rig.flow
    # Never heard from counts as usable for filing, but not as ready: the camera may be
    # still opening (the UI and tests wait for ready_to_file).
    assert flow.device_line("camera").status == "unknown"
    assert flow.state.capability("file").available and not flow.ready_to_file()
    flow.device_status("camera", "error", "source_missing", "no camera")
    assert flow.device_line("camera").code == "source_missing" and not flow.ready_to_file()
    caps = {c.name: c for c in flow.state.capabilities}
    assert not caps["file"].available and caps["file"].missing == ("camera",)
    assert not caps["scan"].available
    assert caps["ticket"].available and caps["identify"].available
    flow.start_filing()
    assert flow.state.screen == Screen.ATTRACT
    assert flow.state.message.key == "avail.file.instead"
    flow.device_status("camera", "ok")
    assert flow.ready_to_file()
    flow.device_status("printer", "offline", "paper_out")
    assert flow.state.capability("file").available  # the receipt goes on screen instead
    file_visit(flow)
    assert flow.state.view.printed is False and flow.state.message.key == "receipt.printer_down"


def test_full_disk_keeps_the_visit_with_a_message(rig, monkeypatch):
    from offline_queue.outbox import OutboxFull

    def full(sub):
        raise OutboxFull("disk full")

    monkeypatch.setattr(rig.outbox, "commit", full)
    file_visit(rig.flow)
    state = rig.flow.state
    assert state.screen == Screen.REVIEW and state.message.key == "submit.storage_full"
    assert not state.capability("file").available
    assert rig.flow.session.holds_personal_data()  # nothing lost: they can go to a window
    rig.flow.cancel()
    rig.flow.leave_confirmed()  # answers "Leave this application?"
    assert not rig.flow.session.holds_personal_data()


def test_todays_tracking_numbers_used_up_says_so(rig):
    # A real outbox whose ledger says every number of today is taken (9,999 filings).
    from datetime import datetime

    from offline_queue.outbox import Outbox
    from offline_queue.settings import load_queue_settings

    settings = load_queue_settings(rig.folder / "kiosk.toml")
    rig.outbox.close()
    ledger = settings.storage.data_dir / "sequence.ledger"
    ledger.write_text(json.dumps({"day": datetime.now().strftime("%Y%m%d"), "reserved": 9999}))
    rig.outbox = rig.flow.ports.outbox = Outbox(settings.storage, settings.kiosk)
    file_visit(rig.flow)
    state = rig.flow.state
    assert state.screen == Screen.REVIEW and state.message.key == "submit.numbers_used_up"
    assert rig.outbox.status().pending == 0


def test_every_message_key_has_both_languages(rig):
    import kiosk.flow
    import kiosk.forms

    source = "".join(p.read_text() for p in Path(kiosk.flow.__file__).parent.glob("*.py"))
    source += Path(kiosk.forms.__file__).read_text()
    import re
    keys = set(re.findall(r'"((?:[a-z_]+)\.[a-z_]+)"', source))
    keys = {k for k in keys if k.split(".")[0] in {
        "visit", "error", "avail", "identify", "staff", "service", "form", "materials",
        "capture", "review", "submit", "receipt", "progress", "supplement", "platform",
        "ticket", "maintenance"}}
    keys |= {f"screen.{s.value}" for s in Screen}
    keys |= {f"avail.{c.name}.instead" for c in rig.flow.state.capabilities}
    keys |= {f"identify.bad_{f}" for f in ("document_number", "birth_date", "expiry_date")}
    missing = sorted(k for k in keys if k not in STRINGS["zh"] or k not in STRINGS["en"])
    assert missing == []
    for key, zh in STRINGS["zh"].items():
        if key.startswith(("label.", "paper.")):
            continue  # the message keys, as before; the catalog's own test covers the rest
        en = STRINGS["en"][key]
        assert zh and en and zh != en


# --- timeouts, card pulled, and nothing left behind -----------------------------------


def test_idle_warning_more_time_then_abandon(rig):
    flow, clock = rig.flow, rig.clock
    identify(flow)
    limit = 120  # choose_service
    clock.now += limit - 31
    flow.tick()
    assert flow.state.warning_left_s is None
    clock.now += 2  # 29 s left: the prompt is up, with at least 20 s to answer
    flow.tick()
    assert flow.state.warning_left_s == 29
    flow.more_time()
    assert flow.state.warning_left_s is None
    clock.now += limit - 10
    flow.tick()
    assert flow.state.warning_left_s == 10
    assert flow.state.screen == Screen.CHOOSE_SERVICE
    clock.now += 10
    flow.tick()
    assert flow.state.screen == Screen.ATTRACT
    assert flow.state.message.key == "visit.timed_out"
    assert not flow.session.holds_personal_data()
    # Why the last visit ended is for that citizen, not for the next one.
    clock.now += 14
    flow.tick()
    assert flow.state.message.key == "visit.timed_out"
    clock.now += 1.5
    flow.tick()
    assert flow.state.message is None


def test_warning_settings_refuse_less_than_20_seconds():
    from kiosk.flow import FlowSettingsError

    with pytest.raises(FlowSettingsError):
        FlowSettings(PLACE, RECEIPT, warning_s=10)
    with pytest.raises(FlowSettingsError):
        FlowSettings(PLACE, RECEIPT, idle_s={Screen.FORM: 25})


def test_no_timeout_while_the_kiosk_itself_is_busy(tmp_path, platform):
    manual = ManualExecutor()
    r, vp = make_rig(tmp_path, platform, executor=manual)
    try:
        flow = r.flow
        flow.start_filing()
        flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
        assert flow.state.busy == "reading_chip" and flow.state.view.reading
        r.clock.now += 500
        flow.tick()
        assert flow.state.screen == Screen.IDENTIFY
        manual.run_all()
        assert flow.state.view.identity is not None
    finally:
        vp.stop()
        r.outbox.close()


def test_card_pulled_while_reading_wipes_and_late_result_is_dropped(tmp_path, platform):
    manual = ManualExecutor()
    r, vp = make_rig(tmp_path, platform, executor=manual)
    try:
        flow = r.flow
        flow.start_filing()
        flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
        assert flow.session.access_key is not None
        flow.card_removed()
        assert flow.state.screen == Screen.ATTRACT
        assert flow.state.message.key == "visit.card_removed"
        assert not flow.session.holds_personal_data()
        manual.run_all()  # the chip answered after all: too late, dropped
        assert flow.session.identity is None and flow.state.screen == Screen.ATTRACT
    finally:
        vp.stop()
        r.outbox.close()


def test_card_removed_error_during_read_wipes(rig):
    rig.card.fail = [CardRemoved("gone")]
    rig.flow.start_filing()
    rig.flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
    assert rig.flow.state.screen == Screen.ATTRACT
    assert rig.flow.state.message.key == "visit.card_removed"
    assert rig.card.keys and not rig.flow.session.holds_personal_data()


def test_card_removed_after_the_read_does_not_matter(rig):
    identify(rig.flow)
    rig.flow.card_removed()
    assert rig.flow.state.screen == Screen.CHOOSE_SERVICE


_SKIP = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
         types.CodeType)


def reachable(root) -> list:
    """Every object reachable from `root`, not following into modules, classes or code
    (those reach the whole interpreter, this test's constants included)."""
    seen = {id(root)}
    stack, out = [root], []
    while stack:
        obj = stack.pop()
        out.append(obj)
        for ref in gc.get_referents(obj):
            if id(ref) in seen or isinstance(ref, _SKIP):
                continue
            if ref is sys.modules or ref is vars(sys):
                continue
            seen.add(id(ref))
            stack.append(ref)
    return out


def leftovers(flow: Flow, *, after: set[str] | None = None) -> list[str]:
    """Where the citizen's name, ID number or photo still is, reachable from the flow."""
    found = []
    needles = (CITIZEN_NAME, CITIZEN_ID, "E98765432", "OUYANG")
    photo = FACE[200:240]
    pages = [page_jpeg(s)[300:340] for s in (1, 3, 9)]
    for obj in reachable(flow):
        if isinstance(obj, str) and any(n in obj for n in needles):
            found.append(f"str {type(obj).__name__}")
        elif isinstance(obj, bytes | bytearray | memoryview):
            data = bytes(obj)
            if photo in data or any(p in data for p in pages) or \
                    any(n.encode() in data for n in needles[1:]) or \
                    CITIZEN_NAME.encode() in data:
                found.append(f"bytes of {len(data)}")
    return found


def files_with_personal_data(folder: Path) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            try:
                data = path.read_bytes()
            except OSError:  # someone else's file in /tmp, gone or not ours to read
                continue
            if (CITIZEN_NAME.encode() in data or CITIZEN_ID.encode() in data
                    or FACE[200:240] in data or page_jpeg(1)[300:340] in data):
                hits.append(str(path.relative_to(folder)))
    return hits


def test_nothing_personal_remains_after_timeout_abandon_and_finish(rig, caplog, tmp_path,
                                                                   monkeypatch):
    import tempfile

    caplog.set_level("DEBUG")
    system_tmp = Path(tempfile.gettempdir())
    before = set(system_tmp.iterdir())
    private_tmp = tmp_path / "tmp"  # whatever uses `tempfile` during the visits lands here
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    flow = rig.flow

    # While the visit lasts the search does find the citizen: the walk works.
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    capture_materials(flow)
    assert leftovers(flow)
    assert flow.face_image() == FACE

    # 1. Timeout on the review screen.
    rig.clock.now += 10_000
    flow.tick()
    assert flow.state.message.key == "visit.timed_out"
    assert leftovers(flow) == [] and flow.face_image() is None

    # 2. Abandoned (cancel) with pages captured.
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    flow.open_material("photo")
    flow.page_captured(page_jpeg(9))
    session_pages = [p for pages in flow.session.pages.values() for p in pages]
    buffers = [p.jpeg for p in session_pages]
    flow.cancel()
    flow.leave_confirmed()  # answers "Leave this application?"
    assert flow.state.message.key == "visit.cancelled"
    assert leftovers(flow) == []
    assert all(len(b) == 0 for b in buffers)  # the page buffers were emptied

    # 3. Finished: filed, receipt printed, done.
    file_visit(flow)
    assert flow.state.screen == Screen.RECEIPT
    assert leftovers(flow) == []  # cleared as soon as the outbox had it
    flow.finish()
    assert leftovers(flow) == []
    assert not flow.session.holds_personal_data()
    assert flow.session.personal_strings() == []

    # Nowhere on disk in the clear (the outbox is encrypted), no temp files left.
    assert files_with_personal_data(tmp_path) == []
    assert list(private_tmp.iterdir()) == []
    # Other people's programs may write to /tmp meanwhile: what is new holds nothing of ours.
    for path in set(system_tmp.iterdir()) - before:
        if path.is_dir() and not path.is_symlink():
            assert files_with_personal_data(path) == [], path
        elif path.is_file() and os.access(path, os.R_OK):
            assert CITIZEN_NAME.encode() not in path.read_bytes(), path
    # And never in the logs.
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    for needle in (CITIZEN_NAME, CITIZEN_ID, "E98765432", "L898902C3", "13912345678"):
        assert needle not in log_text
    assert repr(flow.session).startswith("Session(identity=no")


def test_face_buffer_is_overwritten_on_wipe(rig):
    identify(rig.flow)
    face = rig.flow.session.identity.face
    assert bytes(face) == FACE
    rig.flow.cancel()
    rig.flow.leave_confirmed()  # answers "Leave this application?"
    assert face == bytearray() or set(face) <= {0}


def test_language_and_accessibility_reset_for_the_next_person(rig):
    flow = rig.flow
    flow.set_language("en")
    flow.set_large_text(True)
    flow.set_high_contrast(True)
    flow.set_speech(True)
    identify(flow)
    assert flow.state.lang == "en" and flow.state.large_text
    flow.cancel()
    flow.leave_confirmed()  # answers "Leave this application?"
    s = flow.state
    assert (s.lang, s.large_text, s.high_contrast, s.speech) == ("zh", False, False, False)
    assert s.instruction_key == "screen.attract"


def test_back_everywhere_never_raises(rig):
    flow = rig.flow
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    for _ in range(12):
        flow.back()
        if flow.state.confirm_leave:  # "Leave this application?": yes
            flow.leave_confirmed()
    assert flow.state.screen == Screen.ATTRACT
    assert not flow.session.holds_personal_data()


# --- robustness: no intent ever raises ---------------------------------------------------


def test_odd_input_never_raises_out_of_the_flow(rig):
    flow = rig.flow
    identify(flow)
    flow.choose_service("NO-SUCH-0000")
    assert flow.state.message.key == "service.unknown"
    find_by_initials(flow)
    flow.set_field("no_such_field", "x")
    flow.set_field("mobile", "1" * 10_000)  # stored cut short, flagged
    assert len(flow.session.form["mobile"]) < 100
    flow.open_material("nope")
    flow.page_captured(b"\xff\xd8\xff")  # not on the capture screen: ignored
    flow.retake(5)
    flow.edit_form(99)
    flow.code_scanned(None)  # type: ignore[arg-type]
    flow.set_language("fr")
    assert flow.state.lang == "zh" and flow.state.screen == Screen.FORM
    flow.device_status("toaster", "on")
    assert "toaster" not in {d for c in flow.state.capabilities for d in c.missing}


def test_a_bug_behind_an_intent_becomes_a_message(rig, monkeypatch):
    flow = rig.flow
    identify(flow)

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(rig.store.catalog, "search", broken)
    flow.search("hz")  # the view cannot be built: the visit starts over, wiped
    assert flow.state.screen == Screen.ATTRACT
    assert flow.state.message.key == "error.unexpected"
    assert not flow.session.holds_personal_data()
    monkeypatch.undo()

    identify(flow)
    monkeypatch.setattr(rig.store.catalog, "service", broken)
    flow.choose_service(SERVICE)  # the handler itself fails: a message, the visit stays
    assert flow.state.message.key == "error.unexpected"
    assert flow.state.screen == Screen.CHOOSE_SERVICE and flow.session.identity is not None


def test_random_intents_never_raise(rig):
    flow = rig.flow
    rng = random.Random(7)
    calls = [
        lambda: flow.start_filing(), lambda: flow.open_progress(), lambda: flow.open_ticket(),
        lambda: flow.open_staff_sign_in(), lambda: flow.back(), lambda: flow.cancel(),
        lambda: flow.mrz_read(parse_mrz(SPECIMEN_MRZ)), lambda: flow.confirm_identity(),
        lambda: flow.use_typed_mrz(), lambda: flow.mrz_typed("X", "99", "1"),
        lambda: flow.search(rng.choice(["hz", "护照", "", "zz"])),
        lambda: flow.choose_category(rng.choice(["CR", "HJ", None, "??"])),
        lambda: flow.choose_service(rng.choice([SERVICE, "HJ-SF-0001", "x"])),
        lambda: flow.start_form(), lambda: flow.next_page(), lambda: flow.previous_page(),
        lambda: flow.set_field(rng.choice(["mobile", "id_number", "birth_date"]),
                               rng.choice(["1", "13912345678", "2025-02-30", "x" * 80])),
        lambda: flow.open_material(rng.choice(["photo", "id_card_copy", "x"])),
        lambda: flow.page_captured(page_jpeg(rng.randrange(3))), lambda: flow.add_page(),
        lambda: flow.retake(0), lambda: flow.material_done(), lambda: flow.skip_material(),
        lambda: flow.materials_done(), lambda: flow.card_removed(),
        lambda: flow.card_inserted(), lambda: flow.pin_entered("654321"),
        lambda: flow.staff_assist(), lambda: flow.staff_maintain(),
        lambda: flow.code_scanned(rng.choice(["", "x" * 600, "BA01-K017-20250101-0001 AB"])),
        lambda: flow.progress_typed("BA01-K017-20250101-0001", "ABC123"),
        lambda: flow.pick_ticket_category("CR"), lambda: flow.reprint(),
        lambda: flow.finish(), lambda: flow.more_time(), lambda: flow.set_delivery("mail"),
        lambda: flow.edit_materials(), lambda: flow.leave_confirmed(),
        lambda: flow.leave_declined(),
    ]
    for _ in range(400):
        rng.choice(calls)()
        rig.clock.now += rng.choice([0, 1, 5, 30])
        flow.tick()
        assert flow.state.screen in Screen
    flow.cancel()
    flow.leave_confirmed()  # answers "Leave this application?"
    assert not flow.session.holds_personal_data()


def test_thread_executor_delivers_on_the_owners_thread(rig):
    import threading

    from kiosk.flow.ports import ThreadExecutor

    executor = ThreadExecutor(workers=2)
    seen = []
    executor.submit(lambda: threading.current_thread().name,
                    lambda worker: seen.append((worker, threading.current_thread().name)))
    deadline = 200
    while not seen and deadline:
        executor.drain()
        deadline -= 1
        threading.Event().wait(0.01)
    executor.shutdown()
    assert seen and seen[0][0].startswith("flow-io")
    assert seen[0][1] == threading.current_thread().name


def test_cancel_during_the_commit_still_shows_the_receipt(tmp_path, platform):
    manual = ManualExecutor()
    r, vp = make_rig(tmp_path, platform, executor=manual)
    try:
        flow = r.flow

        def run(action):
            action()
            manual.run_all()

        run(flow.start_filing)
        run(lambda: flow.mrz_read(parse_mrz(SPECIMEN_MRZ)))
        flow.confirm_identity()
        find_by_initials(flow)
        fill_form(flow)
        capture_materials(flow)
        flow.submit()
        assert flow.state.busy == "filing"
        flow.cancel()
        flow.back()
        assert flow.state.busy == "filing" and flow.state.screen == Screen.REVIEW
        manual.run_next()  # committed
        assert flow.state.screen == Screen.RECEIPT and flow.state.busy == "printing"
        assert not flow.session.holds_personal_data()
        flow.cancel()  # printing may be left: the receipt is in the outbox
        assert flow.state.screen == Screen.ATTRACT
        manual.run_all()
        assert flow.state.screen == Screen.ATTRACT
        assert r.outbox.status().pending == 1
    finally:
        vp.stop()
        r.outbox.close()
