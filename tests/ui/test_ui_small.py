"""Issue 15's smaller on-screen defects, through the live QML offscreen around a real flow
(real outbox, the simulator's catalog, the fake chip of tests/kiosk; jobs held by a
ManualExecutor so the busy states can be looked at). One window for the module: each test
starts from the attract screen and leaves the visit again."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from harness.probe import find_item, items, tap  # noqa: E402
from kiosk.flow.ports import ManualExecutor  # noqa: E402
from kiosk.flow.state import Screen  # noqa: E402
from tests.ui.test_flow_additions import make_flow  # noqa: E402


class Screenful:
    def __init__(self, app, flow, ui, executor) -> None:
        self.app, self.flow, self.ui, self.jobs = app, flow, ui, executor
        self.window = ui.window

    def pump(self) -> None:
        for _ in range(3):
            self.app.processEvents()

    def item(self, name: str):
        self.pump()
        return find_item(self.window, name)

    def shown(self, name: str) -> bool:
        self.pump()
        try:
            find_item(self.window, name)
        except LookupError:
            return False
        return True

    def words(self, name: str) -> str:
        return str(self.item(name).property("text"))

    def tap(self, name: str) -> None:
        self.pump()
        tap(self.window, name)
        self.pump()

    def texts(self) -> list[str]:
        """Every piece of text shown now (Text items that are visible on screen)."""
        self.pump()
        out = []
        for it in items(self.window):
            text = it.property("text")
            if (isinstance(text, str) and text and it.isVisible() and it.width() > 0
                    and it.property("font") is not None and it.opacity() > 0):
                out.append(text)
        return out

    def identified(self) -> None:
        f = self.flow
        f.start_filing()
        f.use_typed_mrz()
        f.mrz_typed("E98765432", "1987-04-23", "2033-01-01")
        self.jobs.run_all()
        assert f.state.view.identity is not None

    def end(self) -> None:
        self.jobs.run_all()  # a commit in flight finishes (its receipt ends the visit)
        self.flow.cancel()
        self.flow.leave_confirmed()
        self.pump()
        assert self.flow.state.screen == Screen.ATTRACT


@pytest.fixture(scope="module")
def screen(tmp_path_factory):
    from ui.window import application, load_ui

    app = application()
    executor = ManualExecutor()
    flow, outbox = make_flow(tmp_path_factory.mktemp("small"), executor)
    ui = load_ui(flow, tick_ms=0)
    s = Screenful(app, flow, ui, executor)
    try:
        yield s
    finally:
        ui.close()
        outbox.close()


@pytest.fixture
def s(screen):
    yield screen
    screen.end()


def test_nationality_in_words_and_the_typed_dates_as_the_label_says(s):
    f = s.flow
    f.start_filing()
    f.use_typed_mrz()
    birth = s.words("birth_label") if s.shown("birth_label") else ""
    assert "1985-03-15" in str(s.item("mrzBirth").property("placeholder"))
    assert "YYMMDD" not in " ".join(s.texts()) and "年-月-日" in birth
    # Typed the way the example shows it: accepted, the chip is read with it.
    f.mrz_typed("E98765432", "1987-04-23", "2033-01-01")
    assert f.state.busy == "reading_chip"
    s.jobs.run_all()
    assert f.state.view.identity.nationality == "CHN"
    assert s.words("nationality") == "国籍: 中国"
    f.set_language("en")
    assert s.words("nationality") == "Nationality: China"
    assert "CHN" not in " ".join(s.texts())


def test_a_wait_turns_and_can_be_stopped_and_its_late_result_is_dropped(s):
    f = s.flow
    f.start_filing()
    f.use_typed_mrz()
    f.mrz_typed("E98765432", "1987-04-23", "2033-01-01")
    assert f.state.busy == "reading_chip" and f.state.busy_stoppable
    assert s.item("busySpinner").property("spinning") is True
    assert s.words("busyText") == "正在读取芯片，请勿移动证件…"
    s.tap("busyStop")
    assert f.state.busy is None and f.state.screen == Screen.IDENTIFY
    assert not s.shown("busy")
    s.jobs.run_all()  # the chip answers after the citizen stopped waiting: dropped
    assert f.state.view.identity is None and f.session.identity is None
    assert s.item("readChip").property("visible")  # and they can try again


def to_review(s) -> None:
    """A whole filing up to the review screen, by the flow's intents."""
    from tests.kiosk.flow_rig import capture_materials, fill_form

    f = s.flow
    s.identified()
    f.confirm_identity()
    f.choose_service("CR-HZ-0001")
    f.start_form()
    fill_form(f)
    capture_materials(f)
    assert f.state.screen == Screen.REVIEW and f.state.view.problems == ()


