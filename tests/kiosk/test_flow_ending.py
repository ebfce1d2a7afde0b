"""How a visit ends: idle warnings and timeouts, a card pulled mid-read, and nothing
personal left behind afterwards."""

from __future__ import annotations

import gc
import os
import sys
import types
from pathlib import Path

import pytest

from devices.card.errors import CardRemoved
from devices.mrz import parse_mrz
from kiosk.flow import Flow, FlowSettings
from kiosk.flow.ports import ManualExecutor
from kiosk.flow.state import Screen
from tests.kiosk.flow_rig import (
    CITIZEN_ID,
    CITIZEN_NAME,
    FACE,
    PLACE,
    RECEIPT,
    SPECIMEN_MRZ,
    capture_materials,
    file_visit,
    fill_form,
    find_by_initials,
    identify,
    make_rig,
    page_jpeg,
)

# --- timeouts, card pulled, and nothing left behind -----------------------------------


def test_idle_warning_more_time_then_abandon(rig):
    flow, clock = rig.flow, rig.clock
    identify(flow)
    limit = 120  # choose_service
    clock.now += limit - 31
    flow.tick()
    assert flow.state.warning_left_s is None
    clock.now += 2  # 29 s left: the prompt is up, with at least 20 s to answer
    flow.tick()
    assert flow.state.warning_left_s == 29
    flow.more_time()
    assert flow.state.warning_left_s is None
    clock.now += limit - 10
    flow.tick()
    assert flow.state.warning_left_s == 10
    assert flow.state.screen == Screen.CHOOSE_SERVICE
    clock.now += 10
    flow.tick()
    assert flow.state.screen == Screen.ATTRACT
    assert flow.state.message.key == "visit.timed_out"
    assert not flow.session.holds_personal_data()
    # Why the last visit ended is for that citizen, not for the next one.
    clock.now += 14
    flow.tick()
    assert flow.state.message.key == "visit.timed_out"
    clock.now += 1.5
    flow.tick()
    assert flow.state.message is None


def test_warning_settings_refuse_less_than_20_seconds():
    from kiosk.flow import FlowSettingsError

    with pytest.raises(FlowSettingsError):
        FlowSettings(PLACE, RECEIPT, warning_s=10)
    with pytest.raises(FlowSettingsError):
        FlowSettings(PLACE, RECEIPT, idle_s={Screen.FORM: 25})


def test_no_timeout_while_the_kiosk_itself_is_busy(tmp_path, platform):
    manual = ManualExecutor()
    r, vp = make_rig(tmp_path, platform, executor=manual)
    try:
        flow = r.flow
        flow.start_filing()
        flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
        assert flow.state.busy == "reading_chip" and flow.state.view.reading
        r.clock.now += 500
        flow.tick()
        assert flow.state.screen == Screen.IDENTIFY
        manual.run_all()
        assert flow.state.view.identity is not None
    finally:
        vp.stop()
        r.outbox.close()


def test_card_pulled_while_reading_wipes_and_late_result_is_dropped(tmp_path, platform):
    manual = ManualExecutor()
    r, vp = make_rig(tmp_path, platform, executor=manual)
    try:
        flow = r.flow
        flow.start_filing()
        flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
        assert flow.session.access_key is not None
        flow.card_removed()
        assert flow.state.screen == Screen.ATTRACT
        assert flow.state.message.key == "visit.card_removed"
        assert not flow.session.holds_personal_data()
        manual.run_all()  # the chip answered after all: too late, dropped
        assert flow.session.identity is None and flow.state.screen == Screen.ATTRACT
    finally:
        vp.stop()
        r.outbox.close()


def test_card_removed_error_during_read_wipes(rig):
    rig.card.fail = [CardRemoved("gone")]
    rig.flow.start_filing()
    rig.flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
    assert rig.flow.state.screen == Screen.ATTRACT
    assert rig.flow.state.message.key == "visit.card_removed"
    assert rig.card.keys and not rig.flow.session.holds_personal_data()


def test_card_removed_after_the_read_does_not_matter(rig):
    identify(rig.flow)
    rig.flow.card_removed()
    assert rig.flow.state.screen == Screen.CHOOSE_SERVICE


_SKIP = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
         types.CodeType)


def reachable(root) -> list:
    """Every object reachable from `root`, not following into modules, classes or code
    (those reach the whole interpreter, this test's constants included)."""
    seen = {id(root)}
    stack, out = [root], []
    while stack:
        obj = stack.pop()
        out.append(obj)
        for ref in gc.get_referents(obj):
            if id(ref) in seen or isinstance(ref, _SKIP):
                continue
            if ref is sys.modules or ref is vars(sys):
                continue
            seen.add(id(ref))
            stack.append(ref)
    return out


