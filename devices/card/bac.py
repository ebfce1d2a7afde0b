"""Basic Access Control (ICAO 9303 Part 11, 4.3 and 9.7): keys from the MRZ, mutual
authentication with the chip, session keys and the starting send sequence counter."""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

from devices.card import crypto
from devices.card.apdu import CommandApdu, ResponseApdu
from devices.card.errors import BacFailed, CardProtocolError, SecureMessagingError
from devices.card.secure_messaging import SecureChannel

WRONG_KEY = ("the chip refused the key: check the document number, birth date and "
             "expiry date")


@dataclass(frozen=True)
class BacKeys:
    k_enc: bytes
    k_mac: bytes


def keys_from_mrz_information(mrz_information: str) -> BacKeys:
    seed = crypto.bac_key_seed(mrz_information)
    return BacKeys(crypto.derive_key(seed, crypto.KDF_ENC), crypto.derive_key(seed, crypto.KDF_MAC))


def session_keys(k_ifd: bytes, k_ic: bytes) -> tuple[bytes, bytes]:
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
    return crypto.derive_key(seed, crypto.KDF_ENC), crypto.derive_key(seed, crypto.KDF_MAC)


def mutual_auth_data(keys: BacKeys, rnd_ic: bytes, rnd_ifd: bytes, k_ifd: bytes) -> bytes:
    e_ifd = crypto.encrypt(keys.k_enc, rnd_ifd + rnd_ic + k_ifd)
    return e_ifd + crypto.retail_mac(keys.k_mac, crypto.pad(e_ifd))


def authenticate(transmit: Callable[[CommandApdu], ResponseApdu], keys: BacKeys, *,
                 random: Callable[[int], bytes] = os.urandom) -> SecureChannel:
    """GET CHALLENGE and MUTUAL AUTHENTICATE; BacFailed when the chip refuses the key."""
    challenge = transmit(CommandApdu(0x00, 0x84, 0x00, 0x00, le=8))
    rnd_ic = challenge.check("GET CHALLENGE")
    if len(rnd_ic) != 8:
        raise CardProtocolError("GET CHALLENGE: not 8 bytes", challenge.sw)
    rnd_ifd, k_ifd = random(8), random(16)
    answer = transmit(CommandApdu(0x00, 0x82, 0x00, 0x00,
                                  mutual_auth_data(keys, rnd_ic, rnd_ifd, k_ifd), le=40))
    if answer.sw in (0x6300, 0x6982) or (answer.sw & 0xFFF0) == 0x63C0:
        raise BacFailed(WRONG_KEY)
    data = answer.check("MUTUAL AUTHENTICATE")
    if len(data) != 40:
        raise SecureMessagingError("MUTUAL AUTHENTICATE: answer is not 40 bytes")
    e_ic, m_ic = data[:32], data[32:]
    if not hmac.compare_digest(crypto.retail_mac(keys.k_mac, crypto.pad(e_ic)), m_ic):
        raise BacFailed(WRONG_KEY)
    r = crypto.decrypt(keys.k_enc, e_ic)
    if r[:8] != rnd_ic or r[8:16] != rnd_ifd:
        raise BacFailed("the chip's answer does not match our challenge")
    ks_enc, ks_mac = session_keys(k_ifd, r[16:32])
    return SecureChannel(ks_enc, ks_mac, int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big"))
