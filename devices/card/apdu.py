"""ISO/IEC 7816-4 command and response APDUs: short and extended encodings, status words."""

from __future__ import annotations

from dataclasses import dataclass

from devices.card.errors import CardProtocolError

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282  # fewer bytes than Le: the file ended
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_SM_MISSING = 0x6987
SW_SM_INCORRECT = 0x6988
SW_FILE_NOT_FOUND = 0x6A82

_MEANINGS = {
    0x6281: "part of the returned data may be corrupted",
    0x6282: "end of file reached before Le bytes",
    0x6300: "authentication failed",
    0x6581: "memory failure",
    0x6700: "wrong length",
    0x6882: "secure messaging not supported",
    0x6982: "security status not satisfied",
    0x6983: "authentication method blocked",
    0x6985: "conditions of use not satisfied",
    0x6986: "command not allowed (no current EF)",
    0x6987: "expected secure messaging data objects missing",
    0x6988: "secure messaging data objects incorrect",
    0x6A80: "incorrect data in the command",
    0x6A81: "function not supported",
    0x6A82: "file or application not found",
    0x6A86: "incorrect P1-P2",
    0x6A88: "referenced data not found",
    0x6B00: "offset outside the file",
    0x6D00: "instruction not supported",
    0x6E00: "class not supported",
    0x6F00: "no precise diagnosis",
}


def describe_sw(sw: int) -> str:
    if sw >> 8 == 0x6C:
        return f"wrong Le, the card offers {sw & 0xFF or 256} bytes"
    if sw >> 8 == 0x61:
        return f"{sw & 0xFF or 256} more bytes available"
    if sw & 0xFFF0 == 0x63C0:
        return f"verification failed, {sw & 0x0F} tries left"
    return _MEANINGS.get(sw, "unknown status")


@dataclass(frozen=True)
class CommandApdu:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # None: no Le; 256 short max, 65536 extended max

    def is_extended(self) -> bool:
        return len(self.data) > 255 or (self.le is not None and self.le > 256)

    def encode(self, *, extended: bool | None = None) -> bytes:
        """Case 1-4, short unless the lengths need (or `extended` asks for) extended form."""
        ext = self.is_extended() if extended is None else extended
        head = bytes([self.cla, self.ins, self.p1, self.p2])
        body = b""
        if self.data:
            body += (b"\x00" + len(self.data).to_bytes(2, "big") if ext
                     else bytes([len(self.data)])) + self.data
        if self.le is not None:
            if ext:
                le = b"" if self.data else b"\x00"  # extended Le: 3 bytes without data
                body += le + (self.le % 65536).to_bytes(2, "big")
            else:
                body += bytes([self.le % 256])
        return head + body


@dataclass(frozen=True)
class ResponseApdu:
    data: bytes
    sw: int

    @classmethod
    def from_bytes(cls, raw: bytes) -> ResponseApdu:
        if len(raw) < 2:
            raise ValueError("a response needs at least the two status bytes")
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    def check(self, what: str) -> bytes:
        """The data if SW is 9000 (or 6282 end of file), else CardProtocolError."""
        if self.sw in (SW_OK, SW_END_OF_FILE):
            return self.data
        raise CardProtocolError(f"{what}: {describe_sw(self.sw)}", self.sw)