def test_a_commit_cannot_be_stopped_halfway(s):
    f = s.flow
    to_review(s)
    f.submit()
    assert f.state.busy == "filing" and not f.state.busy_stoppable
    assert s.shown("busySpinner") and not s.shown("busyStop")


def rect(item):
    from PySide6.QtCore import QPointF, QRectF

    p = item.mapToScene(QPointF(0, 0))
    return QRectF(p.x(), p.y(), item.width(), item.height())


def test_all_categories_lists_every_service_and_the_more_pill_covers_none(s):
    f = s.flow
    s.identified()
    f.confirm_identity()
    assert f.state.screen == Screen.CHOOSE_SERVICE and f.state.view.category is None
    services = f.state.view.services
    catalog = f.visit.catalog()
    assert len(services) == len(catalog.services) > 10  # not an empty pane
    here = [x.kiosk_filing for x in services]
    assert here == sorted(here, reverse=True) and here[0]  # filed here first
    assert s.words("servicesHeader").startswith(f"全部 {len(services)} 项事项")
    assert s.shown(f"service_{services[0].code}")
    # The list goes on: the pill says so, outside the list, over no result.
    pill = s.item("moreBelowLabel")
    listing = s.item("services")
    assert not rect(pill).intersects(rect(listing))
    for it in items(s.window):
        if it.objectName().startswith("service_") and it.isVisible():
            assert not rect(pill).intersects(rect(it)), it.objectName()
    f.choose_category(f.state.view.categories[0].code)
    assert all(x.code in {y.code for y in catalog.in_category(f.state.view.category)}
               for x in f.state.view.services)


def test_fields_from_the_document_are_read_only_with_a_note(s):
    f = s.flow
    s.identified()
    f.confirm_identity()
    f.choose_service("CR-HZ-0001")
    f.start_form()
    fields = {x.field: x for x in f.state.view.fields}
    name = fields["full_name"]
    assert name.prefilled and name.value == "欧阳明轩"
    box = s.item("input_full_name")
    assert box.property("readOnly") is True
    assert s.words("lockedNote") == "标有“来自证件”的内容不能修改；如有误，请联系工作人员"
    assert s.words("message_full_name") == ""  # said once for the page, not per field
    s.tap("input_full_name")  # a finger on it: no keyboard, no focus
    focus = s.window.activeFocusItem()
    assert focus is None or focus.parentItem() is not box
    assert not find_item(s.window, "keyboard", visible=False).property("active")
    s.tap("input_mobile")  # and one the citizen types takes the focus
    assert s.window.activeFocusItem().parentItem() is s.item("input_mobile")
    f.set_field("full_name", "someone else")  # nor through the flow
    assert {x.field: x for x in f.state.view.fields}["full_name"].value == "欧阳明轩"
    assert f.state.message.key == "form.from_document"
    # A field the citizen types stays editable.
    assert s.item("input_mobile").property("readOnly") is False
    from tests.kiosk.flow_rig import capture_materials, fill_form
    fill_form(f)
    capture_materials(f)
    rows = {r.field: r for r in f.state.view.rows}
    assert rows["full_name"].locked and not rows["mobile"].locked


