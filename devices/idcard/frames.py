"""SAM frames: AA AA AA 96 69 | LEN (2, BE, counts what follows) | body | CHK.

CHK is the XOR of every byte after the preamble (LEN .. last data byte). A request's body
is CMD PARA DATA; an answer's is SW1 SW2 SW3 DATA. Only IdCardError subclasses ever come
out of here: a reader that answers garbage is a health status, not a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce

from devices.idcard.errors import ChecksumError, GarbageAnswer

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER = len(PREAMBLE) + 2
MIN_ANSWER_LEN = 4  # SW1 SW2 SW3 CHK
# The largest documented answer (text + photo + 1024-byte fingerprint) is 2314; anything
# far beyond is a corrupt length, and waiting for it would stall the link.
MAX_LEN = 4096


def checksum(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def encode_request(cmd: int, para: int, data: bytes = b"") -> bytes:
    body = bytes((cmd & 0xFF, para & 0xFF)) + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes((checksum(length + body),))


@dataclass(frozen=True)
class Answer:
    sw1: int
    sw2: int
    sw3: int
    data: bytes = field(repr=False)  # may be card data: never in a repr or a log

    @property
    def size(self) -> int:
        return HEADER + 3 + len(self.data) + 1


def parse_answer(frame: bytes) -> Answer:
    """One complete answer frame (preamble first) -> Answer, or a LinkError."""
    if len(frame) < HEADER + MIN_ANSWER_LEN or not frame.startswith(PREAMBLE):
        raise GarbageAnswer(f"not an answer frame ({len(frame)} bytes)")
    length = int.from_bytes(frame[5:7], "big")
    if length < MIN_ANSWER_LEN or length > MAX_LEN:
        raise GarbageAnswer(f"impossible answer length {length}")
    if len(frame) != HEADER + length:
        raise GarbageAnswer(f"answer length {length} but {len(frame) - HEADER} bytes")
    if checksum(frame[5:-1]) != frame[-1]:
        raise ChecksumError("answer checksum does not match")
    return Answer(frame[7], frame[8], frame[9], bytes(frame[10:-1]))


class FrameAssembler:
    """Builds answer frames from a byte stream that may start with junk.

    `needed()` says how many bytes to read next without ever reading past the end of a
    frame, so a serial read can ask for exactly that many and block for no longer.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.skipped = 0  # junk bytes dropped while looking for a preamble

    @property
    def started(self) -> bool:
        return len(self._buf) > 0

    def _sync(self) -> None:
        at = self._buf.find(PREAMBLE)
        if at > 0:
            self.skipped += at
            del self._buf[:at]
        elif at < 0:
            keep = _preamble_prefix(self._buf)
            drop = len(self._buf) - keep
            self.skipped += drop
            del self._buf[:drop]

    def needed(self) -> int:
        self._sync()
        if len(self._buf) < HEADER:
            return HEADER - len(self._buf)
        length = int.from_bytes(self._buf[5:7], "big")
        if length < MIN_ANSWER_LEN or length > MAX_LEN:
            self._buf.clear()
            raise GarbageAnswer(f"impossible answer length {length}")
        return max(0, HEADER + length - len(self._buf))

    def feed(self, chunk: bytes) -> Answer | None:
        """Add bytes; returns an Answer once a whole frame is in (extra bytes stay)."""
        self._buf += chunk
        if self.needed() > 0:
            return None
        length = int.from_bytes(self._buf[5:7], "big")
        frame = bytes(self._buf[:HEADER + length])
        del self._buf[:HEADER + length]
        return parse_answer(frame)


def _preamble_prefix(buf: bytearray) -> int:
    """The length of the longest suffix of buf that could start a preamble."""
    for n in range(min(len(buf), len(PREAMBLE) - 1), 0, -1):
        if buf[-n:] == PREAMBLE[:n]:
            return n
    return 0
