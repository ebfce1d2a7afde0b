"""The technician at night, through the live QML offscreen (the demo's simulators, no
pcscd; the staff card is the in-process chip's UID): the platform unreachable and no
camera, so the kiosk is out of service; the staff card laid on the reader, or the discreet
staff button, opens sign-in; the local technician credential of the config signs in
offline, straight into maintenance ("离线登录：仅限维护"), which says every status in words
with the time, the reader as working (it just read the card), the terminal and the
version; leaving the application asks first."""

from __future__ import annotations

import pytest

from harness.demo import DemoWorld
from harness.probe import ItemNotFound, find_item, items, tap, wait_for
from kiosk.flow.state import Screen
from kiosk.staff_pin import hash_pin
from sim.card import get_profile

TECH_UID, TECH_PIN = "0455667788990A", "246810"


@pytest.fixture
def world(tmp_path):
    """No camera, the platform checked often, a local technician in [staff]."""
    w = DemoWorld(tmp_path / "world", use_pcscd=False, camera=False)
    w.card.profile = get_profile("staff", uid=TECH_UID)
    text = w.config_path.read_text() + "[runtime]\nplatform_check_s = 0.3\n"
    text += (f'[staff]\ntechnician_card_uid = "{TECH_UID}"\n'
             f'technician_pin_hash = "{hash_pin(TECH_UID, TECH_PIN, n=2**10)}"\n')
    w.config_path.write_text(text)
    w.platform.set_faults([{"kind": "drop"}])  # the platform is down all along
    try:
        yield w
    finally:
        w.close()


def shown(ui, name: str) -> bool:
    try:
        find_item(ui.window, name)
        return True
    except ItemNotFound:
        return False


def text_of(ui, name: str) -> str:
    return str(find_item(ui.window, name).property("text"))


def all_text(ui) -> str:
    return "\n".join(str(i.property("text")) for i in items(ui.window)
                     if i.isVisible() and isinstance(i.property("text"), str))


def test_the_technician_gets_in_at_night_and_leaving_asks_first(world, touchscreen):
    app, kiosk, ui = touchscreen
    flow = kiosk.flow
    wait_for(app, lambda: flow.state.screen == Screen.OUT_OF_SERVICE
             and flow.device_line("platform").status == "offline", "out of service", 20)
    wait_for(app, lambda: shown(ui, "oosStaff"), "the staff entry")
    assert "工作证" in text_of(ui, "oosStaffHint")

    # The staff card laid on the reader (what the card monitor posts) opens sign-in.
    flow.card_inserted()
    wait_for(app, lambda: shown(ui, "pin_OK"), "the PIN pad")
    assert flow.state.screen == Screen.STAFF_SIGN_IN and shown(ui, "signInOffline")
    tap(ui.window, "back")
    wait_for(app, lambda: flow.state.screen == Screen.OUT_OF_SERVICE, "back out of service")

    # The discreet button, then the card, then the PIN on the pad.
    tap(ui.window, "oosStaff")
    assert flow.state.screen == Screen.STAFF_SIGN_IN
    tap(ui.window, "readCard")
    wait_for(app, lambda: shown(ui, "pin_OK"), "the PIN pad")
    for digit in TECH_PIN:
        tap(ui.window, f"pin_{digit}")
    tap(ui.window, "pin_OK")
    # Every device is asked as maintenance opens ("checking"), then the screen says so.
    wait_for(app, lambda: flow.state.screen == Screen.MAINTENANCE and flow.state.busy is None
             and shown(ui, "device_camera"), "maintenance, devices checked", 10)
    assert flow.state.view.via == "local" and shown(ui, "offlineBadge")
    assert "离线登录：仅限维护" in text_of(ui, "offlineText")
    assert text_of(ui, "maintainer") == "本机技术员"
    reader = text_of(ui, "device_card_reader")
    assert reader.startswith("读卡器：正常") and "检查于" in reader and "未知" not in reader
    assert "本机未配备" in text_of(ui, "device_camera")
    assert "无法连接" in text_of(ui, "device_platform")
    terminal = text_of(ui, "terminalLine")
    assert "K017" in terminal and flow.visit.version in terminal
    texts = all_text(ui)
    for raw in ("(ok)", "(streaming)", "(ready)", "(unreachable)", "not_configured"):
        assert raw not in texts

    # Leaving the application asks first; "back to maintenance" keeps everything.
    codes: list[int] = []
    ui.vm.exitRequested.connect(codes.append)
    tap(ui.window, "leaveApp")
    assert shown(ui, "leaveAppQuestion") and not flow.state.exit_requested
    tap(ui.window, "leaveAppNo")
    assert not shown(ui, "leaveAppQuestion") and flow.state.screen == Screen.MAINTENANCE
    tap(ui.window, "leaveApp")
    tap(ui.window, "leaveAppYes")
    wait_for(app, lambda: codes == [77], "exit code 77")
    assert flow.state.exit_requested
