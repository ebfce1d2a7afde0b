"""GB 11643-1999 citizen identity numbers: 17 digits and an ISO 7064 MOD 11-2 check
character. offline_queue.resident_id holds the same rule for forms, but devices/ may not
import offline_queue, so the few lines live here too."""

from __future__ import annotations

import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def check_character(first17: str) -> str:
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 ASCII digits")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid(number: str) -> bool:
    """Shape and check character only: the region and birth date are the card's business."""
    number = number.upper()
    return bool(_SHAPE.match(number)) and check_character(number[:17]) == number[17]
