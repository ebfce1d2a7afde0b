"""ReaderEmulator: the reader core with its pty and TCP links, unplug and replug."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from .links import PtyLink, TcpLink
from .reader import ReaderCore

log = logging.getLogger("sim.idcard")


class ReaderEmulator(ReaderCore):
    """A SAM ID card reader on a real pty and/or a loopback TCP port (see the package doc)."""

    def __init__(self, sam_id: str = "05.01-20231115-0000123456-1234567890", *,
                 answer_delay_s: float = 0.0, read_delay_s: float = 0.0,
                 read_once_per_placement: bool = True, baud: int = 115200,
                 check_baud: bool = True, emulate_line_speed: bool = False,
                 frame_timeout_s: float = 0.5,
                 commands: Mapping[str, tuple[int, int]] | None = None,
                 seed: int | None = None) -> None:
        super().__init__(sam_id, answer_delay_s=answer_delay_s, read_delay_s=read_delay_s,
                         read_once_per_placement=read_once_per_placement, baud=baud,
                         commands=commands, seed=seed)
        self.check_baud = check_baud
        self.emulate_line_speed = emulate_line_speed
        self.frame_timeout_s = frame_timeout_s
        self._pty: PtyLink | None = None
        self._tcp: TcpLink | None = None

    def start_pty(self, link: Path | str) -> Path:
        """A real pty; `link` becomes a symlink to its slave (what the host opens)."""
        if self._pty is not None:
            raise RuntimeError("the pty is already started")
        self._pty = PtyLink(self, Path(link), check_baud=self.check_baud,
                            frame_timeout_s=self.frame_timeout_s,
                            emulate_line_speed=self.emulate_line_speed)
        return self._pty.plug()

    def start_tcp(self, port: int = 0, host: str = "127.0.0.1") -> int:
        if self._tcp is not None:
            raise RuntimeError("the TCP link is already started")
        self._tcp = TcpLink(self, host, port, frame_timeout_s=self.frame_timeout_s,
                            emulate_line_speed=self.emulate_line_speed)
        return self._tcp.plug()

    @property
    def pty_path(self) -> Path | None:
        return self._pty.link if self._pty else None

    @property
    def slave_name(self) -> str | None:
        """The /dev/pts/N behind the link now (it changes at every replug)."""
        return self._pty.slave_name if self._pty and self._pty.plugged else None

    @property
    def tcp_port(self) -> int | None:
        return self._tcp.port if self._tcp else None

    @property
    def plugged(self) -> bool:
        return any(x is not None and x.plugged for x in (self._pty, self._tcp))

    def unplug(self) -> None:
        """The cable is pulled: the pty closes and its link goes; the TCP port closes."""
        for link in (self._pty, self._tcp):
            if link is not None and link.plugged:
                link.unplug()
        self.power_cycle()
        log.info("reader_unplugged")

    def replug(self) -> None:
        """A new pty (a new /dev/pts/N) behind the same link; the same TCP port again."""
        for link in (self._pty, self._tcp):
            if link is not None and not link.plugged:
                link.plug()
        log.info("reader_replugged")

    def stop(self) -> None:
        for link in (self._pty, self._tcp):
            if link is not None:
                link.close()
        self._pty = self._tcp = None

    def __enter__(self) -> ReaderEmulator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
