"""Synthetic submissions that a real platform accepts, for staging and soak tests.

Services come from the catalog the configured platform serves; every required form
field gets a valid value of its type and every required material 1-3 attachments of
50-500 KB. The applicant is synthetic and marked as such.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from .outbox import FiledSubmission, NewAttachment, NewSubmission, Outbox
from .resident_id import gb11643_check_digit, synthetic_id_number

__all__ = ["fileable_services", "form_value", "gb11643_check_digit", "run_loadtest",
           "synthetic_id_number", "synthetic_submission"]

_SURNAMES = "王李张刘陈杨赵黄周吴"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
_STREETS = ("人民路", "解放大街", "中山路", "建设路", "和平街", "长江路")


def _text(rng: random.Random, max_length: int | None, chinese: bool = True) -> str:
    n = rng.randint(2, 12)
    if chinese:
        value = "".join(rng.choice(_GIVEN) for _ in range(n))
    else:
        value = "".join(rng.choice(string.ascii_letters) for _ in range(n))
    return value[: max_length] if max_length else value


def form_value(field: dict[str, Any], rng: random.Random) -> Any:
    kind = field.get("type")
    max_length = field.get("max_length")
    if kind == "number":
        return rng.randint(1, 999)
    if kind == "date":
        return (date(2020, 1, 1) + timedelta(days=rng.randrange(2500))).isoformat()
    if kind == "phone":
        return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    if kind == "id_number":
        return synthetic_id_number(rng)
    if kind == "select":
        options = field.get("options") or []
        return rng.choice(options)["value"] if options else ""
    if kind == "address":
        value = f"北京市东城区{rng.choice(_STREETS)}{rng.randint(1, 300)}号"
        return value[:max_length] if max_length else value
    return _text(rng, max_length)


def _attachment_bytes(rng: random.Random, size: int) -> bytes:
    # JPEG markers around random content: enough for a platform that checks type and hash.
    return b"\xff\xd8\xff\xe0" + rng.randbytes(size - 6) + b"\xff\xd9"


def synthetic_submission(service: dict[str, Any], rng: random.Random, n: int) -> NewSubmission:
    form = {f["field"]: form_value(f, rng) for f in service.get("form", []) if f.get("required")}
    attachments: list[NewAttachment] = []
    for material in service.get("materials", []):
        if not material.get("required"):
            continue
        for _ in range(rng.randint(1, 3)):
            data = _attachment_bytes(rng, rng.randint(50_000, 500_000))
            attachments.append(NewAttachment(material["code"], data, "image/jpeg", pages=1))
    applicant = {
        "id_type": "resident_id",
        "id_number": synthetic_id_number(rng),
        "name": rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
        "chip_verified": False,
        "verification": {"method": "loadtest", "synthetic": True, "sequence": n},
    }
    return NewSubmission(service_code=service["code"], applicant=applicant, form=form,
                         attachments=attachments, delivery="pickup")


def fileable_services(catalog: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in catalog.get("services", []) if s.get("kiosk_filing")]


def run_loadtest(outbox: Outbox, catalog: dict[str, Any], count: int, *,
                 seed: int | None = None,
                 on_commit: Callable[[FiledSubmission], None] | None = None,
                 ) -> Iterator[FiledSubmission]:
    services = fileable_services(catalog)
    if not services:
        raise ValueError("the catalog has no service a kiosk may file")
    rng = random.Random(seed)
    for n in range(count):
        filed = outbox.commit(synthetic_submission(rng.choice(services), rng, n))
        if on_commit is not None:
            on_commit(filed)
        yield filed
