"""The at-rest key and AES-GCM sealing of everything personal the outbox writes."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

KEY_BYTES = 32
_FORMAT = b"\x01"  # first byte of every sealed record, so the format can change later
_NONCE_BYTES = 12


class KeyFileError(Exception):
    """The key file is missing where data needs it, unreadable or malformed."""


class SealError(Exception):
    """A sealed record failed authentication: corrupt, truncated or another key's."""


def fsync_dir(path: Path) -> None:
    """Make a directory entry (a new or renamed file) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_or_create_key(key_file: Path, *, allow_create: bool) -> bytes:
    """Read the 32-byte key; create it (mode 0600) only when nothing depends on an old one.

    `allow_create` is False when encrypted data already exists: a new key would make it
    unreadable, so a lost key must be reported, not silently replaced.
    """
    try:
        data = key_file.read_bytes()
    except FileNotFoundError:
        if not allow_create:
            raise KeyFileError(
                f"storage.key_file: {key_file} is missing, but the data folder holds data "
                "encrypted with it; restore the key file (a new key cannot read that data)"
            ) from None
        return _create_key(key_file)
    except PermissionError:
        raise KeyFileError(f"storage.key_file: {key_file} is not readable by this user") from None
    except IsADirectoryError:
        raise KeyFileError(f"storage.key_file: {key_file} is a directory") from None
    if len(data) != KEY_BYTES:
        raise KeyFileError(
            f"storage.key_file: {key_file} holds {len(data)} bytes; a key is {KEY_BYTES} bytes"
        )
    mode = key_file.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("key_file_permissions_too_open path=%s mode=%o", key_file, mode)
    return data


def _create_key(key_file: Path) -> bytes:
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    # O_EXCL: two processes starting at once must not both create (and one lose) a key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_key(key_file, allow_create=False)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(key_file.parent)
    log.info("key_file_created path=%s", key_file)
    return key


def key_id(key: bytes) -> str:
    """A fingerprint that tells whether a store was written with this key (not secret)."""
    return hashlib.sha256(b"hall-kiosk outbox key id\x00" + key).hexdigest()[:16]


class Sealer:
    """AES-256-GCM with a random nonce per record; `aad` binds a record to its name."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        return b"".join(self.seal_parts(plaintext, aad))

    def seal_parts(self, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """Header and ciphertext apart, so large records are written without a copy."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _FORMAT + nonce, self._aead.encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, aad: bytes) -> bytes:
        if len(sealed) < 1 + _NONCE_BYTES + 16 or sealed[:1] != _FORMAT:
            raise SealError("sealed record is truncated or of an unknown format")
        nonce = sealed[1 : 1 + _NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, sealed[1 + _NONCE_BYTES :], aad)
        except InvalidTag:
            raise SealError("sealed record failed authentication") from None
