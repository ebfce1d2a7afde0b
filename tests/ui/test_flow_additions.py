"""What part 4 added to the flow: Flow.camera_wanted() (what the screen wants of the
camera) and the CameraFeed that learns it only from the CameraRequest handed over on the
flow's thread; instructions that follow the identify and ticket screens' own steps. A real flow over
a real outbox and the simulator's catalog; the chip is the fake port of tests/kiosk."""

from __future__ import annotations

import json

import pytest

from kiosk.camera_feed import CameraFeed
from kiosk.catalog import CatalogStore
from kiosk.flow import Flow
from kiosk.flow.ports import InlineExecutor, ManualExecutor
from kiosk.flow.state import Screen
from kiosk.flow.steps import to_materials
from offline_queue.outbox import Outbox
from offline_queue.settings import load_queue_settings
from sim.platform.catalog import build_catalog
from tests.conftest import write_config
from tests.kiosk.flow_rig import PLACE, RECEIPT, FakeCard, FlowSettings, page_jpeg


def make_flow(folder, executor=None, face=None) -> tuple[Flow, Outbox]:
    settings = load_queue_settings(write_config(folder, log_dir=False))
    outbox = Outbox(settings.storage, settings.kiosk)
    (folder / "catalog.json").write_text(json.dumps(
        {"etag": "t", "fetched_at": 0, "catalog": build_catalog(3)}), encoding="utf-8")
    flow = Flow(FlowSettings(PLACE, RECEIPT), catalog=CatalogStore(folder / "catalog.json", None),
                outbox=outbox, printer=None, card=FakeCard(), platform=None,
                executor=executor or InlineExecutor(), face=face)
    return flow, outbox


@pytest.fixture
def flow(tmp_path):
    f, outbox = make_flow(tmp_path)
    yield f
    outbox.close()


def to_capture(flow: Flow) -> None:
    flow.start_filing()
    flow.use_typed_mrz()
    flow.mrz_typed("E98765432", "870423", "330101")
    flow.confirm_identity()
    flow.choose_service("CR-HZ-0001")
    flow.start_form()
    flow.set_field("mobile", "13912345678")
    to_materials(flow.visit)  # the form itself is tested in tests/kiosk
    flow.open_material("id_card_copy")
    assert flow.state.screen == Screen.CAPTURE


def test_what_each_screen_wants_of_the_camera(flow):
    assert flow.camera_wanted() is None  # attract
    flow.start_filing()
    assert flow.camera_wanted() == "mrz"
    flow.use_typed_mrz()
    assert flow.camera_wanted() is None  # typing the fields: the camera rests
    flow.cancel()
    to_capture(flow)
    assert flow.camera_wanted() == "page"
    flow.page_captured(page_jpeg(1), kind="a4")
    assert flow.camera_wanted() is None  # the citizen checks the page
    flow.retake(0)
    assert flow.camera_wanted() == "page"
    flow.cancel()
    flow.leave_confirmed()  # answers "Leave this application?"
    assert flow.camera_wanted() is None
    flow.platform_status(True)
    flow.open_progress()
    assert flow.state.screen == Screen.PROGRESS_LOOKUP
    assert flow.camera_wanted() == "code"


def test_nothing_is_wanted_while_the_chip_is_read(tmp_path):
    executor = ManualExecutor()
    flow, outbox = make_flow(tmp_path, executor)
    try:
        flow.start_filing()
        flow.use_typed_mrz()
        flow.mrz_typed("E98765432", "870423", "330101")
        assert flow.state.busy and flow.camera_wanted() is None
        executor.run_all()
        assert flow.state.view.identity is not None and flow.camera_wanted() is None
    finally:
        outbox.close()


class IdleCamera:
    """Never started here: the feed's decisions are tested, not frames."""


def test_the_feed_knows_only_what_it_is_handed(flow):
    posted = []
    feed = CameraFeed(IdleCamera(), flow, posted.append)  # type: ignore[arg-type]
    assert feed._entered().want is None
    unsubscribe = flow.subscribe(lambda _s: feed.wanted(flow.camera_request()))
    flow.start_filing()
    first = feed._entered()
    assert first.want == "mrz" and first.key[1] == "identify"
    feed._sent = True  # one MRZ per visit of the screen...
    flow.cancel()
    flow.start_filing()
    assert feed._entered().key != first.key and not feed._sent  # ...re-armed on a new one
    flow.cancel()
    to_capture(flow)
    page = feed._entered()
    assert page.want == "page" and page.key[3] == "id_card_copy"
    flow.page_captured(page_jpeg(2), kind="a4")
    flow.material_done()
    flow.open_material("photo")
    assert feed._entered().want == "page" and feed._entered().key[3] == "photo"
    unsubscribe()
    flow.cancel()
    assert feed._entered().want == "page"  # unsubscribed: the feed never reads the flow
    assert posted == []


def test_the_instruction_follows_the_step_of_the_screen(flow):
    from kiosk.strings import text

    flow.start_filing()
    assert flow.state.instruction_key == "screen.identify"
    flow.use_typed_mrz()
    assert flow.state.instruction_key == "screen.identify_typed"
    flow.mrz_typed("E98765432", "870423", "330101")
    assert flow.state.instruction_key == "screen.identify_confirm"
    for key in ("screen.identify_typed", "screen.identify_confirm", "screen.ticket_taken"):
        zh, en = text(key, "zh"), text(key, "en")
        assert zh and en and zh != en and key not in (zh, en)
