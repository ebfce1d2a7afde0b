"""The kiosk's configuration: one TOML file, validated on load.

A wrong or missing value raises ConfigError naming the key and the problem; the entry
points print that one line and exit, never a traceback. The sections the outbox needs are
read by `offline_queue.settings` (shared with the technicians' CLI); the rest are here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline_queue.settings import (
    ConfigError,
    KioskIdentity,
    LoggingSettings,
    PlatformSettings,
    QueueSettings,
    Section,
    StorageSettings,
    SyncSettings,
    read_queue_settings,
    read_toml,
)

__all__ = ["ConfigError", "KioskConfig", "ReceiptSettings", "load_config"]


@dataclass(frozen=True)
class ReceiptSettings:
    tracking_url: str  # with {tracking_no} and {query_code}; the receipt's QR code
    hotline: str


@dataclass(frozen=True)
class KioskConfig:
    queue: QueueSettings
    receipt: ReceiptSettings

    @property
    def kiosk(self) -> KioskIdentity:
        return self.queue.kiosk

    @property
    def platform(self) -> PlatformSettings:
        return self.queue.platform

    @property
    def storage(self) -> StorageSettings:
        return self.queue.storage

    @property
    def sync(self) -> SyncSettings:
        return self.queue.sync

    @property
    def logging(self) -> LoggingSettings:
        return self.queue.logging


def _read_receipt(doc: dict[str, Any]) -> ReceiptSettings:
    s = Section(doc, "receipt", required=False)
    url = s.string("tracking_url",
                   "https://zwfw.example.gov/track?no={tracking_no}&code={query_code}")
    for placeholder in ("{tracking_no}", "{query_code}"):
        if placeholder not in url:
            raise ConfigError("receipt.tracking_url", f"must contain {placeholder}")
    return ReceiptSettings(tracking_url=url, hotline=s.string("hotline", "12345"))


def load_config(path: Path) -> KioskConfig:
    source = path.resolve()
    doc = read_toml(source)
    return KioskConfig(queue=read_queue_settings(doc, source), receipt=_read_receipt(doc))
