"""Health: capabilities close and reopen with their devices; out of service between visits;
the heartbeat and the platform's commands, against the real simulator over HTTP."""

from __future__ import annotations

import json

import pytest

from kiosk.flow import EXIT_RESTART
from kiosk.flow.state import Screen
from kiosk.runtime.health import CAPABILITY_NEEDS, Counters, Health
from kiosk.runtime.heartbeat import Runtime
from offline_queue.client import Command
from tests.kiosk.flow_rig import file_visit, identify, make_rig


def caps(health: Health) -> dict[str, bool]:
    return {c.name: c.available for c in health.capabilities()}


# --- the pure model -----------------------------------------------------------------------


@pytest.mark.parametrize("device", ["card_reader", "camera", "printer", "platform", "storage"])
@pytest.mark.parametrize("status", ["offline", "error"])
def test_each_device_closes_exactly_what_needs_it_and_reopens(device, status):
    h = Health()
    for d in ("card_reader", "camera", "printer", "platform", "storage"):
        h.report(d, "ok")
    assert all(caps(h).values())
    h.report(device, status, "gone")
    closed = {name for name, ok in caps(h).items() if not ok}
    assert closed == {name for name, needs in CAPABILITY_NEEDS.items() if device in needs}
    assert closed, "every device is needed by something"
    for c in h.capabilities():
        assert (device in c.missing) == (c.name in closed)
        assert (c.instead is not None) == (c.name in closed)
    h.report(device, "degraded", "low")  # degraded still works (e.g. paper near end)
    assert all(caps(h).values())


def test_unknown_devices_count_as_starting_but_the_platform_must_answer():
    h = Health()
    assert caps(h)["file"] and not caps(h)["progress"] and not caps(h)["ticket"]
    h.report("platform", "ok")
    assert caps(h)["progress"]


def test_out_of_service_when_no_citizen_capability_is_left_or_when_commanded():
    h = Health()
    h.report("platform", "ok")
    assert h.service_state().in_service
    h.report("camera", "offline")  # no filing, but progress and tickets remain
    assert h.service_state().in_service
    h.report("platform", "offline")
    state = h.service_state()
    assert not state.in_service and state.why == "nothing_useful"
    assert set(state.missing) == {"camera", "platform"}
    h.report("camera", "ok")
    assert h.service_state().in_service
    h.set_commanded_out("maintenance window")
    assert h.service_state().why == "commanded"
    assert h.service_state().reason == "maintenance window"
    h.set_commanded_out(None)
    assert h.service_state().in_service


def test_bad_reports_are_ignored_with_a_reason(caplog):
    h = Health()
    assert not h.report("toaster", "ok")
    assert not h.report("printer", "on_fire")
    assert h.line("printer").status == "unknown"
    assert "health_report_ignored" in caplog.text


def test_heartbeat_devices_fit_the_contract():
    h = Health()
    h.report("printer", "offline", "paper_out", "no paper")
    devices = h.heartbeat_devices()
    assert set(devices) == {"card_reader", "idcard_reader", "camera", "face_camera", "printer",
                            "platform", "storage"}
    assert {d["status"] for d in devices.values()} <= {"ok", "degraded", "offline", "error"}
    assert devices["printer"]["status"] == "offline"
    assert devices["printer"]["detail"].startswith("paper_out: no paper")
    assert devices["camera"]["detail"].startswith("no status yet")


# --- the flow: out of service between visits ------------------------------------------------


def test_nothing_useful_closes_the_kiosk_between_visits_and_reopens_it(rig):
    flow = rig.flow
    identify(flow)  # a visit is on
    flow.device_status("card_reader", "offline", "pcscd_down")
    flow.platform_status(False)
    assert flow.state.screen == Screen.CHOOSE_SERVICE  # never mid-visit
    flow.cancel()
    flow.leave_confirmed()  # answers "Leave this application?"
    assert flow.state.screen == Screen.OUT_OF_SERVICE
    view = flow.state.view
    assert view.why == "nothing_useful" and view.hotline == "12345"
    assert set(view.missing) == {"card_reader", "platform"}
    assert not view.staff_possible
    flow.start_filing()  # nothing opens from here
    assert flow.state.screen == Screen.OUT_OF_SERVICE
    flow.platform_status(True)  # tickets and progress are back
    assert flow.state.screen == Screen.ATTRACT
    assert flow.state.capability("ticket").available
    assert not flow.state.capability("file").available
    assert flow.counters.get("out_of_service") == 1
    assert flow.counters.get("visits_started") == 1
    assert flow.counters.get("visits_abandoned") == 1


