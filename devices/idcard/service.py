"""IdCardService: the ID card port's adapter over a SAM reader (serial or USB bulk).

Monitoring on its own thread, all device I/O on the one I/O worker, every call bounded,
the status derived from what the monitor last saw. Identities reach the kiosk as
`identity_read` events; read_identity() is the one-shot read for technicians' tools.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from devices.idcard.client import SamClient
from devices.idcard.errors import (
    CardDataError,
    CardExpired,
    CardReadFailed,
    CardRemoved,
    IdCardError,
    LinkError,
    NoCard,
    SamFault,
)
from devices.idcard.monitor import IdCardMonitor, Poll, health_of
from devices.idcard.photo import PhotoDecoder
from devices.idcard.port import IdCardEvent, Identity, SamInfo
from devices.idcard.reader import find_and_select, read_card, read_selected
from devices.idcard.settings import IdCardSettings
from devices.idcard.transport import Transport
from devices.idcard.worker import IoWorker
from devices.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)
T = TypeVar("T")

READY = DeviceStatus(DeviceState.OK, "ready", "ready")


def make_transport(settings: IdCardSettings) -> Transport:
    """The settings' link: USB bulk when `usb` is set, else the serial `port`."""
    if settings.usb is not None:
        from devices.idcard.transport_usb import UsbTransport

        vid, pid = settings.usb
        return UsbTransport(vid, pid, out_eps=settings.usb_out, in_eps=settings.usb_in,
                            split=settings.usb_split)
    from devices.idcard.transport_serial import SerialTransport

    return SerialTransport(settings.port, settings.baud)


class IdCardService:
    def __init__(self, settings: IdCardSettings, *, transport: Transport | None = None,
                 today: Callable[[], date] = date.today) -> None:
        self.settings = settings
        self.transport = transport or make_transport(settings)
        self.client = SamClient(self.transport, settings.profile, retries=settings.retries,
                                timeouts=settings.timeouts)
        self.worker = IoWorker("idcard-io")
        self.decoder = PhotoDecoder(settings.photo_decoder) if settings.photo_decoder else None
        self.monitor: IdCardMonitor | None = None
        self._today = today
        self._lock = threading.Lock()
        self._health = DeviceStatus(DeviceState.OFFLINE, "not_started", "not started")

    # lifecycle --------------------------------------------------------------------------
    def start(self, on_event: Callable[[IdCardEvent], None]) -> None:
        if self.decoder is not None and not self.decoder.load():
            log.warning("idcard_photo_decoder_unavailable")
        s = self.settings
        self.monitor = IdCardMonitor(self, on_event, poll_interval_s=s.poll_interval_s,
                                     backoff_s=s.reconnect_backoff_s,
                                     max_backoff_s=s.max_backoff_s,
                                     read_attempts=s.read_attempts)
        self.monitor.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        if self.monitor is not None:
            self.monitor.stop(timeout_s)
        with contextlib.suppress(IdCardError):
            self.worker.call(self.transport.close, timeout_s, "closing the reader")
        self.worker.stop(timeout_s)

    # status -----------------------------------------------------------------------------
    def status(self) -> DeviceStatus:
        if not self.settings.enabled:
            return DeviceStatus(DeviceState.OFFLINE, "disabled", "the ID card reader is off")
        mon = self.monitor
        if mon is not None and not mon.alive:
            return DeviceStatus(DeviceState.ERROR, "monitor_dead", "ID card monitoring stopped")
        with self._lock:
            health = self._health
        if health.state is not DeviceState.OK:
            return health
        if self.decoder is not None and self.decoder.load_error:
            return DeviceStatus(DeviceState.DEGRADED, "photo_decoder_unavailable",
                                "the photo decoder could not be loaded: identities come "
                                "without a photo")
        return health

    def set_health(self, status: DeviceStatus) -> None:
        with self._lock:
            self._health = status

    # the monitor's operations (MonitorOps), each on the worker -------------------------
    def _budget(self, *, reading: bool) -> float:
        t, tries = self.settings.timeouts, self.settings.retries + 1
        read = t.fingerprint_read_s if self.settings.fingerprint else t.read_s
        return tries * (5 * t.answer_s + (read if reading else 0)) + t.call_margin_s

    def connect(self) -> str:
        return self.worker.call(self._connect_job, self._budget(reading=False),
                                "connecting to the reader")

    def _connect_job(self) -> str:
        if not self.transport.is_open:
            self.transport.open()
        try:
            self.client.sam_status()
        except SamFault:
            # one SAM reset, as the vendors' tools do, before calling it a fault
            log.warning("idcard_sam_reset")
            self.client.reset_sam()
            self.client.sam_status()
        return self.client.sam_id()

    def disconnect(self) -> None:
        self.worker.call(self.transport.close, self._budget(reading=False), "closing")

    def poll(self, known: bytes | None, want_read: bool,
             on_placed: Callable[[bytes], None]) -> Poll:
        return self.worker.call(lambda: self._poll_job(known, want_read, on_placed),
                                self._budget(reading=True), "polling the reader")

    def _poll_job(self, known: bytes | None, want_read: bool,
                  on_placed: Callable[[bytes], None]) -> Poll:
        started, before = time.monotonic(), self.client.frames
        try:
            key = find_and_select(self.client)
        except (NoCard, CardReadFailed):  # 81 after 9F: something there that is no ID card
            return Poll("absent")
        if key == known and not want_read:
            return Poll("same", key)
        on_placed(key)
        try:
            identity = read_selected(self.client, fingerprint=self.settings.fingerprint,
                                     decoder=self.decoder, frames_before=before,
                                     started=started)
        except (CardReadFailed, CardDataError, CardRemoved, LinkError, NoCard) as exc:
            log.info("idcard_read_failed code=%s", exc.code)
            return Poll("failed", key, error=exc)
        return Poll("read", key, identity)

    def refusal(self, identity: Identity) -> IdCardError | None:
        if identity.expired(self._today()):
            return CardExpired("this card has expired and cannot be used")
        return None

    # one-shot calls ---------------------------------------------------------------------
    def sam_info(self, timeout_s: float | None = None) -> SamInfo:
        budget = timeout_s or self._budget(reading=False)
        try:
            sam_id = self.worker.call(self._connect_job, budget, "reading the SAM id")
        except IdCardError as exc:
            self.set_health(health_of(exc))
            raise
        self.set_health(READY)
        return SamInfo(sam_id, READY)

    def read_identity(self, *, timeout_s: float | None = None,
                      refuse_expired: bool = True) -> Identity:
        """Find, select and read the card on the reader now (not while monitoring: a
        strict reader would then not find a card the monitor just read)."""

        def job() -> Identity:
            if not self.transport.is_open:
                self.transport.open()
            return read_card(self.client, fingerprint=self.settings.fingerprint,
                             decoder=self.decoder)

        identity = self.worker.call(job, timeout_s or self._budget(reading=True),
                                    "reading the card")
        refused = self.refusal(identity) if refuse_expired else None
        if refused is not None:
            raise refused
        return identity
