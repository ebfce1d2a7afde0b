"""Deterministic generation of the simulated service catalog.

`build_catalog(seed)` is a pure function: the same seed always gives the same catalog,
so tests and demos can rely on particular services existing. The names and codes do not
depend on the seed at all; only the per-service details (days, fee, materials, form...)
do. One well-known service, CR-HZ-0001 (passport first application), is fixed so tests
can find a kiosk-filable service using every form field type.
"""

from __future__ import annotations

import random
from typing import Any

from .catalog_data import (
    CATEGORIES,
    COMMON_MATERIALS,
    FORM_FIELDS,
    MATERIALS,
    STEPS,
    TRAVEL_PURPOSES,
    CategoryData,
    FieldData,
    Term,
)

WELL_KNOWN_SERVICE = "CR-HZ-0001"
FIELD_TYPES = ("text", "number", "date", "phone", "id_number", "select", "address")


def text(term: Term) -> dict[str, str]:
    """The contract's bilingual Text object."""
    return {"zh": term.zh, "en": term.en}


def catalog_version(seed: int, revision: int) -> str:
    return f"sim-s{seed}-r{revision}"


def build_catalog(seed: int, revision: int = 1) -> dict[str, Any]:
    """The whole catalog (contract schema `Catalog`) for a seed and catalog revision."""
    rng = random.Random(f"catalog:{seed}")
    services: list[dict[str, Any]] = []
    for category in CATEGORIES:
        number = 0
        for subject in category.subjects:
            for action in category.actions:
                number += 1
                code = f"{category.code}-{subject.abbr}-{number:04d}"
                services.append(_service(rng, category, subject, action, code))
    return {
        "version": catalog_version(seed, revision),
        "categories": [{"code": c.code, "name": text(c.name)} for c in CATEGORIES],
        "services": services,
    }


def _service(
    rng: random.Random, category: CategoryData, subject: Term, action: Term, code: str
) -> dict[str, Any]:
    # Draw every random value even for the fixed service, so that the rest of the
    # catalog does not shift if the fixed service's definition changes.
    department = rng.choice(category.departments)
    promised_days = rng.randint(1, 20)
    fee = _fee(rng)
    kiosk_filing = rng.random() < 0.9
    delivery = rng.choice((["pickup"], ["pickup", "mail"], ["pickup", "mail"], ["mail"]))
    materials = _materials(rng, category)
    form = _form(rng)
    if code == WELL_KNOWN_SERVICE:
        kiosk_filing, fee, promised_days = True, 120.0, 7
        delivery = ["pickup", "mail"]
        materials, form = _well_known_materials(), _well_known_form()
    return {
        "code": code,
        "name": {"zh": subject.zh + action.zh, "en": f"{subject.en} {action.en}"},
        "department": text(department),
        "category": category.code,
        "steps": [text(step) for step in STEPS],
        "promised_days": promised_days,
        "fee_cny": fee,
        "kiosk_filing": kiosk_filing,
        "delivery": delivery,
        "materials": materials,
        "form": form,
    }


def _fee(rng: random.Random) -> float:
    # Most administrative services are free of charge.
    if rng.random() < 0.8:
        return 0.0
    return float(rng.choice((10, 20, 50, 80, 120, 160, 200)))


def _material(code: str, required: bool, max_pages: int) -> dict[str, Any]:
    name, kind = MATERIALS[code]
    return {
        "code": code,
        "name": text(name),
        "required": required,
        "kind": kind,
        "max_pages": 1 if kind == "photo" else max_pages,
    }


def _materials(rng: random.Random, category: CategoryData) -> list[dict[str, Any]]:
    pool = list(COMMON_MATERIALS) + list(category.materials)
    codes = rng.sample(pool, rng.randint(1, 4))
    # The first material is always required; the others are required half the time.
    return [
        _material(code, index == 0 or rng.random() < 0.5, rng.randint(1, 5))
        for index, code in enumerate(codes)
    ]


def _field(data: FieldData, required: bool) -> dict[str, Any]:
    field: dict[str, Any] = {
        "field": data.field,
        "label": text(data.label),
        "type": data.type,
        "required": required,
    }
    if data.max_length is not None:
        field["max_length"] = data.max_length
    if data.options:
        field["options"] = [{"value": v, "label": text(label)} for v, label in data.options]
    return field


def _form(rng: random.Random) -> list[dict[str, Any]]:
    chosen = rng.sample(FORM_FIELDS, rng.randint(3, 8))
    fields = [_field(data, rng.random() < 0.7) for data in chosen]
    fields[0]["required"] = True  # every form asks for at least one thing
    return fields


def _well_known_materials() -> list[dict[str, Any]]:
    return [
        _material("id_card_copy", True, 2),
        _material("photo", True, 1),
        _material("household_register", False, 4),
    ]


def _well_known_form() -> list[dict[str, Any]]:
    by_name = {data.field: data for data in FORM_FIELDS}
    purpose = FieldData(
        "travel_purpose", Term("出境事由", "Purpose of travel"), "select", options=TRAVEL_PURPOSES
    )
    return [
        _field(by_name["full_name"], True),
        _field(by_name["id_number"], True),
        _field(by_name["mobile"], True),
        _field(by_name["birth_date"], True),
        _field(purpose, True),
        _field(by_name["home_address"], True),
        _field(by_name["household_size"], False),
        _field(by_name["work_phone"], False),
    ]


def services_by_code(catalog: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {service["code"]: service for service in catalog["services"]}
