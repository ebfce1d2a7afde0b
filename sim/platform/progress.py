"""How a simulated application moves through review over time.

Each application's fate is fixed by a hash of its tracking number, so a test can know in
advance what will happen: about 1 in 20 end rejected, about 1 in 5 stop at
needs_materials (until a supplement arrives), the rest complete. Statuses are
materialised lazily: whenever the application is looked at, every step whose time has
come (one step per `step_seconds`) is appended to its timeline.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .clock import rfc3339, to_datetime

STATUSES = (
    "received",
    "accepted",
    "needs_materials",
    "in_review",
    "approved",
    "rejected",
    "completed",
    "withdrawn",
)
FATES = ("complete", "needs_materials", "rejected")
_HAPPY_PATH = ("accepted", "in_review", "approved", "completed")

NOTES: dict[str, dict[str, str]] = {
    "received": {"zh": "申请已收到", "en": "Application received"},
    "accepted": {"zh": "已受理", "en": "Application accepted"},
    "in_review": {"zh": "审查中", "en": "Under review"},
    "needs_materials": {"zh": "请补充材料", "en": "Additional materials required"},
    "approved": {"zh": "审批通过", "en": "Approved"},
    "rejected": {"zh": "不予许可", "en": "Rejected"},
    "completed": {"zh": "已办结", "en": "Completed"},
    "withdrawn": {"zh": "已撤回", "en": "Withdrawn"},
}
SUPPLEMENT_NOTE = {
    "zh": "已收到补充材料，重新审查",
    "en": "Supplementary materials received; back under review",
}


def _digest(tracking_no: str) -> int:
    return int.from_bytes(hashlib.sha256(tracking_no.encode("utf-8")).digest()[:8], "big")


def fate_of(tracking_no: str) -> str:
    """ "complete", "needs_materials" or "rejected", fixed by the tracking number."""
    value = _digest(tracking_no)
    if value % 20 == 0:
        return "rejected"
    if (value // 20) % 5 == 0:
        return "needs_materials"
    return "complete"


def plan_for(fate: str) -> list[str]:
    if fate == "rejected":
        return ["accepted", "in_review", "rejected"]
    if fate == "needs_materials":
        return ["accepted", "in_review", "needs_materials"]
    return list(_HAPPY_PATH)


def missing_materials_for(tracking_no: str, material_codes: list[str]) -> list[str]:
    """One or two of the service's material codes, chosen by the tracking number."""
    if not material_codes:
        return []
    value = _digest(tracking_no) // 100
    first = material_codes[value % len(material_codes)]
    if len(material_codes) == 1 or (value // 7) % 2 == 0:
        return [first]
    second = material_codes[(value // 14 + 1 + value % len(material_codes)) % len(material_codes)]
    return [first] if second == first else [first, second]


@dataclass
class TimelineEntry:
    at: float
    status: str
    note: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"at": rfc3339(self.at), "status": self.status, "note": dict(self.note)}


@dataclass
class Progression:
    """The review state of one application."""

    tracking_no: str
    material_codes: list[str]
    received_at: float
    promised_days: int
    timeline: list[TimelineEntry] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)  # statuses still to come, in order
    anchor: float = 0.0  # when the last timeline entry happened
    missing_materials: list[str] = field(default_factory=list)

    @classmethod
    def start(
        cls, tracking_no: str, material_codes: list[str], received_at: float, promised_days: int
    ) -> Progression:
        progression = cls(tracking_no, material_codes, received_at, promised_days)
        progression.timeline.append(TimelineEntry(received_at, "received", NOTES["received"]))
        progression.plan = plan_for(fate_of(tracking_no))
        progression.anchor = received_at
        return progression

    @property
    def status(self) -> str:
        return self.timeline[-1].status

    def advance(self, now: float, step_seconds: float) -> None:
        while self.plan and now >= self.anchor + step_seconds:
            status = self.plan.pop(0)
            self.anchor += step_seconds
            self._enter(status, self.anchor, NOTES[status])

    def _enter(self, status: str, at: float, note: dict[str, str]) -> None:
        self.timeline.append(TimelineEntry(at, status, note))
        if status == "needs_materials":
            if not self.missing_materials:
                self.missing_materials = missing_materials_for(
                    self.tracking_no, self.material_codes
                )
        else:
            self.missing_materials = []

    def supplement_received(self, now: float) -> None:
        """Back to review; approval and completion follow."""
        self.missing_materials = []
        self._enter("in_review", now, SUPPLEMENT_NOTE)
        self.anchor = now
        self.plan = ["approved", "completed"]

    def force(self, status: str, now: float, missing: list[str] | None, resume: bool) -> None:
        """Sets a status (control API). It holds unless `resume`, which then continues
        along the happy path; a forced needs_materials still waits for a supplement."""
        self.missing_materials = list(missing or [])
        self._enter(status, now, NOTES[status])
        self.anchor = now
        self.plan = []
        if resume and status in _HAPPY_PATH[:-1] + ("received",):
            index = _HAPPY_PATH.index(status) + 1 if status in _HAPPY_PATH else 0
            self.plan = list(_HAPPY_PATH[index:])

    def to_json(self, service_code: str) -> dict[str, Any]:
        promised = to_datetime(self.received_at).date() + timedelta(days=self.promised_days)
        body: dict[str, Any] = {
            "tracking_no": self.tracking_no,
            "service_code": service_code,
            "status": self.status,
            "promised_by": promised.isoformat(),
            "timeline": [entry.to_json() for entry in self.timeline],
        }
        if self.status == "needs_materials":
            body["missing_materials"] = list(self.missing_materials)
        return body
