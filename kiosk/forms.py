"""Form fields: validation as you type, pages of a few fields, prefill from the chip.

Each check answers with a message key (kiosk.strings) meant to be shown beside the field.
While the citizen is still typing (`partial=True`), input that can still become valid
gets no complaint, or an "incomplete" hint, rather than a "wrong" one; the final check
before leaving a page is strict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from offline_queue.resident_id import EARLIEST_BIRTH, is_resident_id, resident_id_problem

from .catalog import FormField
from .session import Identity

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What a date typed so far may look like: 2, 20, 2025-0, 2025-06-1 ...
_DATE_PREFIX_RE = re.compile(r"^\d{1,4}$|^\d{4}-(\d{0,2}|\d{2}-\d{0,2})$")
PER_PAGE = 4


@dataclass(frozen=True)
class FieldCheck:
    """The verdict on one field's value: ok, or a message key (+ parameters) to show."""

    ok: bool
    key: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    incomplete: bool = False  # still typing: kinder than "wrong"

    @property
    def message(self) -> str | None:
        return self.key


OK = FieldCheck(True)


def _bad(key: str, **params: object) -> FieldCheck:
    return FieldCheck(False, key, tuple((k, str(v)) for k, v in params.items()))


def _typing(key: str | None = None) -> FieldCheck:
    return FieldCheck(False, key, (), incomplete=True)


def normalise(field: FormField, raw: str) -> str:
    """What we store: trimmed; full-width digits and letters to ASCII where it matters."""
    text = raw.strip()
    if field.type in ("number", "date", "phone", "id_number"):
        text = text.translate(_FULLWIDTH).replace(" ", "")
    if field.type == "id_number":
        text = text.upper()  # the check character X is upper case in the standard
    if field.type == "date":
        text = text.replace("/", "-").replace(".", "-")
    return text


_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９－ｘＸ"}


def check(field: FormField, raw: str, *, partial: bool = False,
          today: date | None = None) -> FieldCheck:
    """Validate one value of `field`. partial=True while the citizen is still typing."""
    value = normalise(field, raw)
    if not value:
        if field.required and not partial:
            return _bad("form.required")
        return OK if not field.required else _typing()
    kind = field.type
    if kind in ("text", "address"):
        if field.max_length is not None and len(value) > field.max_length:
            return _bad("form.too_long", max=field.max_length)
        return OK
    if kind == "number":
        if NUMBER_RE.match(value):
            return OK
        if partial and re.match(r"^-?\d*\.?$", value):
            return _typing()
        return _bad("form.not_a_number")
    if kind == "date":
        return _check_date(value, partial)
    if kind == "phone":
        return _check_phone(value, partial)
    if kind == "id_number":
        return _check_id(value, partial, today)
    if kind == "select":
        return OK if field.option(value) is not None else _bad("form.not_an_option")
    return OK


