"""The citizen's visit: the ONE object that holds personal data, and wipes it.

Everything the kiosk learns about the person at the screen lives here: the document's
access key (from the MRZ), the identity read from the chip (names, numbers, dates, face
image), the form values, the captured pages, and the staff member assisting. `wipe()`
drops every reference and overwrites the byte buffers it owns, so nothing of one citizen
is left for the next. repr() and the log lines of this module show counts, never values.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

log = logging.getLogger(__name__)


class FaceLike(Protocol):
    @property
    def data(self) -> bytes: ...
    @property
    def mime_type(self) -> str: ...


class Closable(Protocol):
    def close(self) -> None: ...


class PassiveAuthLike(Protocol):
    @property
    def status(self) -> str: ...


class IdentityLike(Protocol):
    """What the chip reader returns (devices.card.IdentityDocument has these fields,
    read-only: the document is frozen)."""

    @property
    def document_type(self) -> str: ...
    @property
    def issuing_state(self) -> str: ...
    @property
    def document_number(self) -> str: ...
    @property
    def surname(self) -> str: ...
    @property
    def given_names(self) -> str: ...
    @property
    def nationality(self) -> str: ...
    @property
    def birth_date(self) -> str: ...  # YYMMDD
    @property
    def sex(self) -> str: ...
    @property
    def expiry_date(self) -> str: ...  # YYMMDD
    @property
    def full_name(self) -> str: ...
    @property
    def personal_number(self) -> str: ...
    @property
    def face(self) -> FaceLike | None: ...
    @property
    def passive_auth(self) -> PassiveAuthLike: ...


class IdCardLike(Protocol):
    """What the SAM ID card reader returns (devices.idcard.Identity has these fields)."""

    @property
    def card_type(self) -> str: ...  # resident | foreign_permanent | hmt_residence
    @property
    def name(self) -> str: ...
    @property
    def name_en(self) -> str | None: ...
    @property
    def sex(self) -> str: ...  # 男 | 女 | ...
    @property
    def nation(self) -> str | None: ...
    @property
    def birth_date(self) -> date: ...
    @property
    def address(self) -> str | None: ...
    @property
    def appended_address(self) -> str | None: ...
    @property
    def id_number(self) -> str: ...
    @property
    def issuer(self) -> str: ...
    @property
    def valid_from(self) -> date: ...
    @property
    def valid_until(self) -> date | None: ...  # None: long-term
    @property
    def nationality(self) -> str | None: ...
    @property
    def pass_number(self) -> str | None: ...
    @property
    def photo_bmp(self) -> bytes | None: ...


# The contract's Applicant.id_type for each card the SAM reader reads.
ID_TYPES = {"resident": "resident_id", "foreign_permanent": "foreign_permanent_resident",
            "hmt_residence": "hmt_residence_permit"}


def _clean_name(raw: str) -> str:
    """ICAO '<' fillers to spaces; no spaces between Chinese characters (张 伟 -> 张伟)."""
    text = " ".join(raw.replace("<", " ").split())
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == " " and 0 < i < len(text) - 1 and _cjk(text[i - 1]) and _cjk(text[i + 1]):
            continue
        out.append(ch)
    return "".join(out)


def _cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) == "W"


def _scrub(buffer: bytearray) -> None:
    """Overwrite, then empty, in place: whoever still holds the buffer sees nothing."""
    buffer[:] = bytes(len(buffer))
    buffer.clear()


def mrz_date(yymmdd: str, *, birth: bool, today: date | None = None) -> date | None:
    """YYMMDD to a date: a birth date is never in the future; an expiry within 50 years."""
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        return None
    today = today or date.today()
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    century = 2000 if (yy <= today.year % 100 if birth else yy < (today.year + 50) % 100) \
        else 1900
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        return None


@dataclass(repr=False)
class Identity:
    """The citizen as the document says: an eMRTD chip (`source` "chip") or a resident ID
    card, foreign permanent resident card or residence permit read by the SAM reader
    (`source` "id_card"; the SAM authenticated the card, `sam_verified`)."""

    document_type: str
    issuing_state: str
    document_number: str
    surname: str
    given_names: str
    full_name: str  # DG11 in the holder's script when present, else the MRZ name
    nationality: str
    birth_date: date | None
    sex: str
    expiry_date: date | None
    personal_number: str
    face: bytearray | None  # ours, so wipe() can overwrite it
    face_mime: str
    passive_auth: str  # verified | failed | not_checked
    source: str = "chip"  # chip | id_card
    id_type: str = "emrtd"  # the contract's Applicant.id_type
    address: str = ""  # ID cards: the address on the card, with the appended one
    nation: str = ""  # resident card, residence permit: 汉, 壮, ...
    issuer: str = ""
    long_term: bool = False  # an ID card valid without end (长期)
    pass_number: str = ""  # residence permit: 港澳台居民通行证号码

    @property
    def chip_verified(self) -> bool:
        return self.passive_auth == "verified"

    @property
    def sam_verified(self) -> bool:
        """The SAM reader only gives what it authenticated (SW3 31/32 otherwise)."""
        return self.source == "id_card"

    @property
    def verified(self) -> bool:
        return self.chip_verified or self.sam_verified

    @property
    def display_name(self) -> str:
        return self.full_name or f"{self.surname} {self.given_names}".strip()

    @classmethod
    def from_document(cls, doc: IdentityLike, *, today: date | None = None) -> Identity:
        face = bytearray(doc.face.data) if doc.face is not None and doc.face.data else None
        return cls(
            document_type=doc.document_type, issuing_state=doc.issuing_state,
            document_number=doc.document_number, surname=_clean_name(doc.surname),
            given_names=_clean_name(doc.given_names),
            full_name=_clean_name(doc.full_name),
            nationality=doc.nationality,
            birth_date=mrz_date(doc.birth_date, birth=True, today=today), sex=doc.sex,
            expiry_date=mrz_date(doc.expiry_date, birth=False, today=today),
            personal_number=doc.personal_number.replace("<", "").strip(),
            face=face, face_mime=doc.face.mime_type if doc.face is not None else "",
            passive_auth=str(doc.passive_auth.status))

    @classmethod
    def from_id_card(cls, card: IdCardLike) -> Identity:
        photo = bytearray(card.photo_bmp) if card.photo_bmp else None
        foreign = card.card_type == "foreign_permanent"
        sex = {"男": "M", "女": "F"}.get(card.sex, "X")
        address = " ".join(a for a in (card.address, card.appended_address) if a)
        return cls(
            document_type="ID", issuing_state="CHN", document_number=card.id_number,
            surname="", given_names=(card.name_en or "") if foreign else "",
            full_name=card.name or (card.name_en or ""),
            nationality=(card.nationality or "") if foreign else "CHN",
            birth_date=card.birth_date, sex=sex, expiry_date=card.valid_until,
            personal_number=card.id_number, face=photo,
            face_mime="image/bmp" if photo else "", passive_auth="not_checked",
            source="id_card", id_type=ID_TYPES.get(card.card_type, "other"),
            address=address, nation=card.nation or "", issuer=card.issuer,
            long_term=card.valid_until is None, pass_number=card.pass_number or "")

    def __repr__(self) -> str:
        return (f"Identity(source={self.source!r}, passive_auth={self.passive_auth!r}, "
                f"face={'yes' if self.face else 'no'})")

    def wipe(self) -> None:
        if self.face is not None:
            _scrub(self.face)
            self.face = None
        for name in ("document_type", "issuing_state", "document_number", "surname",
                     "given_names", "full_name", "nationality", "sex", "personal_number",
                     "face_mime", "passive_auth", "address", "nation", "issuer",
                     "pass_number"):
            setattr(self, name, "")
        self.birth_date = self.expiry_date = None


@dataclass(repr=False)
class AccessKey:
    """The three MRZ fields that unlock the chip (BAC): personal too."""

    document_number: str
    birth_date: str  # YYMMDD
    expiry_date: str  # YYMMDD

    def __repr__(self) -> str:
        return "AccessKey(...)"


@dataclass(repr=False)
class Page:
    """One captured page: the JPEG (ours, overwritten on wipe) and what the camera said."""

    jpeg: bytearray
    kind: str = ""
    size: tuple[int, int] | None = None
    dpi: int | None = None

    def __repr__(self) -> str:
        return f"Page(kind={self.kind!r}, bytes={len(self.jpeg)})"

    def wipe(self) -> None:
        _scrub(self.jpeg)


@dataclass(repr=False)
class Staff:
    staff_id: str
    name: str
    roles: tuple[str, ...]
    via: str = "platform"  # platform | offline (the kiosk's cache) | local (the technician)

    def __repr__(self) -> str:
        return f"Staff(roles={self.roles!r}, via={self.via!r})"


@dataclass(repr=False)
class Session:
    """One visit's personal data. Create one per visit; call wipe() when it ends."""

    access_key: AccessKey | None = None
    identity: Identity | None = None
    form: dict[str, str] = field(default_factory=dict)
    pages: dict[str, list[Page]] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    delivery: str | None = None
    staff: Staff | None = None
    staff_uid: str | None = None  # read from the staff card, until the PIN is checked
    # Progress / supplement: the citizen's key to an application filed before.
    lookup: tuple[str, str] | None = None
    # The page deleted last, for a few seconds' "undo": (material, index, page).
    removed: tuple[str, int, Page] | None = None
    # Face match: the decision as the contract's face_match (no image, no template), and
    # the check running now, which holds templates until it is closed.
    face_match: dict[str, Any] | None = None
    face_check: Closable | None = None
    wiped_count: int = 0

    def __repr__(self) -> str:
        return (f"Session(identity={'yes' if self.identity else 'no'}, "
                f"form_fields={len(self.form)}, pages={self.page_count()}, "
                f"staff={'yes' if self.staff else 'no'})")

    def page_count(self) -> int:
        return sum(len(p) for p in self.pages.values())

    def add_page(self, material: str, page: Page, at: int | None = None) -> int:
        pages = self.pages.setdefault(material, [])
        if at is None or at >= len(pages):
            pages.append(page)
            return len(pages) - 1
        pages.insert(at, page)
        return at

    def remove_page(self, material: str, index: int) -> None:
        pages = self.pages.get(material, [])
        if 0 <= index < len(pages):
            pages.pop(index).wipe()

    def take_page(self, material: str, index: int) -> bool:
        """Remove a page but keep it as `removed` until undone or forgotten (the page
        removed before it is wiped now)."""
        pages = self.pages.get(material, [])
        if not 0 <= index < len(pages):
            return False
        self.forget_removed()
        self.removed = (material, index, pages.pop(index))
        return True

    def undo_remove(self) -> tuple[str, int] | None:
        """Put the page removed last back where it was: (material, index), or None."""
        if self.removed is None:
            return None
        material, index, page = self.removed
        self.removed = None
        return material, self.add_page(material, page, index)

    def forget_removed(self) -> None:
        if self.removed is not None:
            self.removed[2].wipe()
            self.removed = None

    def clear_material(self, material: str) -> None:
        for page in self.pages.pop(material, []):
            page.wipe()

    def set_identity(self, identity: Identity) -> None:
        if self.identity is not None:
            self.identity.wipe()
        self.identity = identity
        self.end_face_check()
        self.face_match = None  # another document: its holder is checked afresh

    def end_face_check(self) -> None:
        """Close the face check running (its templates are zeroed)."""
        check, self.face_check = self.face_check, None
        if check is not None:
            check.close()

    def clear_citizen(self) -> None:
        """Everything about the citizen, but keep a signed-in staff member (assisting)."""
        if self.identity is not None:
            self.identity.wipe()
        self.identity = None
        self.access_key = None
        self.form.clear()
        for material in list(self.pages):
            self.clear_material(material)
        self.pages.clear()
        self.forget_removed()
        self.skipped.clear()
        self.delivery = None
        self.lookup = None
        self.end_face_check()
        self.face_match = None

    def wipe(self) -> None:
        """Forget everything of this visit; byte buffers are overwritten first."""
        self.clear_citizen()
        self.staff = None
        self.staff_uid = None
        self.wiped_count += 1
        log.debug("session_wiped count=%d", self.wiped_count)

    def holds_personal_data(self) -> bool:
        """For tests and the heartbeat's self-check: is anything personal left here?"""
        return bool(self.identity or self.access_key or self.form or self.pages
                    or self.skipped or self.staff or self.staff_uid or self.lookup
                    or self.delivery or self.removed or self.face_check)

    def personal_strings(self) -> list[Any]:
        """Every personal value held now (for privacy tests); empty after wipe()."""
        out: list[Any] = []
        if self.identity is not None:
            i = self.identity
            out += [i.document_number, i.surname, i.given_names, i.full_name,
                    i.personal_number, i.face]
        if self.access_key is not None:
            out += [self.access_key.document_number, self.access_key.birth_date]
        out += list(self.form.values())
        out += [p.jpeg for pages in self.pages.values() for p in pages]
        if self.removed is not None:
            out.append(self.removed[2].jpeg)
        if self.staff is not None:
            out += [self.staff.staff_id, self.staff.name]
        return [v for v in out if v]
