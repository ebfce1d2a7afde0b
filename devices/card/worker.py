"""The card reader's hardware thread: a PC/SC call that hangs past its caller's time limit
gets the worker replaced (devices/worker.py)."""

from __future__ import annotations

from devices.card.errors import CardTimeout
from devices.worker import DeviceWorker


class HardwareWorker(DeviceWorker):
    def __init__(self, name: str = "card-io") -> None:
        super().__init__(name, timeout_error=CardTimeout, replace_stuck=True,
                         what="card operation")
