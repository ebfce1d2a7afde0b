"""Request-body checks, as the contract describes them.

Every check returns a list of `FieldProblem`s instead of raising, so one 422 answer can
name all the problems at once (the contract's Error `fields`). Field names are paths into
the request body, e.g. "form.mobile", "attachments[2].sha256", "applicant.name".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

TRACKING_NO_RE = re.compile(r"^[A-Z]{2}[0-9]{2}-K[0-9]{3}-[0-9]{8}-[0-9]{4}$")
QUERY_CODE_RE = re.compile(r"^[0-9A-Z]{6}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_HEX = "[0-9a-fA-F]"
UUID_RE = re.compile(f"^{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# RFC 3339 date-time: an offset (or Z) is mandatory.
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$")
NUMERIC_RE = re.compile(r"^-?\d+(\.\d+)?$")
CARD_UID_RE = re.compile(r"^[0-9A-F]{8,20}$")
PIN_RE = re.compile(r"^[0-9]{6}$")

MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")
APPLICANT_ID_TYPES = (
    "emrtd",
    "resident_id",
    "foreign_permanent_resident",
    "hmt_residence_permit",
    "other",
)
VERIFICATION_METHODS = ("chip", "id_card_reader", "typed", "staff")
FACE_MATCH_RESULTS = ("match", "no_match", "not_done")
FACE_MATCH_LIVENESS = ("passed", "failed", "not_checked")
# Applicant.verification.face_match's properties. The contract does not close the object,
# but says it never carries an image or a template: the simulator refuses any other key, so
# a kiosk that starts sending one fails its tests here first.
FACE_MATCH_KEYS = ("result", "score", "threshold", "liveness", "model", "not_done_reason")
DELIVERY_KINDS = ("pickup", "mail")
DEVICE_STATUSES = ("ok", "degraded", "offline", "error")

# GB 11643-1999: weights of the first 17 digits, and the check character for sum mod 11.
_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    problem: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "problem": self.problem}


def gb11643_check_digit(first17: str) -> str:
    """The check character ("0"-"9" or "X") of an 18-character resident ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _GB11643_WEIGHTS, strict=True))
    return _GB11643_CHECK[total % 11]


def is_resident_id(value: str) -> bool:
    return bool(RESIDENT_ID_RE.match(value)) and gb11643_check_digit(value[:17]) == value[17]


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def is_date(value: Any) -> bool:
    if not isinstance(value, str) or not DATE_RE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_datetime(value: Any) -> bool:
    if not isinstance(value, str) or not DATETIME_RE.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return True


def is_phone(value: str) -> bool:
    return bool(MOBILE_RE.match(value) or LANDLINE_RE.match(value))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return math.isfinite(value)
    return isinstance(value, str) and bool(NUMERIC_RE.match(value))


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def check_form_value(field: dict[str, Any], value: Any) -> str | None:
    """The problem with one (present, non-blank) form value, or None if it is fine."""
    kind = field["type"]
    if kind == "number":
        return None if _is_number(value) else "not_a_number"
    if not isinstance(value, str):
        return "not_a_string"
    if kind in ("text", "address"):
        limit = field.get("max_length")
        return "too_long" if limit is not None and len(value) > limit else None
    if kind == "date":
        return None if is_date(value) else "bad_date"
    if kind == "phone":
        return None if is_phone(value) else "bad_phone"
    if kind == "id_number":
        if not RESIDENT_ID_RE.match(value):
            return "bad_format"
        return None if is_resident_id(value) else "bad_check_digit"
    if kind == "select":
        values = {option["value"] for option in field.get("options", [])}
        return None if value in values else "not_an_option"
    return None


def _require(
    obj: dict[str, Any], prefix: str, names: tuple[str, ...], problems: list[FieldProblem]
) -> None:
    for name in names:
        if name not in obj or obj[name] is None:
            problems.append(FieldProblem(prefix + name, "required"))


