"""The SAM reader over USB bulk endpoints (pyusb).

Two variants are in the field: split (the preamble and length on OUT 02, the rest on
OUT 06; the answer's header on IN 81, its rest on IN 85) and the whole frame on a single
OUT and a single IN endpoint. Endpoints come from `[idcard] usb_out / usb_in / split`.
"""

from __future__ import annotations

import contextlib
import errno
import time
from collections.abc import Callable
from typing import Any

import usb.core
import usb.util

from devices.idcard.errors import AnswerLost, ReaderUnavailable, TruncatedAnswer
from devices.idcard.frames import HEADER, MAX_LEN, Answer, parse_answer
from devices.idcard.transport import Transport

PACKET = 512  # larger than any bulk packet; a transfer returns what the device sent
_GONE = {errno.ENODEV, errno.EIO, errno.ENOENT, errno.EPIPE}


def find_device(vid: int, pid: int) -> Any:
    return usb.core.find(idVendor=vid, idProduct=pid)


class UsbTransport(Transport):
    def __init__(self, vid: int, pid: int, *, out_eps: tuple[int, ...] = (0x02, 0x06),
                 in_eps: tuple[int, ...] = (0x81, 0x85), split: bool = True,
                 finder: Callable[[int, int], Any] = find_device) -> None:
        if len(out_eps) != (2 if split else 1) or len(in_eps) != (2 if split else 1):
            raise ValueError("split takes two OUT and two IN endpoints, single one of each")
        self.vid, self.pid, self.split = vid, pid, split
        self.out_eps, self.in_eps = out_eps, in_eps
        self.name = f"usb {vid:04x}:{pid:04x}"
        self._finder = finder
        self._dev: Any = None
        self._pending = bytearray()

    @property
    def is_open(self) -> bool:
        return self._dev is not None

    def open(self) -> None:
        self.close()
        try:
            dev = self._finder(self.vid, self.pid)
            if dev is None:
                raise ReaderUnavailable(f"no USB device {self.vid:04x}:{self.pid:04x}")
            try:
                if dev.is_kernel_driver_active(0):
                    dev.detach_kernel_driver(0)
            except (NotImplementedError, usb.core.USBError):
                pass  # not every backend (or device) has a kernel driver to detach
            dev.set_configuration()
        except usb.core.USBError as exc:
            raise ReaderUnavailable(f"cannot open {self.name}: {exc}") from None
        except usb.core.NoBackendError:
            raise ReaderUnavailable("no libusb backend is installed") from None
        self._dev = dev

    def close(self) -> None:
        dev, self._dev = self._dev, None
        self._pending.clear()
        if dev is not None:
            with contextlib.suppress(usb.core.USBError, AttributeError, TypeError):
                usb.util.dispose_resources(dev)

    def _device(self) -> Any:
        if self._dev is None:
            raise ReaderUnavailable(f"{self.name} is not open")
        return self._dev

    def _failed(self, exc: usb.core.USBError) -> Exception:
        if isinstance(exc, usb.core.USBTimeoutError):
            return AnswerLost(f"{self.name}: no answer in time")
        if exc.errno in _GONE or exc.errno is None:
            self.close()
            return ReaderUnavailable(f"{self.name} went away: {exc}")
        return AnswerLost(f"{self.name}: {exc}")

    def write(self, frame: bytes, timeout_s: float) -> None:
        dev = self._device()
        ms = max(1, int(timeout_s * 1000))
        parts = ((self.out_eps[0], frame[:HEADER]), (self.out_eps[1], frame[HEADER:])) \
            if self.split else ((self.out_eps[0], frame),)
        try:
            for ep, data in parts:
                dev.write(ep, data, ms)
        except usb.core.USBError as exc:
            raise self._failed(exc) from None

    def _transfer(self, ep: int, timeout_s: float) -> bytes:
        try:
            return bytes(self._device().read(ep, PACKET, max(1, int(timeout_s * 1000))))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            raise self._failed(exc) from None

    def read_chunk(self, size: int, timeout_s: float) -> bytes:
        """Single-endpoint variant: bytes from IN, buffered so a frame is never over-read."""
        if not self._pending and timeout_s > 0:
            self._pending += self._transfer(self.in_eps[0], timeout_s)
        chunk = bytes(self._pending[:size])
        del self._pending[:size]
        return chunk

    def discard_input(self) -> None:
        self._pending.clear()

    def read_answer(self, timeout_s: float) -> Answer:
        if not self.split:
            return super().read_answer(timeout_s)
        deadline = time.monotonic() + timeout_s
        header = self._collect(self.in_eps[0], HEADER, deadline)
        if not header:
            raise AnswerLost(f"{self.name}: no answer within {timeout_s:.2f} s")
        length = int.from_bytes(header[5:7], "big") if len(header) >= HEADER else 0
        if len(header) < HEADER or length > MAX_LEN:
            return parse_answer(header)  # raises GarbageAnswer with its reason
        body = self._collect(self.in_eps[1], length, deadline)
        if len(body) < length:
            raise TruncatedAnswer(f"{self.name}: the answer stopped short")
        return parse_answer(header[:HEADER] + body[:length])

    def _collect(self, ep: int, size: int, deadline: float) -> bytes:
        got = bytearray()
        while len(got) < size:
            left = deadline - time.monotonic()
            chunk = self._transfer(ep, left) if left > 0 else b""
            if not chunk:
                break
            got += chunk
        return bytes(got)
