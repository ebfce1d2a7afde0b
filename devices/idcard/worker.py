"""The ID card reader's one I/O thread (devices/worker.py): each frame exchange is bounded
by its own answer timeout, so a job always ends; a caller that gives up gets IdCardTimeout
and the job finishes on its own, on the same thread."""

from __future__ import annotations

from devices.idcard.errors import IdCardTimeout
from devices.worker import DeviceWorker


class IoWorker(DeviceWorker):
    def __init__(self, name: str = "idcard-io") -> None:
        super().__init__(name, timeout_error=IdCardTimeout, replace_stuck=False,
                         what="reader call")
