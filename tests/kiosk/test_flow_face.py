"""The face step of the visit (kiosk/flow/face.py) without Qt and without the model: a
fake face port plays what devices.face.FaceSession says frame by frame (the model's own
tests are in tests/devices/face). The rest is the flow rig's real outbox, printer and
platform simulator, so the filed face_match is the one the platform receives."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from devices.face import ChallengeState, FaceMatch, NotDone, Phase
from devices.mrz import parse_mrz
from kiosk.flow import Flow, FlowSettings
from kiosk.flow.ports import InlineExecutor, ManualExecutor
from kiosk.flow.state import Screen
from tests.kiosk.flow_rig import (
    PLACE,
    RECEIPT,
    SPECIMEN_MRZ,
    capture_materials,
    fill_form,
    find_by_initials,
    make_rig,
)
from tests.kiosk.test_flow_idcard import card, placed_and_read, reader_ok

MODEL = "dlib_face_recognition_resnet_model_v1+hog+5pt dlib 20.0.1"
MATCH = FaceMatch("match", 0.81, 0.5, "passed", MODEL)
NO_MATCH = FaceMatch("no_match", 0.31, 0.5, "passed", MODEL)
FLAT = FaceMatch("no_match", 0.77, 0.5, "failed", MODEL)  # the holder's photo, held up


def challenge(phase: Phase, progress: float, hint: str | None = None,
              direction: str = "left") -> ChallengeState:
    return ChallengeState(phase, direction, progress, hint, 9.0)  # type: ignore[arg-type]


TURN = [challenge(Phase.LOOK, 0.1), challenge(Phase.TURN, 0.5, "turn_left"),
        challenge(Phase.BACK, 0.9)]
# What FaceSession shows for a flat picture tilted to fake the turn: "turn your head".
FLAT_TURN = [challenge(Phase.LOOK, 0.2), challenge(Phase.TURN, 0.5, "turn_head"),
             challenge(Phase.TURN, 0.5, "turn_head")]


class FakeCheck:
    """One FaceSession: its scripted states, then its decision."""

    def __init__(self, states: list[ChallengeState], result: FaceMatch) -> None:
        self.states, self.outcome = list(states), result
        self.shown = challenge(Phase.LOOK, 0.0)
        self.closed = False
        self.steps = 0

    @property
    def finished(self) -> bool:
        return self.closed or not self.states

    def step(self, timeout_s: float = 0.5) -> ChallengeState:
        self.steps += 1
        if self.states:
            self.shown = self.states.pop(0)
        return self.shown

    def state(self) -> ChallengeState:
        return self.shown

    def result(self) -> FaceMatch:
        return FaceMatch.not_done(NotDone.DECLINED) if self.closed else self.outcome

    def close(self) -> None:
        self.closed = True


class FakeFace:
    """The FacePort: each begin() takes the next scripted check (the last one repeats)."""

    def __init__(self, *results: FaceMatch, states: list[ChallengeState] | None = None
                 ) -> None:
        self.results = list(results)
        self.script = states if states is not None else TURN
        self.photos: list[bytes] = []
        self.checks: list[FakeCheck] = []

    def begin(self, document_photo):
        self.photos.append(bytes(document_photo or b""))
        result = self.results.pop(0) if len(self.results) > 1 else self.results[0]
        if result.result == "not_done" and result.not_done_reason != NotDone.NO_LIVE_FACE:
            check = FakeCheck([], result)  # FaceService.begin: not_done at once
        else:
            check = FakeCheck(FLAT_TURN if result.liveness == "failed" else self.script,
                              result)
        self.checks.append(check)
        return check

    def status(self):
        raise AssertionError("the flow reads the face camera's status from health")


def script(*results: FaceMatch, **kwargs):
    """The fake face port's checks and the rig's settings/executor, for `face_rig`."""
    return pytest.mark.parametrize("face_rig", [(results, kwargs)], indirect=True,
                                   ids=[results[0].result])


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One platform simulator, outbox, printer and catalog for the module (they take most
    of a rig's ~1.5 s); each test gets its own Flow around them."""
    from sim.platform import PlatformSim
    from tests.conftest import TOKEN

    with PlatformSim(token=TOKEN, seed=3, step_seconds=0.2) as sim:
        r, vp = make_rig(tmp_path_factory.mktemp("face"), sim)
        yield r
        vp.stop()
        r.outbox.close()
        r.client.close()