def _check_string(
    obj: dict[str, Any], prefix: str, name: str, problems: list[FieldProblem]
) -> bool:
    """Whether obj[name] (known to be present) is a non-empty string; records a problem if not."""
    value = obj[name]
    if not isinstance(value, str):
        problems.append(FieldProblem(prefix + name, "not_a_string"))
        return False
    if value == "":
        problems.append(FieldProblem(prefix + name, "empty"))
        return False
    return True


def check_attachments(value: Any, problems: list[FieldProblem]) -> list[dict[str, Any]]:
    """Checks the Attachment array's shape; returns the attachments that are well formed."""
    if not isinstance(value, list):
        problems.append(FieldProblem("attachments", "not_an_array"))
        return []
    good: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        prefix = f"attachments[{index}]."
        if not isinstance(item, dict):
            problems.append(FieldProblem(f"attachments[{index}]", "not_an_object"))
            continue
        before = len(problems)
        _require(item, prefix, ("material_code", "sha256", "media_type", "bytes"), problems)
        if len(problems) > before:
            continue
        _check_string(item, prefix, "material_code", problems)
        if not isinstance(item["sha256"], str) or not SHA256_RE.match(item["sha256"]):
            problems.append(FieldProblem(prefix + "sha256", "bad_format"))
        if item["media_type"] not in MEDIA_TYPES:
            problems.append(FieldProblem(prefix + "media_type", "not_allowed"))
        if not _is_int(item["bytes"]) or item["bytes"] < 1:
            problems.append(FieldProblem(prefix + "bytes", "not_a_positive_integer"))
        pages = item.get("pages")
        if pages is not None and (not _is_int(pages) or pages < 1):
            problems.append(FieldProblem(prefix + "pages", "not_a_positive_integer"))
        if len(problems) == before:
            good.append(item)
    return good


def _check_applicant(value: Any, problems: list[FieldProblem]) -> None:
    if not isinstance(value, dict):
        problems.append(FieldProblem("applicant", "not_an_object"))
        return
    prefix = "applicant."
    before = len(problems)
    _require(value, prefix, ("id_type", "id_number", "name", "chip_verified"), problems)
    if len(problems) > before:
        return
    if value["id_type"] not in APPLICANT_ID_TYPES:
        problems.append(FieldProblem(prefix + "id_type", "not_allowed"))
    _check_string(value, prefix, "id_number", problems)
    _check_string(value, prefix, "name", problems)
    if not isinstance(value["chip_verified"], bool):
        problems.append(FieldProblem(prefix + "chip_verified", "not_a_boolean"))
    for name in ("birth_date", "document_expiry"):
        if value.get(name) is not None and not is_date(value[name]):
            problems.append(FieldProblem(prefix + name, "bad_date"))
    nationality = value.get("nationality")
    if nationality is not None and (
        not isinstance(nationality, str) or not re.match(r"^[A-Z]{3}$", nationality)
    ):
        problems.append(FieldProblem(prefix + "nationality", "bad_format"))
    verification = value.get("verification")
    if verification is not None and not isinstance(verification, dict):
        problems.append(FieldProblem(prefix + "verification", "not_an_object"))
    elif verification is not None:
        method = verification.get("method")
        if method is not None and method not in VERIFICATION_METHODS:
            problems.append(FieldProblem(prefix + "verification.method", "not_allowed"))
        face = verification.get("face_match")
        if face is not None:
            _check_face_match(face, prefix + "verification.face_match", problems)


def _check_face_match(face: Any, at: str, problems: list[FieldProblem]) -> None:
    """Applicant.verification.face_match exactly: result's enum, score and threshold
    numbers (a match reaches its threshold), liveness's enum, model and not_done_reason
    strings, nothing else."""
    if not isinstance(face, dict):
        problems.append(FieldProblem(at, "not_an_object"))
        return
    if face.get("result") not in FACE_MATCH_RESULTS:
        problems.append(FieldProblem(at + ".result", "not_allowed"))
    for key in face:
        if key not in FACE_MATCH_KEYS:
            problems.append(FieldProblem(f"{at}.{key}", "not_in_contract"))
    for key in ("score", "threshold"):
        value = face.get(key)
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, int | float)):
            problems.append(FieldProblem(f"{at}.{key}", "not_a_number"))
    if face.get("liveness") is not None and face["liveness"] not in FACE_MATCH_LIVENESS:
        problems.append(FieldProblem(at + ".liveness", "not_allowed"))
    for key in ("model", "not_done_reason"):
        value = face.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            problems.append(FieldProblem(f"{at}.{key}", "not_a_string"))
    score, threshold = face.get("score"), face.get("threshold")
    if (face.get("result") == "match" and isinstance(score, int | float)
            and isinstance(threshold, int | float) and score < threshold):
        problems.append(FieldProblem(at + ".score", "below_threshold"))


