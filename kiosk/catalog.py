"""The service catalog: typed, cached on disk with its ETag, searchable by pinyin.

The platform publishes the catalog (`GET /catalog`, platform-api.yaml `Catalog`); the
kiosk keeps the last good copy on disk so it starts and files with it while the platform
is down. A malformed service is skipped and logged, never fatal: one bad entry must not
close the kiosk. Search takes Chinese text, full pinyin ("huzhao"), pinyin initials
("hz") and English words, ranked exact, then prefix, then word or syllable start, then
anywhere; the keys are computed once per catalog, so a search is a scan of short strings.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pypinyin import lazy_pinyin

from offline_queue.client import CatalogReply, PlatformError, TransportError

from .files import write_atomic
from .receipt import ServiceInfo
from .text import Text

log = logging.getLogger(__name__)

FIELD_TYPES = ("text", "number", "date", "phone", "id_number", "select", "address")
MATERIAL_KINDS = ("document", "photo")
DELIVERY_KINDS = ("pickup", "mail")


class CatalogError(ValueError):
    """The catalog (or one part of it) does not follow the contract; says where."""


# --- the typed catalog ------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    name: Text


@dataclass(frozen=True)
class Option:
    value: str
    label: Text


@dataclass(frozen=True)
class FormField:
    field: str
    label: Text
    type: str  # one of FIELD_TYPES
    required: bool
    options: tuple[Option, ...] = ()
    max_length: int | None = None

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Material:
    code: str
    name: Text
    required: bool
    kind: str  # document | photo
    max_pages: int = 1


@dataclass(frozen=True)
class Service:
    code: str
    name: Text
    department: Text
    category: str
    steps: tuple[Text, ...]
    promised_days: int
    fee_cny: float
    kiosk_filing: bool
    delivery: tuple[str, ...]
    materials: tuple[Material, ...]
    form: tuple[FormField, ...]

    def material(self, code: str) -> Material | None:
        return next((m for m in self.materials if m.code == code), None)

    def info(self) -> ServiceInfo:
        """What the receipt module needs."""
        return ServiceInfo(self.code, self.name, self.promised_days,
                           {m.code: m.name for m in self.materials}, self.department,
                           self.fee_cny, self.delivery)


@dataclass(frozen=True)
class SearchHit:
    service: Service
    rank: int  # 0 exact, 1 prefix, 2 word/syllable start, 3 anywhere
    matched: str  # "zh", "pinyin", "initials", "en", "code"


@dataclass(frozen=True)
class _Keys:
    zh: str
    pinyin: str  # "huzhaoshoucishenling"
    syllable_starts: frozenset[int]  # offsets in `pinyin` where a syllable begins
    initials: str  # "hzscsl"
    en: str  # lower case, single spaces
    en_words: tuple[str, ...]
    code: str  # lower case
    code_compact: str  # lower case, no dashes: "crhz0001"


class Catalog:
    """An immutable catalog with browse and search; build with `parse_catalog`."""

    def __init__(self, version: str, categories: Sequence[Category],
                 services: Sequence[Service], skipped: int = 0) -> None:
        self.version = version
        self.categories = tuple(categories)
        self.services = tuple(services)
        self.skipped = skipped
        self._by_code = {s.code: s for s in self.services}
        self._keys = [_keys_of(s) for s in self.services]

    def __repr__(self) -> str:
        return (f"Catalog(version={self.version!r}, categories={len(self.categories)}, "
                f"services={len(self.services)}, skipped={self.skipped})")

    def service(self, code: str) -> Service | None:
        return self._by_code.get(code)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def in_category(self, code: str) -> list[Service]:
        return [s for s in self.services if s.category == code]

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Services matching the query, best first (rank, then shorter name, then code)."""
        q = _normalise_query(query)
        if not q:
            return []
        compact = q.replace(" ", "")
        parsed = _Query(q, compact, any(_is_cjk(c) for c in q),
                        compact.isascii() and compact.isalpha())
        hits: list[SearchHit] = []
        for service, keys in zip(self.services, self._keys, strict=True):
            found = _match(parsed, keys)
            if found is not None:
                hits.append(SearchHit(service, found[0], found[1]))
        hits.sort(key=lambda h: (h.rank, len(h.service.name.zh), h.service.code))
        return hits[:limit]


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _normalise_query(query: str) -> str:
    # Full-width letters from a Chinese IME become ASCII; case and outer spaces go.
    text = unicodedata.normalize("NFKC", query).strip().lower()
    return re.sub(r"\s+", " ", text)


