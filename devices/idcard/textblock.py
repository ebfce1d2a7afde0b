"""The 256-byte text block (UCS-2 LE, space padded) for the four layouts.

The card type is the UCS-2 character at offset 248: 'I' foreign permanent resident (2017),
'Y' foreign permanent resident (2023), 'J' HK/Macau/Taiwan residence permit, a space for a
resident card. Offsets are (byte offset, byte length). Errors never quote the card's values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from datetime import date

from devices.idcard import gb11643
from devices.idcard.errors import CardDataError
from devices.idcard.nations import nation_name, sex_name
from devices.idcard.port import CardType, Layout

TEXT_LEN = 256
LONG_TERM = "长期"
_PERMIT_2017 = re.compile(r"^[A-Z]{3}[0-9]{12}$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")

Span = tuple[int, int]
# resident, and the residence permit for 0..219
R_NAME, R_SEX, R_NATION, R_BIRTH, R_ADDRESS = (0, 30), (30, 2), (32, 4), (36, 16), (52, 70)
R_ID, R_ISSUER, R_FROM, R_UNTIL = (122, 36), (158, 30), (188, 16), (204, 16)
J_PASS, J_COUNT = (220, 18), (238, 4)
I_NAME_EN, I_SEX, I_PERMIT, I_NATIONALITY, I_NAME = (0, 120), (120, 2), (122, 30), (152, 6), \
    (158, 30)
I_FROM, I_UNTIL, I_BIRTH, I_AUTHORITY = (188, 16), (204, 16), (220, 16), (240, 8)
Y_NAME, Y_SEX, Y_RENEWALS, Y_BIRTH, Y_NAME_EN1 = (0, 30), (30, 2), (32, 4), (36, 16), (52, 70)
Y_ID, Y_FROM, Y_UNTIL, Y_NAME_EN2, Y_NATIONALITY = (122, 36), (188, 16), (204, 16), (220, 22), \
    (242, 6)
TYPE_AT: Span = (248, 2)
# The 2023 card prints this authority; its text block has no authority field (one source).
Y_ISSUER = "中华人民共和国国家移民管理局"


@dataclass(frozen=True)
class CardText:
    card_type: CardType
    layout: Layout
    name: str = field(repr=False)
    name_en: str | None = field(repr=False)
    sex: str = field(repr=False)
    nation: str | None = field(repr=False)
    birth_date: date = field(repr=False)
    address: str | None = field(repr=False)
    id_number: str = field(repr=False)
    issuer: str = field(repr=False)
    valid_from: date = field(repr=False)
    valid_until: date | None = field(repr=False)
    nationality: str | None = field(repr=False)
    pass_number: str | None = field(repr=False)
    issue_count: int | None = field(repr=False)


class _Block:
    def __init__(self, raw: bytes) -> None:
        if len(raw) != TEXT_LEN:
            raise CardDataError(f"text block is {len(raw)} bytes, not {TEXT_LEN}")
        self.raw = raw

    def text(self, span: Span, what: str) -> str:
        start, length = span
        try:
            value = self.raw[start:start + length].decode("utf-16-le")
        except UnicodeDecodeError:
            raise CardDataError(f"{what} is not UCS-2 text") from None
        return value.replace("\x00", " ").strip()

    def required(self, span: Span, what: str) -> str:
        value = self.text(span, what)
        if not value:
            raise CardDataError(f"{what} is empty")
        return value

    def date(self, span: Span, what: str, *, long_term_ok: bool = False) -> dt.date | None:
        value = self.required(span, what)
        if long_term_ok and value == LONG_TERM:
            return None
        if len(value) != 8 or not value.isascii() or not value.isdigit():
            raise CardDataError(f"{what} is not YYYYMMDD")
        try:
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise CardDataError(f"{what} is not a calendar date") from None

    def day(self, span: Span, what: str) -> dt.date:
        value = self.date(span, what)
        assert value is not None  # long_term_ok is False
        return value

    def sex(self, span: Span) -> str:
        value = sex_name(self.text(span, "sex"))
        if value is None:
            raise CardDataError("sex code is not one of GB/T 2261.1")
        return value

    def number(self, span: Span, what: str) -> int | None:
        value = self.text(span, what)
        if not value:
            return None
        if not value.isascii() or not value.isdigit():
            raise CardDataError(f"{what} is not a number")
        return int(value)

    def gb11643(self, span: Span) -> str:
        value = self.required(span, "ID number").upper()
        if not gb11643.is_valid(value):
            raise CardDataError("ID number fails its GB 11643 check", code="id_number_invalid")
        return value

    def nationality(self, span: Span) -> str:
        value = self.required(span, "nationality")
        if not _ALPHA3.match(value):
            raise CardDataError("nationality is not an ISO 3166 alpha-3 code")
        return value


def card_layout(raw: bytes) -> Layout:
    mark = _Block(raw).text(TYPE_AT, "card type")
    layouts: dict[str, Layout] = {"": "resident", "I": "foreign_2017", "Y": "foreign_2023",
                                  "J": "hmt_residence"}
    if mark not in layouts:
        raise CardDataError("the text block has an unknown card type mark",
                            code="unknown_card_type")
    return layouts[mark]


def decode_text(raw: bytes) -> CardText:
    """The text block -> CardText; CardDataError (never another exception) when it is not
    a card we understand."""
    layout = card_layout(raw)
    b = _Block(raw)
    if layout in ("resident", "hmt_residence"):
        nation_code = b.text(R_NATION, "nation")
        nation = nation_name(nation_code) if nation_code else None
        if nation is None and (nation_code or layout == "resident"):
            raise CardDataError("nation code is not one of GB/T 3304")
        hmt = layout == "hmt_residence"
        return CardText(
            card_type=layout, layout=layout, name=b.required(R_NAME, "name"), name_en=None,
            sex=b.sex(R_SEX), nation=nation, birth_date=b.day(R_BIRTH, "birth date"),
            address=b.required(R_ADDRESS, "address"), id_number=b.gb11643(R_ID),
            issuer=b.required(R_ISSUER, "issuing authority"),
            valid_from=b.day(R_FROM, "valid from"),
            valid_until=b.date(R_UNTIL, "valid until", long_term_ok=True),
            nationality=None,
            pass_number=b.required(J_PASS, "pass number") if hmt else None,
            issue_count=b.number(J_COUNT, "issue count") if hmt else None)
    if layout == "foreign_2017":
        permit = b.required(I_PERMIT, "permit number").upper()
        if not _PERMIT_2017.match(permit):
            raise CardDataError("permit number is not three letters and twelve digits",
                                code="id_number_invalid")
        name_en = b.required(I_NAME_EN, "English name")
        return CardText(
            card_type="foreign_permanent", layout=layout,
            name=b.text(I_NAME, "Chinese name") or name_en, name_en=name_en,
            sex=b.sex(I_SEX), nation=None, birth_date=b.day(I_BIRTH, "birth date"),
            address=None, id_number=permit, issuer=b.text(I_AUTHORITY, "authority code"),
            valid_from=b.day(I_FROM, "valid from"),
            valid_until=b.date(I_UNTIL, "valid until", long_term_ok=True),
            nationality=b.nationality(I_NATIONALITY), pass_number=None, issue_count=None)
    # 2023: the English name is split over two fields; joined before stripping, as the
    # first part may end mid-word.
    name_en = _english_name_2023(b)
    if not name_en:
        raise CardDataError("English name is empty")
    return CardText(
        card_type="foreign_permanent", layout=layout,
        name=b.text(Y_NAME, "Chinese name") or name_en, name_en=name_en, sex=b.sex(Y_SEX),
        nation=None, birth_date=b.day(Y_BIRTH, "birth date"), address=None,
        id_number=b.gb11643(Y_ID), issuer=b.text(R_ISSUER, "issuing authority") or Y_ISSUER,
        valid_from=b.day(Y_FROM, "valid from"),
        valid_until=b.date(Y_UNTIL, "valid until", long_term_ok=True),
        nationality=b.nationality(Y_NATIONALITY), pass_number=None,
        issue_count=b.number(Y_RENEWALS, "renewals"))


def _english_name_2023(b: _Block) -> str:
    (s1, n1), (s2, n2) = Y_NAME_EN1, Y_NAME_EN2
    try:
        joined = (b.raw[s1:s1 + n1] + b.raw[s2:s2 + n2]).decode("utf-16-le")
    except UnicodeDecodeError:
        raise CardDataError("English name is not UCS-2 text") from None
    return joined.replace("\x00", " ").strip()


def decode_address(data: bytes) -> str | None:
    """The appended address (30 03): UCS-2 LE, space padded; None when blank."""
    if len(data) % 2:
        data = data[:-1]
    try:
        value = data.decode("utf-16-le").replace("\x00", " ").strip()
    except UnicodeDecodeError:
        raise CardDataError("appended address is not UCS-2 text") from None
    return value or None
