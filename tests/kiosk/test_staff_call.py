"""呼叫工作人员: a staff call is shown while open, reaches the hall through the heartbeat at
once, and ends with the visit or when a staff member signs in."""

from __future__ import annotations

from kiosk.flow.state import Screen
from kiosk.runtime.assistance import Assistance
from tests.kiosk.flow_rig import identify
from tests.kiosk.test_health import last_heartbeat, make_runtime
from ui.convert import state_to_qml


def test_a_call_is_shown_counted_once_and_carried_by_the_heartbeat(rig):
    flow = rig.flow
    wakes: list[int] = []
    flow.visit.assistance.on_change = lambda: wakes.append(1)
    identify(flow)
    before = flow.state.screen
    flow.call_staff()
    flow.call_staff()  # a second tap while waiting: the same call, the first time kept
    assert flow.state.staff_call is not None and flow.state.staff_call.reason == "help"
    assert state_to_qml(flow.state)["staff_call"] == "help"
    assert flow.counters.get("staff_calls") == 1 and wakes == [1]
    rig.clock.now += 42
    runtime = make_runtime(rig)
    runtime.extra_counters = flow.visit.assistance.counters
    assert runtime.beat() is not None  # the simulator validates the body
    counters = last_heartbeat(rig.platform)["counters"]
    assert counters["call_staff_open"] == 1 and counters["call_staff_waiting_s"] == 42
    assert flow.state.screen == before  # calling staff does not move the citizen

    flow.cancel_staff_call()
    assert flow.state.staff_call is None and wakes == [1, 1]
    runtime.beat()
    assert last_heartbeat(rig.platform)["counters"]["call_staff_open"] == 0
    assert state_to_qml(flow.state)["staff_call"] == ""


def test_the_end_of_the_visit_ends_the_call(rig):
    flow = rig.flow
    identify(flow)
    flow.visit.call_staff("face_check")
    flow.cancel()
    flow.leave_confirmed()
    assert flow.state.screen == Screen.ATTRACT and flow.state.staff_call is None


def test_the_desk_is_thread_safe_in_shape_and_survives_a_failing_notifier():
    now = [10.0]
    desk = Assistance(clock=lambda: now[0])

    def broken() -> None:
        raise OSError("heartbeat gone")

    desk.on_change = broken
    assert desk.counters() == {"call_staff_open": 0, "call_staff_waiting_s": 0}
    desk.call("help")  # the notifier's failure is logged, the call stays open
    now[0] = 25.0
    assert desk.counters() == {"call_staff_open": 1, "call_staff_waiting_s": 15}
    desk.end()
    desk.end()  # ending twice is harmless
    assert desk.open is None
