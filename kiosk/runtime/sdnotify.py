"""Telling systemd how the kiosk is doing: sd_notify(3) without python-systemd.

    notifier = Notifier.from_env()
    notifier.ready()                  # READY=1: Type=notify units count as started
    notifier.ping()                   # WATCHDOG=1: every `interval_s` while healthy
    notifier.status("attract; platform offline")
    notifier.stopping()               # STOPPING=1

systemd passes NOTIFY_SOCKET (a path, or `@name` for the abstract namespace) and, with
WatchdogSec=, WATCHDOG_USEC and WATCHDOG_PID. Messages are `KEY=value` lines in one
datagram on an AF_UNIX SOCK_DGRAM socket. Outside systemd every call is a no-op. Nothing
here raises: a kiosk must never stop because its supervisor could not be told something;
the first failure is logged as a warning, later ones at debug level.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping

log = logging.getLogger(__name__)

# A send that cannot complete at once must not stall the caller (the GUI thread): bounded.
SEND_TIMEOUT_S = 1.0


class Notifier:
    """One notify socket for the process; safe to call from any thread."""

    def __init__(self, address: str | bytes | None, watchdog_usec: int | None = None) -> None:
        self._address = address
        self._watchdog_usec = watchdog_usec
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._warned = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *,
                 unset_environment: bool = False) -> Notifier:
        """Read NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (os.environ by default).

        `unset_environment` removes them from os.environ afterwards, so child processes
        do not talk to systemd in the kiosk's name (as sd_notify's flag of that name).
        """
        env = os.environ if environ is None else environ
        address = _parse_address(env.get("NOTIFY_SOCKET", ""))
        usec = _parse_watchdog(env.get("WATCHDOG_USEC"), env.get("WATCHDOG_PID"))
        if unset_environment and environ is None:
            for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
                os.environ.pop(key, None)
        if address is not None:
            log.info("sd_notify_enabled watchdog_s=%s",
                     None if usec is None else round(usec / 1e6, 3))
        return cls(address, usec)

    @property
    def enabled(self) -> bool:
        """True when a notify socket was given (we run under systemd, Type=notify)."""
        return self._address is not None

    @property
    def interval_s(self) -> float | None:
        """How often to ping: half the watchdog period (sd_watchdog_enabled(3)); None
        when systemd set no watchdog for this process."""
        if self._address is None or self._watchdog_usec is None:
            return None
        return self._watchdog_usec / 2e6

    def ready(self) -> bool:
        return self.send("READY=1")

    def ping(self) -> bool:
        # Never waits: a ping that cannot go out now is dropped (the next one follows in
        # interval_s), rather than stalling the GUI thread that sends it.
        return self.send("WATCHDOG=1", wait=False)

    def status(self, text: str) -> bool:
        # One line: a newline in the text would start another assignment.
        return self.send("STATUS=" + " ".join(text.split()))

    def stopping(self) -> bool:
        return self.send("STOPPING=1")

    def send(self, message: str, *, wait: bool = True) -> bool:
        """Send one datagram; True when it went out, False (never an exception) otherwise.

        `wait`: when the receiver's queue is full, wait up to SEND_TIMEOUT_S (else drop)."""
        if self._address is None:
            return False
        try:
            with self._lock:
                if self._sock is None:
                    self._sock = socket.socket(socket.AF_UNIX,
                                               socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                # Timeout 0 = non-blocking: Python would otherwise poll for room even
                # with MSG_DONTWAIT.
                self._sock.settimeout(SEND_TIMEOUT_S if wait else 0.0)
                self._sock.sendto(message.encode("utf-8", "replace"), self._address)
            return True
        except (OSError, ValueError) as exc:
            self._complain(message, exc)
            return False

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    def _complain(self, message: str, exc: BaseException) -> None:
        key = message.split("=", 1)[0]
        if not self._warned:
            self._warned = True
            log.warning("sd_notify_failed message=%s error=%s further=debug",
                        key, exc)
        else:
            log.debug("sd_notify_failed message=%s error=%s", key, exc)


def _parse_address(value: str) -> str | bytes | None:
    if not value:
        return None
    if value.startswith("@"):
        return b"\0" + value[1:].encode()  # Linux abstract namespace
    if value.startswith("/"):
        return value
    # systemd also knows vsock:CID:PORT (for VMs); a kiosk never gets one.
    log.warning("sd_notify_unsupported_socket value=%r", value[:40])
    return None


def _parse_watchdog(usec: str | None, pid: str | None) -> int | None:
    if not usec:
        return None
    try:
        value = int(usec)
        owner = int(pid) if pid else None
    except ValueError:
        log.warning("sd_notify_bad_watchdog usec=%r pid=%r", usec[:20], (pid or "")[:20])
        return None
    if value <= 0:
        return None
    if owner is not None and owner != os.getpid():
        # The watchdog belongs to another process of the unit (e.g. a wrapper that did
        # not exec us): pinging would be refused; say why the kiosk does not ping.
        log.info("sd_notify_watchdog_not_ours pid=%d ours=%d", owner, os.getpid())
        return None
    return value
