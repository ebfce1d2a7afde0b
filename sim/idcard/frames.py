"""The SAM frame layer: build answers, cut requests out of a byte stream.

Request:  AA AA AA 96 69 | LEN(2, BE; counts CMD..CHK) | CMD | PARA | DATA | CHK
Response: AA AA AA 96 69 | LEN(2, BE; counts SW1..CHK) | SW1 SW2 SW3 | DATA | CHK
CHK is the XOR of every byte after the preamble (LEN .. last data byte).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import reduce

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"

# SW3 codes (the protocol facts' table)
SW_OK = 0x90
SW_FOUND = 0x9F
SW_NO_CONTENT = 0x91
SW_CHECKSUM = 0x10
SW_LENGTH = 0x11
SW_COMMAND = 0x21
SW_UNAUTHORISED = 0x23
SW_UNRECOGNISED = 0x24
SW_CARD_AUTH_SAM = 0x31
SW_SAM_AUTH_CARD = 0x32
SW_INFO_CHECK = 0x33
SW_CARD_TYPE = 0x40
SW_READ_FAILED = 0x41
SW_RANDOM = 0x47
SW_SAM_SELFTEST = 0x60
SW_SAM_UNAUTHORISED = 0x66
SW_FIND_FAILED = 0x80
SW_SELECT_FAILED = 0x81
KNOWN_SW3 = frozenset({SW_OK, SW_FOUND, SW_NO_CONTENT, SW_CHECKSUM, SW_LENGTH, SW_COMMAND,
                       SW_UNAUTHORISED, SW_UNRECOGNISED, SW_CARD_AUTH_SAM, SW_SAM_AUTH_CARD,
                       SW_INFO_CHECK, SW_CARD_TYPE, SW_READ_FAILED, SW_RANDOM,
                       SW_SAM_SELFTEST, SW_SAM_UNAUTHORISED, SW_FIND_FAILED,
                       SW_SELECT_FAILED})

# No request of this protocol carries DATA, so anything this long is a length error at
# once rather than a wait for bytes that will never come (why: a real reader's buffer is small).
MAX_REQUEST_LEN = 64


def xor(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def response(sw3: int, data: bytes = b"") -> bytes:
    """An answer frame: SW1 SW2 are always 00 00."""
    body = (len(data) + 4).to_bytes(2, "big") + b"\x00\x00" + bytes([sw3]) + data
    return PREAMBLE + body + bytes([xor(body)])


def request(cmd: int, para: int, data: bytes = b"") -> bytes:
    """A request frame (for the CLI's self-check and for callers' convenience)."""
    body = (len(data) + 3).to_bytes(2, "big") + bytes([cmd, para]) + data
    return PREAMBLE + body + bytes([xor(body)])


@dataclass(frozen=True)
class Request:
    cmd: int
    para: int
    data: bytes


@dataclass(frozen=True)
class BadFrame:
    """A frame the reader rejects: answered with `sw3` (10 checksum, 11 length)."""

    sw3: int
    reason: str


class FrameParser:
    """Cuts requests out of a byte stream; resynchronises on the preamble after garbage.

    A frame whose bytes stop arriving for `frame_timeout_s` is a length error (SW3 11):
    the reader waited for LEN bytes that never came.
    """

    def __init__(self, frame_timeout_s: float = 0.5) -> None:
        self.frame_timeout_s = frame_timeout_s
        self._buf = bytearray()
        self._last_rx = 0.0
        self.garbage_bytes = 0

    def reset(self) -> None:
        self._buf.clear()

    @property
    def pending(self) -> bool:
        return bool(self._buf)

    def deadline(self) -> float | None:
        """When the partial frame in the buffer times out (monotonic), or None."""
        return self._last_rx + self.frame_timeout_s if self._buf else None

    def feed(self, data: bytes, now: float | None = None) -> list[Request | BadFrame]:
        self._last_rx = time.monotonic() if now is None else now
        self._buf += data
        return self._drain()

    def expire(self, now: float | None = None) -> list[Request | BadFrame]:
        """Call when no byte came for a while: a started frame becomes a length error."""
        now = time.monotonic() if now is None else now
        if not self._buf or now < self._last_rx + self.frame_timeout_s:
            return []
        started = self._buf.startswith(PREAMBLE[: len(self._buf)]) or PREAMBLE in self._buf
        if self._buf.find(PREAMBLE) > 0:
            self.garbage_bytes += self._buf.find(PREAMBLE)
        elif not started:
            self.garbage_bytes += len(self._buf)
        self._buf.clear()
        return [BadFrame(SW_LENGTH, "timeout")] if started else []

    def _drain(self) -> list[Request | BadFrame]:
        out: list[Request | BadFrame] = []
        while True:
            start = self._buf.find(PREAMBLE)
            if start < 0:
                # keep a tail that may be the start of a preamble split across reads
                keep = 0
                for n in range(min(len(PREAMBLE) - 1, len(self._buf)), 0, -1):
                    if self._buf.endswith(PREAMBLE[:n]):
                        keep = n
                        break
                self.garbage_bytes += len(self._buf) - keep
                del self._buf[: len(self._buf) - keep]
                return out
            if start:
                self.garbage_bytes += start
                del self._buf[:start]
            if len(self._buf) < 7:
                return out
            length = int.from_bytes(self._buf[5:7], "big")
            if length < 3 or length > MAX_REQUEST_LEN:
                # skip this preamble only: a real frame may follow inside these bytes
                del self._buf[:5]
                out.append(BadFrame(SW_LENGTH, f"len={length}"))
                continue
            total = 7 + length
            if len(self._buf) < total:
                return out
            frame = bytes(self._buf[:total])
            del self._buf[:total]
            if xor(frame[5:-1]) != frame[-1]:
                out.append(BadFrame(SW_CHECKSUM, "checksum"))
                continue
            out.append(Request(frame[7], frame[8], frame[9:-1]))
