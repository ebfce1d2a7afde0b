"""One citizen's face check: the document's template, then live frames, then a FaceMatch.

    session = service.begin(document_photo)   # the photo's template, in the model process
    while not session.finished:
        state = session.step()                # the face camera's newest frame (or feed(frame))
        show(state.phase, state.direction, state.progress, state.hint)
    match = session.result()                  # FaceMatch; session.close() wipes the templates

feed()/step() block for one model call (<= call_timeout_s): call them from a worker
thread, never the UI thread. Templates live in bytearrays owned here and are zeroed on
close(); frames are copied into a buffer that is zeroed after each call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Literal

import numpy as np

from devices.camera.port import CameraPort
from devices.face.liveness import Pose, TurnCheck
from devices.face.port import ChallengeState, FaceError, FaceMatch, NotDone, Phase
from devices.face.settings import FaceSettings
from devices.face.worker import FaceWorker, Reply

log = logging.getLogger(__name__)

_BREAK_S = 1.0  # no face for this long mid-challenge breaks the track: start over


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return round(1.0 - float(np.linalg.norm(a - b)), 3)


class FaceSession:
    def __init__(self, worker: FaceWorker, settings: FaceSettings, model: str | None,
                 template: Reply | None, not_done: NotDone | None,
                 direction: Literal["left", "right"], camera: CameraPort | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._worker, self._settings, self.model = worker, settings, model
        self._template = template
        self._not_done = not_done
        self._camera = camera
        self._clock = clock
        self._started = clock()
        self._deadline = self._started + settings.challenge_timeout_s
        self._check = TurnCheck(direction, settings.turn)
        self._look: Reply | None = None  # live template from the frontal frame
        self._back: Reply | None = None  # and from the look-back frame
        self._hint: str | None = None
        self._seen_face = False
        self._last_face_t = self._started
        self._last_index = -1
        self.frames = 0
        self._logged = False

    # -- state ----------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return (self._not_done is not None or self._clock() >= self._deadline
                or self._phase() is Phase.DONE)

    def _phase(self) -> Phase:
        if self._not_done is not None:
            return Phase.DONE
        if not self._settings.liveness:
            return Phase.DONE if self._look is not None else Phase.LOOK
        if self._check.phase == "done" and self._back is not None:
            return Phase.DONE
        return {"look": Phase.LOOK, "turn": Phase.TURN}.get(self._check.phase, Phase.BACK)

    @property
    def frame_index(self) -> int:
        """The index of the last camera frame step() fed (-1 before the first)."""
        return self._last_index

    def state(self) -> ChallengeState:
        progress = 1.0 if self._phase() is Phase.DONE else (
            self._check.progress() if self._settings.liveness else 0.0)
        return ChallengeState(self._phase(), self._check.direction, round(progress, 2),
                              self._hint, max(0.0, self._deadline - self._clock()))

    # -- frames ---------------------------------------------------------------------------
    def step(self, timeout_s: float = 0.5) -> ChallengeState:
        """Feed the face camera's newest frame (waiting at most timeout_s for one)."""
        if self._camera is None or self.finished:
            return self.state()
        frame = self._camera.latest(timeout_s, newer_than=self._last_index)
        if frame is None:
            self._hint = "camera_waiting"
            return self.state()
        self._last_index = frame.index
        return self.feed(frame.image)

    def feed(self, frame: np.ndarray) -> ChallengeState:
        """One BGR uint8 H x W x 3 frame through the model and the challenge."""
        if self.finished:
            return self.state()
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            self._hint = "bad_frame"
            return self.state()
        phase = self._phase()
        want = phase is Phase.LOOK and self._look is None or phase is Phase.BACK
        buf = bytearray(frame.nbytes)  # copied straight in: no immutable bytes left behind
        np.frombuffer(buf, dtype=np.uint8).reshape(frame.shape)[:] = frame
        try:
            reply = self._worker.analyze(buf, op="frame", shape=frame.shape[:2], embed=want,
                                         upsample=0, min_width=self._settings.min_face_px,
                                         timeout_s=self._settings.call_timeout_s)
        except FaceError as exc:
            self._hint = "please_wait"
            log.warning("face_frame_failed code=%s", exc.code)
            return self.state()
        finally:
            buf[:] = bytes(len(buf))
        self.frames += 1
        self._take(reply)
        return self.state()

    def _take(self, reply: Reply) -> None:
        now = self._clock()
        if len(reply.faces) != 1:
            reply.wipe()
            self._hint = "no_face" if not reply.faces else "several_faces"
            if now - self._last_face_t > _BREAK_S and self._check.phase != "look":
                self._restart()
            return
        self._seen_face, self._last_face_t, self._hint = True, now, None
        pose = Pose.from_points(reply.faces[0].array())
        before = self._check.phase
        if self._settings.liveness:
            self._check.add(pose)
            if self._check.phase == "look" and before != "look":
                self._restart()  # the track broke: the frontal template is stale
        frontal = abs(pose.nose) <= self._settings.turn.frontal_max
        if self._look is None and reply.embedding is not None and frontal:
            self._look = reply
        elif self._check.phase == "done" and self._back is None and reply.embedding is not None:
            self._back = reply
        else:
            reply.wipe()
        if self._check.phase == "turn" and self._check.looks_flat:
            self._hint = "turn_head"  # the face moved like a picture, not like a head
        elif self._check.phase == "turn":
            self._hint = "turn_" + self._check.direction

    def _restart(self) -> None:
        self._check.reset()
        if self._look is not None:
            self._look.wipe()
            self._look = None

    # -- the answer -----------------------------------------------------------------------
    def result(self) -> FaceMatch:
        """The decision on what was seen; before `finished`, an unpassed turn is a fail."""
        thr, model = self._settings.threshold, self.model
        if self._not_done is not None:
            out = FaceMatch.not_done(self._not_done, model)
        elif self._look is None or self._template is None:
            out = FaceMatch.not_done(NotDone.NO_LIVE_FACE, model)
        else:
            ref = self._template.vector()
            assert ref is not None
            scores = [similarity(ref, r.vector()) for r in (self._look, self._back)  # type: ignore[arg-type]
                      if r is not None and r.embedding is not None]
            score = min(scores)  # the look and the look-back frames must both match
            if not self._settings.liveness:
                liveness = "not_checked"
            else:
                liveness = "passed" if self._phase() is Phase.DONE else "failed"
            ok = score >= thr and liveness != "failed"
            out = FaceMatch("match" if ok else "no_match", score, thr,
                            liveness,  # type: ignore[arg-type]
                            model)
        if not self._logged:
            self._logged = True
            log.info("face_session result=%s liveness=%s score=%s frames=%d ms=%.0f reason=%s",
                     out.result, out.liveness, out.score, self.frames,
                     1000 * (self._clock() - self._started), out.not_done_reason)
        return out

    def close(self) -> None:
        """Zero every template this session holds; the session answers not_done after."""
        for r in (self._template, self._look, self._back):
            if r is not None:
                r.wipe()
        self._template = self._look = self._back = None
        if self._not_done is None:
            self._not_done = NotDone.DECLINED

    def __enter__(self) -> FaceSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
