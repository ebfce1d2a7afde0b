"""Every device asked now, for the maintenance screen: the technician sees statuses checked
the moment the screen opened (or "refresh" was touched), not the last change the watches
happened to post. Runs on the flow's executor; each question is bounded by its device's
own timeouts, and a question that fails is an answer too (`probe_failed`), never a raise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from .watch import CatalogRefresh, storage_status

log = logging.getLogger(__name__)

ProbeLine = tuple[str, str, str, str]  # device, status, code, detail


class HasStatus(Protocol):
    """DeviceStatus and PrinterStatus alike."""

    @property
    def code(self) -> str: ...

    @property
    def detail(self) -> str: ...


class DeviceProbe:
    def __init__(self, data_dir: Path, store: CatalogRefresh) -> None:
        self.data_dir, self.store = data_dir, store
        # health's device name -> its status() (the composition root fills it in)
        self.devices: dict[str, Callable[[], HasStatus]] = {}

    def __call__(self) -> tuple[ProbeLine, ...]:
        out: list[ProbeLine] = []
        for device, status_of in self.devices.items():
            try:
                st = status_of()
                state = getattr(st, "state", None)
                out.append((device, str(getattr(state, "value", state)), st.code, st.detail))
            except Exception as exc:  # a device's bug must not hide the others
                log.warning("probe_failed device=%s error=%s", device, type(exc).__name__)
                out.append((device, "error", "probe_failed", type(exc).__name__))
        out.append(("storage", *storage_status(self.data_dir)))
        try:
            result = self.store.refresh()  # the catalog's conditional GET, as PlatformWatch
            up, name = result.error != "platform_unreachable", result.error or ""
        except Exception as exc:
            up, name = False, type(exc).__name__
        out.append(("platform", "ok" if up else "offline", "reachable" if up else "unreachable",
                    name))
        return tuple(out)
