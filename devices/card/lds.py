"""The LDS files (ICAO 9303 Part 10): EF.COM, DG1 (MRZ), DG2 (face), DG11 (holder details).

Malformed content raises CardDataError (or TlvError, its sibling) and nothing else.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from devices.card.errors import CardDataError
from devices.card.port import FaceImage
from devices.card.tlv import Tlv, parse_all, parse_single
from devices.mrz import Mrz, MrzError, parse_mrz

# data group number -> (file identifier, short file identifier, LDS tag)
DATA_GROUPS = {n: (0x0100 + n, n, tag) for n, tag in {
    1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68, 9: 0x69,
    10: 0x6A, 11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70}.items()}
TAG_TO_DG = {tag: n for n, (_, _, tag) in DATA_GROUPS.items()}
EF_COM = (0x011E, 0x1E, 0x60)
EF_SOD = (0x011D, 0x1D, 0x77)


@dataclass(frozen=True)
class Com:
    lds_version: str
    unicode_version: str
    data_groups: tuple[int, ...]


def parse_com(data: bytes) -> Com:
    root = parse_single(data, 0x60)
    kids = {t.tag: t.value for t in root.children()}
    if 0x5C not in kids:
        raise CardDataError("EF.COM has no tag list (5C)")
    groups = tuple(sorted(TAG_TO_DG[t] for t in kids[0x5C] if t in TAG_TO_DG))
    return Com(kids.get(0x5F01, b"").decode("ascii", "replace"),
               kids.get(0x5F36, b"").decode("ascii", "replace"), groups)


def parse_dg1(data: bytes) -> Mrz:
    root = parse_single(data, 0x61)
    node = root.find(0x5F1F)
    if node is None:
        raise CardDataError("DG1 has no MRZ (5F1F)")
    try:
        text = node.value.decode("ascii")
    except UnicodeDecodeError as exc:
        raise CardDataError("DG1's MRZ is not ASCII") from exc
    width = {90: 30, 72: 36, 88: 44}.get(len(text))
    if width is None:
        raise CardDataError(f"DG1's MRZ has {len(text)} characters (90, 72 or 88 expected)")
    try:
        return parse_mrz([text[i:i + width] for i in range(0, len(text), width)])
    except MrzError as exc:
        raise CardDataError(f"DG1's MRZ is invalid: {exc.field}: {exc.problem}") from exc


def _face_from_record(record: bytes) -> FaceImage:
    """ISO/IEC 19794-5: 14-byte header, then a facial record (20 + 8n + 12 bytes) + image."""
    if len(record) < 14 + 20 + 12 or record[:4] != b"FAC\x00":
        raise CardDataError("DG2's facial record header is not ISO/IEC 19794-5")
    pos = 14
    block = int.from_bytes(record[pos:pos + 4], "big")
    points = int.from_bytes(record[pos + 4:pos + 6], "big")
    info = pos + 20 + 8 * points
    if info + 12 > len(record) or block < 20 + 8 * points + 12:
        raise CardDataError("DG2's facial record is truncated")
    image_type = record[info + 1]
    image = record[info + 12:pos + block]
    if not image:
        raise CardDataError("DG2 holds no image data")
    return _typed(image, image_type)


def _typed(image: bytes, image_type: int | None = None) -> FaceImage:
    if image.startswith(b"\xff\xd8\xff"):
        return FaceImage(image, "image/jpeg")
    if image.startswith(b"\x00\x00\x00\x0cjP  ") or image.startswith(b"\xff\x4f\xff\x51"):
        return FaceImage(image, "image/jp2")
    if image_type == 0:
        return FaceImage(image, "image/jpeg")
    if image_type == 1:
        return FaceImage(image, "image/jp2")
    raise CardDataError("DG2's image is neither JPEG nor JPEG 2000")


def parse_dg2(data: bytes) -> FaceImage:
    root = parse_single(data, 0x75)
    bit: Tlv | None = root.find(0x5F2E) or root.find(0x7F2E)
    if bit is None:
        raise CardDataError("DG2 has no biometric data block (5F2E/7F2E)")
    if bit.tag == 0x7F2E:  # ISO/IEC 39794-5: find the image by its signature
        for marker in (b"\xff\xd8\xff", b"\x00\x00\x00\x0cjP  ", b"\xff\x4f\xff\x51"):
            at = bit.value.find(marker)
            if at >= 0:
                return _typed(bit.value[at:])
        raise CardDataError("DG2 (39794-5) holds no JPEG or JPEG 2000 image")
    return _face_from_record(bit.value)


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(c, "").startswith(("CJK", "HANGUL", "HIRAGANA", "KATAKANA"))
               for c in text)


def holder_name(raw: str) -> str:
    """'SURNAME<<GIVEN<NAMES' to 'SURNAME GIVEN NAMES'; CJK names join without spaces."""
    surname, _, given = raw.partition("<<")
    surname, given = surname.replace("<", " ").strip(), given.replace("<", " ").strip()
    joiner = "" if _is_cjk(surname + given) else " "
    return joiner.join(p for p in (surname, given) if p)


@dataclass(frozen=True)
class Dg11:
    full_name: str
    personal_number: str


def parse_dg11(data: bytes) -> Dg11:
    root = parse_single(data, 0x6B)
    values = {t.tag: t.value for t in root.children()}
    try:
        name = values.get(0x5F0E, b"").decode("utf-8")
        number = values.get(0x5F10, b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CardDataError("DG11 text is not UTF-8") from exc
    return Dg11(holder_name(name) if name else "", number.replace("<", "").strip())


def split_records(data: bytes) -> list[Tlv]:
    return parse_all(data)
