"""Typed settings for the outbox and the platform link, read from the kiosk's TOML file.

They live here, not in `kiosk/`, because the technicians' CLI (`python -m offline_queue`)
reads the same file and `offline_queue` must not import `kiosk`. `kiosk.config` builds on
these readers for the sections it owns.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KIOSK_ID_RE = re.compile(r"^K[0-9]{3}$")
HALL_RE = re.compile(r"^[A-Z]{2}[0-9]{2}$")


_REQUIRED: Any = object()  # marks a key that has no default

# Every section and key of the kiosk's TOML file, whoever reads it (this package, kiosk.config
# for the rest). Names only, so the technicians' CLI can refuse a misspelt key in a section
# it does not read without importing the kiosk. A reader asking for a key not listed here
# is a programming error (Section checks); docs/kiosk.example.toml shows every one.
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "kiosk": frozenset({"id", "hall"}),
    "platform": frozenset({"url", "token", "ca_file", "client_cert", "client_key",
                           "connect_timeout_s", "read_timeout_s", "insecure_dev", "retries",
                           "retry_pause_s"}),
    "storage": frozenset({"data_dir", "key_file", "retention_days"}),
    "sync": frozenset({"workers", "backoff_base_s", "backoff_cap_s", "poll_interval_s"}),
    "logging": frozenset({"dir", "level"}),
    "card": frozenset({"reader", "staff_reader", "csca_dir", "read_timeout_s",
                       "command_timeout_s", "poll_interval_s", "reconnect_backoff_s",
                       "extended_length", "read_dg11"}),
    "printer": frozenset({"url", "profile", "connect_timeout_s", "write_timeout_s",
                          "status_timeout_s", "poll_interval_s"}),
    "receipt": frozenset({"tracking_url", "hotline"}),
    "runtime": frozenset({"heartbeat_s", "platform_check_s"}),
    "ui": frozenset({"orientation", "dpi", "speech_engine", "hall_name_zh", "hall_name_en"}),
    "camera": frozenset({"source", "fps"}),
    "staff": frozenset({"offline_entries", "offline_days", "pin_tries", "lockout_s",
                        "technician_card_uid", "technician_pin_hash"}),
}
# Sections whose reader lives in a device package and checks its own keys (and subtables):
# devices.idcard.settings for [idcard], devices.face.settings for [face] and [face_camera].
SELF_CHECKED = frozenset({"idcard", "face", "face_camera"})


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class Section:
    """Reads typed values from one TOML table, naming `section.key` in every error."""

    def __init__(self, doc: dict[str, Any], name: str, *, required: bool = True) -> None:
        table = doc.get(name)
        if table is None:
            if required:
                raise ConfigError(f"[{name}]", "section is missing")
            table = {}
        if not isinstance(table, dict):
            raise ConfigError(f"[{name}]", "must be a table")
        self.name = name
        self.table: dict[str, Any] = table
        self._known = KNOWN_KEYS[name]  # KeyError: a section nobody declared

    def __contains__(self, key: str) -> bool:
        return self._declared(key) in self.table

    def _declared(self, key: str) -> str:
        if key not in self._known:
            raise AssertionError(f"{self._key(key)} is read but not in KNOWN_KEYS")
        return key

    def _key(self, key: str) -> str:
        return f"{self.name}.{key}"

    def _get(self, key: str, default: Any, kinds: tuple[type, ...], what: str) -> Any:
        if self._declared(key) not in self.table:
            if default is _REQUIRED:
                raise ConfigError(self._key(key), "is missing")
            return default
        value = self.table[key]
        # bool is an int in Python; a `true` where a number belongs is still a mistake.
        if isinstance(value, bool) and bool not in kinds:
            raise ConfigError(self._key(key), f"must be {what}, got {value!r}")
        if not isinstance(value, kinds):
            raise ConfigError(self._key(key), f"must be {what}, got {value!r}")
        return value

    def string(self, key: str, default: str = _REQUIRED, *,
               pattern: re.Pattern[str] | None = None, hint: str = "") -> str:
        value: str = self._get(key, default, (str,), "a string")
        if pattern is not None and not pattern.match(value):
            suffix = f": {hint}" if hint else ""
            raise ConfigError(self._key(key), f"{value!r} is not valid{suffix}")
        return value

    def optional_string(self, key: str) -> str | None:
        value = self._get(key, None, (str,), "a string")
        return value or None

    def number(self, key: str, default: float = _REQUIRED, *, minimum: float = 0.0,
               maximum: float | None = None) -> float:
        value = self._get(key, default, (int, float), "a number")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise ConfigError(self._key(key), f"must be {bound}, got {value!r}")
        return float(value)

    def integer(self, key: str, default: int = _REQUIRED, *, minimum: int = 0,
                maximum: int | None = None) -> int:
        value = self._get(key, default, (int,), "an integer")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise ConfigError(self._key(key), f"must be {bound}, got {value!r}")
        return int(value)

    def boolean(self, key: str, default: bool = _REQUIRED) -> bool:
        return bool(self._get(key, default, (bool,), "true or false"))

    def path(self, key: str, base: Path) -> Path:
        """A path; relative ones are taken from the config file's folder."""
        raw = self.string(key)
        if not raw:
            raise ConfigError(self._key(key), "must not be empty")
        return (base / Path(raw).expanduser()).resolve()

    def optional_file(self, key: str, base: Path) -> Path | None:
        raw = self.optional_string(key)
        if raw is None:
            return None
        resolved = (base / Path(raw).expanduser()).resolve()
        if not resolved.is_file():
            raise ConfigError(self._key(key), f"file {resolved} does not exist")
        return resolved


@dataclass(frozen=True)
class KioskIdentity:
    id: str
    hall: str


