"""Fault injection: rules that make the simulator misbehave like a real network/platform.

Rules are checked in order for each API request; the first one that matches (method,
path prefix), is not used up (count) and wins its dice roll (probability) applies.
The dice come from a seeded random.Random so a test run is reproducible.
"""

from __future__ import annotations

import math
import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import Any

from .messages import Response, error_response

FAULT_KINDS = ("status", "delay", "drop", "commit_then_drop", "corrupt")
# Error codes for injected statuses; anything else is "injected_fault".
_STATUS_CODES = {
    408: "timeout",
    429: "rate_limited",
    500: "internal",
    502: "bad_gateway",
    503: "unavailable",
    504: "gateway_timeout",
}


@dataclass
class FaultRule:
    kind: str
    method: str | None = None
    path: str | None = None
    probability: float = 1.0
    count: int | None = None  # how many more times it may fire; None = unlimited
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    fired: int = 0

    @classmethod
    def from_json(cls, data: Any) -> FaultRule:
        """A rule from its JSON form; ValueError with a readable message if malformed."""
        if not isinstance(data, dict):
            raise ValueError("a rule must be an object")
        unknown = set(data) - {
            "kind",
            "method",
            "path",
            "probability",
            "count",
            "status",
            "retry_after",
            "seconds",
        }
        if unknown:
            raise ValueError(f"unknown rule keys: {sorted(unknown)}")
        kind = data.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        method = data.get("method")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be a string")
        path = data.get("path")
        if path is not None and not (isinstance(path, str) and path.startswith("/")):
            raise ValueError("path must be a string starting with /")
        probability = _number(data, "probability", 1.0)
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within 0..1")
        count = data.get("count")
        if count is not None and (not _is_int(count) or count < 0):
            raise ValueError("count must be a non-negative integer")
        status = data.get("status", 503)
        if not _is_int(status) or not 400 <= status <= 599:
            raise ValueError("status must be an integer 400..599")
        if kind == "status" and "status" not in data:
            raise ValueError("a status rule needs a status")
        retry_after = data.get("retry_after")
        if retry_after is not None:
            retry_after = _number(data, "retry_after", 0.0)
            if retry_after < 0:
                raise ValueError("retry_after must be >= 0")
        seconds = _number(data, "seconds", 0.0)
        if kind == "delay" and ("seconds" not in data or seconds < 0):
            raise ValueError("a delay rule needs seconds >= 0")
        return cls(
            kind=kind,
            method=method.upper() if method else None,
            path=path,
            probability=probability,
            count=count,
            status=status,
            retry_after=retry_after,
            seconds=seconds,
        )

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or path.startswith(self.path)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def status_response(self) -> Response:
        headers: dict[str, str] = {}
        retry_after = self.retry_after
        if retry_after is None and self.status in (429, 503):
            retry_after = 1  # the contract: 429 and 503 always carry Retry-After
        if retry_after is not None:
            headers["Retry-After"] = str(math.ceil(retry_after))
        code = _STATUS_CODES.get(self.status, "injected_fault")
        return error_response(self.status, code, "injected fault", headers=headers)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(data: dict[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key} must be a number")
    return float(value)


def corrupt_response() -> Response:
    """A 200 that claims JSON but is not: truncated mid-object."""
    return Response(200, b'{"tracking_no": "BA01-K0', "application/json")


class FaultInjector:
    """The current rule list; safe to use from many handler threads."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(f"faults:{seed}")
        self._rules: list[FaultRule] = []
        self.fired: Counter[str] = Counter()

    def set_rules(self, rules: list[dict[str, Any] | FaultRule]) -> None:
        """Replaces the rule list (ValueError if any rule is malformed; nothing changes then)."""
        parsed = [r if isinstance(r, FaultRule) else FaultRule.from_json(r) for r in rules]
        with self._lock:
            self._rules = parsed

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def rules_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]

    def fired_json(self) -> dict[str, int]:
        with self._lock:
            return dict(self.fired)

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request (a copy), or None."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path) or rule.count == 0:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                if rule.count is not None:
                    rule.count -= 1
                rule.fired += 1
                self.fired[rule.kind] += 1
                return replace(rule)
        return None
