"""Synthetic submissions that a real platform accepts, for staging and soak tests.

Services come from the catalog the configured platform serves (fetched with retries, else
the kiosk's cached copy); every required form field gets a valid value of its type, every
required material 1-3 attachments of 50-500 KB (never over its max_pages), the delivery is
one the service offers, and each submission passes the kiosk's catalog check
(catalog_rules) before it is committed, like a citizen's. The applicant is synthetic and
marked as such.
"""

from __future__ import annotations

import json
import logging
import random
import string
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .client import PlatformClient, PlatformError
from .outbox import FiledSubmission, NewAttachment, NewSubmission, Outbox
from .resident_id import gb11643_check_digit, synthetic_id_number

__all__ = ["fileable_services", "form_value", "gb11643_check_digit", "load_catalog",
           "run_loadtest", "synthetic_id_number", "synthetic_submission"]

log = logging.getLogger(__name__)

CATALOG_CACHE = "catalog.json"  # the kiosk's cached catalog in storage.data_dir
CATALOG_FETCH_ROUNDS = 5

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
        most = min(3, material.get("max_pages") or 3)
        for _ in range(rng.randint(1, most)):
            data = _attachment_bytes(rng, rng.randint(50_000, 500_000))
            attachments.append(NewAttachment(material["code"], data, "image/jpeg", pages=1))
    applicant = {
        "id_type": "resident_id",
        "id_number": synthetic_id_number(rng),
        "name": rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
        "chip_verified": False,
        # "typed": the contract's enum has no load-test method; the extra keys mark it.
        "verification": {"method": "typed", "synthetic": True, "loadtest_sequence": n},
    }
    offered = service.get("delivery") or []
    return NewSubmission(service_code=service["code"], applicant=applicant, form=form,
                         attachments=attachments,
                         delivery=rng.choice(offered) if offered else None)


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
        service = rng.choice(services)
        # The same catalog check as a citizen's filing: refused here, never by the platform.
        filed = outbox.commit(synthetic_submission(service, rng, n), service)
        if on_commit is not None:
            on_commit(filed)
        yield filed


def load_catalog(client: PlatformClient, data_dir: Path, *,
                 rounds: int = CATALOG_FETCH_ROUNDS, pause_s: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """The platform's catalog, asked for a few times (each request itself retried), else
    the copy the kiosk cached in data_dir; PlatformError if neither is to be had."""
    error: PlatformError | None = None
    for attempt in range(rounds):
        try:
            return client.fetch_catalog().catalog or {}
        except PlatformError as exc:
            error = exc
            log.warning("loadtest_catalog_fetch_failed attempt=%d code=%s", attempt + 1,
                        exc.code)
            if attempt + 1 < rounds:
                sleep(pause_s * (2 ** attempt))
    cache = data_dir / CATALOG_CACHE
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = None
    catalog = stored.get("catalog") if isinstance(stored, dict) else None
    if isinstance(catalog, dict) and isinstance(catalog.get("services"), list):
        log.warning("loadtest_catalog_source source=cache")
        return catalog
    assert error is not None
    raise error