@dataclass(frozen=True)
class PlatformSettings:
    url: str
    token: str
    ca_file: Path | None
    client_cert: Path | None
    client_key: Path | None
    connect_timeout_s: float
    read_timeout_s: float
    insecure_dev: bool
    retries: int = 3  # extra tries of an idempotent request, inside one attempt
    retry_pause_s: float = 0.05  # the first pause between them (doubling, jittered)


@dataclass(frozen=True)
class StorageSettings:
    data_dir: Path
    key_file: Path
    retention_days: int


@dataclass(frozen=True)
class SyncSettings:
    workers: int
    backoff_base_s: float
    backoff_cap_s: float
    poll_interval_s: float


@dataclass(frozen=True)
class LoggingSettings:
    dir: Path | None  # None: log to stderr only
    level: str


@dataclass(frozen=True)
class QueueSettings:
    """What the outbox, its sync worker and the technicians' CLI need."""

    kiosk: KioskIdentity
    platform: PlatformSettings
    storage: StorageSettings
    sync: SyncSettings
    logging: LoggingSettings
    source: Path


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(str(path), "configuration file not found") from None
    except PermissionError:
        raise ConfigError(str(path), "configuration file is not readable") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"is not valid TOML ({exc})") from None


def check_known_keys(doc: dict[str, Any]) -> None:
    """ConfigError naming the first section or key that no reader knows (a misspelling
    would otherwise be ignored and its default used)."""
    for name, table in doc.items():
        if name in SELF_CHECKED:
            continue
        if name not in KNOWN_KEYS:
            known = ", ".join([*KNOWN_KEYS, *sorted(SELF_CHECKED)])
            raise ConfigError(f"[{name}]", f"unknown section (known: {known})")
        if not isinstance(table, dict):
            raise ConfigError(f"[{name}]", "must be a table")
        for key in table:
            if key not in KNOWN_KEYS[name]:
                raise ConfigError(f"{name}.{key}", "unknown key (known: "
                                  f"{', '.join(sorted(KNOWN_KEYS[name]))})")


def read_kiosk(doc: dict[str, Any]) -> KioskIdentity:
    s = Section(doc, "kiosk")
    return KioskIdentity(
        id=s.string("id", pattern=KIOSK_ID_RE, hint="K and three digits, e.g. K017"),
        hall=s.string("hall", pattern=HALL_RE, hint="two capitals and two digits, e.g. BA01"),
    )


def read_platform(doc: dict[str, Any], base: Path) -> PlatformSettings:
    s = Section(doc, "platform")
    url = s.string("url").rstrip("/")
    insecure = s.boolean("insecure_dev", False)
    if url.startswith("http://"):
        if not insecure:
            raise ConfigError("platform.url", "plain http:// is refused unless "
                              "platform.insecure_dev = true (development only)")
    elif not url.startswith("https://"):
        raise ConfigError("platform.url", f"{url!r} must start with https://")
    token = s.string("token")
    if not token.strip():
        raise ConfigError("platform.token", "must not be empty")
    cert = s.optional_file("client_cert", base)
    key = s.optional_file("client_key", base)
    if (cert is None) != (key is None):
        raise ConfigError("platform.client_key" if key is None else "platform.client_cert",
                          "client_cert and client_key must be given together")
    return PlatformSettings(
        url=url,
        token=token,
        ca_file=s.optional_file("ca_file", base),
        client_cert=cert,
        client_key=key,
        connect_timeout_s=s.number("connect_timeout_s", 5.0, minimum=0.1, maximum=120),
        read_timeout_s=s.number("read_timeout_s", 15.0, minimum=0.1, maximum=600),
        insecure_dev=insecure,
        retries=s.integer("retries", 3, minimum=0, maximum=10),
        retry_pause_s=s.number("retry_pause_s", 0.05, minimum=0.0, maximum=10),
    )


def read_storage(doc: dict[str, Any], base: Path) -> StorageSettings:
    s = Section(doc, "storage")
    return StorageSettings(
        data_dir=s.path("data_dir", base),
        key_file=s.path("key_file", base),
        retention_days=s.integer("retention_days", 30, minimum=0, maximum=3650),
    )


def read_sync(doc: dict[str, Any]) -> SyncSettings:
    s = Section(doc, "sync", required=False)
    base = s.number("backoff_base_s", 2.0, minimum=0.01, maximum=3600)
    cap = s.number("backoff_cap_s", 300.0, minimum=0.01, maximum=86400)
    if cap < base:
        raise ConfigError("sync.backoff_cap_s", "must not be smaller than sync.backoff_base_s")
    return SyncSettings(
        workers=s.integer("workers", 2, minimum=1, maximum=16),
        backoff_base_s=base,
        backoff_cap_s=cap,
        poll_interval_s=s.number("poll_interval_s", 2.0, minimum=0.01, maximum=600),
    )


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def read_logging(doc: dict[str, Any], base: Path) -> LoggingSettings:
    s = Section(doc, "logging", required=False)
    level = s.string("level", "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError("logging.level", f"must be one of {', '.join(LOG_LEVELS)}")
    return LoggingSettings(dir=s.path("dir", base) if "dir" in s else None, level=level)


def read_queue_settings(doc: dict[str, Any], source: Path) -> QueueSettings:
    """Every entry point reads the file through here, so every one refuses unknown keys."""
    check_known_keys(doc)
    base = source.parent
    return QueueSettings(
        kiosk=read_kiosk(doc),
        platform=read_platform(doc, base),
        storage=read_storage(doc, base),
        sync=read_sync(doc),
        logging=read_logging(doc, base),
        source=source,
    )


def load_queue_settings(path: Path) -> QueueSettings:
    return read_queue_settings(read_toml(path), path.resolve())
