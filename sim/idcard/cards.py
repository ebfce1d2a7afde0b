"""Synthetic ID cards: the fields, the 256-byte text block, a fake WLT photo, sample people.

Every person here is made up; the ID numbers are only valid under GB 11643-1999 (ISO 7064
MOD 11-2), they belong to no one. The photo is not a picture: 1024 deterministic bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

LONG_TERM = "长期"
TEXT_LEN = 256
PHOTO_LEN = 1024
TYPE_OFFSET = 248
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2, as GB 11643-1999 uses it."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("17 digits are needed")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def make_id_number(first17: str) -> str:
    return first17 + id_check_digit(first17)


def synthetic_wlt(seed: str) -> bytes:
    """1024 bytes standing in for a WLT photo (a real one needs the vendor's decoder)."""
    out = bytearray(b"WLf\x00SYNTHETIC-NOT-A-PHOTO\x00")
    block = hashlib.sha256(seed.encode()).digest()
    while len(out) < PHOTO_LEN:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:PHOTO_LEN])


def _put(block: bytearray, offset: int, size: int, value: str, what: str) -> None:
    raw = value.encode("utf-16-le")
    if len(raw) > size:
        raise ValueError(f"{what} is longer than its {size // 2} characters")
    raw += " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    block[offset:offset + size] = raw


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class SimCard:
    """One card's fields. card_type: "" resident, "I" foreign 2017, "Y" foreign 2023,
    "J" HK/Macau/Taiwan residence permit. Dates are YYYYMMDD; valid_to may be 长期."""

    card_type: str
    name: str  # Chinese name ("" if the foreign card has none)
    sex: str  # GB/T 2261.1 code: 0 1 2 9
    birth: str
    id_number: str  # resident / J / Y: 18 characters; I: the 15-character permit number
    valid_from: str
    valid_to: str
    nation: str = ""  # 01-56, 97, 98; residents only
    address: str = ""
    authority: str = ""
    english_name: str = ""  # I, Y
    nationality: str = ""  # I, Y: ISO 3166 alpha-3
    permit_version: str = ""  # I: 2 characters
    authority_code: str = ""  # I: 4 characters
    renewals: str = ""  # Y: 2 characters
    pass_number: str = ""  # J: the HK/Macau/Taiwan travel permit number, 9 characters
    issue_count: str = ""  # J: 2 characters
    appended_address: str | None = None  # answered by 30 03; None: SW3 91
    photo: bytes = field(default=b"", repr=False)
    fingerprint: bytes | None = field(default=None, repr=False)  # None, 512 or 1024 bytes
    label: str = "card"  # for logs: never personal data

    def __post_init__(self) -> None:
        if self.card_type not in ("", "I", "J", "Y"):
            raise ValueError(f"unknown card type {self.card_type!r}")
        if not self.photo:
            self.photo = synthetic_wlt(self.label + self.id_number)
        if len(self.photo) != PHOTO_LEN:
            raise ValueError("the WLT photo must be 1024 bytes")
        if self.fingerprint is not None and len(self.fingerprint) not in (512, 1024):
            raise ValueError("fingerprint data must be 512 or 1024 bytes")

    @property
    def kind(self) -> str:
        return {"": "resident", "I": "foreign_2017", "Y": "foreign_2023",
                "J": "residence_permit"}[self.card_type]

    def text_block(self) -> bytes:
        """The 256-byte UCS-2 LE block, space padded, at the protocol facts' offsets."""
        b = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
        if self.card_type == "I":
            _put(b, 0, 120, self.english_name, "english name")
            _put(b, 120, 2, self.sex, "sex")
            _put(b, 122, 30, self.id_number, "permit number")
            _put(b, 152, 6, self.nationality, "nationality")
            _put(b, 158, 30, self.name, "chinese name")
            _put(b, 188, 16, self.valid_from, "issued")
            _put(b, 204, 16, self.valid_to, "expires")
            _put(b, 220, 16, self.birth, "birth")
            _put(b, 236, 4, self.permit_version, "version")
            _put(b, 240, 8, self.authority_code, "authority code")
        elif self.card_type == "Y":
            _put(b, 0, 30, self.name, "chinese name")
            _put(b, 30, 2, self.sex, "sex")
            _put(b, 32, 4, self.renewals, "renewals")
            _put(b, 36, 16, self.birth, "birth")
            _put(b, 52, 70, self.english_name[:35], "english name part 1")
            _put(b, 122, 36, self.id_number, "id number")
            _put(b, 188, 16, self.valid_from, "issued")
            _put(b, 204, 16, self.valid_to, "expires")
            _put(b, 220, 22, self.english_name[35:], "english name part 2")
            _put(b, 242, 6, self.nationality, "nationality")
        else:  # resident layout; J shares 0-219
            _put(b, 0, 30, self.name, "name")
            _put(b, 30, 2, self.sex, "sex")
            _put(b, 32, 4, self.nation, "nation")
            _put(b, 36, 16, self.birth, "birth")
            _put(b, 52, 70, self.address, "address")
            _put(b, 122, 36, self.id_number, "id number")
            _put(b, 158, 30, self.authority, "authority")
            _put(b, 188, 16, self.valid_from, "valid from")
            _put(b, 204, 16, self.valid_to, "valid to")
            if self.card_type == "J":
                _put(b, 220, 18, self.pass_number, "pass number")
                _put(b, 238, 4, self.issue_count, "issue count")
        if self.card_type:
            _put(b, TYPE_OFFSET, 2, self.card_type, "type")
        return bytes(b)

    def appended_block(self) -> bytes | None:
        """30 03's data: the appended address as UCS-2 LE, space padded to 70 bytes."""
        if self.appended_address is None:
            return None
        b = bytearray(70)
        _put(b, 0, 70, self.appended_address, "appended address")
        return bytes(b)


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def sample_cards(today: date | None = None) -> dict[str, SimCard]:
    """Made-up cardholders; validity periods are relative to `today` (default: now)."""
    today = today or date.today()
    issued = _add_years(today, -3)
    expired = today - timedelta(days=30)
    fp2 = bytes((i * 7 + 3) & 0xFF for i in range(1024))
    fp1 = bytes((i * 5 + 1) & 0xFF for i in range(512))
    return {
        "resident": SimCard(
            "", "张三", "1", "19900307", make_id_number("44030519900307001"),
            _ymd(issued), _ymd(_add_years(issued, 10)), nation="01",
            address="广东省深圳市南山区科技园示例路1号", authority="深圳市公安局南山分局",
            fingerprint=fp2, label="resident"),
        "resident_long_term": SimCard(
            "", "李四", "2", "19600521", make_id_number("44030419600521002"),
            _ymd(_add_years(issued, -10)), LONG_TERM, nation="03",
            address="广东省深圳市福田区演示街道样例大厦18楼1801室测试用长地址占满字段",
            authority="深圳市公安局福田分局", appended_address="广东省深圳市罗湖区虚构路8号",
            fingerprint=fp1, label="resident_long_term"),
        "resident_expired": SimCard(
            "", "王五", "1", "19851111", make_id_number("44030619851111003"),
            _ymd(_add_years(expired, -10)), _ymd(expired), nation="01",
            address="广东省深圳市宝安区示例村2号", authority="深圳市公安局宝安分局",
            label="resident_expired"),
        "foreign_2017": SimCard(
            "I", "米勒", "1", "19850615", "CAN440385061500",
            _ymd(issued), _ymd(_add_years(issued, 10)),
            english_name="MILLER, SAMPLE JOHN", nationality="CAN", permit_version="20",
            authority_code="1500", label="foreign_2017"),
        "foreign_2023": SimCard(
            "Y", "安娜", "2", "19920202", make_id_number("94427619920202004"),
            _ymd(issued), _ymd(_add_years(issued, 10)),
            english_name="EXAMPLEPERSON-LONGSURNAME, ANNA MARIA TEST",
            nationality="DEU", renewals="00", label="foreign_2023"),
        "hmt_residence": SimCard(
            "J", "陈六", "1", "19950808", make_id_number("81000019950808005"),
            _ymd(issued), _ymd(_add_years(issued, 5)),
            address="广东省深圳市罗湖区示范路3号", authority="深圳市公安局罗湖分局",
            pass_number="H12345678", issue_count="01", label="hmt_residence"),
    }