@functools.lru_cache(maxsize=8192)
def _syllables(zh: str) -> tuple[str, ...]:
    # Names repeat from one catalog version to the next: reloads cost almost nothing.
    return tuple(s.lower() for s in lazy_pinyin(zh, errors="ignore") if s.strip())


def _keys_of(service: Service) -> _Keys:
    syllables = _syllables(service.name.zh)
    starts: set[int] = set()
    offset = 0
    for s in syllables:
        starts.add(offset)
        offset += len(s)
    en = " ".join(service.name.en.lower().split())
    code = service.code.lower()
    return _Keys(zh=service.name.zh, pinyin="".join(syllables),
                 syllable_starts=frozenset(starts),
                 initials="".join(s[0] for s in syllables), en=en,
                 en_words=tuple(en.replace("-", " ").replace(",", " ").split()), code=code,
                 code_compact=code.replace("-", ""))


def _rank_in(q: str, target: str) -> int | None:
    if not target:
        return None
    if target == q:
        return 0
    if target.startswith(q):
        return 1
    return 3 if q in target else None


@dataclass(frozen=True)
class _Query:
    text: str  # normalised: lower case, single spaces
    compact: str  # without spaces
    cjk: bool
    letters: bool  # ASCII letters only: may be pinyin or initials


def _match(query: _Query, k: _Keys) -> tuple[int, str] | None:
    q, compact = query.text, query.compact
    best: tuple[int, str] | None = None

    def offer(rank: int | None, how: str) -> None:
        nonlocal best
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, how)

    if query.cjk:
        offer(_rank_in(compact, k.zh), "zh")
        return best
    if query.letters:
        offer(_rank_in(compact, k.initials), "initials")
        rank = _rank_in(compact, k.pinyin)
        if rank == 3 and any(k.pinyin.startswith(compact, i) for i in k.syllable_starts):
            rank = 2  # "zhao" starts a syllable of "huzhao": better than "uzh"
        offer(rank, "pinyin")
    offer(_rank_en(q, k), "en")
    if len(compact) >= 2:
        offer(_rank_in(compact, k.code_compact), "code")
    offer(_rank_in(q, k.code), "code")
    return best


def _rank_en(q: str, k: _Keys) -> int | None:
    rank = _rank_in(q, k.en)
    if rank is not None and rank < 3:
        return rank
    if all(any(w.startswith(part) for w in k.en_words) for part in q.split()):
        return 2
    return rank


# --- parsing the contract's JSON ------------------------------------------------------


def _text(value: object, where: str) -> Text:
    if not isinstance(value, Mapping) or not isinstance(value.get("zh"), str) \
            or not value["zh"].strip():
        raise CatalogError(f"{where}: want a Text object with a zh string")
    en = value.get("en", "")
    if not isinstance(en, str):
        raise CatalogError(f"{where}.en: not a string")
    return Text(value["zh"], en)


