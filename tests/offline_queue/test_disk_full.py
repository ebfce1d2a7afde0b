"""A full disk, for real: the data folder on a small tmpfs."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline_queue.outbox import NewSubmission, Outbox, OutboxFull
from offline_queue.settings import load_queue_settings
from tests.conftest import write_config

from .helpers import submission

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _fill(root: Path, leave: int) -> None:
    st = os.statvfs(root)
    free = st.f_bavail * st.f_frsize
    (root / "filler").write_bytes(b"\0" * max(0, free - leave))


def test_full_disk_while_writing_attachments(tmp_path: Path, small_disk: Path) -> None:
    cfg = write_config(tmp_path, log_dir=False).read_text()
    cfg = cfg.replace(str(tmp_path / "data"), str(small_disk / "data"))
    (tmp_path / "kiosk.toml").write_text(cfg)
    s = load_queue_settings(tmp_path / "kiosk.toml")
    with Outbox(s.storage, s.kiosk) as box:
        kept = box.commit(submission(200_000))
        files_before = _files(small_disk)
        with pytest.raises(OutboxFull, match="storage is full; the application was not filed"):
            box.commit(submission(1_200_000, 1_200_000, 1_200_000))
        assert _files(small_disk) == files_before  # no blob, no temp file left over
        status = box.status()
        assert status.pending == 1
        assert box.body(kept.submission_id)
        assert box.blobs.get(box.attachments(kept.submission_id)[0].sha256)
        # The space the failed commit took is free again: a smaller filing goes through.
        assert box.commit(submission(100_000)).tracking_no > kept.tracking_no


def test_full_disk_while_writing_the_database(tmp_path: Path, small_disk: Path) -> None:
    cfg = write_config(tmp_path, log_dir=False).read_text()
    cfg = cfg.replace(str(tmp_path / "data"), str(small_disk / "data"))
    (tmp_path / "kiosk.toml").write_text(cfg)
    s = load_queue_settings(tmp_path / "kiosk.toml")
    with Outbox(s.storage, s.kiosk) as box:
        kept = box.commit(submission(1000))
        _fill(small_disk, leave=64 * 1024)
        big_form = {"notes": "备注" * 150_000}  # ~900 KB once sealed: cannot fit
        with pytest.raises(OutboxFull):
            box.commit(NewSubmission("S", {"name": "x"}, big_form))
        assert box.status().pending == 1
        assert [i.submission_id for i in box.items()] == [kept.submission_id]
        (small_disk / "filler").unlink()
        assert box.commit(submission(1000)).tracking_no > kept.tracking_no
