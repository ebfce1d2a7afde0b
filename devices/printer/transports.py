"""Byte pipes to printers, chosen by a URL-like setting.

    tcp://10.0.0.5:9100              raw TCP ("JetDirect" port), status read back
    serial:///dev/ttyS0?baudrate=115200
    usb://04b8:0202                  through python-escpos's Usb (needs pyusb)
    file:///dev/usb/lp0              a device node or a plain file (no status if plain)
    memory://                        collects bytes (tests, previews)

Same design as python-escpos (one module per transport behind a single raw write), but
every wait is bounded by our own short timeouts instead of its 60 s default, and a
closed connection is a TransportError, not a silent short write.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import select
import socket
import stat
import termios
import time
import tty
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .port import PrinterConfigError, Transport, TransportError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timeouts:
    connect_s: float = 2.0
    write_s: float = 5.0  # per chunk; a printer that stops taking data fails the job
    status_s: float = 1.0  # per DLE EOT answer


class TcpTransport:
    can_read = True

    def __init__(self, host: str, port: int, timeouts: Timeouts) -> None:
        self.host, self.port, self.timeouts = host, port, timeouts
        self.description = f"tcp://{host}:{port}"
        self._sock: socket.socket | None = None

    def open(self) -> None:
        try:
            self._sock = socket.create_connection((self.host, self.port),
                                                  timeout=self.timeouts.connect_s)
        except OSError as exc:
            raise TransportError(f"{self.description}: cannot connect ({exc})") from exc
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise TransportError(f"{self.description}: not open")
        return self._sock

    def write(self, data: bytes) -> None:
        sock = self._socket()
        sock.settimeout(self.timeouts.write_s)
        try:
            sock.sendall(data)
        except OSError as exc:
            raise TransportError(f"{self.description}: write failed ({exc})") from exc

    def read(self, size: int, timeout_s: float) -> bytes:
        sock = self._socket()
        sock.settimeout(timeout_s)
        try:
            data = sock.recv(size)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise TransportError(f"{self.description}: read failed ({exc})") from exc
        if not data:
            raise TransportError(f"{self.description}: connection closed by the printer")
        return data

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):  # already reset by the peer
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
            self._sock = None


class FdTransport:
    """A file descriptor: serial port, /dev/usb/lp0, or a plain file."""

    def __init__(self, path: Path, timeouts: Timeouts, *, baudrate: int | None = None) -> None:
        self.path, self.timeouts, self.baudrate = path, timeouts, baudrate
        scheme = "serial" if baudrate else "file"
        self.description = f"{scheme}://{path}"
        self.can_read = baudrate is not None or _is_char_device(path)
        self._fd: int | None = None

    def open(self) -> None:
        try:
            if self.can_read:
                fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            else:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise TransportError(f"{self.description}: cannot open ({exc.strerror})") from exc
        if self.baudrate:
            try:
                _configure_serial(fd, self.baudrate)
            except (OSError, termios.error, ValueError) as exc:
                os.close(fd)
                raise TransportError(f"{self.description}: not a serial port ({exc})") from exc
        self._fd = fd

    def _handle(self) -> int:
        if self._fd is None:
            raise TransportError(f"{self.description}: not open")
        return self._fd

    def write(self, data: bytes) -> None:
        fd = self._handle()
        view = memoryview(data)
        deadline = time.monotonic() + self.timeouts.write_s
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransportError(f"{self.description}: write timed out")
            if self.can_read:
                _, ready, _ = select.select([], [fd], [], remaining)
                if not ready:
                    continue
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                continue
            except OSError as exc:
                raise TransportError(f"{self.description}: write failed ({exc.strerror})") from exc
            view = view[n:]
            deadline = time.monotonic() + self.timeouts.write_s

    def read(self, size: int, timeout_s: float) -> bytes:
        fd = self._handle()
        if not self.can_read:
            return b""
        ready, _, _ = select.select([fd], [], [], timeout_s)
        if not ready:
            return b""
        try:
            return os.read(fd, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise TransportError(f"{self.description}: read failed ({exc.strerror})") from exc

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class UsbTransport:
    """python-escpos's Usb (pyusb + libusb); imported only when a usb:// URL is used."""

    can_read = True

    def __init__(self, vendor: int, product: int, timeouts: Timeouts) -> None:
        if importlib.util.find_spec("usb") is None:
            raise PrinterConfigError(
                "USB printers need pyusb: pip install 'pyusb>=1.2,<2' (and libusb-1.0-0)")
        self.vendor, self.product, self.timeouts = vendor, product, timeouts
        self.description = f"usb://{vendor:04x}:{product:04x}"
        self._printer: Any = None

    def open(self) -> None:
        try:
            import usb.core  # noqa: F401  (pyusb; python-escpos imports it lazily too)
            from escpos.printer import Usb
        except ImportError as exc:
            raise PrinterConfigError(
                "USB printers need pyusb: pip install 'pyusb>=1.2,<2' (and libusb-1.0-0)"
            ) from exc
        try:
            printer = Usb(self.vendor, self.product, timeout=int(self.timeouts.write_s * 1000))
            printer.open()
        except Exception as exc:  # escpos raises its own USBNotFoundError/DeviceNotFoundError
            raise TransportError(f"{self.description}: cannot open ({exc})") from exc
        self._printer = printer

    def write(self, data: bytes) -> None:
        try:
            self._printer._raw(data)
        except Exception as exc:  # pyusb's USBError / USBTimeoutError
            raise TransportError(f"{self.description}: write failed ({exc})") from exc

    def read(self, size: int, timeout_s: float) -> bytes:
        try:
            dev = self._printer.device
            return bytes(dev.read(self._printer.in_ep, size, int(timeout_s * 1000)))
        except Exception as exc:
            if "timeout" in str(exc).lower():
                return b""
            raise TransportError(f"{self.description}: read failed ({exc})") from exc

    def close(self) -> None:
        if self._printer is not None:
            try:
                self._printer.close()
            finally:
                self._printer = None


