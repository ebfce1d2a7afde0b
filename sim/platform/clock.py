"""Time helpers: the platform answers in +08:00 (China Standard Time)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

PLATFORM_TZ = timezone(timedelta(hours=8))


def to_datetime(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, PLATFORM_TZ)


def rfc3339(ts: float) -> str:
    """RFC 3339 with milliseconds and the +08:00 offset, e.g. 2026-11-27T09:30:00.000+08:00."""
    return to_datetime(ts).isoformat(timespec="milliseconds")


def now_rfc3339() -> str:
    return rfc3339(time.time())
