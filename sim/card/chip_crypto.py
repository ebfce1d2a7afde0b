"""The chip's side of ICAO 9303 Part 11 3DES crypto (deliberately separate from devices/)."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.ciphers import Cipher, modes

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # cryptography < 43
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES  # type: ignore

_WEIGHTS = (7, 3, 1)


def check_digit(text: str) -> str:
    def value(c: str) -> int:
        if c.isdigit():
            return int(c)
        return 0 if c == "<" else ord(c) - 55

    return str(sum(value(c) * _WEIGHTS[i % 3] for i, c in enumerate(text)) % 10)


def mrz_information(number: str, birth: str, expiry: str) -> str:
    number = number.ljust(9, "<")
    return (number + check_digit(number) + birth + check_digit(birth) + expiry
            + check_digit(expiry))


def _parity(key: bytes) -> bytes:
    return bytes((b & 0xFE) | ((bin(b & 0xFE).count("1") + 1) % 2) for b in key)


def kdf(seed: bytes, counter: int) -> bytes:
    return _parity(hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()[:16])


def pad(data: bytes) -> bytes:
    data += b"\x80"
    return data + bytes(-len(data) % 8)


def unpad(data: bytes) -> bytes:
    end = data.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise ValueError("bad padding")
    return end[:-1]


def _cipher(key: bytes, mode: modes.Mode) -> Cipher:  # type: ignore[type-arg]
    return Cipher(TripleDES(key + key[:8] if len(key) == 16 else key * 3), mode)


def enc(key: bytes, data: bytes) -> bytes:
    e = _cipher(key, modes.CBC(bytes(8))).encryptor()
    return e.update(data) + e.finalize()


def dec(key: bytes, data: bytes) -> bytes:
    d = _cipher(key, modes.CBC(bytes(8))).decryptor()
    return d.update(data) + d.finalize()


def mac(key: bytes, data: bytes) -> bytes:
    """Retail MAC (ISO 9797-1 alg. 3) over already padded data: DES-CBC, then 3DES."""
    ka = key[:8]
    chain = bytes(8)
    if len(data) > 8:
        e = _cipher(ka, modes.CBC(bytes(8))).encryptor()
        chain = (e.update(data[:-8]) + e.finalize())[-8:]
    block = bytes(x ^ y for x, y in zip(chain, data[-8:], strict=True))
    return _cipher(key, modes.ECB()).encryptor().update(block)


def tlv(tag: int, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    elif n < 0x10000:
        length = b"\x82" + n.to_bytes(2, "big")
    else:
        length = b"\x83" + n.to_bytes(3, "big")
    return tag.to_bytes((tag.bit_length() + 7) // 8, "big") + length + value
