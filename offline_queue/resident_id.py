"""The Chinese resident ID number (GB 11643-1999): check digit, validation, synthetic numbers.

Shared by the kiosk's form validation and the load-test generator, so both agree on what
a valid number is. Eighteen characters: a six-digit region code, the birth date as
YYYYMMDD, a three-digit sequence (odd for men, even for women) and a check character
computed by ISO 7064 MOD 11-2 ("0"-"9" or an upper-case "X").
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

__all__ = [
    "EARLIEST_BIRTH", "birth_date_of", "gb11643_check_digit", "is_resident_id",
    "resident_id_problem", "synthetic_id_number",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
# The standard dates from 1999, but people born long before hold numbers too.
EARLIEST_BIRTH = date(1900, 1, 1)


def gb11643_check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def birth_date_of(number: str) -> date | None:
    """The birth date encoded in characters 7-14, or None if it is not a real date."""
    digits = number[6:14]
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def resident_id_problem(number: str, *, today: date | None = None) -> str | None:
    """Why a full 18-character number is not valid, or None if it is.

    Problems, checked in this order: "bad_format" (not 17 digits + digit/X; a lower-case
    x counts as bad here, callers normalise first), "bad_birth_date" (not a real date,
    before 1900 or in the future), "bad_check_digit".
    """
    if not _SHAPE.match(number):
        return "bad_format"
    born = birth_date_of(number)
    today = today or date.today()
    if born is None or born < EARLIEST_BIRTH or born > today:
        return "bad_birth_date"
    if gb11643_check_digit(number[:17]) != number[17]:
        return "bad_check_digit"
    return None


def is_resident_id(number: str, *, today: date | None = None) -> bool:
    return resident_id_problem(number, today=today) is None


def synthetic_id_number(rng: random.Random, *, born: date | None = None,
                        region: str = "110101") -> str:
    """A valid number for tests and load tests (region 110101: Beijing, Dongcheng)."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be six digits")
    if born is None:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    first17 = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + gb11643_check_digit(first17)