def leftovers(flow: Flow, *, after: set[str] | None = None) -> list[str]:
    """Where the citizen's name, ID number or photo still is, reachable from the flow."""
    found = []
    needles = (CITIZEN_NAME, CITIZEN_ID, "E98765432", "OUYANG")
    photo = FACE[200:240]
    pages = [page_jpeg(s)[300:340] for s in (1, 3, 9)]
    for obj in reachable(flow):
        if isinstance(obj, str) and any(n in obj for n in needles):
            found.append(f"str {type(obj).__name__}")
        elif isinstance(obj, bytes | bytearray | memoryview):
            data = bytes(obj)
            if photo in data or any(p in data for p in pages) or \
                    any(n.encode() in data for n in needles[1:]) or \
                    CITIZEN_NAME.encode() in data:
                found.append(f"bytes of {len(data)}")
    return found


def files_with_personal_data(folder: Path) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            try:
                data = path.read_bytes()
            except OSError:  # someone else's file in /tmp, gone or not ours to read
                continue
            if (CITIZEN_NAME.encode() in data or CITIZEN_ID.encode() in data
                    or FACE[200:240] in data or page_jpeg(1)[300:340] in data):
                hits.append(str(path.relative_to(folder)))
    return hits


def test_nothing_personal_remains_after_timeout_abandon_and_finish(rig, caplog, tmp_path,
                                                                   monkeypatch):
    import tempfile

    caplog.set_level("DEBUG")
    system_tmp = Path(tempfile.gettempdir())
    before = set(system_tmp.iterdir())
    private_tmp = tmp_path / "tmp"  # whatever uses `tempfile` during the visits lands here
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    flow = rig.flow

    # While the visit lasts the search does find the citizen: the walk works.
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    capture_materials(flow)
    assert leftovers(flow)
    assert flow.face_image() == FACE

    # 1. Timeout on the review screen.
    rig.clock.now += 10_000
    flow.tick()
    assert flow.state.message.key == "visit.timed_out"
    assert leftovers(flow) == [] and flow.face_image() is None

    # 2. Abandoned (cancel) with pages captured.
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    flow.open_material("photo")
    flow.page_captured(page_jpeg(9))
    session_pages = [p for pages in flow.session.pages.values() for p in pages]
    buffers = [p.jpeg for p in session_pages]
    flow.cancel()
    flow.leave_confirmed()  # answers "Leave this application?"
    assert flow.state.message.key == "visit.cancelled"
    assert leftovers(flow) == []
    assert all(len(b) == 0 for b in buffers)  # the page buffers were emptied

    # 3. Finished: filed, receipt printed, done.
    file_visit(flow)
    assert flow.state.screen == Screen.RECEIPT
    assert leftovers(flow) == []  # cleared as soon as the outbox had it
    flow.finish()
    assert leftovers(flow) == []
    assert not flow.session.holds_personal_data()
    assert flow.session.personal_strings() == []

    # Nowhere on disk in the clear (the outbox is encrypted), no temp files left.
    assert files_with_personal_data(tmp_path) == []
    assert list(private_tmp.iterdir()) == []
    # Other people's programs may write to /tmp meanwhile: what is new holds nothing of ours.
    for path in set(system_tmp.iterdir()) - before:
        if path.is_dir() and not path.is_symlink():
            assert files_with_personal_data(path) == [], path
        elif path.is_file() and os.access(path, os.R_OK):
            assert CITIZEN_NAME.encode() not in path.read_bytes(), path
    # And never in the logs.
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    for needle in (CITIZEN_NAME, CITIZEN_ID, "E98765432", "L898902C3", "13912345678"):
        assert needle not in log_text
    assert repr(flow.session).startswith("Session(identity=no")


def test_face_buffer_is_overwritten_on_wipe(rig):
    identify(rig.flow)
    face = rig.flow.session.identity.face
    assert bytes(face) == FACE
    rig.flow.cancel()
    rig.flow.leave_confirmed()  # answers "Leave this application?"
    assert face == bytearray() or set(face) <= {0}


def test_language_and_accessibility_reset_for_the_next_person(rig):
    flow = rig.flow
    flow.set_language("en")
    flow.set_large_text(True)
    flow.set_high_contrast(True)
    flow.set_speech(True)
    identify(flow)
    assert flow.state.lang == "en" and flow.state.large_text
    flow.cancel()
    flow.leave_confirmed()  # answers "Leave this application?"
    s = flow.state
    assert (s.lang, s.large_text, s.high_contrast, s.speech) == ("zh", False, False, False)
    assert s.instruction_key == "screen.attract"


def test_back_everywhere_never_raises(rig):
    flow = rig.flow
    identify(flow)
    find_by_initials(flow)
    fill_form(flow)
    for _ in range(12):
        flow.back()
        if flow.state.confirm_leave:  # "Leave this application?": yes
            flow.leave_confirmed()
    assert flow.state.screen == Screen.ATTRACT
    assert not flow.session.holds_personal_data()
