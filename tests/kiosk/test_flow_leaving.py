"""Leaving a visit (kiosk/flow/leaving.py): with an application in it the flow asks
"Leave this application?" first; "continue" keeps everything, "leave" wipes; an empty
visit leaves at once; a finished one (receipt, ticket) ends with "thank you", never
"cancelled"; the idle timeout still ends a visit without asking."""

from __future__ import annotations

from kiosk.flow.state import Screen
from tests.kiosk.test_flow import (
    capture_materials,
    file_visit,
    fill_form,
    find_by_initials,
    identify,
    page_jpeg,
)


def test_an_empty_visit_leaves_at_once(rig):
    flow = rig.flow
    flow.start_filing()
    flow.cancel()
    assert flow.state.screen == Screen.ATTRACT and not flow.state.confirm_leave
    assert flow.state.message.key == "visit.cancelled"
    flow.start_filing()
    flow.back()  # back from identify before a document was read: the end, no question
    assert flow.state.screen == Screen.ATTRACT and not flow.state.confirm_leave


def test_cancel_with_data_asks_continue_keeps_everything_leave_wipes(rig):
    flow = rig.flow
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    flow.open_material("photo")
    flow.page_captured(page_jpeg(2), kind="a4", size=(200, 280), dpi=200)
    before = (flow.state.screen, dict(flow.session.form), len(flow.session.pages["photo"]))
    visit = flow.state.visit

    flow.cancel()
    assert flow.state.confirm_leave and flow.state.screen == Screen.CAPTURE
    assert flow.camera_wanted() is None  # no page is taken behind the question
    flow.leave_declined()
    assert not flow.state.confirm_leave and flow.state.visit == visit
    assert (flow.state.screen, dict(flow.session.form),
            len(flow.session.pages["photo"])) == before

    flow.cancel()
    flow.leave_confirmed()
    assert flow.state.screen == Screen.ATTRACT and flow.state.visit == visit + 1
    assert flow.state.message.key == "visit.cancelled"
    assert not flow.session.holds_personal_data() and not flow.state.confirm_leave


def test_back_that_would_end_the_visit_asks_on_the_document_just_read(rig):
    flow = rig.flow
    identify(flow)
    flow.back()  # choose_service -> identify: one step back, no question
    assert flow.state.screen == Screen.IDENTIFY and not flow.state.confirm_leave
    flow.back()  # identify with the chip read: this would end the visit
    assert flow.state.confirm_leave and flow.session.identity is not None
    flow.leave_declined()
    assert flow.state.view.identity is not None and flow.state.screen == Screen.IDENTIFY


def test_the_question_on_review_then_the_idle_timeout_ends_it_without_asking(rig):
    flow = rig.flow
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    capture_materials(flow)
    flow.cancel()
    assert flow.state.confirm_leave and flow.state.screen == Screen.REVIEW
    limit = flow.settings.idle_limit(Screen.REVIEW)
    assert limit is not None
    rig.clock.now += limit + 1
    flow.tick()
    assert flow.state.screen == Screen.ATTRACT and not flow.state.confirm_leave
    assert flow.state.message.key == "visit.timed_out"
    assert not flow.session.holds_personal_data()


def test_answers_without_a_question_do_nothing(rig):
    flow = rig.flow
    identify(flow)
    flow.leave_confirmed()
    flow.leave_declined()
    assert flow.state.screen == Screen.CHOOSE_SERVICE and flow.session.identity is not None


def test_after_filing_leaving_is_finishing_never_cancelled(rig):
    flow = rig.flow
    file_visit(flow)
    assert flow.state.screen == Screen.RECEIPT
    flow.back()
    assert flow.state.screen == Screen.ATTRACT and not flow.state.confirm_leave
    assert flow.state.message.key == "visit.thank_you"
    file_visit(flow)
    flow.cancel()
    assert flow.state.message.key == "visit.thank_you"


def test_a_ticket_taken_is_a_finished_visit(rig):
    flow = rig.flow
    flow.open_ticket()
    flow.cancel()  # nothing taken yet, nothing to lose: at once
    assert flow.state.message.key == "visit.cancelled"
    flow.open_ticket()
    flow.pick_ticket_category("CR")
    assert flow.state.view.ticket is not None
    flow.cancel()
    assert flow.state.screen == Screen.ATTRACT and flow.state.message.key == "visit.thank_you"


def test_staff_screens_leave_without_the_citizens_question(rig):
    flow = rig.flow
    rig.card.uid = "0499AABBCCDDEE"  # Technician Zhao: maintain only
    flow.open_staff_sign_in()
    flow.card_inserted()
    flow.pin_entered("111111")
    flow.staff_maintain()
    assert flow.state.screen == Screen.MAINTENANCE
    flow.back()
    assert flow.state.screen == Screen.ATTRACT and not flow.state.confirm_leave
    assert not flow.session.holds_personal_data()
