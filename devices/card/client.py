"""Reading an eMRTD: SELECT the ICAO application, BAC, then EF.COM, EF.SOD, DG1, DG2 and
DG11 under secure messaging, parsed and checked by passive authentication.

Runs on the hardware worker thread against any ApduTransport (pcscd in the kiosk, a
script in unit tests). Reads use a short file identifier first (one APDU per file when
the card takes long reads) and fall back on Le: extended, then 256, 224, 160, smaller.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509

from devices.card import bac, lds, passive_auth
from devices.card.apdu import (
    SW_END_OF_FILE,
    SW_FILE_NOT_FOUND,
    SW_OK,
    SW_WRONG_LENGTH,
    CommandApdu,
    ResponseApdu,
    describe_sw,
)
from devices.card.errors import CardDataError, CardProtocolError, TlvError
from devices.card.port import IdentityDocument
from devices.card.secure_messaging import SecureChannel
from devices.card.tlv import header_length
from devices.card.transport import ApduTransport

log = logging.getLogger(__name__)

EMRTD_AID = bytes.fromhex("A0000002471001")
EXTENDED_LE = 65536
SHORT_LADDER = (256, 224, 160, 128, 96, 64, 32)
MAX_FILE = 512 * 1024  # a length beyond this is a corrupt header, not a big photo
_SFI_UNSUPPORTED = {0x6A86, 0x6A81, 0x6D00, 0x6B00, 0x6986}


class FileNotFoundOnChip(CardProtocolError):
    code = "file_not_found"


@dataclass
class ReadStats:
    apdus: int = 0
    bytes_read: int = 0  # plaintext file bytes


class EmrtdSession:
    """One secure-messaging session over a transport, with the Le ladder it has learnt."""

    def __init__(self, transport: ApduTransport, *, extended_length: bool = True,
                 random: Callable[[int], bytes] = os.urandom) -> None:
        self.transport = transport
        self.random = random
        self.channel: SecureChannel | None = None
        self.ladder = ((EXTENDED_LE,) if extended_length else ()) + SHORT_LADDER
        self.le = self.ladder[0]
        self.stats = ReadStats()

    def send_plain(self, cmd: CommandApdu) -> ResponseApdu:
        self.stats.apdus += 1
        return ResponseApdu.from_bytes(self.transport.transmit(cmd.encode()))

    def send(self, cmd: CommandApdu) -> ResponseApdu:
        if self.channel is None:
            return self.send_plain(cmd)
        self.stats.apdus += 1
        return self.channel.unprotect(self.transport.transmit(self.channel.protect(cmd)))

    def open(self, mrz_information: str) -> None:
        answer = self.send_plain(CommandApdu(0x00, 0xA4, 0x04, 0x0C, EMRTD_AID))
        if answer.sw != SW_OK:
            raise CardDataError(f"this card has no ICAO eMRTD application "
                                f"({describe_sw(answer.sw)})", code="not_emrtd")
        keys = bac.keys_from_mrz_information(mrz_information)
        self.channel = bac.authenticate(self.send_plain, keys, random=self.random)

    # reading files ----------------------------------------------------------------------
    def _smaller(self, sw: int, asked: int) -> bool:
        """Adapt Le after a refusal; False when there is nothing smaller to try."""
        if sw >> 8 == 0x6C and 0 < (sw & 0xFF) < asked:
            self.le = sw & 0xFF
            return True
        smaller = [s for s in self.ladder if s < asked]
        if not smaller:
            return False
        self.le = smaller[0]
        return True

    def _read(self, p1: int, p2: int, want: int | None, what: str) -> ResponseApdu:
        while True:
            asked = min(self.le, want) if want else self.le
            answer = self.send(CommandApdu(0x00, 0xB0, p1, p2, le=asked))
            if answer.sw == SW_WRONG_LENGTH or answer.sw >> 8 == 0x6C:
                log.debug("card_le_refused what=%s le=%d sw=%04X", what, asked, answer.sw)
                if self._smaller(answer.sw, asked):
                    continue
            return answer

    def read_file(self, fid: int, sfi: int, what: str) -> bytes:
        """The whole file; FileNotFoundOnChip if the chip has no such file."""
        first = self._read(0x80 | sfi, 0, None, what)
        if first.sw in _SFI_UNSUPPORTED:  # no short file identifiers: SELECT, then read
            selected = self.send(CommandApdu(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")))
            if selected.sw == SW_FILE_NOT_FOUND:
                raise FileNotFoundOnChip(f"{what} is not on the chip", selected.sw)
            selected.check(f"SELECT {what}")
            first = self._read(0, 0, None, what)
        if first.sw == SW_FILE_NOT_FOUND:
            raise FileNotFoundOnChip(f"{what} is not on the chip", first.sw)
        buf = bytearray(first.check(f"READ BINARY {what}"))
        total = None
        while total is None or len(buf) < total:
            if total is None:
                try:
                    total = header_length(bytes(buf))
                except TlvError as exc:
                    if len(buf) >= 8:
                        raise CardDataError(f"{what} does not start with a TLV header") from exc
                if total is not None and total > MAX_FILE:
                    raise CardDataError(f"{what} claims {total} bytes")
                if total is not None and len(buf) >= total:
                    break
            offset = len(buf)
            if offset > 0x7FFF:
                raise CardDataError(f"{what} is larger than 32 KB; reading it needs the odd "
                                    "READ BINARY, which this reader does not implement")
            want = (total - offset) if total is not None else None
            answer = self._read(offset >> 8, offset & 0xFF, want, what)
            data = answer.check(f"READ BINARY {what} at {offset}")
            if not data:
                raise CardDataError(f"{what} ended after {offset} bytes")
            buf += data
            if answer.sw == SW_END_OF_FILE and total is None:
                break
        self.stats.bytes_read += len(buf)
        return bytes(buf[:total] if total is not None else buf)


def read_identity(transport: ApduTransport, mrz_information: str, *,
                  cscas: list[x509.Certificate] | None, extended_length: bool = True,
                  read_dg11: bool = True,
                  random: Callable[[int], bytes] = os.urandom) -> IdentityDocument:
    """Everything the kiosk needs from the chip. Errors: CardError subclasses only."""
    started = time.perf_counter()
    session = EmrtdSession(transport, extended_length=extended_length, random=random)
    session.open(mrz_information)
    com = lds.parse_com(session.read_file(*lds.EF_COM[:2], "EF.COM"))
    sod = session.read_file(*lds.EF_SOD[:2], "EF.SOD")
    groups: dict[int, bytes] = {}
    wanted = [1, 2] + ([11] if read_dg11 and 11 in com.data_groups else [])
    for number in wanted:
        fid, sfi, _ = lds.DATA_GROUPS[number]
        try:
            groups[number] = session.read_file(fid, sfi, f"DG{number}")
        except FileNotFoundOnChip:
            if number in (1, 2):
                raise
            log.info("card_dg_absent dg=%d listed_in=EF.COM", number)
    mrz = lds.parse_dg1(groups[1])
    face = lds.parse_dg2(groups[2])
    dg11 = lds.parse_dg11(groups[11]) if 11 in groups else None
    pa = passive_auth.verify(sod, groups, cscas)
    elapsed = (time.perf_counter() - started) * 1000
    log.info("card_emrtd_read apdus=%d bytes=%d ms=%.0f passive_auth=%s",
             session.stats.apdus, session.stats.bytes_read, elapsed, pa.status)
    return IdentityDocument(
        mrz_format=mrz.format, document_type=mrz.document_code,
        issuing_state=mrz.issuing_state, document_number=mrz.document_number,
        surname=mrz.surname, given_names=mrz.given_names, nationality=mrz.nationality,
        birth_date=mrz.birth_date, sex=mrz.sex, expiry_date=mrz.expiry_date,
        full_name=(dg11.full_name if dg11 and dg11.full_name else mrz.name),
        personal_number=(dg11.personal_number if dg11 and dg11.personal_number
                         else (mrz.optional_data if mrz.format == "TD3" else "")),
        face=face, passive_auth=pa, data_groups=tuple(sorted(groups)),
        apdu_count=session.stats.apdus, bytes_read=session.stats.bytes_read,
        read_ms=elapsed)
