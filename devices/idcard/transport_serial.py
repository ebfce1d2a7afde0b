"""The SAM reader over a serial line (pyserial): 8N1, 115200 by default. `tcp://host:port`
reaches a serial-over-TCP server (the demo's emulator) through pyserial's socket:// URL."""

from __future__ import annotations

import contextlib

import serial

from devices.idcard.errors import ReaderUnavailable
from devices.idcard.transport import Transport

try:  # an unplugged USB-serial adapter or pty fails tcflush with termios.error, not OSError
    from termios import error as _TermiosError
except ImportError:  # pragma: no cover - not POSIX
    _TermiosError = OSError  # type: ignore[assignment,misc]

_LINK_ERRORS = (serial.SerialException, OSError, _TermiosError)


class SerialTransport(Transport):
    def __init__(self, port: str, baud: int = 115200) -> None:
        self.port, self.baud = port, baud
        self.name = f"serial {port}"
        self._ser: serial.SerialBase | None = None

    @property
    def is_open(self) -> bool:
        return self._ser is not None and self._ser.is_open

    def open(self) -> None:
        self.close()
        try:
            if self.port.startswith("tcp://"):
                ser = serial.serial_for_url("socket://" + self.port[len("tcp://"):],
                                            do_not_open=True)
            else:
                # exclusive: a second program on the same reader garbles both
                ser = serial.Serial(exclusive=True)
                ser.port = self.port
            ser.baudrate = self.baud
            ser.bytesize, ser.parity, ser.stopbits = 8, "N", 1
            ser.timeout, ser.write_timeout = 0.5, 1.0
            ser.open()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ReaderUnavailable(f"cannot open {self.port}: {exc}") from None
        self._ser = ser

    def close(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            with contextlib.suppress(*_LINK_ERRORS):
                ser.close()

    def _port(self) -> serial.SerialBase:
        if self._ser is None:
            raise ReaderUnavailable(f"{self.port} is not open")
        return self._ser

    def write(self, frame: bytes, timeout_s: float) -> None:
        ser = self._port()
        try:
            ser.write_timeout = max(0.05, timeout_s)
            ser.write(frame)
            ser.flush()
        except _LINK_ERRORS as exc:
            self.close()
            raise ReaderUnavailable(f"{self.port} went away: {exc}") from None

    def read_chunk(self, size: int, timeout_s: float) -> bytes:
        ser = self._port()
        try:
            ser.timeout = max(0.0, timeout_s)
            return bytes(ser.read(size))
        except _LINK_ERRORS as exc:
            self.close()
            raise ReaderUnavailable(f"{self.port} went away: {exc}") from None

    def discard_input(self) -> None:
        ser = self._port()
        try:
            ser.reset_input_buffer()
        except _LINK_ERRORS as exc:
            self.close()
            raise ReaderUnavailable(f"{self.port} went away: {exc}") from None
