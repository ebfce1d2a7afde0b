"""ICAO 9303 Part 11, 9.8: 3DES secure messaging after BAC.

Every command after BAC is wrapped (DO87 encrypted data, DO97 Le, DO8E MAC over the
send sequence counter, the masked header and those DOs); every response is checked
(DO87, DO99, DO8E) before its data is used. The SSC advances once per command and once
per response. Anything malformed raises SecureMessagingError, nothing else.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from devices.card import crypto
from devices.card.apdu import SW_OK, SW_SM_INCORRECT, SW_SM_MISSING, CommandApdu, ResponseApdu
from devices.card.errors import SecureMessagingError, TlvError
from devices.card.tlv import encode, parse_one

log = logging.getLogger(__name__)

# Le above this cannot come back in a short response once wrapped (DO87+DO99+DO8E)
_SHORT_LE_LIMIT = 231


@dataclass
class SecureChannel:
    ks_enc: bytes
    ks_mac: bytes
    ssc: int  # 64-bit send sequence counter

    def _next_ssc(self) -> bytes:
        self.ssc = (self.ssc + 1) % (1 << 64)
        return self.ssc.to_bytes(8, "big")

    def protect(self, cmd: CommandApdu) -> bytes:
        """The protected command APDU, encoded (short unless the sizes need extended)."""
        header = bytes([cmd.cla | 0x0C, cmd.ins, cmd.p1, cmd.p2])
        dos = b""
        if cmd.data:
            dos += encode(0x87, b"\x01" + crypto.encrypt(self.ks_enc, crypto.pad(cmd.data)))
        if cmd.le is not None:
            if cmd.le <= 256:
                le_bytes = bytes([cmd.le % 256])
            else:
                le_bytes = (cmd.le % 65536).to_bytes(2, "big")
            dos += encode(0x97, le_bytes)
        mac = crypto.retail_mac(self.ks_mac,
                                crypto.pad(self._next_ssc() + crypto.pad(header) + dos))
        body = dos + encode(0x8E, mac)
        extended = len(body) > 255 or (cmd.le is not None and cmd.le > _SHORT_LE_LIMIT)
        outer = CommandApdu(header[0], cmd.ins, cmd.p1, cmd.p2, body,
                            le=65536 if extended else 256)
        return outer.encode(extended=extended)

    def unprotect(self, raw: bytes) -> ResponseApdu:
        """Check and open a protected response; the inner status word comes from DO99."""
        if len(raw) < 2:
            raise SecureMessagingError("response shorter than a status word")
        outer = ResponseApdu.from_bytes(raw)
        if not outer.data:
            # The card answered without SM objects: it refused the command outright.
            self._next_ssc()
            if outer.sw in (SW_SM_MISSING, SW_SM_INCORRECT):
                raise SecureMessagingError(f"the chip ended secure messaging (SW {outer.sw:04X})")
            if outer.sw == SW_OK:
                raise SecureMessagingError("success without a MAC")
            log.info("card_sm_unprotected_status sw=%04X", outer.sw)
            return ResponseApdu(b"", outer.sw)
        do87: bytes | None = None
        do99: bytes | None = None
        do8e: bytes | None = None
        macced = b""
        pos = 0
        try:
            while pos < len(outer.data):
                node, end = parse_one(outer.data, pos)
                if node.tag == 0x8E:
                    do8e = node.value
                    if end != len(outer.data):
                        raise SecureMessagingError("data after the MAC")
                elif node.tag in (0x87, 0x99):
                    if (do87 if node.tag == 0x87 else do99) is not None:
                        raise SecureMessagingError(f"DO{node.tag:X} twice")
                    macced += outer.data[pos:end]
                    if node.tag == 0x87:
                        do87 = node.value
                    else:
                        do99 = node.value
                else:
                    raise SecureMessagingError(f"unexpected DO{node.tag:X} in a response")
                pos = end
        except TlvError as exc:
            raise SecureMessagingError(f"malformed protected response: {exc}") from exc
        if do8e is None or len(do8e) != 8:
            raise SecureMessagingError("protected response has no valid DO8E (MAC)")
        if do99 is None or len(do99) != 2:
            raise SecureMessagingError("protected response has no valid DO99 (status)")
        expected = crypto.retail_mac(self.ks_mac, crypto.pad(self._next_ssc() + macced))
        if not hmac.compare_digest(expected, do8e):
            raise SecureMessagingError("response MAC does not verify")
        data = b""
        if do87 is not None:
            if len(do87) < 9 or do87[0] != 0x01 or (len(do87) - 1) % 8:
                raise SecureMessagingError("DO87 is malformed")
            try:
                data = crypto.unpad(crypto.decrypt(self.ks_enc, do87[1:]))
            except ValueError as exc:
                raise SecureMessagingError("DO87 padding is wrong") from exc
        return ResponseApdu(data, int.from_bytes(do99, "big"))
