"""The host side for the emulator's tests: hand-built frames over a raw pty or a socket.

Deliberately independent of sim.idcard's own frame code: frames are built and cut here.
"""

from __future__ import annotations

import os
import select
import socket
import termios
import time
import tty
from datetime import date
from pathlib import Path

PRE = bytes.fromhex("AAAAAA9669")
TODAY = date(2025, 6, 1)  # the sample cards' validity is relative to this


def chk(data: bytes) -> int:
    out = 0
    for b in data:
        out ^= b
    return out


def req(cmd: int, para: int, data: bytes = b"", *, length: int | None = None,
        checksum: int | None = None) -> bytes:
    body = (length if length is not None else len(data) + 3).to_bytes(2, "big")
    body += bytes([cmd, para]) + data
    return PRE + body + bytes([chk(body) if checksum is None else checksum])


def sw3(frame: bytes) -> int:
    return frame[9]


def ucs2(block: bytes, offset: int, size: int) -> str:
    return block[offset:offset + size].decode("utf-16-le").rstrip(" ")


class Host:
    """Bytes in, bytes out, with timeouts; subclasses give _fd."""

    _fd: int

    def send(self, data: bytes) -> None:
        os.write(self._fd, data)

    def read_for(self, seconds: float) -> bytes:
        """Everything that arrives within `seconds`."""
        out = b""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if select.select([self._fd], [], [], left)[0]:
                chunk = self._read()
                if not chunk:
                    break
                out += chunk
        return out

    def _read(self) -> bytes:
        try:
            return os.read(self._fd, 4096)
        except BlockingIOError:
            return b""

    def frame(self, timeout: float = 2.0) -> bytes:
        """One whole answer frame, checked for preamble, LEN and checksum."""
        buf = b""
        end = time.monotonic() + timeout
        while True:
            if len(buf) >= 7 and buf.startswith(PRE):
                total = 7 + int.from_bytes(buf[5:7], "big")
                if len(buf) >= total:
                    frame, rest = buf[:total], buf[total:]
                    assert rest == b"", f"bytes after the frame: {rest.hex(' ')}"
                    assert chk(frame[5:-1]) == frame[-1], f"bad checksum {frame.hex(' ')}"
                    return frame
            left = end - time.monotonic()
            assert left > 0, f"no whole frame in {timeout}s: {buf.hex(' ')}"
            if select.select([self._fd], [], [], left)[0]:
                buf += self._read()

    def ask(self, cmd: int, para: int, data: bytes = b"") -> bytes:
        self.send(req(cmd, para, data))
        return self.frame()

    def find_select(self) -> None:
        assert sw3(self.ask(0x20, 0x01)) == 0x9F
        assert sw3(self.ask(0x20, 0x02)) == 0x90

    def close(self) -> None:
        os.close(self._fd)


class PtyHost(Host):
    def __init__(self, path: Path | str, baud: int = termios.B115200) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self._fd)
        self.set_speed(baud)

    def set_speed(self, baud: int) -> None:
        attrs = termios.tcgetattr(self._fd)
        attrs[4] = attrs[5] = baud
        termios.tcsetattr(self._fd, termios.TCSANOW, attrs)


class TcpHost(Host):
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        self.sock.setblocking(False)
        self._fd = self.sock.fileno()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _read(self) -> bytes:
        try:
            return self.sock.recv(65536)
        except BlockingIOError:
            return b""

    def close(self) -> None:
        self.sock.close()
