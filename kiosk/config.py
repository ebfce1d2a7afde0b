"""The kiosk's configuration: one TOML file, validated on load.

A wrong, missing or unknown value raises ConfigError naming the key and the problem; the
entry points print that one line and exit 2, never a traceback. The sections the outbox
needs are read by `offline_queue.settings` (shared with the technicians' CLI, and where
every section's known keys are listed); the rest, [ui] and [camera] included, are here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.card.settings import CardSettings
from devices.face.settings import FaceConfigError, FaceSettings
from devices.idcard.errors import IdCardConfigError
from devices.idcard.settings import IdCardSettings
from devices.printer import get_profile, open_transport
from devices.printer.profiles import UnknownProfile
from devices.printer.transports import PrinterConfigError, Timeouts
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

from .staff_pin import CARD_UID_RE, PinHash, PinHashError, parse_hash

__all__ = ["ConfigError", "KioskConfig", "PrinterSettings", "ReceiptSettings", "RuntimeSettings",
           "StaffSettings", "UiSettings", "load_config"]


@dataclass(frozen=True)
class ReceiptSettings:
    tracking_url: str  # with {tracking_no} and {query_code}; the receipt's QR code
    hotline: str


@dataclass(frozen=True)
class PrinterSettings:
    url: str  # usb://VID:PID, serial:///dev/ttyS0?baudrate=N, tcp://host:port, file:///path
    profile: str
    timeouts: Timeouts
    poll_interval_s: float


@dataclass(frozen=True)
class RuntimeSettings:
    heartbeat_s: float = 60.0  # the contract says every 60 s
    platform_check_s: float = 15.0  # the catalog's conditional GET doubles as a probe


@dataclass(frozen=True)
class StaffSettings:
    """[staff]: offline sign-in of the maintain role (staff_credentials.py)."""

    offline_entries: int = 20  # maintainers remembered for offline sign-in, newest kept
    offline_days: float = 14.0  # an entry not refreshed by an online sign-in expires
    pin_tries: int = 5  # wrong offline PINs in a row, then nobody for lockout_s
    lockout_s: float = 60.0
    technician_card_uid: str = ""  # a local technician: card UID + scrypt hash of UID+PIN
    technician_pin_hash: PinHash | None = None


@dataclass(frozen=True)
class UiSettings:
    """The [ui] and [camera] tables of kiosk.toml."""

    orientation: str = "landscape"  # landscape 1920x1080 | portrait 1080x1920
    dpi: float = 102.0  # the panel's dots per inch: touch targets are sized in mm from it
    speech_engine: str = ""  # "speechd", "mock" or "" (Qt's default, if any)
    hall_name_zh: str = "政务服务中心"
    hall_name_en: str = "Government Service Center"
    camera_source: int | str | None = None  # device index, video file or image glob
    camera_fps: float = 15.0


@dataclass(frozen=True)
class KioskConfig:
    queue: QueueSettings
    receipt: ReceiptSettings
    card: CardSettings
    printer: PrinterSettings
    runtime: RuntimeSettings = RuntimeSettings()
    idcard: IdCardSettings | None = None  # the SAM ID card reader; None without [idcard]
    face: FaceSettings = FaceSettings()  # face match; .camera None without [face_camera]
    ui: UiSettings = UiSettings()
    staff: StaffSettings = StaffSettings()

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


def _read_card(doc: dict[str, Any], base: Path) -> CardSettings:
    s = Section(doc, "card", required=False)
    d = CardSettings()
    csca = s.path("csca_dir", base) if "csca_dir" in s else None
    if csca is not None and not csca.is_dir():
        raise ConfigError("card.csca_dir", f"folder {csca} does not exist")
    return CardSettings(
        reader=s.string("reader", d.reader),
        staff_reader=s.string("staff_reader", d.staff_reader),
        csca_dir=csca,
        read_timeout_s=s.number("read_timeout_s", d.read_timeout_s, minimum=1, maximum=120),
        command_timeout_s=s.number("command_timeout_s", d.command_timeout_s, minimum=0.5,
                                   maximum=60),
        poll_interval_s=s.number("poll_interval_s", d.poll_interval_s, minimum=0.05,
                                 maximum=10),
        reconnect_backoff_s=s.number("reconnect_backoff_s", d.reconnect_backoff_s,
                                     minimum=0.1, maximum=60),
        extended_length=s.boolean("extended_length", d.extended_length),
        read_dg11=s.boolean("read_dg11", d.read_dg11),
    )


def _read_printer(doc: dict[str, Any]) -> PrinterSettings:
    s = Section(doc, "printer", required=False)
    d = Timeouts()
    timeouts = Timeouts(
        connect_s=s.number("connect_timeout_s", d.connect_s, minimum=0.1, maximum=30),
        write_s=s.number("write_timeout_s", d.write_s, minimum=0.1, maximum=60),
        status_s=s.number("status_timeout_s", d.status_s, minimum=0.1, maximum=30),
    )
    url = s.string("url", "tcp://127.0.0.1:9100")
    profile = s.string("profile", "cn-80")
    try:
        open_transport(url, timeouts)  # builds, does not open: checks the URL's form
    except PrinterConfigError as exc:
        raise ConfigError("printer.url", str(exc)) from None
    try:
        get_profile(profile)
    except UnknownProfile as exc:
        raise ConfigError("printer.profile", str(exc)) from None
    return PrinterSettings(url=url, profile=profile, timeouts=timeouts,
                           poll_interval_s=s.number("poll_interval_s", 30.0, minimum=1,
                                                    maximum=3600))


def _read_runtime(doc: dict[str, Any]) -> RuntimeSettings:
    s = Section(doc, "runtime", required=False)
    d = RuntimeSettings()
    return RuntimeSettings(
        heartbeat_s=s.number("heartbeat_s", d.heartbeat_s, minimum=0.5, maximum=3600),
        platform_check_s=s.number("platform_check_s", d.platform_check_s, minimum=0.2,
                                  maximum=3600))


def _read_staff(doc: dict[str, Any]) -> StaffSettings:
    s = Section(doc, "staff", required=False)
    d = StaffSettings()
    uid = s.string("technician_card_uid", "").upper()
    raw = s.string("technician_pin_hash", "")
    if bool(uid) != bool(raw):
        raise ConfigError("staff.technician_pin_hash" if uid else "staff.technician_card_uid",
                          "technician_card_uid and technician_pin_hash go together")
    if uid and not CARD_UID_RE.match(uid):
        raise ConfigError("staff.technician_card_uid", "8 to 20 hex digits")
    try:
        pin_hash = parse_hash(raw) if raw else None
    except PinHashError as exc:
        raise ConfigError("staff.technician_pin_hash", str(exc)) from None
    return StaffSettings(
        offline_entries=s.integer("offline_entries", d.offline_entries, minimum=0, maximum=500),
        offline_days=s.number("offline_days", d.offline_days, minimum=0, maximum=365),
        pin_tries=s.integer("pin_tries", d.pin_tries, minimum=1, maximum=20),
        lockout_s=s.number("lockout_s", d.lockout_s, minimum=1, maximum=86400),
        technician_card_uid=uid, technician_pin_hash=pin_hash)


def _read_idcard(doc: dict[str, Any]) -> IdCardSettings | None:
    table = doc.get("idcard")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError("idcard", "must be a table")
    try:
        settings = IdCardSettings.from_table(table)
    except IdCardConfigError as exc:
        raise ConfigError(f"idcard.{exc.key}", exc.problem) from None
    return settings if settings.enabled else None


def _read_ui(doc: dict[str, Any], base: Path) -> UiSettings:
    d = UiSettings()
    ui = Section(doc, "ui", required=False)
    orientation = ui.string("orientation", d.orientation)
    if orientation not in ("landscape", "portrait"):
        raise ConfigError("ui.orientation", "must be landscape or portrait")
    cam = Section(doc, "camera", required=False)
    source: int | str | None = None
    if "source" in cam:
        raw = cam.table["source"]
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ConfigError("camera.source", "a device index, a video file or an image glob")
        source = raw
        if isinstance(raw, str) and not raw.startswith("/"):
            source = str(base / raw)
    return UiSettings(
        orientation=orientation,
        dpi=ui.number("dpi", d.dpi, minimum=50, maximum=600),
        speech_engine=ui.string("speech_engine", d.speech_engine),
        hall_name_zh=ui.string("hall_name_zh", d.hall_name_zh),
        hall_name_en=ui.string("hall_name_en", d.hall_name_en),
        camera_source=source,
        camera_fps=cam.number("fps", d.camera_fps, minimum=1, maximum=60),
    )


def _read_face(doc: dict[str, Any]) -> FaceSettings:
    face, camera = doc.get("face"), doc.get("face_camera")
    for name, table in (("face", face), ("face_camera", camera)):
        if table is not None and not isinstance(table, dict):
            raise ConfigError(f"[{name}]", "must be a table")
    try:
        return FaceSettings.from_tables(face, camera)
    except FaceConfigError as exc:
        raise ConfigError(exc.key, exc.problem) from None


def load_config(path: Path) -> KioskConfig:
    """Every section, checked: unknown sections and keys first, then each value."""
    source = path.resolve()
    doc = read_toml(source)
    return KioskConfig(queue=read_queue_settings(doc, source), receipt=_read_receipt(doc),
                       card=_read_card(doc, source.parent), printer=_read_printer(doc),
                       runtime=_read_runtime(doc), ui=_read_ui(doc, source.parent),
                       idcard=_read_idcard(doc), face=_read_face(doc),
                       staff=_read_staff(doc))
