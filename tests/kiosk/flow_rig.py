"""The flow's test rig and the steps of a visit, shared by the flow's tests: real parts
(the platform simulator in-process over HTTP, the encrypted outbox in a temp folder, the
virtual ESC/POS printer over TCP with its rendered paper); only the chip reader is a fake
(tests/kiosk/test_flow_card.py reads through pcscd and the emulator): it answers with a
real `devices.card.IdentityDocument`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

from devices.card.port import FaceImage, IdentityDocument, PassiveAuthResult
from devices.mrz import parse_mrz
from devices.printer import Printer, Timeouts
from kiosk.catalog import CatalogStore
from kiosk.config import ReceiptSettings
from kiosk.flow import Flow, FlowSettings
from kiosk.flow.ports import InlineExecutor
from kiosk.flow.state import Screen
from kiosk.receipt import Place
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


def make_rig(folder: Path, platform, *, executor=None, card=None, face=None,
             flow_settings: FlowSettings | None = None,
             staff_credentials=None) -> tuple[Rig, VirtualPrinter]:
    settings = load_queue_settings(write_config(folder, platform.base_url))
    outbox = Outbox(settings.storage, settings.kiosk)
    client = PlatformClient(settings.platform, settings.kiosk.id)
    store = CatalogStore(folder / "catalog.json", client)
    assert store.refresh().changed
    vp = VirtualPrinter().start()
    printer = Printer.from_url(vp.url, "cn-80", timeouts=Timeouts(status_s=2.0))
    clock = FakeClock()
    card = card or FakeCard()
    flow = Flow(flow_settings or FlowSettings(PLACE, RECEIPT), catalog=store, outbox=outbox,
                printer=printer, card=card, platform=client,
                executor=executor or InlineExecutor(), clock=clock, face=face,
                staff_credentials=staff_credentials)
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
