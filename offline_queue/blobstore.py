"""Content-addressed, encrypted attachment store: one file per blob, named by SHA-256."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .crypto import Sealer, SealError, fsync_dir

log = logging.getLogger(__name__)

_SUFFIX = ".blob"
_TMP_SUFFIX = ".tmp"


class BlobError(Exception):
    """A blob cannot be read back."""


class BlobMissing(BlobError):
    pass


class BlobCorrupt(BlobError):
    pass


class StorageFull(OSError):
    """The disk is full; nothing of the failed write remains."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when an identical blob was already stored


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class BlobStore:
    def __init__(self, root: Path, sealer: Sealer) -> None:
        self.root = root
        self._sealer = sealer
        root.mkdir(parents=True, exist_ok=True)
        # Writing several blobs at once lets their fsyncs share one journal commit.
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="blob-write")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def path_for(self, sha256: str) -> Path:
        # One flat folder: a commit's blobs then need a single directory fsync (ext4
        # indexes large directories, and retention keeps this one bounded).
        return self.root / f"{sha256}{_SUFFIX}"

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put_many(self, items: Iterable[bytes]) -> list[StoredBlob]:
        """Write and fsync every blob, then their directories; all or nothing."""
        datas = list(items)
        futures = [self._pool.submit(self._write_one, data) for data in datas]
        stored: list[StoredBlob] = []
        failure: BaseException | None = None
        for fut in futures:
            try:
                stored.append(fut.result())
            except BaseException as exc:  # noqa: BLE001 - collected, re-raised below
                failure = failure or exc
        try:
            if failure is None and any(b.created for b in stored):
                fsync_dir(self.root)
        except OSError as exc:
            failure = exc
        if failure is not None:
            self.discard([b.sha256 for b in stored if b.created])
            if isinstance(failure, OSError) and failure.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(failure.errno, "the disk is full") from failure
            raise failure
        return stored

    def _write_one(self, data: bytes) -> StoredBlob:
        sha = hashlib.sha256(data).hexdigest()
        final = self.path_for(sha)
        if final.is_file():
            return StoredBlob(sha, len(data), created=False)
        header, sealed = self._sealer.seal_parts(data, sha.encode())
        tmp = final.with_name(f"{sha}.{os.getpid()}.{time.monotonic_ns()}{_TMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                _write_all(fd, header)
                _write_all(fd, sealed)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredBlob(sha, len(data), created=True)

    def get(self, sha256: str) -> bytes:
        try:
            sealed = self.path_for(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(f"blob {sha256[:12]}… is not in the store") from None
        try:
            data = self._sealer.open(sealed, sha256.encode())
        except SealError as exc:
            raise BlobCorrupt(f"blob {sha256[:12]}… is corrupt: {exc}") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobCorrupt(f"blob {sha256[:12]}… does not hash to its name")
        return data

    def discard(self, shas: Iterable[str]) -> None:
        for sha in shas:
            try:
                self.path_for(sha).unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("blob_delete_failed sha=%s error=%s", sha[:12], exc)

    def all_digests(self) -> Iterator[tuple[str, float]]:
        """Every stored blob with its modification time."""
        for entry in os.scandir(self.root):
            if entry.name.endswith(_SUFFIX):
                yield entry.name[: -len(_SUFFIX)], entry.stat().st_mtime

    def sweep(self, referenced: set[str], *, older_than_s: float) -> int:
        """Delete unreferenced blobs and leftover temp files older than `older_than_s`.

        They are what a crash between writing blobs and committing their submission
        leaves behind; the age guard spares a commit in progress in another process.
        """
        cutoff = time.time() - older_than_s
        removed = 0
        for sha, mtime in list(self.all_digests()):
            if sha not in referenced and mtime < cutoff:
                self.discard([sha])
                removed += 1
        for entry in os.scandir(self.root):
            if entry.name.endswith(_TMP_SUFFIX) and entry.stat().st_mtime < cutoff:
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
        return removed