@pytest.fixture
def face_rig(base, request):
    results, kwargs = getattr(request, "param", ((MATCH,), {}))
    face = FakeFace(*results)
    settings = replace(FlowSettings(PLACE, RECEIPT), **kwargs.get("settings", {}))
    executor = kwargs.get("executor") or InlineExecutor()
    if isinstance(executor, ManualExecutor):
        executor.drop_all()
    old = base.flow
    flow = Flow(settings, catalog=base.store, outbox=base.outbox, printer=old.ports.printer,
                card=base.card, platform=base.client, executor=executor, clock=base.clock,
                face=face if kwargs.get("face", True) else None)
    flow.device_status("idcard_reader", "offline", "not_configured")
    flow.platform_status(True)
    flow.device_status("face_camera", "ok", "ready")
    base.card.uid = "04112233445566"
    rig = replace(base, flow=flow, states=[])
    rig.face = face  # type: ignore[attr-defined]
    return rig


def to_face(flow) -> None:
    flow.start_filing()
    flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
    if isinstance(flow.ports.executor, ManualExecutor):
        flow.ports.executor.run_next()  # the chip
    assert flow.state.view.identity.has_photo
    flow.confirm_identity()


def file_rest(rig) -> dict:
    """From choosing the service to the receipt; the body the platform received."""
    flow = rig.flow
    assert flow.state.screen == Screen.CHOOSE_SERVICE
    find_by_initials(flow)
    fill_form(flow)
    capture_materials(flow)
    flow.submit()
    if isinstance(flow.ports.executor, ManualExecutor):
        flow.ports.executor.run_all()  # commit, print
    assert flow.state.screen == Screen.RECEIPT
    tracking = flow.state.view.tracking_no
    assert rig.sync()  # the strict platform simulator accepted it
    return next(json.loads(r.canonical_body) for r in rig.platform.state.submissions.values()
                if r.tracking_no == tracking)


def face_match_of(body: dict) -> dict:
    return body["applicant"]["verification"]["face_match"]


def run_watching(flow) -> list[tuple[str, str | None]]:
    """Run the jobs one by one; the face screen's (phase, hint) after each."""
    seen: list[tuple[str, str | None]] = []
    while flow.ports.executor.pending:
        flow.ports.executor.run_next()
        if flow.state.screen == Screen.FACE:
            seen.append((flow.state.view.phase, flow.state.view.hint))
    return seen


@script(MATCH, executor=ManualExecutor())
def test_a_match_continues_to_the_service_and_is_filed_with_its_score(face_rig):
    flow, face = face_rig.flow, face_rig.face
    to_face(flow)
    seen = run_watching(flow)
    # The document's own photo went to the check; the screen followed the challenge.
    assert face.photos == [bytes(flow.session.identity.face)]
    assert seen[0] == ("look", None) and ("turn", "turn_left") in seen
    assert flow.state.screen == Screen.CHOOSE_SERVICE
    assert flow.state.message.key == "face.matched"
    assert face.checks[0].closed  # the templates are zeroed once decided
    body = file_rest(face_rig)
    assert face_match_of(body) == MATCH.to_contract()
    assert face_match_of(body)["score"] >= face_match_of(body)["threshold"]


@script(NO_MATCH)
def test_no_match_three_times_calls_staff_and_says_so_calmly(face_rig):
    flow = face_rig.flow
    to_face(flow)
    for left in (2, 1):
        assert flow.state.screen == Screen.FACE and flow.state.view.phase == "retry"
        assert flow.state.view.tries_left == left
        assert flow.state.message.key == "face.retry"
        assert flow.state.instruction_key == "screen.face_retry"
        assert not flow.state.view.can_decline  # a failed check is not turned into "declined"
        flow.retry_face()
    view = flow.state.view
    assert view.phase == "staff" and view.staff_called and view.tries_left == 0
    assert flow.state.message.key == "face.staff_called"
    assert flow.counters.get("face_staff_calls") == 1
    assert flow.state.staff_call is not None and flow.state.staff_call.reason == "face_check"
    flow.retry_face()  # no fourth try
    assert len(face_rig.face.checks) == 3 and all(c.closed for c in face_rig.face.checks)
    # Back to the document and confirming again gives no new tries either.
    flow.back()
    assert flow.state.screen == Screen.IDENTIFY
    flow.confirm_identity()
    assert flow.state.view.phase == "staff" and len(face_rig.face.checks) == 3


