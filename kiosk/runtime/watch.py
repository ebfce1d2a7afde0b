"""The watches that tell the flow what the devices do not report themselves.

- `LocalWatch` (every second): the statuses of the devices that report when asked (the
  camera, the ID card reader) and the free space of the disk that holds the outbox.
  Changes go to the flow at once; the disk's verdict is repeated now and then, so a
  "disk full" from a failed commit clears once space is back.
- `PlatformWatch` (every `platform_check_s`): the catalog's conditional GET (a 304 when
  nothing changed) doubles as the probe of the platform: progress and tickets close and
  receipts say "filed offline" while it is unreachable.

Both post what they find to the flow's thread; neither touches the flow itself.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Protocol

from devices.status import DeviceStatus

from ..catalog import RefreshResult
from .threads import Periodic

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]
DISK_FULL_MB = 20  # below this a filing with its scans may not fit
DISK_LOW_MB = 200


class StatusSink(Protocol):
    """The flow's intents the watches post (on the flow's thread)."""

    def device_status(self, device: str, status: str, code: str = "",
                      detail: str = "") -> None: ...

    def platform_status(self, reachable: bool, detail: str = "") -> None: ...


class CatalogRefresh(Protocol):
    def refresh(self) -> RefreshResult: ...


def storage_status(folder: Path) -> tuple[str, str, str]:
    """(status, code, detail) of the disk that holds the outbox."""
    try:
        free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    except OSError as exc:
        return "error", "unreadable", type(exc).__name__
    if free_mb < DISK_FULL_MB:
        return "error", "disk_full", f"{free_mb} MB free"
    if free_mb < DISK_LOW_MB:
        return "degraded", "disk_low", f"{free_mb} MB free"
    return "ok", "ready", f"{free_mb} MB free"


class LocalWatch(Periodic):
    def __init__(self, flow: StatusSink, post: Post, data_dir: Path, *,
                 devices: dict[str, Callable[[], DeviceStatus]] | None = None,
                 interval_s: float = 1.0, repeat_s: float = 30.0) -> None:
        super().__init__("local-status", interval_s)
        self.flow, self.post, self.data_dir = flow, post, data_dir
        self.devices = dict(devices or {})  # health's device name -> its status()
        self.repeat_s = repeat_s
        self._last: dict[str, tuple[str, str]] = {}
        self._said_at = 0.0

    def step(self) -> None:
        repeat = time.monotonic() - self._said_at >= self.repeat_s
        if repeat:
            self._said_at = time.monotonic()
        lines: list[tuple[str, str, str, str]] = []
        for name, status_of in self.devices.items():
            st = status_of()
            lines.append((name, st.state.value, st.code, st.detail))
        lines.append(("storage", *storage_status(self.data_dir)))
        flow = self.flow
        for device, status, code, detail in lines:
            if self._last.get(device) != (status, code) or (device == "storage" and repeat):
                self._last[device] = (status, code)
                self.post(partial(flow.device_status, device, status, code, detail))


class PlatformWatch(Periodic):
    def __init__(self, flow: StatusSink, post: Post, store: CatalogRefresh, *,
                 interval_s: float = 15.0) -> None:
        super().__init__("platform-watch", interval_s)
        self.flow, self.post, self.store = flow, post, store
        self._last: bool | None = None

    def step(self) -> None:
        try:
            result = self.store.refresh()  # keeps the cached catalog on any failure
            up = result.error != "platform_unreachable"
            name = result.error or ""
        except Exception as exc:  # a bug in the refresh must not end the watch
            up, name = False, type(exc).__name__
        if up != self._last:
            if not up:
                log.warning("platform_unreachable error=%s", name)
            self.post(partial(self.flow.platform_status, up, name))
            self._last = up
