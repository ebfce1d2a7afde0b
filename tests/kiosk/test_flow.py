"""The visit driven through kiosk.flow without Qt, against the real parts of the rig
(tests/kiosk/flow_rig.py): whole visits online and offline, printing, staff,
maintenance, progress and supplements, tickets, review edits."""

from __future__ import annotations

import json

from devices.mrz import parse_mrz
from kiosk.flow import parse_receipt_code
from kiosk.flow.state import Screen
from kiosk.receipt import tracking_url
from tests.kiosk.flow_rig import (
    CITIZEN_ID,
    CITIZEN_NAME,
    RECEIPT,
    SPECIMEN_MRZ,
    capture_materials,
    file_visit,
    fill_form,
    find_by_initials,
    identify,
    page_jpeg,
    receipt_qr,
)

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
    assert "已保存在本终端" not in text
    # What comes next: the same lines on the screen as on the paper, from the catalog.
    steps = {s.key: s for s in view.next_steps}
    assert steps["department"].text == "市公安局出入境管理局"
    assert steps["fee"].text.startswith("120元") and "领取" in steps["delivery"].text
    flat = "".join(text.split())
    for step in view.next_steps:
        assert "".join(f"{step.label}：{step.text}".split()) in flat, step
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
    # Acknowledged while the receipt is on screen: the status is the timeline's first word,
    # with the platform's time; in English too once the citizen switches.
    assert steps["status"].text.startswith("已提交")
    rig.flow.tick()
    now = {s.key: s.text for s in rig.flow.state.view.next_steps}
    received = rig.outbox.find(view.tracking_no).received_at
    assert now["status"] == f"已接收（{received[11:16]}）"
    rig.flow.set_language("en")
    now = {s.key: s.text for s in rig.flow.state.view.next_steps}
    assert now["status"] == f"Received ({received[11:16]})"
    assert now["department"] == "Exit and Entry Administration, Public Security Bureau"

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
    assert "已保存在本终端，网络恢复后将自动提交" in job.text.replace("\n", "")
    assert {s.key: s for s in view.next_steps}["status"].text.startswith("网络暂不可用")
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
    slip = rig.printer.wait_for_jobs(1)[0].text
    assert "终端状态单" in slip and "打印机" in slip  # in the visit's language, zh here
    for raw in ("OK", "DEGRADED", "OFFLINE", "UNKNOWN", "printer", "card_reader"):
        assert raw not in slip, (raw, slip)

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
    assert "补交材料回执" in job.text and "户口簿" in job.text
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
    # The words name what the ticket button gives: this hall's windows of the category.
    category = catalog.category(service.category)
    assert category is not None and view.ticket_category == category.name
    flow.start_form()
    assert flow.state.screen == Screen.SERVICE
    assert flow.state.message.key == "service.not_at_kiosk"
    assert service.department.zh in flow.state.message.text("zh")
    flow.take_ticket_instead()
    assert flow.state.screen == Screen.TICKET
    assert flow.state.view.preselected == service.category
    assert not flow.session.holds_personal_data()
    flow.pick_ticket_category(service.category)
    ticket = flow.state.view.ticket
    assert ticket is not None and ticket.area == category.name
    job = rig.printer.wait_for_jobs(1)[0]
    assert category.name.zh in job.text_lines


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


def test_maintenance_shows_dead_letters_with_the_platforms_reason(rig, caplog):
    flow = rig.flow
    rig.card.uid = "0499AABBCCDDEE"  # Technician Zhao: maintain only
    flow.open_staff_sign_in()
    flow.card_inserted()
    flow.pin_entered("111111")
    from offline_queue.outbox import NewSubmission

    filed = rig.outbox.commit(NewSubmission("CR-HZ-0001", {"name": "x"}, {}))
    rig.outbox.mark_dead(filed.submission_id, {
        "error": "validation", "status": 422, "message": "delivery pickup is not offered",
        "fields": [{"field": "delivery", "problem": "not_offered"}]})
    flow.staff_maintain()
    queue = flow.state.view.queue
    assert queue.dead == 1 and len(queue.dead_letters) == 1
    dead = queue.dead_letters[0]
    assert dead.tracking_no == filed.tracking_no and dead.service_code == "CR-HZ-0001"
    assert dead.error == "validation" and dead.fields == "delivery: not_offered"
    assert dead.message == "delivery pickup is not offered"
    assert "delivery pickup is not offered" not in caplog.text  # on screen for staff only
    flow.retry_dead()
    assert flow.state.view.queue.dead_letters == ()
