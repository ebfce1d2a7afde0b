"""Opening the outbox database: durable settings, key check, and corruption recovery.

A database that SQLite cannot read is moved aside (never deleted), an alert is logged,
and filing continues into a fresh file. Whatever rows of the old file can still be read
are copied across, so a partly damaged file loses as little as possible. The tracking
sequence does not depend on this file alone (see tracking.py), so it never repeats.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from .crypto import KeyFileError

log = logging.getLogger(__name__)

_COPY_TABLES = ("sequence", "submissions", "attachments")


class CorruptDatabase(Exception):
    pass


def connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
    db = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout = 10000")
    mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise CorruptDatabase(f"cannot switch to WAL (got {mode})")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    # Purged personal data must not linger in free pages (it is sealed anyway).
    db.execute("PRAGMA secure_delete = ON")
    return db


def _verify(db: sqlite3.Connection, schema: str) -> None:
    result = db.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise CorruptDatabase(f"quick_check: {result}")
    db.executescript(schema)


def open_database(path: Path, schema: str, key_fingerprint: str) -> sqlite3.Connection:
    try:
        db = connect(path)
        try:
            _verify(db, schema)
        except BaseException:
            db.close()
            raise
    except (sqlite3.DatabaseError, CorruptDatabase) as exc:
        if not _is_corruption(exc):
            raise  # locked, busy, unreadable: a real file that must not be moved aside
        moved = _quarantine(path, exc)
        db = connect(path)
        _verify(db, schema)
        _salvage(moved, db)
    _check_key(db, key_fingerprint)
    return db


def _is_corruption(exc: BaseException) -> bool:
    if isinstance(exc, CorruptDatabase):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or (
        code is None and "malformed" in str(exc))


def _check_key(db: sqlite3.Connection, fingerprint: str) -> None:
    row = db.execute("SELECT value FROM meta WHERE key = 'key_id'").fetchone()
    if row is None:
        db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('key_id', ?)",
                   (fingerprint,))
    elif row[0] != fingerprint:
        db.close()
        raise KeyFileError("storage.key_file: this key is not the one the outbox was written "
                           "with; restore the original key file")


def _quarantine(path: Path, exc: BaseException) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    moved = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{path}{suffix}")
        if src.exists():
            src.replace(Path(f"{moved}{suffix}"))
    log.critical("ALERT outbox_database_corrupt moved_to=%s reason=%s", moved, exc)
    return moved


def _salvage(moved: Path, db: sqlite3.Connection) -> None:
    """Copy every row that can still be read from the damaged file, table by table."""
    try:
        old = sqlite3.connect(f"file:{moved}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.DatabaseError as exc:
        log.error("outbox_salvage_impossible reason=%s", exc)
        return
    copied: dict[str, int] = {}
    try:
        for table in _COPY_TABLES:
            copied[table] = _copy_rows(old, db, table)
        # The key fingerprint too: it tells a wrong key from a fresh start.
        try:
            for key, value in old.execute("SELECT key, value FROM meta"):
                db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
        except sqlite3.DatabaseError:
            pass
    finally:
        old.close()
    log.critical("ALERT outbox_salvaged rows=%s", copied)


def _copy_rows(old: sqlite3.Connection, db: sqlite3.Connection, table: str) -> int:
    try:
        cols = [r[1] for r in old.execute(f"PRAGMA table_info({table})")]
        max_rowid = old.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()[0] or 0
    except sqlite3.DatabaseError:
        return 0
    new_cols = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
    cols = [c for c in cols if c in new_cols]
    if not cols:
        return 0
    names = ", ".join(cols)
    marks = ", ".join("?" * len(cols))
    copied = 0
    # Row by row: a damaged page loses only the rows on it.
    for rowid in range(1, max_rowid + 1):
        try:
            row = old.execute(f"SELECT {names} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            continue
        if row is None:
            continue
        try:
            db.execute(f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})", row)
            copied += 1
        except sqlite3.DatabaseError:
            continue
    return copied
