"""The one check of a submission against its service's catalog entry, before it is committed.

The platform refuses (422, final) what its catalog forbids; a refusal after the receipt
printed is a citizen's application lost. So the filing flow and `loadtest` both run this
check first. It works on the contract's own JSON: the service entry exactly as GET /catalog
returns it, and the NewSubmission about to be committed.

    problems = catalog_problems(service, sub)   # every problem, [] when fine
    check_against_catalog(service, sub)         # raises CatalogViolation (first problem)

Field names are paths into the request body, as the platform's 422 `fields` name them:
"form.travel_purpose", "delivery", "attachments[2].material_code", "materials.M01".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .records import MAX_BLOB_BYTES, InvalidSubmission, NewSubmission
from .resident_id import gb11643_check_digit

__all__ = ["CatalogProblem", "CatalogViolation", "catalog_problems", "check_against_catalog"]

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
_NUMERIC = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class CatalogProblem:
    field: str  # e.g. "form.travel_purpose"
    code: str  # e.g. "not_an_option"

    def __str__(self) -> str:
        return f"{self.field}: {self.code}"


class CatalogViolation(InvalidSubmission):
    """The catalog forbids this submission; `field`/`code` name the first problem."""

    def __init__(self, problems: list[CatalogProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
        self.field = problems[0].field
        self.code = problems[0].code


def check_against_catalog(service: Mapping[str, Any], sub: NewSubmission) -> None:
    """Raise CatalogViolation if the platform would refuse `sub` for this service."""
    problems = catalog_problems(service, sub)
    if problems:
        raise CatalogViolation(problems)


def catalog_problems(service: Mapping[str, Any], sub: NewSubmission) -> list[CatalogProblem]:
    """Every rule of the contract's catalog check: the service, form, materials, delivery."""
    problems: list[CatalogProblem] = []
    if service.get("code") != sub.service_code:
        problems.append(CatalogProblem("service_code", "not_this_service"))
    if not service.get("kiosk_filing"):
        problems.append(CatalogProblem("service_code", "not_kiosk_filable"))
    problems += _form_problems(service.get("form") or [], sub.form)
    problems += _material_problems(service.get("materials") or [], sub)
    offered = service.get("delivery")
    if sub.delivery is not None and offered is not None and sub.delivery not in offered:
        problems.append(CatalogProblem("delivery", "not_offered"))
    return problems


def _form_problems(fields: list[dict[str, Any]], form: Mapping[str, Any]
                   ) -> list[CatalogProblem]:
    problems: list[CatalogProblem] = []
    for spec in fields:
        name = spec["field"]
        value = form.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.get("required"):
                problems.append(CatalogProblem(f"form.{name}", "required"))
            continue
        code = form_value_problem(spec, value)
        if code is not None:
            problems.append(CatalogProblem(f"form.{name}", code))
    return problems


def form_value_problem(spec: Mapping[str, Any], value: Any) -> str | None:
    """What is wrong with one present form value for its catalog field, or None."""
    kind = spec.get("type")
    if kind == "number":
        if isinstance(value, bool):
            return "not_a_number"
        if isinstance(value, int | float):
            return None if math.isfinite(value) else "not_a_number"
        return None if isinstance(value, str) and _NUMERIC.match(value) else "not_a_number"
    if not isinstance(value, str):
        return "not_a_string"
    limit = spec.get("max_length")
    if isinstance(limit, int) and len(value) > limit:
        return "too_long"
    if kind == "date":
        return None if _is_date(value) else "bad_date"
    if kind == "phone":
        return None if _MOBILE.match(value) or _LANDLINE.match(value) else "bad_phone"
    if kind == "id_number":
        if not re.match(r"^[0-9]{17}[0-9X]$", value):
            return "bad_format"
        # The platform checks the check digit (not the birth date's plausibility).
        return None if gb11643_check_digit(value[:17]) == value[17] else "bad_check_digit"
    if kind == "select":
        options = {o.get("value") for o in spec.get("options") or []}
        return None if value in options else "not_an_option"
    return None


def _is_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _material_problems(materials: list[dict[str, Any]], sub: NewSubmission
                       ) -> list[CatalogProblem]:
    problems: list[CatalogProblem] = []
    by_code = {m["code"]: m for m in materials}
    pages: dict[str, int] = {}
    for i, att in enumerate(sub.attachments):
        if att.material_code not in by_code:
            problems.append(CatalogProblem(f"attachments[{i}].material_code", "unknown_material"))
            continue
        if len(att.data) > MAX_BLOB_BYTES:
            problems.append(CatalogProblem(f"attachments[{i}].bytes", "too_large"))
        pages[att.material_code] = pages.get(att.material_code, 0) + (att.pages or 1)
    for code, material in by_code.items():
        if material.get("required") and code not in pages:
            problems.append(CatalogProblem(f"materials.{code}", "required"))
        limit = material.get("max_pages")
        if isinstance(limit, int) and pages.get(code, 0) > limit:
            problems.append(CatalogProblem(f"materials.{code}", "too_many_pages"))
    return problems
