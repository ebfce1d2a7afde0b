"""The PIN hash of offline staff sign-in: scrypt over the staff card's UID and the PIN, with
a random salt per hash, in one string (`scrypt$16384$8$1$<salt>$<hash>`, base64). The
offline cache (staff_credentials.py) and the local technician credential of the config
(`[staff] technician_pin_hash`) both use it. A PIN has six digits, so the hash is slow on
purpose: it is all that stands between a stolen cache file and the PINs.

Make the technician's hash (the PIN is read without echo, twice):

    python -m kiosk.staff_pin --card-uid 0499AABBCCDDEE
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import re
import secrets
import sys
from dataclasses import dataclass

PIN_RE = re.compile(r"^[0-9]{6}$")  # the contract's PIN
CARD_UID_RE = re.compile(r"^[0-9A-F]{8,20}$")  # the contract's card_uid
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # 16 MB and tens of ms per try on one core
_SALT_BYTES, _KEY_BYTES = 16, 32
_B64 = r"([A-Za-z0-9+/=]+)"
_FORMAT = re.compile(rf"^scrypt\$([0-9]+)\$([0-9]+)\$([0-9]+)\${_B64}\${_B64}$")


class PinHashError(ValueError):
    """A hash string that is not of the form above (says what is wrong, never the hash)."""


@dataclass(frozen=True)
class PinHash:
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes

    def __str__(self) -> str:
        b64 = base64.b64encode
        return (f"scrypt${self.n}${self.r}${self.p}$"
                f"{b64(self.salt).decode()}${b64(self.key).decode()}")


def _derive(card_uid: str, pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    secret = f"{card_uid.upper()}:{pin}".encode()
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, dklen=_KEY_BYTES,
                          maxmem=256 * n * r + 1024 * 1024)


def hash_pin(card_uid: str, pin: str, *, n: int = SCRYPT_N) -> PinHash:
    salt = secrets.token_bytes(_SALT_BYTES)
    return PinHash(n, SCRYPT_R, SCRYPT_P, salt, _derive(card_uid, pin, salt, n, SCRYPT_R,
                                                        SCRYPT_P))


def parse_hash(text: str) -> PinHash:
    m = _FORMAT.match(text.strip())
    if m is None:
        raise PinHashError("not of the form scrypt$N$r$p$salt$hash "
                           "(make one with python -m kiosk.staff_pin)")
    n, r, p = (int(g) for g in m.groups()[:3])
    if n < 2**10 or n & (n - 1) or n > 2**20 or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise PinHashError("scrypt parameters out of range")
    try:
        salt, key = base64.b64decode(m.group(4)), base64.b64decode(m.group(5))
    except ValueError:
        raise PinHashError("salt or hash is not base64") from None
    if len(salt) < 8 or len(key) != _KEY_BYTES:
        raise PinHashError("salt or hash has the wrong length")
    return PinHash(n, r, p, salt, key)


def verify_pin(stored: PinHash, card_uid: str, pin: str) -> bool:
    got = _derive(card_uid, pin, stored.salt, stored.n, stored.r, stored.p)
    return hmac.compare_digest(got, stored.key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk.staff_pin",
        description="Print the [staff] technician_pin_hash for a staff card and PIN.")
    parser.add_argument("--card-uid", required=True,
                        help="the staff card's UID, hex (as the reader reports it)")
    args = parser.parse_args(argv)
    uid = args.card_uid.strip().upper()
    if not CARD_UID_RE.match(uid):
        print("card UID: 8 to 20 hex digits", file=sys.stderr)
        return 2
    read = getpass.getpass if sys.stdin.isatty() else _read_line
    pin = read("PIN (6 digits): ")
    if not PIN_RE.match(pin):
        print("the PIN must be 6 digits", file=sys.stderr)
        return 2
    if sys.stdin.isatty() and getpass.getpass("PIN again: ") != pin:
        print("the two PINs differ", file=sys.stderr)
        return 2
    print(f'technician_card_uid = "{uid}"')
    print(f'technician_pin_hash = "{hash_pin(uid, pin)}"')
    return 0


def _read_line(prompt: str) -> str:
    """A PIN piped in (scripts, tests): one line, nothing echoed back."""
    del prompt
    return sys.stdin.readline().strip()


if __name__ == "__main__":
    sys.exit(main())
