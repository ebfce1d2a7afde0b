"""The frame's steps and help topics, from the flow (no Qt): a filing counts six steps and
each screen says which one it is; a progress lookup counts two, or four when the platform
asks for papers; a ticket two; the home and staff screens none. Every help topic the
flow can name has words in both languages."""

from __future__ import annotations

from kiosk.flow.state import Screen
from kiosk.flow.wayfinding import FILING_STEPS, HELP_TOPICS, SUPPLEMENT_STEPS
from kiosk.strings import STRINGS
from tests.kiosk.flow_rig import file_visit, identify, page_jpeg


def where(flow) -> tuple[str, int, str, str]:
    s = flow.state
    return s.screen.value, s.step, s.steps[s.step - 1] if s.step else "", s.help_topic


def test_a_filing_walks_its_six_steps_in_order(rig):
    flow = rig.flow
    assert (flow.state.step, flow.state.steps) == (0, ())  # home: no steps
    flow.start_filing()
    seen = [where(flow)]
    assert flow.state.steps == FILING_STEPS and flow.state.help_topic == "identify_camera"
    flow.use_typed_mrz()
    assert where(flow)[1:] == (1, "identify", "identify_typed")
    flow.use_passport()
    identify(flow)  # back to the camera, read, confirmed
    seen.append(where(flow))
    flow.choose_service("CR-HZ-0001")
    seen.append(where(flow))
    flow.start_form()
    while flow.state.screen == Screen.FORM:
        seen.append(where(flow))
        for f in flow.state.view.fields:
            value = {"mobile": "13912345678", "travel_purpose": "tourism",
                     "home_address": "杭州市上城区解放路1号", "household_size": "3"}.get(f.field)
            if value is not None:
                flow.set_field(f.field, value)
        flow.next_page()
    seen.append(where(flow))
    for code, seed in (("id_card_copy", 1), ("photo", 3)):
        flow.open_material(code)
        seen.append(where(flow))
        flow.page_captured(page_jpeg(seed), kind="a4", size=(200, 280), dpi=200)
        flow.material_done()
    flow.skip_material("household_register")
    flow.materials_done()
    seen.append(where(flow))
    flow.submit()
    seen.append(where(flow))
    assert [s[0] for s in seen][:4] == ["identify", "choose_service", "service", "form"]
    assert ("capture", 4, "materials", "capture") in seen
    assert seen[-2:] == [("review", 5, "review", "review"), ("receipt", 6, "receipt", "receipt")]
    steps = [s[1] for s in seen]
    assert steps == sorted(steps) and set(steps) == {1, 2, 3, 4, 5, 6}  # never backwards
    flow.finish()
    assert (flow.state.step, flow.state.help_topic) == (0, "default")


def test_a_lookup_counts_two_steps_and_four_when_papers_are_asked_for(rig):
    flow = rig.flow
    flow.open_progress()
    assert where(flow) == ("progress_lookup", 1, "lookup", "progress_lookup")
    assert flow.state.steps == ("lookup", "progress")
    flow.cancel()

    # A filing the platform asks papers for: lookup, progress, papers, receipt.
    file_visit(flow)
    qr = flow.state.view.qr_text
    tracking_no = flow.state.view.tracking_no
    flow.finish()
    assert rig.sync()
    rig.platform.force_status(tracking_no, "needs_materials", ["household_register"])
    flow.open_progress()
    flow.code_scanned(qr)
    assert where(flow) == ("progress", 2, "progress", "progress")
    assert flow.state.steps == SUPPLEMENT_STEPS
    flow.start_supplement()
    assert where(flow) == ("materials", 3, "materials", "materials")
    flow.open_material("household_register")
    flow.page_captured(page_jpeg(7))
    assert where(flow)[1:3] == (3, "materials")
    flow.material_done()
    flow.materials_done()
    assert where(flow) == ("receipt", 4, "receipt", "receipt")


def test_a_ticket_counts_two_steps_and_staff_screens_none(rig):
    flow = rig.flow
    flow.open_ticket()
    assert where(flow) == ("ticket", 1, "ticket_category", "ticket")
    flow.pick_ticket_category("CR")
    assert where(flow) == ("ticket", 2, "ticket", "ticket")
    flow.finish()
    flow.open_staff_sign_in()
    assert flow.state.screen == Screen.STAFF_SIGN_IN
    assert (flow.state.step, flow.state.steps, flow.state.help_topic) == (0, (), "staff_sign_in")


def test_every_step_and_help_topic_has_words_in_both_languages():
    names = set(FILING_STEPS) | set(SUPPLEMENT_STEPS) | {"ticket_category", "ticket"}
    for lang, strings in STRINGS.items():
        missing = ([f"label.step.{n}" for n in names if f"label.step.{n}" not in strings]
                   + [f"help.{t}" for t in HELP_TOPICS | {"default"}
                      if f"help.{t}" not in strings])
        assert not missing, (lang, missing)