def _string(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise CatalogError(f"{where}.{key}: want a non-empty string")
    return value


def _bool(entry: Mapping[str, Any], key: str, where: str) -> bool:
    value = entry.get(key)
    if not isinstance(value, bool):
        raise CatalogError(f"{where}.{key}: want true or false")
    return value


def _list(entry: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = entry.get(key)
    if not isinstance(value, list):
        raise CatalogError(f"{where}.{key}: want a list")
    return value


def _int(value: object, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CatalogError(f"{where}: want an integer >= {minimum}")
    return value


def _material(entry: object, where: str) -> Material:
    if not isinstance(entry, Mapping):
        raise CatalogError(f"{where}: not an object")
    kind = _string(entry, "kind", where)
    if kind not in MATERIAL_KINDS:
        raise CatalogError(f"{where}.kind: {kind!r} is not one of {MATERIAL_KINDS}")
    pages = entry.get("max_pages", 1)
    return Material(code=_string(entry, "code", where), name=_text(entry.get("name"),
                    f"{where}.name"), required=_bool(entry, "required", where), kind=kind,
                    max_pages=_int(pages, f"{where}.max_pages", 1))


def _field(entry: object, where: str) -> FormField:
    if not isinstance(entry, Mapping):
        raise CatalogError(f"{where}: not an object")
    kind = _string(entry, "type", where)
    if kind not in FIELD_TYPES:
        raise CatalogError(f"{where}.type: {kind!r} is not one of {FIELD_TYPES}")
    options: list[Option] = []
    for i, raw in enumerate(entry.get("options") or []):
        if not isinstance(raw, Mapping):
            raise CatalogError(f"{where}.options[{i}]: not an object")
        options.append(Option(_string(raw, "value", f"{where}.options[{i}]"),
                              _text(raw.get("label"), f"{where}.options[{i}].label")))
    if kind == "select" and not options:
        raise CatalogError(f"{where}: a select field without options")
    max_length = entry.get("max_length")
    return FormField(field=_string(entry, "field", where), label=_text(entry.get("label"),
                     f"{where}.label"), type=kind, required=_bool(entry, "required", where),
                     options=tuple(options),
                     max_length=None if max_length is None else _int(max_length,
                                                                    f"{where}.max_length", 1))


def parse_service(entry: object, where: str = "service") -> Service:
    """One contract `Service`; raises CatalogError naming the first problem."""
    if not isinstance(entry, Mapping):
        raise CatalogError(f"{where}: not an object")
    fee = entry.get("fee_cny", 0)
    if isinstance(fee, bool) or not isinstance(fee, int | float) or fee < 0:
        raise CatalogError(f"{where}.fee_cny: want a number >= 0")
    delivery = entry.get("delivery") or ["pickup"]
    if not isinstance(delivery, list) or not all(d in DELIVERY_KINDS for d in delivery):
        raise CatalogError(f"{where}.delivery: want a list of {DELIVERY_KINDS}")
    materials = [_material(m, f"{where}.materials[{i}]")
                 for i, m in enumerate(_list(entry, "materials", where))]
    form = [_field(f, f"{where}.form[{i}]") for i, f in enumerate(_list(entry, "form", where))]
    if len({f.field for f in form}) != len(form):
        raise CatalogError(f"{where}.form: a field name appears twice")
    if len({m.code for m in materials}) != len(materials):
        raise CatalogError(f"{where}.materials: a material code appears twice")
    return Service(
        code=_string(entry, "code", where),
        name=_text(entry.get("name"), f"{where}.name"),
        department=_text(entry.get("department"), f"{where}.department"),
        category=_string(entry, "category", where),
        steps=tuple(_text(s, f"{where}.steps[{i}]")
                    for i, s in enumerate(_list(entry, "steps", where))),
        promised_days=_int(entry.get("promised_days"), f"{where}.promised_days", 0),
        fee_cny=float(fee),
        kiosk_filing=_bool(entry, "kiosk_filing", where),
        delivery=tuple(delivery),
        materials=tuple(materials),
        form=tuple(form),
    )


def parse_catalog(doc: object) -> Catalog:
    """The whole catalog. The frame must be right; a bad service is skipped and logged."""
    if not isinstance(doc, Mapping):
        raise CatalogError("catalog: not a JSON object")
    version = doc.get("version")
    if not isinstance(version, str) or not version:
        raise CatalogError("catalog.version: want a non-empty string")
    categories: list[Category] = []
    for i, raw in enumerate(_list(doc, "categories", "catalog")):
        where = f"catalog.categories[{i}]"
        if not isinstance(raw, Mapping):
            raise CatalogError(f"{where}: not an object")
        categories.append(Category(_string(raw, "code", where), _text(raw.get("name"),
                                                                      f"{where}.name")))
    known = {c.code for c in categories}
    services: list[Service] = []
    seen: set[str] = set()
    skipped = 0
    for i, raw in enumerate(_list(doc, "services", "catalog")):
        try:
            service = parse_service(raw, f"catalog.services[{i}]")
            if service.category not in known:
                raise CatalogError(f"catalog.services[{i}].category: unknown category "
                                   f"{service.category!r}")
            if service.code in seen:
                raise CatalogError(f"catalog.services[{i}].code: {service.code} appears twice")
        except CatalogError as exc:
            skipped += 1
            log.warning("catalog_service_skipped version=%s reason=%s", version, exc)
            continue
        seen.add(service.code)
        services.append(service)
    if not services:
        raise CatalogError("catalog: no usable service")
    return Catalog(version, categories, services, skipped)


# --- the on-disk cache and refresh ----------------------------------------------------


class CatalogSource(Protocol):
    """Where fresh catalogs come from: `PlatformClient` in the kiosk."""

    def fetch_catalog(self, etag: str | None = None) -> CatalogReply: ...


@dataclass(frozen=True)
class RefreshResult:
    changed: bool  # a new catalog is in use
    source: str  # "platform" (200), "unchanged" (304), "cache" (platform failed)
    error: str | None = None  # platform_unreachable | platform_error | bad_catalog | no_platform


@dataclass
class _Cached:
    etag: str | None
    fetched_at: float
    catalog: Catalog
    raw: dict[str, Any] = field(repr=False)


class CatalogStore:
    """The catalog in use, its ETag, and the copy on disk (written atomically).

    Thread-safe: refresh() runs on a worker while the UI reads `catalog`.
    """

    def __init__(self, path: Path, client: CatalogSource | None) -> None:
        self.path = path
        self.client = client
        self._lock = threading.Lock()
        self._current: _Cached | None = None
        self._load()

    @property
    def catalog(self) -> Catalog | None:
        with self._lock:
            return self._current.catalog if self._current else None

    def service_entry(self, code: str) -> dict[str, Any] | None:
        """The service as the platform's catalog gave it (the contract's JSON), for the
        outbox's catalog check before a commit."""
        with self._lock:
            raw = self._current.raw if self._current else {}
        return next((s for s in raw.get("services", []) if isinstance(s, dict)
                     and s.get("code") == code), None)

    @property
    def etag(self) -> str | None:
        with self._lock:
            return self._current.etag if self._current else None

    def _load(self) -> None:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("catalog_cache_unreadable path=%s reason=%s", self.path,
                        type(exc).__name__)
            return
        try:
            if not isinstance(stored, dict):
                raise CatalogError("cache: not an object")
            etag = stored.get("etag")
            catalog = parse_catalog(stored.get("catalog"))
        except CatalogError as exc:
            log.warning("catalog_cache_invalid path=%s reason=%s", self.path, exc)
            return
        self._current = _Cached(etag if isinstance(etag, str) else None,
                                float(stored.get("fetched_at") or 0), catalog,
                                stored["catalog"])
        log.info("catalog_loaded source=cache version=%s services=%d", catalog.version,
                 len(catalog.services))

    def refresh(self, *, force: bool = False) -> RefreshResult:
        """Ask the platform (If-None-Match unless `force`: the whole catalog again, e.g. the
        platform's purge_cache); on any failure keep what we have, on disk too."""
        if self.client is None:
            return RefreshResult(False, "cache", "no_platform")
        etag = None if force else self.etag
        try:
            reply = self.client.fetch_catalog(etag)
        except PlatformError as exc:
            log.warning("catalog_refresh_failed reason=%s code=%s", type(exc).__name__,
                        exc.code)
            error = ("platform_unreachable" if isinstance(exc, TransportError)
                     else "platform_error")
            return RefreshResult(False, "cache", error)
        if not reply.changed:
            with self._lock:
                if self._current is not None:
                    self._current.fetched_at = time.time()
            return RefreshResult(False, "unchanged")
        try:
            catalog = parse_catalog(reply.catalog)
        except CatalogError as exc:
            log.error("catalog_refresh_rejected reason=%s", exc)
            return RefreshResult(False, "cache", "bad_catalog")
        raw = dict(reply.catalog or {})
        cached = _Cached(reply.etag, time.time(), catalog, raw)
        try:
            self._write(cached)
        except OSError as exc:
            # Still use it now; the next start fetches it again.
            log.error("catalog_cache_write_failed path=%s reason=%s", self.path, exc)
        with self._lock:
            self._current = cached
        log.info("catalog_loaded source=platform version=%s services=%d skipped=%d",
                 catalog.version, len(catalog.services), catalog.skipped)
        return RefreshResult(True, "platform")

    def _write(self, cached: _Cached) -> None:
        write_atomic(self.path, json.dumps({"etag": cached.etag, "fetched_at": cached.fetched_at,
                                            "catalog": cached.raw},
                                           ensure_ascii=False).encode("utf-8"))


def categories_with_services(catalog: Catalog) -> Iterable[tuple[Category, int]]:
    """Each category and how many services it holds (browse's first screen)."""
    counts: dict[str, int] = {}
    for s in catalog.services:
        counts[s.category] = counts.get(s.category, 0) + 1
    return [(c, counts.get(c.code, 0)) for c in catalog.categories]
