"""The chip's command processing: SELECT, GET CHALLENGE, MUTUAL AUTHENTICATE, READ BINARY
under secure messaging, and GET DATA (UID) as PC/SC readers answer it."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os

from sim.card import chip_crypto as cc
from sim.card.lds import build_files
from sim.card.profiles import Profile

log = logging.getLogger(__name__)

EMRTD_AID = bytes.fromhex("A0000002471001")
OK = b"\x90\x00"


def _sw(sw: int) -> bytes:
    return sw.to_bytes(2, "big")


def _parse_tlvs(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """(tag, value, raw encoding) for the flat DOs of a protected command."""
    out = []
    pos = 0
    while pos < len(data):
        start = pos
        tag = data[pos]
        pos += 1
        n = data[pos]
        pos += 1
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(data[pos:pos + k], "big")
            pos += k
        if pos + n > len(data):
            raise ValueError("truncated DO")
        out.append((tag, data[pos:pos + n], data[start:pos + n]))
        pos += n
    return out


def _split_apdu(apdu: bytes) -> tuple[bytes, bytes, int | None, bool]:
    """(header, data, Le, extended) for the four ISO 7816-3 cases, short and extended."""
    header, body = apdu[:4], apdu[4:]
    if not body:
        return header, b"", None, False
    if len(body) == 1:
        return header, b"", body[0] or 256, False
    if body[0] == 0 and len(body) >= 3:  # extended
        if len(body) == 3:
            return header, b"", int.from_bytes(body[1:3], "big") or 65536, True
        lc = int.from_bytes(body[1:3], "big")
        data = body[3:3 + lc]
        rest = body[3 + lc:]
        le = (int.from_bytes(rest, "big") or 65536) if rest else None
        return header, data, le, True
    lc = body[0]
    data = body[1:1 + lc]
    rest = body[1 + lc:]
    return header, data, (rest[0] or 256) if rest else None, False


class Chip:
    """One powered-on session of a card; `reset()` drops every key and selection."""

    def __init__(self, profile: Profile, *, fixed_challenge: bytes | None = None) -> None:
        """fixed_challenge makes sessions repeatable (the bench replays one byte for byte)."""
        self.profile = profile
        self.fixed_challenge = fixed_challenge
        self.files = build_files(profile) if profile.kind == "emrtd" else None
        self.reset()

    def reset(self) -> None:
        self.app_selected = False
        self.rnd_ic: bytes | None = None
        self.ks_enc = self.ks_mac = b""
        self.ssc = 0
        self.current: int | None = None

    def _k(self) -> tuple[bytes, bytes]:
        p = self.profile
        seed = hashlib.sha1(cc.mrz_information(p.document_number, p.birth_date,
                                               p.expiry_date).encode()).digest()[:16]
        return cc.kdf(seed, 1), cc.kdf(seed, 2)

    def process(self, apdu: bytes) -> bytes:
        try:
            return self._process(apdu)
        except (ValueError, IndexError) as exc:  # malformed command: the card stays alive
            log.info("bad command: %s", exc)
            if self.ks_enc:
                self.reset()
                return _sw(0x6988)
            return _sw(0x6700)

    def _process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return _sw(0x6700)
        cla, ins, p1, p2 = apdu[:4]
        if cla == 0xFF and ins == 0xCA:  # PC/SC GET DATA: the UID, answered by the reader
            return bytes.fromhex(self.profile.uid) + OK
        if self.files is None:
            return _sw(0x6A82) if ins == 0xA4 else _sw(0x6D00)
        if cla & 0x0C == 0x0C:
            return self._protected(apdu)
        _, data, le, _ = _split_apdu(apdu)
        if self.ks_enc:  # an unprotected command ends the secure messaging session
            self.reset()
        if ins == 0xA4 and p1 == 0x04:
            self.app_selected = data == EMRTD_AID
            return OK if self.app_selected else _sw(0x6A82)
        if not self.app_selected:
            return _sw(0x6982)
        if ins == 0x84:
            self.rnd_ic = self.fixed_challenge or os.urandom(8)
            return self.rnd_ic[: le or 8] + OK
        if ins == 0x82:
            return self._mutual_auth(data)
        if ins in (0xB0, 0xA4):
            return _sw(0x6982)
        return _sw(0x6D00)

    def _mutual_auth(self, data: bytes) -> bytes:
        k_enc, k_mac = self._k()
        if self.rnd_ic is None or len(data) != 40:
            return _sw(0x6985 if self.rnd_ic is None else 0x6700)
        e_ifd, m_ifd = data[:32], data[32:]
        if not hmac.compare_digest(cc.mac(k_mac, cc.pad(e_ifd)), m_ifd):
            self.rnd_ic = None
            return _sw(0x6300)
        s = cc.dec(k_enc, e_ifd)
        rnd_ifd, rnd_ic, k_ifd = s[:8], s[8:16], s[16:32]
        if rnd_ic != self.rnd_ic:
            self.rnd_ic = None
            return _sw(0x6300)
        k_ic = (hashlib.sha256(rnd_ic + rnd_ifd).digest()[:16] if self.fixed_challenge
                else os.urandom(16))
        r = rnd_ic + rnd_ifd + k_ic
        e_ic = cc.enc(k_enc, r)
        seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
        self.ks_enc, self.ks_mac = cc.kdf(seed, 1), cc.kdf(seed, 2)
        self.ssc = int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big")
        self.rnd_ic = None
        return e_ic + cc.mac(k_mac, cc.pad(e_ic)) + OK

    # secure messaging -------------------------------------------------------------------
    def _protected(self, apdu: bytes) -> bytes:
        if not self.ks_enc:
            return _sw(0x6987)
        header, data, _, _ = _split_apdu(apdu)
        dos = _parse_tlvs(data)
        self.ssc = (self.ssc + 1) % (1 << 64)
        mac_input = self.ssc.to_bytes(8, "big") + cc.pad(bytes([0x0C]) + header[1:])
        body, le, given = b"", None, b""
        for tag, value, raw in dos:
            if tag == 0x8E:
                given = value
            elif tag in (0x87, 0x97):
                mac_input += raw
                if tag == 0x87:
                    if not value or value[0] != 1:
                        raise ValueError("DO87 without padding indicator")
                    body = cc.unpad(cc.dec(self.ks_enc, value[1:]))
                else:
                    le = int.from_bytes(value, "big") or (256 if len(value) == 1 else 65536)
        expected = cc.mac(self.ks_mac, cc.pad(mac_input))
        if not given or not hmac.compare_digest(given, expected):
            self.reset()
            return _sw(0x6988)
        data_out, sw = self._command(header[1], header[2], header[3], body, le)
        return self._wrap(data_out, sw)

    def _wrap(self, data: bytes, sw: int) -> bytes:
        self.ssc = (self.ssc + 1) % (1 << 64)
        dos = b""
        if data:
            dos += cc.tlv(0x87, b"\x01" + cc.enc(self.ks_enc, cc.pad(data)))
        dos += cc.tlv(0x99, _sw(sw))
        mac = cc.mac(self.ks_mac, cc.pad(self.ssc.to_bytes(8, "big") + dos))
        return dos + cc.tlv(0x8E, mac) + OK

    def _command(self, ins: int, p1: int, p2: int, body: bytes,
                 le: int | None) -> tuple[bytes, int]:
        assert self.files is not None
        if ins == 0xA4 and p1 == 0x02:
            fid = int.from_bytes(body, "big")
            if fid not in self.files.by_fid:
                return b"", 0x6A82
            self.current = fid
            return b"", 0x9000
        if ins == 0xB0:
            if p1 & 0x80:  # short file identifier: selects the file, offset in P2
                fid = self.files.sfi_to_fid.get(p1 & 0x1F)
                if fid is None:
                    return b"", 0x6A82
                self.current, offset = fid, p2
            else:
                offset = (p1 << 8) | p2
            if self.current is None:
                return b"", 0x6986
            limit = self.profile.max_read
            want = le or 256
            if limit is not None and want > limit:
                # short-reads-only chip: too long for it outright, else "use exactly xx"
                return b"", 0x6700 if want > 160 else 0x6C00 | limit
            content = self.files.by_fid[self.current]
            if offset > len(content):
                return b"", 0x6B00
            chunk = content[offset:offset + min(want, 65280)]
            return chunk, 0x9000 if len(chunk) == want else 0x6282
        return b"", 0x6D00
