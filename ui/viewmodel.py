"""FlowModel: the one view model. It shows the flow's latest snapshot to QML as `state`
(plain maps and lists), sends the screen's intents to the flow, and drives the flow's
clock. It keeps no copy of personal data beyond the current snapshot, which the flow
empties when a visit ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.flow import Flow
from kiosk.flow.state import FlowState
from kiosk.strings import table, text

from .convert import state_to_qml
from .metrics import ScreenMetrics

log = logging.getLogger(__name__)

# What QML may ask of the flow: the intents that take plain strings, numbers and flags.
# Camera results (mrz_read, page_captured, capture_hint, code_scanned) come from the camera
# feed in kiosk.app, never from QML.
INTENTS = frozenset({
    "set_language", "set_large_text", "set_high_contrast", "set_speech", "back", "cancel",
    "touch", "more_time", "finish", "start_filing", "open_progress", "open_ticket",
    "open_staff_sign_in", "use_idcard", "use_passport", "use_typed_mrz", "mrz_typed",
    "retry_chip", "confirm_identity", "retry_face", "decline_face", "skip_face",
    "confirm_face_in_person",
    "read_staff_card", "pin_entered", "staff_assist", "staff_maintain", "choose_category",
    "search", "choose_service", "start_form", "take_ticket_instead", "set_field", "next_page",
    "previous_page", "open_material", "skip_material", "materials_done", "retake",
    "add_page", "remove_page", "material_done", "edit_form", "edit_field", "edit_materials",
    "set_delivery", "submit", "reprint", "progress_typed", "code_scanned", "start_supplement",
    "pick_ticket_category", "refresh_maintenance", "retry_dead", "test_print",
    "reload_catalog", "leave_application", "leave_confirmed", "leave_declined",
    "call_staff", "cancel_staff_call",
})
INTENTS |= {"undo_remove", "shutter"}  # capture: "deleted · undo", "take photo"


class FlowModel(QObject):
    stateChanged = Signal()  # noqa: N815 - Qt's naming
    exitRequested = Signal(int)  # noqa: N815 - the exit code (kiosk.flow EXIT_*)
    visitEnded = Signal()  # noqa: N815 - the UI drops what the last visit left behind

    def __init__(self, flow: Flow, metrics: ScreenMetrics | None = None, *,
                 tick_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._flow = flow
        self._metrics = metrics or ScreenMetrics()
        self._state: dict[str, Any] = {}
        self._labels: dict[str, str] = table(flow.state.lang, "label.")
        self._serial = 0
        self._exit_sent = False  # the exit code goes out once: every later state repeats it
        self._unsubscribe: Callable[[], None] | None = flow.subscribe(self._on_state)
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._tick)
        if tick_ms > 0:
            self._timer.start()

    # ---- from the flow -----------------------------------------------------------------

    def _on_state(self, state: FlowState) -> None:
        ended = bool(self._state) and self._state.get("visit") != state.visit
        self._state = state_to_qml(state)
        self._labels = table(state.lang, "label.")
        self._serial += 1
        self.stateChanged.emit()
        if ended:
            self.visitEnded.emit()
        if state.exit_requested and not self._exit_sent:
            self._exit_sent = True
            self.exitRequested.emit(state.exit_code)

    def _tick(self) -> None:
        self._flow.tick()

    def close(self) -> None:
        self._timer.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # ---- what QML binds to -------------------------------------------------------------

    def _get_state(self) -> dict[str, Any]:
        return self._state

    def _get_labels(self) -> dict[str, str]:
        return self._labels

    def _get_serial(self) -> int:
        return self._serial

    def _get_ui(self) -> dict[str, object]:
        return self._metrics.as_dict()

    state = Property("QVariantMap", _get_state, notify=stateChanged)
    t = Property("QVariantMap", _get_labels, notify=stateChanged)
    serial = Property(int, _get_serial, notify=stateChanged)
    ui = Property("QVariantMap", _get_ui, constant=True)

    @Slot(str, result=str)
    def text(self, key: str) -> str:
        """A kiosk.strings message in the visit's language (e.g. a field's message key)."""
        return text(key, self._state.get("lang", "zh"))

    @Slot(str, "QVariantList", result=bool)
    def send(self, intent: str, args: list[Any]) -> bool:
        """Send one intent to the flow; unknown intents are refused and logged."""
        if intent not in INTENTS:
            log.warning("ui_intent_refused intent=%s", intent)
            return False
        try:
            getattr(self._flow, intent)(*args)
        except TypeError as exc:  # wrong arity from a screen: a UI bug, not the citizen's
            log.error("ui_intent_bad_arguments intent=%s error=%s", intent, type(exc).__name__)
            return False
        return True

    @Slot(str)
    def intent(self, name: str) -> None:
        self.send(name, [])