def test_a_greyed_out_continue_says_what_it_waits_for(s):
    from tests.kiosk.flow_rig import fill_form, page_jpeg

    f = s.flow
    s.identified()
    f.confirm_identity()
    f.choose_service("CR-HZ-0001")
    f.start_form()
    fill_form(f)
    assert f.state.screen == Screen.MATERIALS
    assert not s.item("materialsDone").property("enabled")
    assert s.words("whyNot") == "还需：居民身份证复印件、近期免冠证件照"
    f.open_material("photo")
    f.page_captured(page_jpeg(3), kind="a4")
    f.material_done()
    assert s.words("whyNot") == "还需：居民身份证复印件"
    f.set_language("en")
    assert s.words("whyNot") == "Still needed: Copy of resident ID card"
    why, button = rect(s.item("whyNot")), rect(s.item("materialsDone"))
    assert not why.intersects(button) and why.left() >= 0  # beside it, whole, on screen
    assert s.item("whyNot").property("contentWidth") <= why.width() + 1
    f.open_material("id_card_copy")
    f.page_captured(page_jpeg(1), kind="a4")
    f.material_done()
    assert s.item("materialsDone").property("enabled") and not s.shown("whyNot")
    f.skip_material("household_register")
    f.materials_done()
    assert f.state.screen == Screen.REVIEW and not s.shown("whyNot")
    assert s.item("submit").property("enabled")


def test_a_chip_that_failed_its_check_says_why_confirm_is_grey(s):
    card = s.flow.visit.ports.card
    card.passive = "failed"
    try:
        s.identified()
    finally:
        card.passive = "verified"
    assert not s.item("confirmIdentity").property("enabled")
    # Why is said once, in the message over the screen (not again beside the button).
    assert s.flow.state.message.key == "identify.chip_failed"
    assert s.texts().count("证件芯片验证失败，请到人工窗口办理。") == 1 and not s.shown("whyNot")
    assert repeats(s.texts()) == []


def to_capture(s, code: str = "id_card_copy") -> None:
    from tests.kiosk.flow_rig import fill_form

    f = s.flow
    s.identified()
    f.confirm_identity()
    f.choose_service("CR-HZ-0001")
    f.start_form()
    fill_form(f)
    f.open_material(code)
    assert f.state.screen == Screen.CAPTURE and f.state.view.awaiting_page


def test_a_deleted_page_can_be_undone_for_a_few_seconds_then_it_is_gone(s):
    from kiosk.flow.settings import UNDO_S
    from tests.kiosk.flow_rig import page_jpeg

    f = s.flow
    to_capture(s)
    jpeg = page_jpeg(4)
    f.page_captured(jpeg, kind="a4")
    f.add_page()
    f.page_captured(page_jpeg(5), kind="a4")
    assert f.state.view.pages == 2 and not s.shown("undoRemove")
    tap(s.window, "page_1")  # "第 1 页 ✕"
    s.pump()
    assert f.state.view.pages == 1 and f.state.view.can_undo
    assert f.state.view.checking == 0 and s.shown("checkedPage")  # the page left, shown
    assert s.words("undoRemove") == "↶ 已删除 · 撤销"
    s.tap("undoRemove")
    view = f.state.view
    assert view.pages == 2 and not view.can_undo and view.checking == 0
    assert bytes(f.session.pages["id_card_copy"][0].jpeg) == jpeg  # the same page, back first
    # Deleted again and left alone: the offer goes, and the page is wiped for good.
    f.remove_page(0)
    held = f.session.removed[2].jpeg
    f.tick(f.visit.clock() + UNDO_S - 1)
    assert f.state.view.can_undo
    f.tick(f.visit.clock() + UNDO_S + 1)
    assert not f.state.view.can_undo and not s.shown("undoRemove")
    assert f.session.removed is None and not any(held)  # overwritten
    f.undo_remove()
    assert f.state.view.pages == 1


