"""The face step (人证比对): after the document is confirmed, the live face at the kiosk
against the document's photo, then on to choosing the service.

    identify --confirm--> face --match / not done--> choose_service
                          face --no match, tries left--> face (retry_face)
                          face --tries used up--> staff called; staff card + PIN on
                               staff_sign_in (staff_for="face") --> choose_service

The check is `FacePort.begin(photo)` (a job with the "face_preparing" veil: the photo goes
through the model) and then the challenge's frames, one `face_step` job after another
with no veil (the screen goes on around them: the preview, the instruction, decline,
back). The decision goes into `session.face_match` as the contract's
Applicant.verification.face_match. A kiosk without a face camera, a document without a
photo, a camera or a model that is down: the step is skipped and recorded `not_done` with
the reason. The check's templates are closed (zeroed) whenever the step is left and with
the visit's end (`Session.end_face_check`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from devices.face import ChallengeState, FaceMatch, NotDone, Phase

from .ports import FaceCheckPort, FacePort
from .state import FaceView, Screen
from .visit import Visit

log = logging.getLogger("kiosk.flow")

STEP_BUDGET_S = 0.5  # one face_step job feeds frames until what the screen shows changes
MODEL_CODES = ("model_", "worker_")  # a face_camera status code about the model, not the camera


class FaceRun:
    """One face check, driven from the executor's thread and closed from the flow's.

    `advance()` (a job) feeds frames under a lock; `close()` (the flow's thread) never
    waits for it: when a frame is in the model, the job closes the check as it ends."""

    def __init__(self, check: FaceCheckPort) -> None:
        self._check = check
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def advance(self, shown: ChallengeState | None) -> tuple[ChallengeState, FaceMatch | None]:
        """Frames until the screen would change (or STEP_BUDGET_S); the decision when the
        check has finished, else None."""
        with self._lock:
            check = self._check
            started = time.monotonic()
            state = check.state()
            try:
                while not self._closed and not check.finished:
                    state = check.step(0.3)
                    if _differs(state, shown) or time.monotonic() - started >= STEP_BUDGET_S:
                        break
                done = check.result() if check.finished and not self._closed else None
            finally:
                if self._closed:
                    check.close()  # closed while a frame was in the model
            return state, done

    def close(self) -> None:
        self._closed = True
        if self._lock.acquire(blocking=False):
            try:
                self._check.close()
            finally:
                self._lock.release()


def _close_run(value: Any) -> None:
    """A face_begin result that came after the visit moved on: zero its template."""
    if isinstance(value, FaceRun):
        value.close()


def _differs(a: ChallengeState, b: ChallengeState | None) -> bool:
    return (b is None or a.phase != b.phase or a.hint != b.hint or a.direction != b.direction
            or abs(a.progress - b.progress) >= 0.05
            or int(a.seconds_left) != int(b.seconds_left))


class FaceStep:
    def __init__(self, visit: Visit, face: FacePort | None, *, attempts: int = 3,
                 allow_decline: bool = True) -> None:
        self.v = visit
        self.face = face
        self.attempts = max(1, attempts)
        self.allow_decline = allow_decline
        visit.jobs("face_begin", self._begin_done, dropped=_close_run)
        visit.jobs("face_step", self._step_done)
        visit.screen(Screen.FACE, self.view, self.back)

    # ---- entering and leaving --------------------------------------------------------

    def enter(self) -> None:
        """After the identity is confirmed: the check, or straight on when it cannot run."""
        v = self.v
        if v.session.face_match is not None:
            self._continue(None)  # decided already (back from choosing a service)
            return
        reason = self._skip_reason()
        if reason is not None:
            self._record(FaceMatch.not_done(reason))
            self._continue(None)
            return
        v.go(Screen.FACE)
        if v.vs.face_tries >= self.attempts:  # back and forth does not give more tries
            v.vs.face_phase = "staff"
            v.say("face.staff_called")
            return
        self._begin()

    def _skip_reason(self) -> NotDone | None:
        identity = self.v.session.identity
        if self.face is None:
            return NotDone.NO_FACE_CAMERA
        if identity is None or not identity.face:
            return NotDone.NO_PHOTO
        line = self.v.health.line("face_camera")
        if line.status in ("offline", "error"):
            if line.code in ("not_configured", NotDone.NO_FACE_CAMERA.value):
                return NotDone.NO_FACE_CAMERA
            if line.code.startswith(MODEL_CODES):
                return NotDone.WORKER_FAILED
            return NotDone.FACE_CAMERA_OFFLINE
        return None

    def _begin(self) -> None:
        v, face = self.v, self.face
        identity = v.session.identity
        if face is None or identity is None or not identity.face:
            return
        # The session's own buffer: the service copies it into one it zeroes; a wipe
        # meanwhile leaves zeros, which show no face.
        photo = identity.face
        v.session.end_face_check()
        v.vs.face_phase, v.vs.face_challenge = "preparing", None
        v.start("face_begin", lambda: FaceRun(face.begin(photo)), "face_preparing")

    def _begin_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is not None or not isinstance(value, FaceRun):
            self._record(FaceMatch.not_done(NotDone.WORKER_FAILED))
            self._continue(None)
            return
        if v.vs.screen != Screen.FACE:  # left meanwhile (a staff sign-in, a language...)
            value.close()
            return
        v.session.face_check = value
        v.vs.face_phase = "checking"
        self._next(value)

    def _next(self, run: FaceRun) -> None:
        shown = self.v.vs.face_challenge
        self.v.start("face_step", lambda: run.advance(shown), None)

    def _step_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        run = v.session.face_check
        if not isinstance(run, FaceRun) or run.closed or v.vs.screen != Screen.FACE:
            return
        if error is not None:
            log.warning("flow_face_step_failed")
            v.session.end_face_check()
            self._record(FaceMatch.not_done(NotDone.WORKER_FAILED))
            self._continue(None)
            return
        state, decision = value
        v.vs.face_challenge = state
        if decision is None:
            self._next(run)
            return
        v.session.end_face_check()
        self._decided(decision)

    def _decided(self, match: FaceMatch) -> None:
        v = self.v
        v.vs.face_challenge = None  # the challenge's progress is over, whatever came of it
        if match.accepted:
            self._record(match)
            self._continue("face.matched")
        elif match.result == "not_done" and match.not_done_reason != NotDone.NO_LIVE_FACE:
            self._record(match)  # the document's photo shows no face, the model failed
            self._continue(None)
        elif not self._camera_usable():
            self._camera_lost()  # nobody seen because the camera stopped: not their try
        else:
            v.vs.face_tries += 1  # only the final decision goes into session.face_match
            log.info("flow_face_try_failed tries=%d of=%d result=%s liveness=%s",
                     v.vs.face_tries, self.attempts, match.result, match.liveness)
            if v.vs.face_tries >= self.attempts:
                v.vs.face_phase = "staff"
                self._call_staff()
                v.say("face.staff_called")
            else:
                v.vs.face_phase = "retry"
                v.say("face.retry_liveness" if match.liveness == "failed"
                      else "face.retry_no_face" if match.result == "not_done"
                      else "face.retry")

    def _record(self, match: FaceMatch) -> None:
        self.v.session.face_match = match.to_contract()
        log.info("flow_face_match result=%s liveness=%s reason=%s", match.result,
                 match.liveness, match.not_done_reason or "-")

    def _continue(self, msg: str | None) -> None:
        v = self.v
        v.session.end_face_check()
        self._end_staff_call()
        v.vs.category, v.vs.query = None, ""
        v.go(Screen.CHOOSE_SERVICE)
        if msg:
            v.say(msg)

    def back(self) -> None:
        """Back to the confirmed document; the check stops, its templates are zeroed."""
        v = self.v
        v.session.end_face_check()
        v.vs.face_challenge = None
        v.go(Screen.IDENTIFY)

    # ---- the face camera ------------------------------------------------------------

    def _camera_usable(self) -> bool:
        return self.v.health.line("face_camera").usable

    def _camera_lost(self) -> None:
        v = self.v
        v.session.end_face_check()
        v.vs.face_phase, v.vs.face_challenge = "camera_offline", None
        v.say("face.camera_offline", "warning")
        log.info("flow_face_camera_lost")

    def device_changed(self, device: str) -> None:
        """A device's status changed: the face camera going or coming back mid-step."""
        v = self.v
        if device != "face_camera" or v.vs.screen != Screen.FACE:
            return
        if not self._camera_usable():
            if v.vs.face_phase in ("checking", "preparing"):
                v.cancel_job()
                self._camera_lost()
        elif v.vs.face_phase == "camera_offline":
            v.vs.message = None
            self._begin()  # a fresh check: the one cut short does not count as a try

    # ---- the citizen's and the staff's choices ----------------------------------------

    def retry_face(self) -> None:
        v = self.v

        def handle() -> None:
            if v.vs.face_phase == "camera_offline" and not self._camera_usable():
                v.say("face.camera_offline", "warning")  # still away: it resumes by itself
            elif v.vs.face_phase in ("retry", "camera_offline"):
                v.vs.message = None
                self._begin()
        v.intent("retry_face", handle, allowed=(Screen.FACE,))

    def decline_face(self) -> None:
        """'Do it another way': allowed by the hall ([face] allow_decline), before a try
        failed (a failed check is not turned into "declined")."""
        v = self.v

        def handle() -> None:
            if not self._can_decline():
                return
            v.cancel_job()
            self._record(FaceMatch.not_done(NotDone.DECLINED))
            self._continue(None)
        v.intent("decline_face", handle, allowed=(Screen.FACE,))

    def _can_decline(self) -> bool:
        return self.allow_decline and self.v.vs.face_tries == 0

    def skip_face(self) -> None:
        """The face camera stays away: file without (recorded face_camera_offline)."""
        v = self.v

        def handle() -> None:
            if v.vs.face_phase == "camera_offline":
                self._record(FaceMatch.not_done(NotDone.FACE_CAMERA_OFFLINE))
                self._continue(None)
        v.intent("skip_face", handle, allowed=(Screen.FACE,))

    def confirm_face_in_person(self) -> None:
        """A staff member confirms the citizen is the document's holder: at once when one
        with the assist role is signed in, else their card and PIN first."""
        v = self.v

        def handle() -> None:
            if not self._assisting() and v.vs.face_phase != "staff":
                return
            v.cancel_job()
            v.session.end_face_check()
            if self._assisting():
                self.staff_confirmed()
                return
            v.vs.staff_for = "face"
            v.vs.pin_attempts = 0
            v.session.staff_uid = None
            v.go(Screen.STAFF_SIGN_IN)
        v.intent("confirm_face_in_person", handle, allowed=(Screen.FACE,))

    def _assisting(self) -> bool:
        staff = self.v.session.staff
        return staff is not None and "assist" in staff.roles

    def staff_confirmed(self) -> None:
        """Recorded not_done / staff_confirmed; the filing carries assisted_by."""
        v = self.v
        v.vs.staff_for = None
        self._record(FaceMatch.not_done("staff_confirmed"))
        log.info("flow_face_staff_confirmed tries=%d", v.vs.face_tries)
        self._continue("face.staff_confirmed")

    def staff_sign_in_back(self) -> None:
        """Back from the staff sign-in begun to confirm a face: the face screen again."""
        v = self.v
        v.vs.staff_for = None
        v.session.staff_uid = None
        v.go(Screen.FACE, v.vs.message if v.vs.face_phase == "staff" else None)
        if v.vs.face_phase == "staff":
            v.say("face.staff_called")

    # ---- calling staff --------------------------------------------------------------

    def _call_staff(self) -> None:
        # The heartbeat carries it to the hall at once (call_staff_open, ..._waiting_s).
        self.v.counters.add("face_staff_calls")
        self.v.call_staff("face_check")
        log.info("flow_face_staff_called")

    def _end_staff_call(self) -> None:
        call = self.v.staff_call
        if call is not None and call.reason == "face_check":
            self.v.end_staff_call()  # decided: nobody needs to come for the face any more

    # ---- what the screen shows ------------------------------------------------------

    def view(self) -> FaceView:
        v = self.v
        c: ChallengeState | None = v.vs.face_challenge
        phase = v.vs.face_phase
        if phase == "checking":
            phase = (c.phase.value if c is not None and c.phase is not Phase.DONE
                     else "look" if c is None else "back")
        return FaceView(
            phase=phase, direction=c.direction if c is not None else "left",
            progress=c.progress if c is not None else 0.0,
            hint=c.hint if c is not None and v.vs.face_phase == "checking" else None,
            seconds_left=int(c.seconds_left + 0.999) if c is not None else 0,
            tries_left=max(0, self.attempts - v.vs.face_tries),
            staff_called=v.vs.face_phase == "staff" and v.staff_call is not None,
            staff_present=self._assisting(),
            can_decline=self._can_decline())
