"""ICAO 9303 machine-readable zones: check digits, TD1/TD2/TD3 parsing, the BAC key seed.

Shared by the card reader (BAC needs document number, birth and expiry dates) and the
camera (which reads the MRZ off a data page); it lives beside both so neither imports
the other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

_WEIGHTS = (7, 3, 1)
_ALLOWED = re.compile(r"^[0-9A-Z<]+$")


class MrzError(ValueError):
    """The text is not a valid MRZ; `field` names what failed (e.g. "birth_date")."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def char_value(c: str) -> int:
    if c.isdigit():
        return int(c)
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + 10
    if c == "<":
        return 0
    raise MrzError("character", f"{c!r} is not allowed in an MRZ")


def check_digit(data: str) -> str:
    """ICAO 9303 Part 3 check digit: weights 7, 3, 1 repeating, modulo 10."""
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)


def _check(field: str, data: str, digit: str, *, may_be_empty: bool = False) -> None:
    if may_be_empty and digit == "<" and set(data) <= {"<"}:
        return
    if digit != check_digit(data):
        raise MrzError(field, "check digit does not match")


@dataclass(frozen=True)
class Mrz:
    format: Literal["TD1", "TD2", "TD3"]
    lines: tuple[str, ...]
    document_code: str
    issuing_state: str
    document_number: str  # without filler
    nationality: str
    birth_date: str  # YYMMDD, as printed
    sex: str  # M, F or <
    expiry_date: str  # YYMMDD
    surname: str
    given_names: str
    optional_data: str  # TD3: the personal number; TD1/TD2: optional data, fillers removed

    @property
    def name(self) -> str:
        return f"{self.surname} {self.given_names}".strip()

    def bac_seed(self) -> str:
        return bac_seed(self.document_number, self.birth_date, self.expiry_date)


def bac_seed(document_number: str, birth_date: str, expiry_date: str) -> str:
    """MRZ_information for BAC (Part 11, 9.7.2): number, birth, expiry, each with its digit.

    A typed-in number shorter than nine characters is padded with '<' as printed.
    """
    number = document_number.strip().upper().replace(" ", "")
    for field, value, pattern in (("document_number", number, r"^[0-9A-Z<]{1,}$"),
                                  ("birth_date", birth_date, r"^[0-9]{6}$"),
                                  ("expiry_date", expiry_date, r"^[0-9]{6}$")):
        if not re.match(pattern, value):
            raise MrzError(field, f"{value!r} is not valid")
    number = number.ljust(9, "<")
    return (number + check_digit(number) + birth_date + check_digit(birth_date)
            + expiry_date + check_digit(expiry_date))


def _names(field: str) -> tuple[str, str]:
    surname, _, given = field.partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def _normalise(lines: Sequence[str] | str) -> list[str]:
    if isinstance(lines, str):
        lines = lines.split()
    out = [line.strip().upper() for line in lines if line.strip()]
    if not out:
        raise MrzError("lines", "no MRZ text")
    for line in out:
        if not _ALLOWED.match(line):
            raise MrzError("lines", "only 0-9, A-Z and < may appear in an MRZ")
    return out


def parse_mrz(lines: Sequence[str] | str) -> Mrz:
    """Parse and verify every check digit; raises MrzError naming the first failure."""
    ls = _normalise(lines)
    lengths = [len(line) for line in ls]
    if len(ls) == 3 and lengths == [30, 30, 30]:
        return _td1(ls)
    if len(ls) == 2 and lengths == [36, 36]:
        return _td2(ls)
    if len(ls) == 2 and lengths == [44, 44]:
        return _td3(ls)
    raise MrzError("lines", f"line lengths {lengths} fit no MRZ format (3x30, 2x36, 2x44)")


def _td3(ls: list[str]) -> Mrz:
    l1, l2 = ls
    number, personal = l2[0:9], l2[28:42]
    _check("document_number", number, l2[9])
    _check("birth_date", l2[13:19], l2[19])
    _check("expiry_date", l2[21:27], l2[27])
    _check("personal_number", personal, l2[42], may_be_empty=True)
    _check("composite", l2[0:10] + l2[13:20] + l2[21:43], l2[43])
    surname, given = _names(l1[5:44])
    return Mrz("TD3", tuple(ls), l1[0:2].replace("<", ""), l1[2:5], number.replace("<", ""),
               l2[10:13], l2[13:19], l2[20], l2[21:27], surname, given,
               personal.replace("<", ""))


def _td2(ls: list[str]) -> Mrz:
    l1, l2 = ls
    number, optional = l2[0:9], l2[28:35]
    if l2[9] == "<":  # long document number continues in the optional data
        number, optional = _long_number(number, optional, "document_number")
    else:
        _check("document_number", number, l2[9])
    _check("birth_date", l2[13:19], l2[19])
    _check("expiry_date", l2[21:27], l2[27])
    _check("composite", l2[0:10] + l2[13:20] + l2[21:35], l2[35])
    surname, given = _names(l1[5:36])
    return Mrz("TD2", tuple(ls), l1[0:2].replace("<", ""), l1[2:5], number.replace("<", ""),
               l2[10:13], l2[13:19], l2[20], l2[21:27], surname, given,
               optional.replace("<", ""))


def _td1(ls: list[str]) -> Mrz:
    l1, l2, l3 = ls
    number, optional1 = l1[5:14], l1[15:30]
    if l1[14] == "<":
        number, optional1 = _long_number(number, optional1, "document_number")
    else:
        _check("document_number", number, l1[14])
    _check("birth_date", l2[0:6], l2[6])
    _check("expiry_date", l2[8:14], l2[14])
    _check("composite", l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29])
    surname, given = _names(l3)
    optional = (optional1 + l2[18:29]).replace("<", "")
    return Mrz("TD1", tuple(ls), l1[0:2].replace("<", ""), l1[2:5], number.replace("<", ""),
               l2[15:18], l2[0:6], l2[7], l2[8:14], surname, given, optional)


def _long_number(head: str, optional: str, field: str) -> tuple[str, str]:
    """Part 5, 4.2.4: digits beyond nine continue in the optional data, then a check digit."""
    tail, _, rest = optional.partition("<")
    if len(tail) < 2:
        raise MrzError(field, "long document number is malformed")
    number = head + tail[:-1]
    _check(field, number, tail[-1])
    return number, rest