def test_take_photo_beside_the_automatic_capture(s):
    f = s.flow
    to_capture(s)
    assert s.words("shutter") == "◉ 拍照" and f.state.camera.shutter == 0
    s.tap("shutter")
    assert f.state.camera.want == "page" and f.state.camera.shutter == 1


def test_the_feed_hands_take_photo_to_the_camera_once():
    from kiosk.camera_feed import CameraFeed
    from kiosk.flow.state import CameraRequest
    from tests.ui.test_flow_additions import IdleCamera

    feed = CameraFeed(IdleCamera(), None, lambda fn: None)  # type: ignore[arg-type]
    scanner = feed.pipeline.scanner
    feed.wanted(CameraRequest("page", ("k",), 0))
    assert not scanner.shutter
    feed.wanted(CameraRequest("page", ("k",), 1))
    assert scanner.shutter
    scanner.shutter = False  # the frame was taken
    feed.wanted(CameraRequest("page", ("k",), 1))  # the same tap, seen again: nothing
    assert not scanner.shutter
    feed.wanted(CameraRequest(None, ("k",), 2))  # no page wanted: nothing either
    assert not scanner.shutter


def repeats(texts: list[str]) -> list[tuple[str, str]]:
    """Sentences shown twice on one screen: one (less its punctuation) inside another."""
    import re

    bare = [re.sub(r"[\s，。、；：:,.;!?！？…‹›✓✕◉↶()（）*]+", "", t) for t in texts]
    return [(texts[i], texts[j]) for i in range(len(texts)) for j in range(len(texts))
            if i != j and len(bare[i]) >= 6 and bare[i] in bare[j]]


def test_no_sentence_is_said_twice_on_a_screen(s):
    from tests.kiosk.flow_rig import page_jpeg

    f = s.flow
    f.start_filing()
    seen = {"identify-camera": s.texts()}
    f.use_typed_mrz()
    seen["identify-typed"] = s.texts()
    f.mrz_typed("E98765432", "1987-04-23", "2033-01-01")
    s.jobs.run_all()
    seen["identify-read"] = s.texts()
    f.confirm_identity()
    seen["choose_service"] = s.texts()
    f.choose_service("CR-HZ-0001")
    f.start_form()
    seen["form"] = s.texts()
    to = f.visit
    from kiosk.flow.steps import to_materials
    to_materials(to)
    to.publish()
    seen["materials"] = s.texts()
    f.open_material("photo")
    seen["capture-live"] = s.texts()
    f.page_captured(page_jpeg(2), kind="a4")
    seen["capture-check"] = s.texts()
    assert f.state.instruction_key == "screen.capture_check" and f.state.message is None
    pills = ("▼ 向下滑动查看更多", "滑动查看更多 ›")  # one per list that scrolls: not a repeat
    for screen, texts in seen.items():
        assert repeats([t for t in texts if t not in pills]) == [], screen


def test_the_tracking_number_stays_on_one_line_in_large_text(s):
    f = s.flow
    to_review(s)
    f.submit()
    s.jobs.run_all()
    assert f.state.screen == Screen.RECEIPT
    for large in (False, True):
        f.set_large_text(large)
        number = s.item("trackingNo")
        assert number.property("text") == f.state.view.tracking_no
        assert number.property("lineCount") == 1
        assert number.property("contentWidth") <= number.width() + 1
    assert s.item("trackingNo").property("font").pixelSize() >= s.ui.vm.ui["font"]
    f.set_large_text(False)


def test_the_review_names_what_is_missing_in_words(s):
    f = s.flow
    to_review(s)
    f.edit_materials()
    f.open_material("photo")
    f.remove_page(0)  # its only page
    f.material_done()
    assert f.state.screen == Screen.MATERIALS
    f.back()  # to the review it came from
    assert f.state.screen == Screen.REVIEW and f.state.view.problems == ("photo",)
    assert not s.item("submit").property("enabled")
    assert s.words("whyNot") == "还需：近期免冠证件照"  # the name, not the code "photo"
