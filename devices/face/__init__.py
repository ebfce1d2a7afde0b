"""Face match (人证比对): the live face at the kiosk against the document's photo.

The port the visit flow calls (no Qt here; call the blocking methods off the UI thread):

    service = FaceService(FaceSettings.from_tables(doc.get("face"), doc.get("face_camera")))
    service.start()                      # face camera thread + model process (background)
    service.status() -> DeviceStatus     # ok/ready, degraded/model_loading, offline/
                                         # no_face_camera or the camera's own code, error
    session = service.begin(document_photo: bytes | None)   # DG2 / ID card photo, encoded
    state = session.step()               # newest face-camera frame -> ChallengeState
    #   (or session.feed(frame: np.ndarray BGR) with frames from elsewhere)
    #   ChallengeState(phase: look|turn|back|done, direction: left|right (the citizen's own),
    #                  progress: 0..1, hint: message key | None, seconds_left)
    session.finished -> bool             # done, not_done, or the challenge's time is up
    match = session.result() -> FaceMatch
    match.to_contract() -> dict          # Applicant.verification.face_match, exactly
    session.close()                      # zeroes the templates (also as a context manager)
    service.compare(document_photo, frames) -> FaceMatch    # a whole session on given frames
    service.compare_images(a: bytes, b: bytes) -> CompareResult  # the technicians' CLI
    service.stop()

FaceMatch(result: match|no_match|not_done, score: float|None (1 - dlib distance),
threshold: float|None, liveness: passed|failed|not_checked, model: str|None,
not_done_reason: str|None — see NotDone). `result` is "match" only when the score reaches
the threshold and liveness did not fail.

Every model call is bounded (`[face] call_timeout_s`); a model process that hangs is
killed and one that dies is restarted on the next call. Frames and templates are held in
memory only, zeroed after use, never written or logged.
"""

from devices.face.liveness import LivenessSettings, Pose, TurnCheck
from devices.face.port import (
    ChallengeState,
    CompareResult,
    Face,
    FaceError,
    FaceMatch,
    FacePort,
    FaceSessionPort,
    NotDone,
    Phase,
)
from devices.face.service import FaceService
from devices.face.session import FaceSession
from devices.face.settings import DEFAULT_THRESHOLD, FaceConfigError, FaceSettings
from devices.face.worker import FaceWorker

__all__ = [
    "DEFAULT_THRESHOLD", "ChallengeState", "CompareResult", "Face", "FaceConfigError",
    "FaceError", "FaceMatch", "FacePort", "FaceService", "FaceSession", "FaceSessionPort",
    "FaceSettings", "FaceWorker", "LivenessSettings", "NotDone", "Phase", "Pose", "TurnCheck",
]
