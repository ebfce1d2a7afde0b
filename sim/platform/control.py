"""The simulator's own control API under /_sim/ (no auth): faults, audit, commands, ...

Only for tests and demos; it is never faulted and never counted in the audit.
"""

from __future__ import annotations

import re
from typing import Any

from .faults import FaultInjector
from .messages import ApiError, Request, Response, json_response, validation_error
from .state import PlatformState
from .validation import FieldProblem

CONTROL_PREFIX = "/_sim"
_STATUS_PATH = re.compile(r"^/_sim/submissions/(?P<tracking_no>[^/]+)/status$")


class ControlApi:
    def __init__(self, state: PlatformState, faults: FaultInjector) -> None:
        self.state = state
        self.faults = faults

    def dispatch(self, request: Request) -> Response:
        method, path = request.method, request.path.rstrip("/")
        simple = {
            ("GET", "/_sim/health"): lambda: {"ok": True},
            ("GET", "/_sim/faults"): lambda: {
                "rules": self.faults.rules_json(),
                "fired": self.faults.fired_json(),
            },
            ("POST", "/_sim/faults"): lambda: self._set_faults(request),
            ("DELETE", "/_sim/faults"): self._clear_faults,
            ("GET", "/_sim/audit"): self._audit,
            ("POST", "/_sim/commands"): lambda: self._queue_command(request),
            ("GET", "/_sim/commands"): lambda: {"pending": self.state.commands_json()},
            ("GET", "/_sim/heartbeats"): lambda: {
                "heartbeats": self.state.heartbeats_json(request.query.get("kiosk_id"))
            },
            ("POST", "/_sim/catalog/bump"): self.state.bump_catalog,
            ("POST", "/_sim/reset"): self._reset,
        }
        action = simple.get((method, path))
        if action is not None:
            return json_response(200, action())
        found = _STATUS_PATH.match(path)
        if found and method == "POST":
            return json_response(200, self._force_status(found["tracking_no"], request))
        raise ApiError(404, "not_found", "no such control endpoint")

    def _set_faults(self, request: Request) -> dict[str, Any]:
        rules = request.json_object().get("rules")
        if not isinstance(rules, list):
            raise validation_error([FieldProblem("rules", "not_an_array")])
        try:
            self.faults.set_rules(rules)
        except ValueError as exc:
            raise validation_error([FieldProblem("rules", str(exc))]) from exc
        return {"rules": len(rules)}

    def _clear_faults(self) -> dict[str, Any]:
        self.faults.clear()
        return {"rules": 0}

    def _audit(self) -> dict[str, Any]:
        audit = self.state.audit()
        audit["faults_fired"] = self.faults.fired_json()
        return audit

    def _queue_command(self, request: Request) -> dict[str, Any]:
        body = request.json_object()
        kiosk_id, command_type = body.get("kiosk_id"), body.get("type")
        reason = body.get("reason", "")
        problems = [
            FieldProblem(name, "not_a_string")
            for name, value in (("kiosk_id", kiosk_id), ("type", command_type), ("reason", reason))
            if not isinstance(value, str) or (name != "reason" and not value)
        ]
        if problems:
            raise validation_error(problems)
        return {"id": self.state.queue_command(kiosk_id, command_type, reason)}

    def _force_status(self, tracking_no: str, request: Request) -> dict[str, Any]:
        body = request.json_object()
        status, missing = body.get("status"), body.get("missing_materials")
        if not isinstance(status, str):
            raise validation_error([FieldProblem("status", "required")])
        if missing is not None and (
            not isinstance(missing, list) or not all(isinstance(m, str) for m in missing)
        ):
            raise validation_error([FieldProblem("missing_materials", "not_a_string_array")])
        return self.state.force_status(tracking_no, status, missing, bool(body.get("resume")))

    def _reset(self) -> dict[str, Any]:
        self.state.reset()
        self.faults.clear()
        return {"ok": True}
