"""The small base every link to a SAM reader implements (serial, USB bulk).

A transport moves whole frames: `exchange` writes one request and returns one answer
frame, parsed, or raises: ReaderUnavailable when the device is gone, AnswerLost when
nothing came back in time, TruncatedAnswer / GarbageAnswer / ChecksumError when what came
back is unusable. Retries are the client's business, not the transport's.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod

from devices.idcard.errors import AnswerLost, GarbageAnswer, TruncatedAnswer
from devices.idcard.frames import Answer, FrameAssembler

log = logging.getLogger(__name__)


class Transport(ABC):
    name = "transport"

    @abstractmethod
    def open(self) -> None:
        """Open the device; ReaderUnavailable if it is not there."""

    @abstractmethod
    def close(self) -> None:
        """Release the device; never raises."""

    @property
    @abstractmethod
    def is_open(self) -> bool: ...

    @abstractmethod
    def write(self, frame: bytes, timeout_s: float) -> None: ...

    @abstractmethod
    def read_chunk(self, size: int, timeout_s: float) -> bytes:
        """Up to `size` bytes, b"" when none came within timeout_s."""

    def discard_input(self) -> None:  # noqa: B027 - optional; links without a buffer skip it
        """Drop stale bytes (a late answer to an earlier request) before a new request."""

    def exchange(self, request: bytes, timeout_s: float) -> Answer:
        self.discard_input()
        self.write(request, timeout_s)
        return self.read_answer(timeout_s)

    def read_answer(self, timeout_s: float) -> Answer:
        """Assemble one answer frame from read_chunk calls, within timeout_s in all."""
        deadline = time.monotonic() + timeout_s
        assembler = FrameAssembler()
        while True:
            need = assembler.needed()
            left = deadline - time.monotonic()
            chunk = self.read_chunk(need, left) if left > 0 else b""
            if not chunk:
                if assembler.started:
                    raise TruncatedAnswer(f"{self.name}: the answer stopped short")
                if assembler.skipped:
                    raise GarbageAnswer(f"{self.name}: {assembler.skipped} bytes without a "
                                        "frame")
                raise AnswerLost(f"{self.name}: no answer within {timeout_s:.2f} s")
            answer = assembler.feed(chunk)
            if answer is not None:
                if assembler.skipped:
                    log.debug("idcard_link_skipped bytes=%d", assembler.skipped)
                return answer