SUBMISSION_REQUIRED = (
    "submission_id",
    "tracking_no",
    "query_code",
    "kiosk_id",
    "service_code",
    "created_at",
    "applicant",
    "form",
    "attachments",
)


def check_submission_shape(body: dict[str, Any]) -> list[FieldProblem]:
    """The contract's Submission schema: required fields, types and formats."""
    problems: list[FieldProblem] = []
    _require(body, "", SUBMISSION_REQUIRED, problems)
    present = {name for name in SUBMISSION_REQUIRED if body.get(name) is not None}
    if "submission_id" in present and not is_uuid(body["submission_id"]):
        problems.append(FieldProblem("submission_id", "not_a_uuid"))
    if "tracking_no" in present and not (
        isinstance(body["tracking_no"], str) and TRACKING_NO_RE.match(body["tracking_no"])
    ):
        problems.append(FieldProblem("tracking_no", "bad_format"))
    if "query_code" in present and not (
        isinstance(body["query_code"], str) and QUERY_CODE_RE.match(body["query_code"])
    ):
        problems.append(FieldProblem("query_code", "bad_format"))
    for name in ("kiosk_id", "service_code"):
        if name in present:
            _check_string(body, "", name, problems)
    if "created_at" in present and not is_datetime(body["created_at"]):
        problems.append(FieldProblem("created_at", "bad_datetime"))
    if "applicant" in present:
        _check_applicant(body["applicant"], problems)
    if "form" in present and not isinstance(body["form"], dict):
        problems.append(FieldProblem("form", "not_an_object"))
    if "attachments" in present:
        check_attachments(body["attachments"], problems)
    contact = body.get("contact")
    if contact is not None:
        if not isinstance(contact, dict):
            problems.append(FieldProblem("contact", "not_an_object"))
        else:
            for name in ("phone", "address"):
                if contact.get(name) is not None and not isinstance(contact[name], str):
                    problems.append(FieldProblem("contact." + name, "not_a_string"))
    if body.get("delivery") is not None and body["delivery"] not in DELIVERY_KINDS:
        problems.append(FieldProblem("delivery", "not_allowed"))
    if body.get("assisted_by") is not None and not isinstance(body["assisted_by"], str):
        problems.append(FieldProblem("assisted_by", "not_a_string"))
    return problems


def check_against_service(body: dict[str, Any], service: dict[str, Any]) -> list[FieldProblem]:
    """Form fields and materials of a well-formed submission against its catalog service."""
    problems: list[FieldProblem] = []
    if not service["kiosk_filing"]:
        problems.append(FieldProblem("service_code", "not_kiosk_filable"))
    form: dict[str, Any] = body["form"]
    for field in service["form"]:
        name = field["field"]
        value = form.get(name)
        if _is_blank(value):
            if field["required"]:
                problems.append(FieldProblem(f"form.{name}", "required"))
            continue
        problem = check_form_value(field, value)
        if problem is not None:
            problems.append(FieldProblem(f"form.{name}", problem))
    problems.extend(check_material_codes(body["attachments"], service, require_all=True))
    problems.extend(check_page_counts(body["attachments"], service))
    offered = service.get("delivery")
    if body.get("delivery") is not None and offered is not None and body["delivery"] not in offered:
        problems.append(FieldProblem("delivery", "not_offered"))
    return problems