def _check_date(value: str, partial: bool) -> FieldCheck:
    if DATE_RE.match(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            return _bad("form.bad_date")
        return OK
    if _DATE_PREFIX_RE.match(value):
        return _typing("form.date_incomplete") if partial else _bad("form.date_incomplete")
    return _bad("form.bad_date_format")


def _check_phone(value: str, partial: bool) -> FieldCheck:
    if MOBILE_RE.match(value) or LANDLINE_RE.match(value):
        return OK
    # A mobile number being typed (1, 13, 138...), or a landline (0, 057, 0571-...).
    if partial and (re.match(r"^1([3-9]\d{0,8})?$", value)
                    or re.match(r"^0\d{0,3}(-?\d{0,7})?$", value)):
        return _typing("form.phone_incomplete")
    if value.isdigit() and value.startswith("1") and len(value) < 11:
        return _bad("form.phone_incomplete")
    return _bad("form.bad_phone")


def _check_id(value: str, partial: bool, today: date | None) -> FieldCheck:
    if len(value) < 18 and re.match(r"^\d{0,17}$", value):
        if partial:
            # A birth date already typed in full can be checked early.
            if len(value) >= 14 and not _plausible_birth(value[6:14], today):
                return _bad("form.id_bad_birth_date")
            return _typing("form.id_incomplete")
        return _bad("form.id_incomplete")
    problem = resident_id_problem(value, today=today)
    if problem is None:
        return OK
    if problem == "bad_format":
        return _bad("form.id_too_long" if len(value) > 18 else "form.id_bad_format")
    if problem == "bad_birth_date":
        return _bad("form.id_bad_birth_date")
    return _bad("form.id_bad_check_digit")


def _plausible_birth(yyyymmdd: str, today: date | None) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return EARLIEST_BIRTH <= born <= (today or date.today())


def check_all(fields: Sequence[FormField], values: Mapping[str, str], *,
              today: date | None = None) -> dict[str, FieldCheck]:
    """The strict check of every field; only the failures are returned."""
    out: dict[str, FieldCheck] = {}
    for f in fields:
        result = check(f, values.get(f.field, ""), today=today)
        if not result.ok:
            out[f.field] = result
    return out


def submission_value(field: FormField, value: str) -> Any:
    """As the platform wants it: numbers as numbers, the rest as (normalised) strings."""
    text = normalise(field, value)
    if field.type == "number" and NUMBER_RE.match(text):
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    return text


def form_body(fields: Sequence[FormField], values: Mapping[str, str]) -> dict[str, Any]:
    """The submission's `form`: every non-blank value, by field name."""
    body: dict[str, Any] = {}
    for f in fields:
        raw = values.get(f.field, "")
        if normalise(f, raw):
            body[f.field] = submission_value(f, raw)
    return body


def contact_of(fields: Sequence[FormField], values: Mapping[str, str]) -> dict[str, str] | None:
    """The submission's `contact`: the first valid mobile and the first address typed."""
    contact: dict[str, str] = {}
    for f in fields:
        value = normalise(f, values.get(f.field, ""))
        if not value:
            continue
        if f.type == "phone" and "phone" not in contact and MOBILE_RE.match(value):
            contact["phone"] = value
        elif f.type == "address" and "address" not in contact:
            contact["address"] = value
    return contact or None


# --- pages --------------------------------------------------------------------------------


def paginate(fields: Sequence[FormField], per_page: int = PER_PAGE) -> list[tuple[FormField, ...]]:
    """Fields in order, a few to a screen, pages as even as possible (5 -> 3 + 2, not 4 + 1)."""
    if per_page < 1:
        raise ValueError("per_page must be >= 1")
    n = len(fields)
    if n == 0:
        return []
    pages = -(-n // per_page)
    base, extra = divmod(n, pages)
    out: list[tuple[FormField, ...]] = []
    start = 0
    for i in range(pages):
        size = base + (1 if i < extra else 0)
        out.append(tuple(fields[start:start + size]))
        start += size
    return out


# --- prefill --------------------------------------------------------------------------------

_NAME_FIELDS = ("full_name", "name", "applicant_name", "holder_name")
_NAME_LABELS = ("姓名", "full name")
_BIRTH_HINTS = ("birth", "出生")
_NATIONALITY_HINTS = ("nationality", "国籍")
_SEX_HINTS = ("sex", "gender", "性别")
# The address on an ID card is where the holder lives (住址), not where mail should go.
_HOME_ADDRESS_HINTS = ("home_address", "住址", "户籍", "residential address")


def _about(field: FormField, hints: Sequence[str]) -> bool:
    name, zh, en = field.field.lower(), field.label.zh, field.label.en.lower()
    return any(h in name or h in zh or h in en for h in hints)


def prefill(fields: Sequence[FormField], identity: Identity, *,
            today: date | None = None) -> dict[str, str]:
    """Values the document already told us (the chip, or the ID card), for the fields that
    ask for them.

    The ID-number field only gets the chip's personal number when it is a valid
    resident ID (a passport's personal number may be anything, or nothing).
    """
    values: dict[str, str] = {}
    for f in fields:
        value = _prefill_one(f, identity, today)
        if value and check(f, value, today=today).ok:
            values[f.field] = value
    return values


def _prefill_one(f: FormField, identity: Identity, today: date | None) -> str | None:
    if f.type == "id_number":
        number = identity.personal_number.upper()
        return number if is_resident_id(number, today=today) else None
    if f.type == "date" and _about(f, _BIRTH_HINTS) and identity.birth_date is not None:
        return identity.birth_date.isoformat()
    if f.type == "text" and (f.field.lower() in _NAME_FIELDS
                             or (_about(f, _NAME_LABELS) and "单位" not in f.label.zh)):
        return identity.display_name or None
    if f.type in ("text", "address") and identity.address and _about(f, _HOME_ADDRESS_HINTS):
        return identity.address
    if _about(f, _NATIONALITY_HINTS) and identity.nationality:
        if f.type == "select":
            return identity.nationality if f.option(identity.nationality) else None
        return identity.nationality if f.type == "text" else None
    if f.type == "select" and _about(f, _SEX_HINTS) and identity.sex in ("M", "F"):
        for candidate in ((identity.sex, "male", "男") if identity.sex == "M"
                          else (identity.sex, "female", "女")):
            option = f.option(candidate) or next(
                (o for o in f.options if o.label.zh == candidate), None)
            if option is not None:
                return option.value
    return None
