"""Valid ICAO 9303 MRZ text for synthetic documents (TD1 and TD3).

The simulator imports nothing of the app, so it carries its own check-digit function.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

_WEIGHTS = (7, 3, 1)
_SURNAMES = ("ERIKSSON", "MUSTERMANN", "ZHANG", "OUYANG", "SMITH", "VAN DER BERG", "NGUYEN",
             "GARCIA LOPEZ", "OKONKWO", "KOWALSKA", "DUBOIS", "HAKIMI", "LI", "ABDULLAH",
             "FITZGERALD", "TANAKA", "O NEILL", "PETROV", "SILVA", "YAMAMOTO")
_GIVEN = ("ANNA MARIA", "ERIKA", "WEI", "MINGYUE", "JOHN", "PIETER JAN", "THI HOA", "JUAN",
          "CHIOMA", "AGNIESZKA", "MARIE CLAIRE", "SAMIR", "NA", "NOOR", "PATRICK SEAN",
          "HARUTO", "SIOBHAN", "IVAN", "JOAO PEDRO", "YUKI")
_STATES = ("UTO", "CHN", "D<<", "NLD", "GBR", "FRA", "VNM", "NGA", "POL", "JPN", "IRL", "USA")


def check_digit(data: str) -> str:
    total = 0
    for i, c in enumerate(data):
        v = int(c) if c.isdigit() else (ord(c) - 55 if c.isalpha() else 0)
        total += v * _WEIGHTS[i % 3]
    return str(total % 10)


@dataclass(frozen=True)
class MrzTruth:
    format: str  # "TD1" or "TD3"
    lines: tuple[str, ...]
    document_number: str
    birth_date: str
    expiry_date: str


def _field(text: str, width: int) -> str:
    return text.replace(" ", "<")[:width].ljust(width, "<")


def _names(surname: str, given: str, width: int) -> str:
    return _field(surname.replace(" ", "<") + "<<" + given.replace(" ", "<"), width)


def _date(rng: random.Random, years: range) -> str:
    return f"{rng.choice(years) % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _number(rng: random.Random) -> str:
    n = rng.choice((9, 9, 9, 8, 7))
    alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    head = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.randint(0, 2)))
    body = "".join(rng.choice(alnum if rng.random() < 0.15 else "0123456789")
                   for _ in range(n - len(head)))
    return head + body


def make_td3(rng: random.Random) -> MrzTruth:
    state, nat = rng.choice(_STATES), rng.choice(_STATES)
    number = _number(rng)
    birth, expiry = _date(rng, range(1940, 2010)), _date(rng, range(2025, 2036))
    sex = rng.choice("MF<")
    personal = _field("".join(rng.choice("0123456789") for _ in range(rng.choice((0, 0, 8, 14)))),
                      14)
    personal_cd = "<" if set(personal) == {"<"} and rng.random() < 0.5 else check_digit(personal)
    line1 = _field("P<" + state + _names(rng.choice(_SURNAMES), rng.choice(_GIVEN), 39), 44)
    num = _field(number, 9)
    line2 = (num + check_digit(num) + nat + birth + check_digit(birth) + sex + expiry
             + check_digit(expiry) + personal + personal_cd)
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    line2 += check_digit(composite)
    return MrzTruth("TD3", (line1, line2), number, birth, expiry)


def make_td1(rng: random.Random) -> MrzTruth:
    state, nat = rng.choice(_STATES), rng.choice(_STATES)
    number = _number(rng)
    birth, expiry = _date(rng, range(1940, 2010)), _date(rng, range(2025, 2036))
    num = _field(number, 9)
    opt1 = _field("".join(rng.choice("0123456789") for _ in range(rng.choice((0, 6)))), 15)
    opt2 = _field("", 11)
    line1 = rng.choice(("I<", "ID", "AC")) + state + num + check_digit(num) + opt1
    line2 = (birth + check_digit(birth) + rng.choice("MF<") + expiry + check_digit(expiry)
             + nat + opt2)
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    line3 = _names(rng.choice(_SURNAMES), rng.choice(_GIVEN), 30)
    return MrzTruth("TD1", (line1, line2, line3), number, birth, expiry)
