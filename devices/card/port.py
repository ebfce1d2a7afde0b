"""The card port: what the kiosk sees of the ID-card / staff-card reader.

Modelled in small on CEN/XFS4IoT's IDC and CUSS: a status with a machine code, media
events, and calls that each have a time limit. Personal fields are left out of repr()
so a stray log line cannot leak them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from devices.card.errors import (
    BacFailed,
    CardDataError,
    CardError,
    CardProtocolError,
    CardRemoved,
    CardTimeout,
    NoCard,
    ReaderUnavailable,
    SecureMessagingError,
    TlvError,
)
from devices.status import DeviceState, DeviceStatus

__all__ = [
    "BacFailed", "CardDataError", "CardError", "CardEvent", "CardEventKind", "CardPort",
    "CardProtocolError", "CardRemoved", "CardTimeout", "DeviceState", "DeviceStatus",
    "FaceImage",
    "IdentityDocument", "NoCard", "PassiveAuthResult", "ReaderInfo", "ReaderUnavailable",
    "SecureMessagingError", "TlvError",
]

CardEventKind = Literal["reader_added", "reader_removed", "card_inserted", "card_removed",
                        "service_lost", "service_restored"]


@dataclass(frozen=True)
class ReaderInfo:
    name: str
    card_present: bool
    atr: str = ""  # upper-case hex, "" without a card


@dataclass(frozen=True)
class CardEvent:
    kind: CardEventKind
    reader: str  # "" for service events
    atr: str = ""
    at: float = 0.0  # time.monotonic() when seen


@dataclass(frozen=True)
class FaceImage:
    data: bytes = field(repr=False)
    mime_type: str  # "image/jpeg" or "image/jp2"


@dataclass(frozen=True)
class PassiveAuthResult:
    status: Literal["verified", "failed", "not_checked"]
    step: str  # "" when verified; else "sod", "dg_hash", "sod_signature", "ds_certificate",
    #            "csca_store"
    reason: str

    @property
    def report_name(self) -> str:
        """What the technician's JSON says: verified, failed or unverified."""
        return "unverified" if self.status == "not_checked" else self.status


@dataclass(frozen=True)
class IdentityDocument:
    """What the chip says about its holder, and how far that can be trusted."""

    mrz_format: str  # TD1, TD2, TD3
    document_type: str = field(repr=False)
    issuing_state: str = field(repr=False)
    document_number: str = field(repr=False)
    surname: str = field(repr=False)
    given_names: str = field(repr=False)
    nationality: str = field(repr=False)
    birth_date: str = field(repr=False)  # YYMMDD
    sex: str = field(repr=False)
    expiry_date: str = field(repr=False)  # YYMMDD
    full_name: str = field(repr=False)  # DG11 in its own script when present, else the MRZ's
    personal_number: str = field(repr=False)
    face: FaceImage | None = field(repr=False)
    passive_auth: PassiveAuthResult
    data_groups: tuple[int, ...]  # the ones read
    apdu_count: int
    bytes_read: int
    read_ms: float

    @property
    def verified(self) -> bool:
        return self.passive_auth.status == "verified"

    def to_json_dict(self) -> dict[str, Any]:
        import hashlib

        face = self.face.data if self.face else b""
        return {
            "document_type": self.document_type, "issuing_state": self.issuing_state,
            "document_number": self.document_number, "surname": self.surname,
            "given_names": self.given_names, "nationality": self.nationality,
            "birth_date": self.birth_date, "sex": self.sex, "expiry_date": self.expiry_date,
            "full_name": self.full_name, "personal_number": self.personal_number,
            "mrz_format": self.mrz_format,
            "face_image_mime_type": self.face.mime_type if self.face else None,
            "face_image_sha256": hashlib.sha256(face).hexdigest() if face else None,
            "face_image_bytes": len(face),
            "passive_authentication": self.passive_auth.report_name,
            "passive_authentication_step": self.passive_auth.step,
            "passive_authentication_detail": self.passive_auth.reason,
            "data_groups": list(self.data_groups),
            "apdu_count": self.apdu_count, "bytes_read": self.bytes_read,
            "read_ms": round(self.read_ms, 1),
        }


class CardPort(Protocol):
    """The reader as the kiosk uses it; every call is bounded by timeout_s."""

    def start(self, on_event: Callable[[CardEvent], None]) -> None: ...

    def stop(self, timeout_s: float = 3.0) -> None: ...

    def status(self) -> DeviceStatus: ...

    def readers(self, timeout_s: float = 2.0) -> list[ReaderInfo]: ...

    def read_identity(self, document_number: str, birth_date: str, expiry_date: str, *,
                      reader: str | None = None,
                      timeout_s: float | None = None) -> IdentityDocument: ...

    def read_uid(self, *, reader: str | None = None, timeout_s: float | None = None) -> str: ...
