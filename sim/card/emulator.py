"""A card in a vpcd slot: connects to pcscd's vpcd port and answers like a chip.

vpcd protocol: every message is a 2-byte big-endian length and a payload. A one-byte
payload is a control (0 power off, 1 power on, 2 reset, 4 get ATR); anything longer is an
APDU. While our socket is connected vpcd sees a card in the slot; closing it is pulling
the card out. If pcscd restarts we reconnect, as a card left in a reader would reappear.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

from sim.card.chip import Chip
from sim.card.profiles import Profile, get_profile

log = logging.getLogger(__name__)

# T=1 card, historical bytes naming the emulator; TCK is computed below.
_ATR_BODY = bytes([0x3B, 0x8A, 0x80, 0x01]) + b"KIOSK-SIM\x00"


def _atr() -> bytes:
    tck = 0
    for b in _ATR_BODY[1:]:
        tck ^= b
    return _ATR_BODY + bytes([tck])


ATR = _atr()


class _Pulled(Exception):
    """The card was removed (by control or by remove-after): drop the connection."""


class CardEmulator:
    """Insert/remove at runtime; `remove_after` pulls the card instead of answering the
    (N+1)th APDU after insertion, which is how a card leaves the field mid-read."""

    def __init__(self, profile: Profile | str = "specimen", *, host: str = "127.0.0.1",
                 port: int = 35963, remove_after: int | None = None,
                 fixed_challenge: bytes | None = None, inserted: bool = True) -> None:
        self.host, self.port = host, port
        self.remove_after = remove_after
        self._profile = get_profile(profile) if isinstance(profile, str) else profile
        self._fixed_challenge = fixed_challenge
        self.chip = Chip(self._profile, fixed_challenge=fixed_challenge)
        self.apdus = 0  # since the last insertion
        self.connected = threading.Event()
        self._inserted = threading.Event()
        if inserted:
            self._inserted.set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    # control ------------------------------------------------------------------------------
    @property
    def profile(self) -> Profile:
        return self._profile

    def set_profile(self, profile: Profile | str) -> None:
        """Swap the card: takes effect at the next insertion."""
        self._profile = get_profile(profile) if isinstance(profile, str) else profile
        self.chip = Chip(self._profile, fixed_challenge=self._fixed_challenge)

    def insert(self) -> None:
        self.apdus = 0
        self._inserted.set()

    def remove(self) -> None:
        self._inserted.clear()
        self._drop()

    def wait_connected(self, timeout_s: float = 5.0) -> bool:
        return self.connected.wait(timeout_s)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until stop() (the command-line runner serves this way)."""
        return self._stop.wait(timeout_s)

    def start(self) -> CardEmulator:
        self._thread = threading.Thread(target=self._run, name=f"vicc-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        self._inserted.clear()
        self._drop()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def __enter__(self) -> CardEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # the connection -------------------------------------------------------------------------
    def _drop(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.connected.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._inserted.wait(0.1):
                continue
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
            except OSError:
                time.sleep(0.2)  # pcscd not (yet) there: keep trying while inserted
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(0.25)
            with self._lock:
                self._sock = sock
            self.chip.reset()
            self.connected.set()
            try:
                self._serve(sock)
            except (_Pulled, OSError):
                pass
            finally:
                self._drop()

    def _recv_exact(self, sock: socket.socket, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            if self._stop.is_set() or not self._inserted.is_set():
                raise _Pulled
            # without QUICKACK the kernel delays ACKs and every APDU costs ~40 ms
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            try:
                chunk = sock.recv(n - len(buf))
            except TimeoutError:
                continue
            if not chunk:
                raise _Pulled  # pcscd went away
            buf += chunk
        return bytes(buf)

    def _serve(self, sock: socket.socket) -> None:
        while True:
            length = int.from_bytes(self._recv_exact(sock, 2), "big")
            payload = self._recv_exact(sock, length)
            if length == 1:
                control = payload[0]
                if control in (0, 1, 2):
                    self.chip.reset()
                elif control == 4:
                    sock.sendall(len(ATR).to_bytes(2, "big") + ATR)
                continue
            if self.remove_after is not None and self.apdus >= self.remove_after:
                log.info("card pulled out after %d APDUs", self.apdus)
                self._inserted.clear()
                raise _Pulled
            self.apdus += 1
            answer = self.chip.process(payload)
            sock.sendall(len(answer).to_bytes(2, "big") + answer)