class MemoryTransport:
    """Collects what would be printed; answers status queries from `answers`."""

    description = "memory://"

    def __init__(self, answers: bytes | None = None) -> None:
        self.can_read = answers is not None
        self.answers = bytearray(answers or b"")
        self.data = bytearray()

    def open(self) -> None:
        pass

    def write(self, data: bytes) -> None:
        self.data += data

    def read(self, size: int, timeout_s: float) -> bytes:
        out = bytes(self.answers[:size])
        del self.answers[:size]
        return out

    def close(self) -> None:
        pass


def _is_char_device(path: Path) -> bool:
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


def _configure_serial(fd: int, baudrate: int) -> None:
    speed = getattr(termios, f"B{baudrate}", None)
    if speed is None:
        raise ValueError(f"unsupported baud rate {baudrate}")
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[4] = attrs[5] = speed
    attrs[2] |= termios.CLOCAL | termios.CREAD
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def open_transport(url: str, timeouts: Timeouts | None = None) -> Transport:
    """Build (not open) the transport a printer URL names."""
    t = timeouts or Timeouts()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "tcp":
        if not parts.hostname:
            raise PrinterConfigError(f"printer URL {url!r}: no host")
        try:
            port = parts.port or 9100
        except ValueError as exc:
            raise PrinterConfigError(f"printer URL {url!r}: bad port") from exc
        return TcpTransport(parts.hostname, port, t)
    if scheme == "serial":
        query = parse_qs(parts.query)
        try:
            baud = int(query.get("baudrate", ["115200"])[0])
        except ValueError as exc:
            raise PrinterConfigError(f"printer URL {url!r}: bad baudrate") from exc
        if not hasattr(termios, f"B{baud}"):
            raise PrinterConfigError(f"printer URL {url!r}: unsupported baudrate {baud}")
        return FdTransport(Path(unquote(parts.path)), t, baudrate=baud)
    if scheme == "file":
        if not parts.path:
            raise PrinterConfigError(f"printer URL {url!r}: no path")
        return FdTransport(Path(unquote(parts.path)), t)
    if scheme == "usb":
        try:
            vendor, product = (int(x, 16) for x in parts.netloc.split(":"))
        except ValueError as exc:
            raise PrinterConfigError(f"printer URL {url!r}: want usb://VID:PID in hex") from exc
        return UsbTransport(vendor, product, t)
    if scheme == "memory":
        return MemoryTransport()
    raise PrinterConfigError(f"printer URL {url!r}: scheme must be tcp, serial, usb or file")
