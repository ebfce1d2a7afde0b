"""Small files the kiosk keeps (the catalog cache, the commands done): written whole or not
at all, and durable once written, whatever moment the power goes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, body: bytes) -> None:
    """Write `body` to a temp file beside `path`, fsync it, rename it over `path`, fsync
    the folder: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
