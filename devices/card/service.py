"""CardService: the card port's adapter over pcscd. Monitoring on its own thread, card I/O
on the hardware worker, every call bounded, the status derived from what was last seen."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from cryptography import x509

from devices.card.client import read_identity
from devices.card.errors import BacFailed, CardError, CardTimeout, ReaderUnavailable
from devices.card.monitor import CardMonitor
from devices.card.passive_auth import load_csca_store
from devices.card.port import CardEvent, IdentityDocument, ReaderInfo
from devices.card.settings import CardSettings
from devices.card.transport import (
    PcscConnection,
    establish_context,
    list_readers,
    read_uid,
    release_context,
)
from devices.card.worker import HardwareWorker
from devices.mrz import MrzError, bac_seed
from devices.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)
T = TypeVar("T")


def load_trusted_cscas(folder: Path | None) -> list[x509.Certificate] | None:
    if folder is None:
        return None
    if not folder.is_dir():
        log.warning("card_csca_store_missing folder=%s passive_auth=stops_short", folder)
        return []
    return load_csca_store(folder)


class CardService:
    def __init__(self, settings: CardSettings) -> None:
        self.settings = settings
        self.worker = HardwareWorker("card-io")
        self.monitor: CardMonitor | None = None
        self._listener: Callable[[CardEvent], None] | None = None
        self._lock = threading.Lock()
        self._last_error: CardError | None = None
        self._cscas = load_trusted_cscas(settings.csca_dir)

    # lifecycle --------------------------------------------------------------------------
    def start(self, on_event: Callable[[CardEvent], None]) -> None:
        self._listener = on_event
        self.monitor = CardMonitor(on_event, poll_interval_s=self.settings.poll_interval_s,
                                   backoff_s=self.settings.reconnect_backoff_s)
        self.monitor.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        if self.monitor is not None:
            self.monitor.stop(timeout_s)
        self.worker.stop(timeout_s)

    # status -----------------------------------------------------------------------------
    def status(self) -> DeviceStatus:
        mon = self.monitor
        if mon is not None and not mon.alive:
            return DeviceStatus(DeviceState.ERROR, "monitor_dead", "card monitoring has stopped")
        if mon is not None and not mon.service_up:
            return DeviceStatus(DeviceState.OFFLINE, "pcscd_down", "the smart-card service is "
                                f"not running ({mon.last_error or 'starting'})")
        if mon is not None:
            names = [r.name for r in mon.readers()]
            if not any(n.startswith(self.settings.reader) for n in names):
                return DeviceStatus(DeviceState.OFFLINE, "reader_missing",
                                    f"reader {self.settings.reader!r} is not connected")
        if self._cscas is not None and not self._cscas:
            return DeviceStatus(DeviceState.DEGRADED, "csca_store_empty", "no trusted CSCA "
                                "certificates: documents cannot be verified")
        with self._lock:
            err = self._last_error
        if isinstance(err, CardTimeout):
            return DeviceStatus(DeviceState.DEGRADED, err.code, "the last card operation timed out")
        return DeviceStatus(DeviceState.OK, "ready", "ready")

    def _note(self, err: CardError | None) -> None:
        with self._lock:
            self._last_error = err

    # calls ------------------------------------------------------------------------------
    def readers(self, timeout_s: float = 2.0) -> list[ReaderInfo]:
        if self.monitor is not None and self.monitor.alive and self.monitor.service_up:
            return self.monitor.readers()

        def job() -> list[ReaderInfo]:
            ctx = establish_context()
            try:
                return [ReaderInfo(name, False) for name in list_readers(ctx)]
            finally:
                release_context(ctx)

        return self.worker.call(job, timeout_s, "listing readers")

    def read_identity(self, document_number: str, birth_date: str, expiry_date: str, *,
                      reader: str | None = None,
                      timeout_s: float | None = None) -> IdentityDocument:
        try:
            mrz_information = bac_seed(document_number, birth_date, expiry_date)
        except MrzError as exc:
            raise BacFailed(f"the access key is not valid: {exc.field}: {exc.problem}") from exc
        name = reader or self.settings.reader
        cscas, extended, dg11 = self._cscas, self.settings.extended_length, \
            self.settings.read_dg11

        def job() -> IdentityDocument:
            with PcscConnection(name) as conn:
                return read_identity(conn, mrz_information, cscas=cscas,
                                     extended_length=extended, read_dg11=dg11)

        return self._run(job, timeout_s or self.settings.read_timeout_s, "reading the document")

    def read_uid(self, *, reader: str | None = None, timeout_s: float | None = None) -> str:
        name = reader or self.settings.staff_reader or self.settings.reader

        def job() -> str:
            with PcscConnection(name) as conn:
                return read_uid(conn)

        return self._run(job, timeout_s or self.settings.command_timeout_s, "reading the UID")

    def _run(self, job: Callable[[], T], timeout_s: float, what: str) -> T:
        try:
            result = self.worker.call(job, timeout_s, what)
        except CardError as exc:
            log.info("card_call_failed call=%s code=%s error=%s", what, exc.code,
                     type(exc).__name__)
            self._note(exc if not isinstance(exc, ReaderUnavailable) else None)
            raise
        self._note(None)
        return result
