"""Log setup shared by the kiosk and the technicians' CLI: key=value lines, rotated files.

Log lines carry identifiers (submission ids, tracking numbers, error codes), never
personal data: names, ID numbers, form values and scans stay out of every message.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys

from .settings import LoggingSettings

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(settings: LoggingSettings, *, stderr_level: str | None = None,
                      filename: str = "kiosk.log") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.DEBUG)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(stderr_level or settings.level)
    console.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(console)
    if settings.dir is not None:
        settings.dir.mkdir(parents=True, exist_ok=True)
        # Bounded on disk: a kiosk runs for months unattended.
        fh = logging.handlers.RotatingFileHandler(settings.dir / filename,
                                                  maxBytes=10 * 1024 * 1024, backupCount=5,
                                                  encoding="utf-8")
        fh.setLevel(settings.level)
        fh.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(fh)
    # urllib3 logs full URLs at DEBUG; query codes travel in progress URLs.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
