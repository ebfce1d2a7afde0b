"""SamClient: the SAM frame protocol over any Transport, one command at a time.

A checksum error, a lost or truncated answer, bytes that never form a frame, and an SW3 10
(the reader saw a garbled request) are resent up to `retries` times; every other SW3 is a
typed error at once. Runs on the reader's worker thread only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from devices.idcard.errors import CardDataError, LinkError
from devices.idcard.frames import Answer, encode_request
from devices.idcard.profile import CommandProfile
from devices.idcard.settings import Timeouts
from devices.idcard.sw3 import SW3_CHECKSUM, SW3_FOUND, SW3_NO_CONTENT, SW3_OK, sw3_error
from devices.idcard.textblock import TEXT_LEN, decode_address
from devices.idcard.transport import Transport

log = logging.getLogger(__name__)

FINGERPRINT_LENGTHS = (0, 512, 1024)


@dataclass(frozen=True)
class BaseMessage:
    text: bytes = field(repr=False)
    photo: bytes = field(repr=False)
    fingerprint: bytes | None = field(default=None, repr=False)


def format_sam_id(data: bytes) -> str:
    """16 bytes -> "05.01-20170608-0000123456-2345678901" (two LE 16-bit, three LE 32-bit
    fields, the form vendors' tools print); other lengths as hex."""
    if len(data) != 16:
        return data.hex().upper()
    a, b = (int.from_bytes(data[i:i + 2], "little") for i in (0, 2))
    c, d, e = (int.from_bytes(data[i:i + 4], "little") for i in (4, 8, 12))
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"


class SamClient:
    def __init__(self, transport: Transport, profile: CommandProfile | None = None, *,
                 retries: int = 2, timeouts: Timeouts | None = None) -> None:
        self.transport = transport
        self.profile = profile or CommandProfile()
        self.retries = retries
        self.timeouts = timeouts or Timeouts()
        self.frames = 0  # requests sent, resends included
        self.resends = 0
        self.last_resent = False  # the last command's answer came only after a resend

    def command(self, name: str, *, timeout_s: float | None = None,
                accept: tuple[int, ...] = (SW3_OK,), data: bytes = b"") -> Answer:
        cmd, para = getattr(self.profile, name)
        request = encode_request(cmd, para, data)
        timeout = timeout_s if timeout_s is not None else self.timeouts.answer_s
        last: LinkError | None = None
        self.last_resent = False
        for attempt in range(self.retries + 1):
            self.last_resent = attempt > 0
            if attempt:
                self.resends += 1
                log.debug("idcard_resend command=%s attempt=%d code=%s", name, attempt,
                          last.code if last else "request_checksum")
            self.frames += 1
            try:
                answer = self.transport.exchange(request, timeout)
            except LinkError as exc:
                last = exc
                continue
            last = None
            if answer.sw3 in accept:
                return answer
            if answer.sw3 == SW3_CHECKSUM and attempt < self.retries:
                continue
            raise sw3_error(answer.sw3, name.replace("_", " "))
        assert last is not None
        raise last

    # the commands -----------------------------------------------------------------------
    def reset_sam(self) -> None:
        self.command("reset_sam")

    def sam_status(self) -> None:
        self.command("sam_status")

    def sam_id(self) -> str:
        return format_sam_id(self.command("sam_id").data)

    def find(self) -> bytes:
        # 9F is the documented "found"; a few builds answer 90
        return self.command("find", accept=(SW3_FOUND, SW3_OK)).data

    def select(self) -> bytes:
        return self.command("select").data

    def read_base(self, *, fingerprint: bool = False) -> BaseMessage:
        if fingerprint:
            answer = self.command("read_fingerprint",
                                  timeout_s=self.timeouts.fingerprint_read_s)
        else:
            answer = self.command("read", timeout_s=self.timeouts.read_s)
        return parse_base_message(answer.data, fingerprint=fingerprint)

    def appended_address(self) -> str | None:
        answer = self.command("appended_address", accept=(SW3_OK, SW3_NO_CONTENT))
        return None if answer.sw3 == SW3_NO_CONTENT else decode_address(answer.data)


def parse_base_message(data: bytes, *, fingerprint: bool) -> BaseMessage:
    """The read answer's data: two (three with a fingerprint) BE lengths, then the blocks."""
    count = 3 if fingerprint else 2
    head = 2 * count
    if len(data) < head:
        raise CardDataError("the read answer is too short for its lengths", code="malformed_read")
    lengths = [int.from_bytes(data[i:i + 2], "big") for i in range(0, head, 2)]
    if lengths[0] != TEXT_LEN or sum(lengths) != len(data) - head:
        raise CardDataError("the read answer's lengths do not add up", code="malformed_read")
    if fingerprint and lengths[2] not in FINGERPRINT_LENGTHS:
        raise CardDataError("the fingerprint length is not 0, 512 or 1024",
                            code="malformed_read")
    text = data[head:head + TEXT_LEN]
    photo = data[head + TEXT_LEN:head + TEXT_LEN + lengths[1]]
    finger = data[head + TEXT_LEN + lengths[1]:] if fingerprint else None
    return BaseMessage(text, photo, finger or None)