def check_page_counts(
    attachments: list[dict[str, Any]], service: dict[str, Any]
) -> list[FieldProblem]:
    """A material's pages (an attachment's `pages`, else 1) within its max_pages."""
    pages: dict[str, int] = {}
    for attachment in attachments:
        code = attachment["material_code"]
        pages[code] = pages.get(code, 0) + (attachment.get("pages") or 1)
    return [
        FieldProblem(f"materials.{material['code']}", "too_many_pages")
        for material in service["materials"]
        if material.get("max_pages") is not None
        and pages.get(material["code"], 0) > material["max_pages"]
    ]


def check_attachment_sizes(attachments: list[dict[str, Any]], limit: int) -> list[FieldProblem]:
    """No attachment may claim more bytes than a blob may hold."""
    return [
        FieldProblem(f"attachments[{index}].bytes", "too_large")
        for index, attachment in enumerate(attachments)
        if attachment["bytes"] > limit
    ]


def check_material_codes(
    attachments: list[dict[str, Any]], service: dict[str, Any], require_all: bool
) -> list[FieldProblem]:
    """Known material codes only; with require_all, every required material attached."""
    problems: list[FieldProblem] = []
    known = {material["code"] for material in service["materials"]}
    attached = {attachment["material_code"] for attachment in attachments}
    for index, attachment in enumerate(attachments):
        if attachment["material_code"] not in known:
            problems.append(FieldProblem(f"attachments[{index}].material_code", "unknown_material"))
    if require_all:
        for material in service["materials"]:
            if material["required"] and material["code"] not in attached:
                problems.append(FieldProblem(f"materials.{material['code']}", "required"))
    return problems


def check_supplement_shape(body: dict[str, Any]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    _require(body, "", ("submission_id", "attachments"), problems)
    if body.get("submission_id") is not None and not is_uuid(body["submission_id"]):
        problems.append(FieldProblem("submission_id", "not_a_uuid"))
    if body.get("attachments") is not None:
        good = check_attachments(body["attachments"], problems)
        if not good and not problems:
            problems.append(FieldProblem("attachments", "empty"))
    return problems


def check_heartbeat(body: dict[str, Any]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    _require(body, "", ("at", "version", "uptime_s", "queue", "devices"), problems)
    if body.get("at") is not None and not is_datetime(body["at"]):
        problems.append(FieldProblem("at", "bad_datetime"))
    if body.get("version") is not None and not isinstance(body["version"], str):
        problems.append(FieldProblem("version", "not_a_string"))
    if body.get("uptime_s") is not None and not _is_int(body["uptime_s"]):
        problems.append(FieldProblem("uptime_s", "not_an_integer"))
    if body.get("in_service") is not None and not isinstance(body["in_service"], bool):
        problems.append(FieldProblem("in_service", "not_a_boolean"))
    queue = body.get("queue")
    if queue is not None:
        if not isinstance(queue, dict):
            problems.append(FieldProblem("queue", "not_an_object"))
        else:
            _require(queue, "queue.", ("pending", "dead"), problems)
            for name in ("pending", "dead", "oldest_pending_age_s"):
                if queue.get(name) is not None and not _is_int(queue[name]):
                    problems.append(FieldProblem("queue." + name, "not_an_integer"))
    devices = body.get("devices")
    if devices is not None:
        if not isinstance(devices, dict):
            problems.append(FieldProblem("devices", "not_an_object"))
        else:
            for name, device in devices.items():
                if not isinstance(device, dict) or device.get("status") not in DEVICE_STATUSES:
                    problems.append(FieldProblem(f"devices.{name}.status", "not_allowed"))
    counters = body.get("counters")
    if counters is not None and (
        not isinstance(counters, dict) or not all(_is_int(v) for v in counters.values())
    ):
        problems.append(FieldProblem("counters", "not_integers"))
    return problems


def check_staff_login(body: dict[str, Any]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    _require(body, "", ("card_uid", "pin"), problems)
    card_uid, pin = body.get("card_uid"), body.get("pin")
    if card_uid is not None and not (isinstance(card_uid, str) and CARD_UID_RE.match(card_uid)):
        problems.append(FieldProblem("card_uid", "bad_format"))
    if pin is not None and not (isinstance(pin, str) and PIN_RE.match(pin)):
        problems.append(FieldProblem("pin", "bad_format"))
    return problems