@script(NO_MATCH, settings={"face_attempts": 1})
def test_a_staff_member_confirms_in_person_with_card_and_pin(face_rig):
    flow = face_rig.flow
    to_face(flow)
    assert flow.state.view.phase == "staff" and flow.state.staff_call.reason == "face_check"
    flow.confirm_face_in_person()
    assert flow.state.screen == Screen.STAFF_SIGN_IN
    flow.back()  # the staff member's back returns to the citizen's face screen
    assert flow.state.screen == Screen.FACE and flow.state.view.phase == "staff"
    flow.confirm_face_in_person()
    flow.card_inserted()  # 李强's card (assist, maintain)
    flow.pin_entered("000000")
    assert flow.state.message.key == "staff.bad_credentials"
    flow.pin_entered("654321")
    assert flow.state.screen == Screen.CHOOSE_SERVICE
    assert flow.state.message.key == "face.staff_confirmed"
    assert flow.state.staff_call is None  # the one called has come
    body = file_rest(face_rig)
    assert face_match_of(body) == {"result": "not_done", "not_done_reason": "staff_confirmed"}
    assert body["assisted_by"] == "S2001"
    assert body["applicant"]["verification"]["staff_present"] is True


@script(NO_MATCH, settings={"face_attempts": 1})
def test_only_an_assisting_staff_member_may_vouch(face_rig):
    flow = face_rig.flow
    face_rig.card.uid = "0499AABBCCDDEE"  # Technician Zhao: maintain only
    to_face(flow)
    flow.confirm_face_in_person()
    flow.card_inserted()
    flow.pin_entered("111111")
    assert flow.state.screen == Screen.FACE and flow.state.view.phase == "staff"
    assert flow.state.message.key == "staff.no_role"
    assert flow.session.staff is None and flow.session.identity is not None


@script(MATCH, face=False)  # no face port: build_kiosk's kiosk without [face_camera]
def test_without_a_face_camera_the_step_is_skipped_and_recorded(face_rig):
    flow = face_rig.flow
    to_face(flow)
    assert flow.state.screen == Screen.CHOOSE_SERVICE
    body = file_rest(face_rig)
    assert face_match_of(body) == {"result": "not_done", "not_done_reason": "no_face_camera"}


def test_a_face_camera_reported_offline_skips_the_step(face_rig):
    flow = face_rig.flow
    flow.device_status("face_camera", "offline", "device_lost")
    to_face(flow)
    assert flow.state.screen == Screen.CHOOSE_SERVICE and face_rig.face.photos == []
    assert flow.session.face_match == {"result": "not_done",
                                       "not_done_reason": "face_camera_offline"}


def test_a_document_without_a_photo_is_recorded_no_photo(face_rig):
    flow = face_rig.flow
    reader_ok(flow)
    flow.start_filing()
    placed_and_read(flow, card())  # no vendor WLT decoder: no photo
    assert not flow.state.view.identity.has_photo
    flow.confirm_identity()
    assert flow.state.screen == Screen.CHOOSE_SERVICE and face_rig.face.photos == []
    body = file_rest(face_rig)
    assert face_match_of(body) == {"result": "not_done", "not_done_reason": "no_photo"}


@script(FLAT, MATCH, executor=ManualExecutor())
def test_a_flat_picture_is_refused_by_liveness_and_the_real_face_then_passes(face_rig):
    flow = face_rig.flow
    to_face(flow)
    # "Turn your head slowly": never "that is a photo"
    assert ("turn", "turn_head") in run_watching(flow)
    assert flow.state.view.phase == "retry"
    assert flow.state.message.key == "face.retry_liveness"
    flow.retry_face()
    flow.ports.executor.run_all()
    assert flow.state.screen == Screen.CHOOSE_SERVICE
    assert flow.session.face_match["liveness"] == "passed"