def test_restart_waits_for_the_visit_to_end(rig):
    flow = rig.flow
    identify(flow)
    flow.request_restart()
    assert not flow.state.exit_requested
    flow.cancel()
    flow.leave_confirmed()  # answers "Leave this application?"
    assert flow.state.exit_requested and flow.state.exit_code == EXIT_RESTART


# --- the heartbeat and commands, over HTTP ------------------------------------------------


def make_runtime(rig, path=None, heartbeat_s=60.0) -> Runtime:
    return Runtime(version="test-1", client=rig.client, queue=rig.outbox, catalog=rig.store,
                   health=rig.flow.health, counters=rig.flow.counters, flow=rig.flow,
                   post=lambda fn: fn(), state_path=path or rig.folder / "commands.json",
                   heartbeat_s=heartbeat_s)


def last_heartbeat(platform) -> dict:
    return platform.state.heartbeats_json("K017")[-1]["body"]


def test_heartbeat_reports_queue_devices_counters_and_the_platform_accepts_it(rig):
    flow, platform = rig.flow, rig.platform
    file_visit(flow)  # one filing in the queue, not yet sent
    flow.finish()
    flow.device_status("printer", "offline", "paper_out", "paper out")
    runtime = make_runtime(rig)
    assert runtime.beat() is not None  # the simulator validates the body: 200 = it fits
    body = last_heartbeat(platform)
    assert body["version"] == "test-1" and body["uptime_s"] >= 0
    assert body["queue"]["pending"] == 1 and body["queue"]["dead"] == 0
    assert body["devices"]["printer"]["status"] == "offline"
    assert body["devices"]["platform"]["status"] == "ok"
    assert body["in_service"] is True
    assert body["counters"]["commit_ok"] == 1
    assert body["counters"]["visits_completed"] == 1
    assert "heartbeats_sent" not in body["counters"]  # counted after this one went
    assert rig.sync()
    runtime.beat()
    body = last_heartbeat(platform)
    assert body["queue"]["pending"] == 0 and body["counters"]["queue_acknowledged"] == 1
    assert body["counters"]["heartbeats_sent"] == 1


def test_out_of_service_command_closes_reports_and_outlives_a_restart(rig):
    flow, platform = rig.flow, rig.platform
    runtime = make_runtime(rig)
    identify(flow)
    platform.queue_command("K017", "out_of_service", "counter renovation")
    runtime.beat()
    assert flow.state.screen == Screen.CHOOSE_SERVICE  # the citizen finishes first
    flow.cancel()
    flow.leave_confirmed()  # answers "Leave this application?"
    assert flow.state.screen == Screen.OUT_OF_SERVICE
    assert flow.state.view.why == "commanded"
    runtime.beat()  # the command rides on this answer again: carried out once only
    assert flow.counters.get("command_out_of_service") == 1
    assert last_heartbeat(platform)["in_service"] is False
    # A restart (a new runtime and flow over the same disk) stays closed.
    rig2, vp2 = make_rig(rig.folder / "again", platform)
    try:
        rig2.flow.platform_status(True)
        again = make_runtime(rig2, path=rig.folder / "commands.json")
        again.restore()
        assert rig2.flow.state.screen == Screen.OUT_OF_SERVICE
        platform.queue_command("K017", "in_service")
        again.beat()
        assert rig2.flow.state.screen == Screen.ATTRACT
        assert json.loads((rig.folder / "commands.json").read_text())["out_of_service"] is None
    finally:
        vp2.stop()
        rig2.outbox.close()
        rig2.client.close()


