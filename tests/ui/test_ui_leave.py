"""Nothing is thrown away without asking, through the live QML offscreen (the demo's
simulators, sim/idcard's reader over TCP, no pcscd): leaving a visit that holds a
document asks "放弃本次办理？" with the choices spelt out, "继续办理" keeps everything
and "放弃并清除信息" wipes it; an empty visit leaves at once; after filing (and after a
ticket) the only way on is 完成, and the visit never ends as "cancelled"."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from harness.demo import DEMO_FORM
from harness.probe import ItemNotFound, centre, find_item, tap, wait_for
from kiosk.flow.state import Screen
from sim.idcard import sample_cards
from tests.ui.test_ui_idcard import to_identify

# The frame's buttons on every visit screen: settings and help, none of which moves the
# visit on or ends it.
FRAME_BUTTONS = frozenset({"language", "help", "frameLargeText", "frameSpeech"})


def ways_on(window) -> dict[str, str]:
    """The buttons shown now that go somewhere: all but the frame's."""
    return {k: v for k, v in buttons(window).items() if k not in FRAME_BUTTONS}


def buttons(window) -> dict[str, str]:
    """Every button (Btn.qml) shown now: objectName (or its words) -> its words."""
    from harness.probe import items

    out = {}
    for item in items(window):
        if (item.property("danger") is not None and item.property("primary") is not None
                and item.isVisible() and item.width() > 0 and item.height() > 0):
            words = str(item.property("text"))
            out[item.objectName() or words] = words
    return out


def words(window, name: str) -> str:
    return str(find_item(window, name).property("text"))


def read_card(app, world, flow) -> None:
    world.reader.place(sample_cards()["resident"])
    wait_for(app, lambda: getattr(flow.state.view, "identity", None) is not None,
             "the card read by the SAM reader", 20)


def test_leaving_with_data_asks_first_continue_keeps_and_leave_wipes(world, touchscreen):
    app, kiosk, ui = touchscreen
    flow, window = kiosk.flow, ui.window
    finger = to_identify(app, kiosk, ui)
    # Nothing read yet: "cancel" leaves at once, as before.
    finger.tap("cancel")
    assert flow.state.screen == Screen.ATTRACT and not finger.visible("leaveQuestion")
    assert flow.state.message.key == "visit.cancelled"

    finger = to_identify(app, kiosk, ui)
    read_card(app, world, flow)
    wait_for(app, lambda: finger.visible("confirmIdentity"), "the card's details")
    visit = flow.state.visit
    finger.tap("cancel")
    assert finger.visible("leaveQuestion") and flow.state.confirm_leave
    assert flow.state.screen == Screen.IDENTIFY and flow.session.identity is not None
    assert words(window, "leaveTitle") == "放弃本次办理？"
    assert words(window, "leaveContinue") == "继续办理"
    assert words(window, "leaveErase") == "放弃并清除信息"
    # The safe way out is the big one, and both are full-size touch targets.
    keep, erase = find_item(window, "leaveContinue"), find_item(window, "leaveErase")
    touch = ui.vm.ui["touch"]
    assert keep.property("primary") and keep.height() > erase.height() >= touch
    # The question covers the screen: a tap on "confirm" behind it does nothing.
    behind = find_item(window, "confirmIdentity")
    QTest.mouseClick(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     centre(behind))
    app.processEvents()
    assert flow.state.screen == Screen.IDENTIFY and flow.state.confirm_leave

    finger.tap("leaveContinue")
    assert not finger.visible("leaveQuestion") and flow.state.visit == visit
    assert flow.state.view.identity.name == "张三" and finger.visible("confirmIdentity")

    # "Back" on the card's result would end the visit: it asks too, in English as well.
    flow.set_language("en")
    app.processEvents()
    finger.tap("back")
    assert finger.visible("leaveQuestion")
    assert words(window, "leaveTitle") == "Leave this application?"
    assert words(window, "leaveContinue") == "Continue my application"
    assert words(window, "leaveErase") == "Leave and erase my details"
    finger.tap("leaveErase")
    world.reader.remove()
    app.processEvents()
    assert flow.state.screen == Screen.ATTRACT and not finger.visible("leaveQuestion")
    assert flow.state.message.key == "visit.cancelled" and flow.state.visit == visit + 1
    assert not flow.session.holds_personal_data()
    assert "张三" not in json.dumps(ui.vm.state, ensure_ascii=False)


def file_by_intents(app, world, flow) -> None:
    """A filing driven through the flow (the touches are test_ui_idcard's): to the receipt."""
    flow.start_filing()
    read_card(app, world, flow)
    flow.confirm_identity()
    flow.choose_service("CR-HZ-0001")
    flow.start_form()
    while flow.state.screen == Screen.FORM:
        for f in flow.state.view.fields:
            if not f.prefilled and f.field in DEMO_FORM:
                flow.set_field(f.field, DEMO_FORM[f.field])
        flow.next_page()
    for code in ("id_card_copy", "photo"):
        flow.open_material(code)
        wait_for(app, lambda: flow.state.view.checking is not None, f"a page of {code}", 40)
        flow.material_done()
    flow.skip_material("household_register")
    flow.materials_done()
    assert flow.state.screen == Screen.REVIEW
    flow.submit()
    wait_for(app, lambda: flow.state.screen == Screen.RECEIPT and flow.state.busy is None
             and flow.state.view.printed is not None, "the receipt")


def test_after_filing_nothing_but_finish_is_offered(world, touchscreen):
    app, kiosk, ui = touchscreen
    flow, window = kiosk.flow, ui.window
    to_identify(app, kiosk, ui)
    flow.cancel()
    file_by_intents(app, world, flow)
    app.processEvents()
    assert flow.state.view.printed is True
    # No "back", no "home": besides the frame's settings and help, 完成 only.
    assert ways_on(window) == {"finish": "完成"}
    assert set(buttons(window)) >= FRAME_BUTTONS
    # The idle warning on the receipt offers "more time" and 完成, not 取消办理.
    limit = flow.settings.idle_limit(Screen.RECEIPT) or 60
    flow.tick(flow.visit.clock() + limit - flow.settings.warning_s + 1)
    app.processEvents()
    assert shown(window, "idleWarning")
    assert words(window, "idleLeave") == "完成"
    flow.more_time()
    # A program's cancel (the soak's) after filing finishes the visit: never "已取消".
    flow.cancel()
    app.processEvents()
    assert flow.state.screen == Screen.ATTRACT
    assert flow.state.message.key == "visit.thank_you"
    assert "已取消" not in json.dumps(ui.vm.state, ensure_ascii=False)
    world.reader.remove()


def test_a_ticket_taken_offers_only_finish(world, touchscreen):
    app, kiosk, ui = touchscreen
    flow, window = kiosk.flow, ui.window
    wait_for(app, lambda: flow.state.capability("ticket").available, "tickets open")
    flow.open_ticket()
    app.processEvents()
    assert {"back", "cancel", "finish"} <= set(buttons(window))  # before: any way out
    flow.pick_ticket_category(flow.state.view.categories[0].code)
    wait_for(app, lambda: flow.state.busy is None and flow.state.view.ticket is not None,
             "a ticket")
    app.processEvents()
    assert ways_on(window) == {"finish": "完成"}
    tap(window, "finish")
    app.processEvents()
    assert flow.state.screen == Screen.ATTRACT and flow.state.message.key == "visit.thank_you"


def shown(window, name: str) -> bool:
    try:
        find_item(window, name)
        return True
    except ItemNotFound:
        return False