@script(MATCH, executor=ManualExecutor())
def test_the_face_camera_unplugged_mid_check_pauses_and_resumes(face_rig):
    flow, face = face_rig.flow, face_rig.face
    executor = flow.ports.executor
    to_face(flow)
    assert flow.state.busy == "face_preparing"  # the photo through the model: a veil
    executor.run_next()
    assert flow.state.busy is None and flow.state.view.phase == "look"
    assert flow.state.camera.want == "face"  # the preview runs, no veil over it
    executor.run_next()  # one frame
    flow.device_status("face_camera", "offline", "device_lost")
    assert flow.state.view.phase == "camera_offline"
    assert flow.state.message.key == "face.camera_offline"
    assert flow.state.camera.want is None and face.checks[0].closed
    executor.run_all()  # the step in flight answers: dropped
    assert flow.state.view.phase == "camera_offline"
    flow.device_status("face_camera", "ok", "ready")
    assert flow.state.busy == "face_preparing" and flow.state.message is None
    executor.run_all()
    assert flow.state.screen == Screen.CHOOSE_SERVICE
    assert len(face.checks) == 2 and flow.state.view is not None
    assert flow.session.face_match == MATCH.to_contract()


@script(MATCH, executor=ManualExecutor())
def test_a_camera_that_stays_away_lets_the_citizen_go_on_without(face_rig):
    flow = face_rig.flow
    to_face(flow)
    flow.ports.executor.run_next()
    flow.device_status("face_camera", "error", "device_lost")
    flow.skip_face()
    assert flow.state.screen == Screen.CHOOSE_SERVICE
    assert flow.session.face_match == {"result": "not_done",
                                       "not_done_reason": "face_camera_offline"}


@script(MATCH, executor=ManualExecutor())
def test_declining_is_recorded_and_a_late_photo_template_is_closed(face_rig):
    flow, face = face_rig.flow, face_rig.face
    to_face(flow)
    flow.back()  # while the photo is in the model: back leaves the step
    assert flow.state.screen == Screen.IDENTIFY and flow.state.busy is None
    flow.ports.executor.run_all()  # its check arrives after the citizen left
    assert face.checks[0].closed and flow.session.face_check is None
    flow.confirm_identity()
    flow.ports.executor.run_next()
    assert flow.state.view.can_decline
    flow.decline_face()
    assert flow.state.screen == Screen.CHOOSE_SERVICE and face.checks[1].closed
    assert flow.session.face_match == {"result": "not_done", "not_done_reason": "declined"}


@script(MATCH, executor=ManualExecutor(), settings={"face_decline": False})
def test_a_hall_that_forbids_declining_offers_no_way_round(face_rig):
    flow = face_rig.flow
    to_face(flow)
    flow.ports.executor.run_next()
    assert not flow.state.view.can_decline
    flow.decline_face()
    assert flow.state.screen == Screen.FACE


@script(MATCH, executor=ManualExecutor())
def test_leaving_from_the_face_screen_asks_and_wipes_the_check(face_rig):
    flow, face = face_rig.flow, face_rig.face
    to_face(flow)
    flow.ports.executor.run_next()
    flow.cancel()
    assert flow.state.confirm_leave  # a document was read: "Leave this application?"
    flow.leave_declined()
    assert flow.state.screen == Screen.FACE and not face.checks[0].closed
    flow.cancel()
    flow.leave_confirmed()
    assert flow.state.screen == Screen.ATTRACT and face.checks[0].closed
    assert not flow.session.holds_personal_data() and flow.session.face_match is None
    flow.ports.executor.run_all()  # a frame that answers after the visit: dropped
    assert flow.state.screen == Screen.ATTRACT


@script(MATCH, executor=ManualExecutor())
def test_try_again_while_the_camera_is_away_waits_for_it(face_rig):
    flow = face_rig.flow
    to_face(flow)
    flow.ports.executor.run_next()
    flow.device_status("face_camera", "offline", "device_lost")
    flow.retry_face()
    assert flow.state.view.phase == "camera_offline" and flow.state.busy is None
    assert flow.session.face_match is None  # not skipped by the button
