"""3DES primitives of ICAO 9303 Part 11 (BAC and secure messaging): KDF, padding, retail MAC.

TripleDES lives in `cryptography.hazmat.decrepit` from cryptography 43 on; older releases
still have it in `primitives`.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.ciphers import Cipher, modes

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # cryptography < 43
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES  # type: ignore

ZERO_IV = bytes(8)
KDF_ENC = 1
KDF_MAC = 2


def adjust_parity(key: bytes) -> bytes:
    """DES keys carry odd parity in each byte's low bit; the worked examples show them so."""
    out = bytearray()
    for b in key:
        high = b & 0xFE
        out.append(high | ((bin(high).count("1") + 1) % 2))
    return bytes(out)


def derive_key(seed: bytes, counter: int) -> bytes:
    """Part 11, 9.7.1: SHA-1(seed || counter), first 16 bytes, parity adjusted."""
    digest = hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()
    return adjust_parity(digest[:16])


def bac_key_seed(mrz_information: str) -> bytes:
    return hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]


def pad(data: bytes) -> bytes:
    """ISO/IEC 9797-1 padding method 2: 0x80 then zeros up to a multiple of 8."""
    data = data + b"\x80"
    return data + bytes(-len(data) % 8)


def unpad(data: bytes) -> bytes:
    """Reverse of pad(); ValueError when the padding is not method 2."""
    end = data.rstrip(b"\x00")
    if not end or end[-1] != 0x80 or len(data) - len(end) > 7:
        raise ValueError("bad padding")
    return end[:-1]


def _3des(key: bytes) -> TripleDES:
    return TripleDES(key + key[:8] if len(key) == 16 else key)


def encrypt(key: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    enc = Cipher(_3des(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def decrypt(key: bytes, data: bytes, iv: bytes = ZERO_IV) -> bytes:
    dec = Cipher(_3des(key), modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (DES, then 3DES on the last block); data is padded.

    Single-DES CBC over all blocks with Ka, then decrypt with Kb and encrypt with Ka:
    done as one CBC pass with Ka and a 3DES ECB of the last chaining value.
    """
    if len(data) % 8:
        raise ValueError("MAC input must be padded")
    ka = key[:8]
    head, last = data[:-8], data[-8:]
    chain = ZERO_IV
    if head:
        enc = Cipher(TripleDES(ka * 3), modes.CBC(ZERO_IV)).encryptor()  # single DES
        chain = (enc.update(head) + enc.finalize())[-8:]
    block = bytes(a ^ b for a, b in zip(chain, last, strict=True))
    enc = Cipher(_3des(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()
