"""FlowState → plain dicts and lists that QML binds to, in the visit's language.

Catalog `Text` becomes the string in the visit's language, a `Message` its text; tuples
become lists. Nothing is added or decided here: it is the same snapshot, made bindable.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kiosk.flow.state import FlowState, Message
from kiosk.strings import table, text
from kiosk.text import Text


def to_qml(value: Any, lang: str) -> Any:  # noqa: ANN401 - any snapshot value
    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, Message):
        return {"key": value.key, "text": value.text(lang), "level": value.level}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_qml(getattr(value, f.name), lang) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_qml(v, lang) for v in value]
    if isinstance(value, dict):
        return {str(k): to_qml(v, lang) for k, v in value.items()}
    return value


def state_to_qml(state: FlowState) -> dict[str, Any]:
    """The whole snapshot for QML: `view` per screen plus the visit-wide parts."""
    lang = state.lang
    names = table(lang, "label.")
    caps = [{"name": c.name, "label": names.get(f"cap.{c.name}", c.name),
             "available": c.available, "missing": list(c.missing),
             "instead": text(c.instead, lang) if c.instead else ""}
            for c in state.capabilities]
    warning = (text("visit.more_time", lang, seconds=state.warning_left_s)
               if state.warning_left_s is not None else "")
    return {
        "screen": state.screen.value,
        "view": to_qml(state.view, lang),
        "lang": lang,
        "large_text": state.large_text,
        "high_contrast": state.high_contrast,
        "speech": state.speech,
        "busy": state.busy or "",
        "busy_text": names.get(f"busy.{state.busy}", "") if state.busy else "",
        "busy_stoppable": state.busy_stoppable,
        "message": to_qml(state.message, lang) if state.message else None,
        "warning_left_s": state.warning_left_s if state.warning_left_s is not None else -1,
        "warning_text": warning,
        "more_time_button": text("visit.more_time_button", lang),
        "confirm_leave": state.confirm_leave,
        "staff_call": state.staff_call.reason if state.staff_call else "",
        "capabilities": caps,
        "can": {c.name: c.available for c in state.capabilities},
        "visit_active": state.visit_active,
        "staff_signed_in": state.staff_signed_in,
        "exit_requested": state.exit_requested,
        "visit": state.visit,
        "instruction": text(state.instruction_key, lang),
        # The frame (kiosk/flow/wayfinding.py): the steps of this visit and the help topic.
        "step": state.step,
        "steps": [names.get(f"step.{s}", s) for s in state.steps],
        "step_text": (text("frame.step_of", lang, step=state.step, steps=len(state.steps))
                      if state.step else ""),
        "help_topic": state.help_topic,
        "help_text": text(f"help.{state.help_topic}", lang),
        "hotline": state.hotline,
    }
