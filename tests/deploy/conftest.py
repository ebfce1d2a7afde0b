"""Deploy tests: a real AF_UNIX datagram socket stands in for systemd's notify socket."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class NotifySocket:
    """The receiving end of sd_notify, as systemd holds it (SOCK_DGRAM, bound)."""

    def __init__(self, address: str | bytes, env_value: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.env_value = env_value

    def env(self, **extra: str) -> dict[str, str]:
        return {"NOTIFY_SOCKET": self.env_value, **extra}

    def recv(self, timeout: float = 5.0) -> str | None:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(4096).decode()
        except TimeoutError:
            return None

    def drain(self) -> list[str]:
        """Every datagram already queued, without waiting."""
        out = []
        self.sock.setblocking(False)
        try:
            while True:
                out.append(self.sock.recv(4096).decode())
        except BlockingIOError:
            return out
        finally:
            self.sock.setblocking(True)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify_path(tmp_path: Path) -> Iterator[NotifySocket]:
    path = tmp_path / "notify.sock"
    s = NotifySocket(str(path), str(path))
    yield s
    s.close()


@pytest.fixture
def notify_abstract() -> Iterator[NotifySocket]:
    name = f"kiosk-test-notify-{uuid.uuid4().hex}"
    s = NotifySocket(b"\0" + name.encode(), "@" + name)
    yield s
    s.close()
