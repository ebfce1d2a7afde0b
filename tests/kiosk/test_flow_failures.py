"""The flow when things go wrong: identify failures, devices down, a full disk, numbers
used up, the message catalog; and robustness (no intent ever raises)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from devices.card.errors import BacFailed, NoCard
from devices.mrz import parse_mrz
from kiosk.flow.ports import ManualExecutor
from kiosk.flow.state import Screen
from kiosk.strings import STRINGS
from offline_queue.outbox import Outbox
from offline_queue.settings import load_queue_settings
from tests.kiosk.flow_rig import (
    CITIZEN_NAME,
    SERVICE,
    SPECIMEN_MRZ,
    capture_materials,
    file_visit,
    fill_form,
    find_by_initials,
    identify,
    make_rig,
    page_jpeg,
)

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


@pytest.mark.parametrize("tamper, field", [
    ("select", "travel_purpose"), ("required", "mobile"), ("pages", "materials.photo")])
def test_what_the_catalog_forbids_is_refused_before_commit_with_the_field_named(
        rig, tamper, field):
    """The flow's own checks and the catalog check (offline_queue.catalog_rules) stop it
    before anything is written; the delivery case is in test_flow_idcard.py."""
    from kiosk.session import Page

    flow = rig.flow
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    capture_materials(flow)
    if tamper == "select":
        flow.session.form["travel_purpose"] = "space_tourism"  # not among the options
    elif tamper == "required":
        flow.session.form.pop("mobile")
    else:  # more pages than the catalog allows for the photo
        extra = flow.session.pages["photo"][0]
        for _ in range(10):
            flow.session.pages["photo"].append(Page(bytearray(extra.jpeg), "id1"))
    flow.submit()
    state = flow.state
    assert rig.outbox.status().pending == 0  # nothing committed
    if tamper == "pages":
        assert state.screen == Screen.MATERIALS
        assert state.message.key == "submit.catalog_refused"
        assert dict(state.message.params)["field"] == field
    else:
        assert state.screen == Screen.FORM and state.message.key == "review.fix_field"
        assert any(f.field == field and f.message is not None for f in state.view.fields)
