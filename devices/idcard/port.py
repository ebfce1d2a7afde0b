"""The ID card port: what the kiosk sees of the SAM reader.

A status with a machine code (devices.status), events from the reader's own monitoring
thread, and calls that each have a time limit. Every personal field is left out of repr()
so a stray log line cannot leak it; the photo and fingerprint stay in memory only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

from devices.idcard.errors import (
    AnswerLost,
    CardDataError,
    CardExpired,
    CardReadFailed,
    CardRemoved,
    ChecksumError,
    CommandRejected,
    GarbageAnswer,
    IdCardConfigError,
    IdCardError,
    IdCardTimeout,
    LinkError,
    NoCard,
    NoContent,
    PhotoDecoderError,
    ReaderUnavailable,
    SamFault,
    SamStatusError,
    TruncatedAnswer,
)
from devices.status import DeviceState, DeviceStatus

__all__ = [
    "AnswerLost", "CardDataError", "CardExpired", "CardReadFailed", "CardRemoved", "CardType",
    "ChecksumError", "CommandRejected", "DeviceState", "DeviceStatus", "GarbageAnswer",
    "IdCardConfigError", "IdCardError", "IdCardEvent", "IdCardEventKind", "IdCardPort",
    "IdCardTimeout", "Identity", "Layout", "LinkError", "NoCard", "NoContent",
    "PhotoDecoderError", "ReaderUnavailable", "SamFault", "SamInfo", "SamStatusError",
    "TruncatedAnswer",
]

CardType = Literal["resident", "foreign_permanent", "hmt_residence"]
Layout = Literal["resident", "foreign_2017", "foreign_2023", "hmt_residence"]
IdCardEventKind = Literal[
    "card_placed",  # found and selected; the read starts now (tell the citizen to hold still)
    "identity_read",  # `identity` holds the decoded card
    "card_refused",  # read, but not acceptable (expired): `code`, `detail`; no identity
    "read_failed",  # `code`, `detail`; the read is retried within the same placement
    "card_removed",  # no longer found (strict readers stop finding a card once it was read)
    "reader_lost",  # `code`, `detail` as in status()
    "reader_restored",
]


@dataclass(frozen=True)
class Identity:
    """One card's decoded text block and raw photo; lives in the visit, never on disk."""

    card_type: CardType
    layout: Layout
    name: str = field(repr=False)  # Chinese name; a foreign card without one: its English
    name_en: str | None = field(repr=False)  # foreign cards
    sex: str = field(repr=False)  # 男, 女, 未知, 未说明
    nation: str | None = field(repr=False)  # resident, residence permit
    birth_date: date = field(repr=False)
    address: str | None = field(repr=False)  # resident, residence permit
    appended_address: str | None = field(repr=False)  # from 30 03 when the card has one
    id_number: str = field(repr=False)  # GB 11643 number; foreign 2017: the permit number
    issuer: str = field(repr=False)  # authority; foreign 2017: its authority code
    valid_from: date = field(repr=False)
    valid_until: date | None = field(repr=False)  # None: long-term (长期)
    nationality: str | None = field(repr=False)  # foreign cards: ISO 3166 alpha-3
    pass_number: str | None = field(repr=False)  # residence permit: 港澳台居民通行证号码
    issue_count: int | None = field(repr=False)  # permit: issue count; foreign 2023: renewals
    photo_wlt: bytes = field(repr=False)  # the 1024-byte WLT as read
    photo_bmp: bytes | None = field(default=None, repr=False)  # only with a vendor decoder
    fingerprint: bytes | None = field(default=None, repr=False)  # only when configured
    frames: int = 0  # frames exchanged for this read, retries included
    read_ms: float = 0.0

    @property
    def long_term(self) -> bool:
        return self.valid_until is None

    @property
    def permit_number(self) -> str | None:
        return self.id_number if self.card_type == "foreign_permanent" else None

    def expired(self, today: date) -> bool:
        return self.valid_until is not None and self.valid_until < today

    @property
    def photo_wlt_sha256(self) -> str:
        return hashlib.sha256(self.photo_wlt).hexdigest()

    def to_json_dict(self, today: date) -> dict[str, Any]:
        """The technician's JSON (`python -m devices.idcard read --json`)."""
        out: dict[str, Any] = {
            "card_type": self.card_type, "layout": self.layout, "name": self.name,
            "sex": self.sex, "birth_date": self.birth_date.isoformat(),
            "id_number": self.id_number, "issuer": self.issuer,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else "long_term",
            "expired": self.expired(today), "photo_wlt_sha256": self.photo_wlt_sha256,
            "photo_decoded": self.photo_bmp is not None,
            "fingerprint_bytes": len(self.fingerprint or b""),
            "frames": self.frames, "read_ms": round(self.read_ms, 1),
        }
        if self.card_type == "foreign_permanent":
            out.update(name_en=self.name_en, nationality=self.nationality,
                       permit_number=self.id_number)
        else:
            out.update(nation=self.nation, address=self.address,
                       appended_address=self.appended_address)
        if self.card_type == "hmt_residence":
            out.update(pass_number=self.pass_number, issue_count=self.issue_count)
        return out


@dataclass(frozen=True)
class IdCardEvent:
    kind: IdCardEventKind
    identity: Identity | None = field(default=None, repr=False)
    code: str = ""  # the machine code of a failure or a refusal
    detail: str = ""  # for staff and logs; never personal data
    at: float = 0.0  # time.monotonic() when it happened


@dataclass(frozen=True)
class SamInfo:
    sam_id: str  # "05.01-20170608-0000123456-2345678901" (or hex if not 16 bytes)
    status: DeviceStatus


class IdCardPort(Protocol):
    """The reader as the kiosk uses it; every call is bounded by timeout_s."""

    def start(self, on_event: Callable[[IdCardEvent], None]) -> None: ...

    def stop(self, timeout_s: float = 3.0) -> None: ...

    def status(self) -> DeviceStatus: ...

    def sam_info(self, timeout_s: float | None = None) -> SamInfo: ...

    def read_identity(self, *, timeout_s: float | None = None,
                      refuse_expired: bool = True) -> Identity: ...
