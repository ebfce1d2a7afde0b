"""Printer URLs and the file and serial transports (serial over a real pseudo-terminal)."""

from __future__ import annotations

import importlib.util
import os
import threading

import pytest

from devices.printer import (
    DeviceState,
    Document,
    Printer,
    PrinterConfigError,
    PrinterNotReady,
    Text,
    Timeouts,
    TransportError,
    open_transport,
)
from devices.printer.transports import FdTransport, TcpTransport
from sim.printer import Decoder

FAST = Timeouts(connect_s=1.0, write_s=2.0, status_s=0.3)
DOC = Document((Text("护照首次申领"), Text("BA01-K017-20250606-0042")), "zh", "test")


@pytest.mark.parametrize("url", ["ftp://x", "tcp://", "tcp://host:notaport",
                                 "serial:///dev/ttyS0?baudrate=12345", "usb://04b8",
                                 "usb://zz:01", "file://"])
def test_bad_urls_are_config_errors(url):
    with pytest.raises(PrinterConfigError):
        open_transport(url)


def test_url_forms():
    t = open_transport("tcp://10.0.0.5:9100")
    assert isinstance(t, TcpTransport) and (t.host, t.port) == ("10.0.0.5", 9100)
    assert open_transport("tcp://printer.local").port == 9100
    s = open_transport("serial:///dev/ttyS0?baudrate=9600")
    assert isinstance(s, FdTransport) and s.baudrate == 9600 and s.can_read
    f = open_transport("file:///tmp/some%20dir/out.bin")
    assert isinstance(f, FdTransport) and str(f.path) == "/tmp/some dir/out.bin"
    assert not f.can_read


def test_usb_without_pyusb_says_what_to_install(monkeypatch):
    # pyusb is a dependency; a terminal image built without it must still say why.
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "usb" else real(name, *a))
    with pytest.raises(PrinterConfigError, match="pyusb"):
        open_transport("usb://04b8:0202")


def test_usb_url_with_pyusb_builds_a_transport():
    assert open_transport("usb://04b8:0202").description == "usb://04b8:0202"
    with pytest.raises(PrinterConfigError, match="VID:PID"):
        open_transport("usb://epson")


def test_file_printer_receives_the_job(tmp_path):
    out = tmp_path / "lp0.bin"
    printer = Printer.from_url(f"file://{out}", "cn-58", timeouts=FAST)
    status = printer.status()
    assert (status.state, status.code) == (DeviceState.OK, "no_status_channel")
    result = printer.print_document(DOC)
    data = out.read_bytes()
    assert len(data) == result.bytes_sent and data.startswith(b"\x1b@")
    texts = [op.value[0] for op in Decoder().feed(data) if op.name == "text"]
    assert texts == ["护照首次申领", "BA01-K017-20250606-0042"]


def test_file_printer_in_a_missing_folder_is_not_ready(tmp_path):
    printer = Printer.from_url(f"file://{tmp_path}/no/such/dir/lp0", timeouts=FAST)
    with pytest.raises(PrinterNotReady) as info:
        printer.print_document(DOC)
    assert info.value.status.code == "unreachable"


class PtyPrinter:
    """The far end of a pseudo-terminal playing a serial printer: answers DLE EOT with
    `answer` bytes (or stays silent) and keeps everything else."""

    def __init__(self, answer: int | None = 0x12) -> None:
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self.answer = answer
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import select

        decoder = Decoder()
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                continue  # the slave side was closed between jobs
            self.received += data
            for op in decoder.feed(data):
                if op.name == "status" and self.answer is not None:
                    os.write(self.master, bytes([self.answer]))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self.slave)


def test_serial_printer_over_a_pty():
    pty = PtyPrinter(answer=0x12)
    try:
        printer = Printer.from_url(f"serial://{pty.path}?baudrate=115200", "cn-58",
                                   timeouts=FAST)
        assert printer.status().code == "ready"
        result = printer.print_document(DOC)
        assert result.status.code == "ready"
        assert "护照首次申领".encode("gb18030") in pty.received
    finally:
        pty.close()


def test_silent_serial_printer_is_offline():
    pty = PtyPrinter(answer=None)
    try:
        status = Printer.from_url(f"serial://{pty.path}?baudrate=9600", timeouts=FAST).status()
        assert (status.state, status.code) == (DeviceState.OFFLINE, "no_answer")
    finally:
        pty.close()


def test_serial_url_to_a_plain_file_is_not_a_serial_port(tmp_path):
    path = tmp_path / "not-a-tty"
    path.write_bytes(b"")
    t = open_transport(f"serial://{path}?baudrate=9600")
    with pytest.raises(TransportError, match="not a serial port"):
        t.open()
