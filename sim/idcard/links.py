"""The reader's two faces: a real pty (the serial line) and a TCP socket (raw bytes).

Each link runs one thread: read bytes, cut frames, answer, write. The pty is set raw at
115200 when created; when `check_baud` is on, bytes that arrive while the host's line speed
(as the host set it on the slave; the master sees the same termios) differs from the
reader's are lost, as on a real wire where they would be noise. The reader never answers them.
The emulator keeps no slave fd open: when the host's last fd closes it sees EIO and empties
the slave's input queue, as a real UART's close does (else a reopened port reads stale answers).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import socket
import termios
import threading
import time
import tty
from pathlib import Path

from .frames import FrameParser
from .reader import ReaderCore

log = logging.getLogger("sim.idcard")

_SPEEDS = {115200: termios.B115200, 57600: termios.B57600, 38400: termios.B38400,
           19200: termios.B19200, 9600: termios.B9600}
_NAMES = {v: k for k, v in _SPEEDS.items()}


class _Link:
    """The loop shared by both links: parser, timeouts, paced writes, a stop pipe."""

    kind = "link"

    def __init__(self, core: ReaderCore, *, frame_timeout_s: float,
                 emulate_line_speed: bool) -> None:
        self.core = core
        self.frame_timeout_s = frame_timeout_s
        self.emulate_line_speed = emulate_line_speed
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._thread: threading.Thread | None = None

    def _start_thread(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"idcard-{self.kind}",
                                        daemon=True)
        self._thread.start()

    def _stop_thread(self) -> None:
        self._stop.set()
        os.write(self._wake_w, b"x")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self._thread = None
        with contextlib.suppress(OSError):
            while select.select([self._wake_r], [], [], 0)[0]:
                os.read(self._wake_r, 64)

    def close(self) -> None:
        self._stop_thread()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def _serve_bytes(self, parser: FrameParser, data: bytes | None, fd: int) -> bool:
        """Feed bytes (None: a timeout tick) and write the answers; False when the peer left."""
        items = parser.feed(data) if data is not None else parser.expire()
        garbage, parser.garbage_bytes = parser.garbage_bytes, 0
        if garbage:
            self.core.count_garbage(garbage)
        for item in items:
            baud_before = self.core.baud
            out = self.core.handle(item, self.sleep)
            if out and not self._write(fd, out, baud_before):
                return False
            if self.core.baud != baud_before:
                self._baud_changed()
        return True

    def _baud_changed(self) -> None:
        pass

    def _write(self, fd: int, data: bytes, baud: int) -> bool:
        chunk = 64 if self.emulate_line_speed else len(data)
        for i in range(0, len(data), chunk):
            part = memoryview(data)[i:i + chunk]
            while part:
                if self._stop.is_set():
                    return False
                try:
                    n = os.write(fd, part)
                    part = part[n:]
                except BlockingIOError:
                    select.select([], [fd], [], 0.1)
                except OSError:
                    return False
            if self.emulate_line_speed:  # 10 bits a byte on an 8N1 line
                self.sleep(len(data[i:i + chunk]) * 10 / baud)
        return True

    def _timeout(self, parser: FrameParser) -> float:
        deadline = parser.deadline()
        return 0.5 if deadline is None else max(0.0, deadline - time.monotonic())

    def _run(self) -> None:
        raise NotImplementedError


class PtyLink(_Link):
    kind = "pty"

    def __init__(self, core: ReaderCore, link: Path, *, check_baud: bool = True,
                 frame_timeout_s: float = 0.5, emulate_line_speed: bool = False) -> None:
        super().__init__(core, frame_timeout_s=frame_timeout_s,
                         emulate_line_speed=emulate_line_speed)
        self.link = Path(link)
        self.check_baud = check_baud
        self.master = -1
        self.slave_name = ""
        self._host_seen = False
        self._mismatch_logged = False

    def plug(self) -> Path:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        attrs = termios.tcgetattr(slave)
        attrs[4] = attrs[5] = _SPEEDS[self.core.baud]
        termios.tcsetattr(slave, termios.TCSANOW, attrs)  # the settings outlive this fd
        os.set_blocking(self.master, False)
        self.slave_name = os.ttyname(slave)
        os.close(slave)
        self._host_seen = False
        tmp = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(self.slave_name)
        os.replace(tmp, self.link)  # atomic: a host never sees a half-made link
        self._start_thread()
        log.info("pty_plugged link=%s", self.link)
        return self.link

    def unplug(self) -> None:
        self._stop_thread()
        with contextlib.suppress(FileNotFoundError):
            self.link.unlink()
        if self.master >= 0:
            with contextlib.suppress(OSError):
                os.close(self.master)
        self.master = -1
        log.info("pty_unplugged link=%s", self.link)

    @property
    def plugged(self) -> bool:
        return self.master >= 0

    def close(self) -> None:
        if self.plugged:
            self.unplug()
        super().close()

    def _host_closed(self, parser: FrameParser) -> None:
        self._host_seen = False
        parser.reset()
        with contextlib.suppress(OSError):
            fd = os.open(self.slave_name, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            termios.tcflush(fd, termios.TCIFLUSH)
            os.close(fd)
        log.info("pty_host_closed")

    def host_baud(self) -> int | None:
        try:
            return _NAMES.get(termios.tcgetattr(self.master)[4])
        except termios.error:
            return None

    def _run(self) -> None:
        parser = FrameParser(self.frame_timeout_s)
        while not self._stop.is_set():
            ready = select.select([self.master, self._wake_r], [], [], self._timeout(parser))[0]
            if self._stop.is_set():
                return
            if self.master not in ready:
                if parser.pending:
                    self._serve_bytes(parser, None, self.master)  # a partial frame timed out?
                continue
            try:
                data = os.read(self.master, 4096)
            except BlockingIOError:
                continue
            except OSError as exc:
                if exc.errno != errno.EIO:
                    raise
                if self._host_seen:  # no one has the slave open now: the host closed it
                    self._host_closed(parser)
                self.sleep(0.05)  # wait for a host to open it
                continue
            self._host_seen = True
            if self.check_baud and self.host_baud() != self.core.baud:
                self.core.count_garbage(len(data))
                parser.reset()
                if not self._mismatch_logged:
                    log.warning("line_speed_mismatch host=%s reader=%d",
                                self.host_baud(), self.core.baud)
                    self._mismatch_logged = True
                continue
            self._mismatch_logged = False
            self._serve_bytes(parser, data, self.master)


class TcpLink(_Link):
    """One client at a time; a second one is accepted and closed at once (logged)."""

    kind = "tcp"

    def __init__(self, core: ReaderCore, host: str = "127.0.0.1", port: int = 0, *,
                 frame_timeout_s: float = 0.5, emulate_line_speed: bool = False) -> None:
        super().__init__(core, frame_timeout_s=frame_timeout_s,
                         emulate_line_speed=emulate_line_speed)
        self.host = host
        self.port = port
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None

    def plug(self) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(4)
        self.port = sock.getsockname()[1]  # replug keeps the port
        self._listener = sock
        self._start_thread()
        log.info("tcp_listening port=%d", self.port)
        return self.port

    @property
    def plugged(self) -> bool:
        return self._listener is not None

    def unplug(self) -> None:
        self._stop_thread()
        for sock in (self._client, self._listener):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
        self._client = self._listener = None
        log.info("tcp_unplugged port=%d", self.port)

    def close(self) -> None:
        if self.plugged:
            self.unplug()
        super().close()

    def _drop_client(self) -> None:
        if self._client is not None:
            with contextlib.suppress(OSError):
                self._client.close()
            self._client = None
            log.info("tcp_client_left")

    def _run(self) -> None:
        assert self._listener is not None
        listener = self._listener
        parser = FrameParser(self.frame_timeout_s)
        while not self._stop.is_set():
            socks: list[socket.socket | int] = [listener, self._wake_r]
            if self._client is not None:
                socks.append(self._client)
            ready = select.select(socks, [], [], self._timeout(parser))[0]
            if self._stop.is_set():
                return
            client = self._client
            if client is not None and client in ready:
                try:
                    data = client.recv(4096)
                except OSError:
                    data = b""
                if not data or not self._serve_bytes(parser, data, client.fileno()):
                    self._drop_client()
                    parser.reset()
            elif client is not None and parser.pending:
                self._serve_bytes(parser, None, client.fileno())  # a partial frame timed out?
            if listener in ready:
                conn, _addr = listener.accept()
                if self._client is None:
                    conn.setblocking(False)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self._client = conn
                    parser.reset()
                    log.info("tcp_client_connected")
                else:
                    log.warning("tcp_busy: a second client was turned away")
                    conn.close()