def test_restart_command_is_carried_out_once_at_an_idle_moment(rig):
    flow, platform = rig.flow, rig.platform
    runtime = make_runtime(rig)
    platform.queue_command("K017", "restart", "new version")
    identify(flow)
    runtime.beat()
    assert not flow.state.exit_requested
    flow.cancel()
    flow.leave_confirmed()  # answers "Leave this application?"
    assert flow.state.exit_requested and flow.state.exit_code == EXIT_RESTART
    # After the restart the same command arrives again (at least once): not repeated.
    rig2, vp2 = make_rig(rig.folder / "again", platform)
    try:
        rig2.flow.platform_status(True)
        again = make_runtime(rig2, path=rig.folder / "commands.json")
        again.beat()
        assert not rig2.flow.state.exit_requested
        assert rig2.flow.counters.get("command_restart") == 0
    finally:
        vp2.stop()
        rig2.outbox.close()
        rig2.client.close()


def test_reload_catalog_and_purge_cache(rig, caplog):
    platform, store = rig.platform, rig.store
    runtime = make_runtime(rig)
    before = store.catalog.version
    platform.bump_catalog()
    platform.queue_command("K017", "reload_catalog")
    runtime.beat()
    assert store.catalog.version != before
    on_disk = json.loads((rig.folder / "catalog.json").read_text())
    assert on_disk["catalog"]["version"] == store.catalog.version
    caplog.set_level("INFO", logger="kiosk.runtime.heartbeat")
    platform.queue_command("K017", "purge_cache")
    runtime.beat()
    assert rig.flow.counters.get("command_purge_cache") == 1
    # The whole catalog again (a 200, not the 304 an ETag would get), kept on disk.
    assert "command_purge_cache catalog_changed=True error=-" in caplog.text
    assert store.catalog is not None and (rig.folder / "catalog.json").exists()


def test_a_command_id_done_before_is_not_done_again(rig):
    runtime = make_runtime(rig)
    assert runtime.carry_out(Command(id="c-1", type="in_service", reason=None))
    assert not runtime.carry_out(Command(id="c-1", type="in_service", reason=None))
    assert make_runtime(rig).book.done == ["c-1"]  # from disk


def test_heartbeat_with_the_platform_down_marks_it_offline_and_keeps_going(rig, platform):
    flow = rig.flow
    runtime = make_runtime(rig)
    platform.set_faults([{"kind": "drop"}])
    assert runtime.beat() is None
    assert flow.counters.get("heartbeats_failed") == 1
    assert not flow.state.capability("progress").available
    platform.clear_faults()
    assert runtime.beat() is not None


def test_counters_are_thread_safe_counts():
    c = Counters()
    c.add("a")
    c.add("a", 2)
    assert c.snapshot() == {"a": 3} and c.get("b") == 0


def test_a_kiosk_started_with_the_platform_down_files_from_the_cached_catalog(tmp_path,
                                                                              platform):
    from devices.printer import Printer, Timeouts
    from kiosk.catalog import CatalogStore
    from kiosk.flow import Flow, FlowSettings
    from kiosk.flow.ports import InlineExecutor
    from offline_queue.client import PlatformClient
    from offline_queue.outbox import Outbox
    from offline_queue.settings import load_queue_settings
    from sim.printer import VirtualPrinter
    from tests.conftest import write_config
    from tests.kiosk.flow_rig import PLACE, RECEIPT, FakeCard

    first, vp = make_rig(tmp_path, platform)  # fetched the catalog once: it is on disk
    vp.stop()
    first.outbox.close()
    first.client.close()
    platform.stop()
    # A fresh start, the platform unreachable: the catalog comes from disk.
    settings = load_queue_settings(write_config(tmp_path, platform.base_url))
    client = PlatformClient(settings.platform, settings.kiosk.id)
    store = CatalogStore(tmp_path / "catalog.json", client)
    assert store.refresh().error == "platform_unreachable"
    assert store.catalog is not None and len(store.catalog.services) == 756
    outbox = Outbox(settings.storage, settings.kiosk)
    with VirtualPrinter() as vp2:
        printer = Printer.from_url(vp2.url, "cn-80", timeouts=Timeouts(status_s=2.0))
        flow = Flow(FlowSettings(PLACE, RECEIPT), catalog=store, outbox=outbox,
                    printer=printer, card=FakeCard(), platform=client,
                    executor=InlineExecutor())
        flow.platform_status(False)
        assert flow.state.screen == Screen.ATTRACT  # filing works offline: in service
        file_visit(flow)
        assert flow.state.screen == Screen.RECEIPT and flow.state.view.offline
        assert outbox.status().pending == 1
    outbox.close()
    client.close()
