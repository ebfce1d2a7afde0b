"""The outbox on real SQLite files: commits, tracking numbers, encryption, retention."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import time

import pytest

from offline_queue.blobstore import BlobCorrupt
from offline_queue.crypto import KeyFileError
from offline_queue.outbox import InvalidSubmission, NewAttachment, NewSubmission, Outbox
from offline_queue.settings import QueueSettings
from offline_queue.tracking import QUERY_CODE_RE, TRACKING_RE

from .helpers import ID_NUMBER, NAME, submission


def test_commit_issues_tracking_number_and_query_code(outbox: Outbox) -> None:
    filed = outbox.commit(submission(1000, 2000))
    assert TRACKING_RE.match(filed.tracking_no)
    assert filed.tracking_no.startswith("BA01-K017-" + time.strftime("%Y%m%d") + "-")
    assert QUERY_CODE_RE.match(filed.query_code)
    body = json.loads(outbox.body(filed.submission_id))
    assert body["submission_id"] == filed.submission_id
    assert body["tracking_no"] == filed.tracking_no
    assert body["query_code"] == filed.query_code
    assert body["kiosk_id"] == "K017"
    assert body["applicant"]["name"] == NAME
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$", body["created_at"])
    assert [a["bytes"] for a in body["attachments"]] == [1002, 2002]
    atts = outbox.attachments(filed.submission_id)
    assert [a.sha256 for a in atts] == [a["sha256"] for a in body["attachments"]]
    assert outbox.status().pending == 1


def test_sequence_increases_and_codes_differ(outbox: Outbox) -> None:
    filed = [outbox.commit(submission(10)) for _ in range(5)]
    seqs = [int(f.tracking_no[-4:]) for f in filed]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    assert len({f.query_code for f in filed}) == 5


def test_attachments_and_payload_are_encrypted_on_disk(outbox: Outbox,
                                                       settings: QueueSettings) -> None:
    marker = b"PLAINTEXT-MARKER-" * 64
    sub = submission()
    sub = NewSubmission(sub.service_code, sub.applicant, sub.form,
                        [NewAttachment("M01", marker, "image/png")])
    outbox.commit(sub)
    needles = [marker[:40], NAME.encode(), ID_NUMBER.encode(), b"13800138000"]
    for path in settings.storage.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                assert needle not in data, f"{needle!r} in {path}"


def test_a_dead_letters_reason_is_sealed_on_disk(outbox: Outbox,
                                                 settings: QueueSettings) -> None:
    # A platform's 422 may echo the values it refused: they must not land on disk in clear.
    filed = outbox.commit(submission())
    reason = {"error": "validation", "message": f"bad name {NAME}, id {ID_NUMBER}"}
    outbox.mark_dead(filed.submission_id, reason)
    assert json.loads(outbox.get(filed.submission_id).dead_reason) == reason
    outbox.close()
    for path in settings.storage.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in (NAME.encode(), ID_NUMBER.encode()):
                assert needle not in data, f"{needle!r} in {path}"
    with sqlite3.connect(outbox.db_path) as db:
        (stored,) = db.execute("SELECT dead_reason FROM submissions").fetchone()
    assert stored.startswith("sealed:") and "validation" not in stored


def test_identical_attachments_are_stored_once(outbox: Outbox) -> None:
    data = b"\xff\xd8" + os.urandom(5000)
    a = outbox.commit(NewSubmission("S", {}, {}, [NewAttachment("M01", data, "image/jpeg")]))
    b = outbox.commit(NewSubmission("S", {}, {}, [NewAttachment("M02", data, "image/jpeg")]))
    sha = outbox.attachments(a.submission_id)[0].sha256
    assert outbox.attachments(b.submission_id)[0].sha256 == sha
    assert len(list(outbox.blobs.all_digests())) == 1
    assert outbox.blobs.get(sha) == data


def test_bad_submission_is_refused_before_anything_is_written(outbox: Outbox) -> None:
    bad = NewSubmission("S", {}, {}, [NewAttachment("M01", b"x", "text/plain")])
    with pytest.raises(InvalidSubmission, match="media type"):
        outbox.commit(bad)
    with pytest.raises(InvalidSubmission, match="cannot be stored"):
        outbox.commit(NewSubmission("S", {"x": object()}, {}))
    assert outbox.status().pending == 0
    assert list(outbox.blobs.all_digests()) == []


def test_tampered_blob_is_detected(outbox: Outbox) -> None:
    filed = outbox.commit(submission(3000))
    sha = outbox.attachments(filed.submission_id)[0].sha256
    path = outbox.blobs.path_for(sha)
    raw = bytearray(path.read_bytes())
    raw[40] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(BlobCorrupt):
        outbox.blobs.get(sha)


def test_restart_continues_after_reserved_block(settings: QueueSettings, make_outbox) -> None:
    box = make_outbox(settings)
    first = [int(box.commit(submission()).tracking_no[-4:]) for _ in range(3)]
    box.close()
    box = make_outbox(settings)
    after = int(box.commit(submission()).tracking_no[-4:])
    assert after > max(first)


def test_sequence_never_repeats_after_restoring_old_database(settings: QueueSettings,
                                                             make_outbox) -> None:
    data = settings.storage.data_dir
    box = make_outbox(settings)
    issued = {box.commit(submission()).tracking_no for _ in range(2)}
    box.close()
    backup = {p.name: p.read_bytes() for p in data.glob("outbox.db*")}
    box = make_outbox(settings)
    # More than a reserved block, so the old copy is far behind the truth.
    issued |= {box.commit(submission()).tracking_no for _ in range(40)}
    box.close()
    for p in data.glob("outbox.db*"):
        p.unlink()
    for name, content in backup.items():
        (data / name).write_bytes(content)
    box = make_outbox(settings)
    again = {box.commit(submission()).tracking_no for _ in range(40)}
    assert not (again & issued)


def test_sequence_never_repeats_after_losing_database(settings: QueueSettings,
                                                      make_outbox) -> None:
    box = make_outbox(settings)
    issued = {box.commit(submission()).tracking_no for _ in range(20)}
    box.close()
    for p in settings.storage.data_dir.glob("outbox.db*"):
        p.unlink()
    box = make_outbox(settings)
    assert not ({box.commit(submission()).tracking_no for _ in range(20)} & issued)


def test_sequence_continues_from_database_when_ledger_is_lost(settings: QueueSettings,
                                                              make_outbox) -> None:
    box = make_outbox(settings)
    issued = [box.commit(submission()).tracking_no for _ in range(20)]
    box.close()
    (settings.storage.data_dir / "sequence.ledger").write_text("{garbage")
    box = make_outbox(settings)
    assert box.commit(submission()).tracking_no > max(issued)


def test_key_file_created_private_when_missing(settings: QueueSettings, outbox: Outbox) -> None:
    key = settings.storage.key_file
    assert key.stat().st_size == 32
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_missing_key_with_existing_data_is_an_error(settings: QueueSettings,
                                                    make_outbox) -> None:
    box = make_outbox(settings)
    box.commit(submission(100))
    box.close()
    settings.storage.key_file.unlink()
    with pytest.raises(KeyFileError, match="is missing, but the data folder holds data"):
        make_outbox(settings)
    assert not settings.storage.key_file.exists()  # no new key silently replacing it


def test_wrong_key_is_refused(settings: QueueSettings, make_outbox) -> None:
    make_outbox(settings).close()
    settings.storage.key_file.write_bytes(os.urandom(32))
    with pytest.raises(KeyFileError, match="not the one the outbox was written with"):
        make_outbox(settings)


def test_unreadable_or_malformed_key_file(settings: QueueSettings, make_outbox) -> None:
    key = settings.storage.key_file
    key.parent.mkdir(parents=True)
    key.write_bytes(b"short")
    with pytest.raises(KeyFileError, match="holds 5 bytes"):
        make_outbox(settings)
    key.unlink()
    key.mkdir()
    with pytest.raises(KeyFileError, match="is a directory"):
        make_outbox(settings)
    key.rmdir()
    if os.geteuid() != 0:  # root reads any file, so this case only exists for others
        key.write_bytes(os.urandom(32))
        key.chmod(0)
        with pytest.raises(KeyFileError, match="not readable"):
            make_outbox(settings)


def test_purge_after_retention_keeps_the_acknowledgement(outbox: Outbox) -> None:
    shared = b"\xff\xd8" + os.urandom(4000)
    done = outbox.commit(NewSubmission("S", {"name": NAME}, {},
                                       [NewAttachment("M01", shared, "image/jpeg"),
                                        NewAttachment("M02", b"\xff\xd8own", "image/jpeg")]))
    waiting = outbox.commit(NewSubmission("S", {}, {}, [NewAttachment("M01", shared,
                                                                       "image/jpeg")]))
    own_sha = outbox.attachments(done.submission_id)[1].sha256
    shared_sha = outbox.attachments(done.submission_id)[0].sha256
    outbox.mark_acknowledged(done.submission_id, "2026-11-27T10:00:00+08:00")
    assert outbox.purge_expired() == 0  # retention not over yet
    assert outbox.purge_expired(now=time.time() + 31 * 86400) == 1
    item = outbox.get(done.submission_id)
    assert item.state == "acknowledged" and item.purged and item.received_at
    with pytest.raises(Exception, match="purged"):
        outbox.body(done.submission_id)
    assert outbox.attachments(done.submission_id) == []
    assert not outbox.blobs.exists(own_sha)
    assert outbox.blobs.exists(shared_sha)  # the pending submission still needs it
    assert outbox.body(waiting.submission_id)
    assert outbox.status().purged == 1


def test_pending_and_dead_are_never_purged(outbox: Outbox) -> None:
    a = outbox.commit(submission(10))
    b = outbox.commit(submission(10))
    outbox.mark_dead(b.submission_id, {"error": "validation"})
    assert outbox.purge_expired(now=time.time() + 400 * 86400) == 0
    assert outbox.body(a.submission_id) and outbox.body(b.submission_id)


def test_orphan_blobs_from_an_interrupted_commit_are_swept(outbox: Outbox) -> None:
    kept = outbox.commit(submission(100))
    stray = outbox.blobs.put_many([b"\xff\xd8 orphan"])[0]
    assert outbox.sweep_orphans(older_than_s=3600) == 0  # too young: may be in progress
    assert outbox.sweep_orphans(older_than_s=0) == 1
    assert not outbox.blobs.exists(stray.sha256)
    assert outbox.blobs.exists(outbox.attachments(kept.submission_id)[0].sha256)


def test_retry_moves_dead_back_to_pending(outbox: Outbox) -> None:
    filed = outbox.commit(submission())
    outbox.mark_dead(filed.submission_id, {"error": "validation", "message": "m"})
    assert outbox.status().dead == 1
    item = outbox.retry(filed.tracking_no)
    assert item.state == "pending" and item.dead_reason is None
    assert outbox.due(limit=10)[0].submission_id == filed.submission_id


def test_database_uses_wal_and_full_sync(outbox: Outbox) -> None:
    db = sqlite3.connect(outbox.db_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    assert outbox._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_corrupt_database_is_moved_aside_and_filing_continues(
        settings: QueueSettings, make_outbox, caplog: pytest.LogCaptureFixture) -> None:
    box = make_outbox(settings)
    before = [box.commit(submission()).tracking_no for _ in range(3)]
    box.close()
    db_path = settings.storage.data_dir / "outbox.db"
    for p in settings.storage.data_dir.glob("outbox.db-*"):
        p.unlink()
    db_path.write_bytes(os.urandom(8192))
    with caplog.at_level("CRITICAL"):
        box = make_outbox(settings)
    assert any("ALERT outbox_database_corrupt" in r.message for r in caplog.records)
    assert list(settings.storage.data_dir.glob("outbox.db.corrupt-*"))
    after = box.commit(submission()).tracking_no
    assert after > max(before)
    assert box.status().pending == 1


def test_damaged_pages_lose_only_their_rows(settings: QueueSettings, make_outbox) -> None:
    box = make_outbox(settings)
    filed = [box.commit(submission(10)) for _ in range(30)]
    box.close()
    db_path = settings.storage.data_dir / "outbox.db"
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'submissions'").fetchone()[0]
    db.close()
    raw = bytearray(db_path.read_bytes())
    # Smash the table's root page: the table can't be scanned as a whole any more.
    start = (root - 1) * page_size
    raw[start:start + page_size] = os.urandom(page_size)
    db_path.write_bytes(bytes(raw))
    box = make_outbox(settings)
    # Whatever was salvaged is intact; filing continues above every old number.
    for item in box.items():
        assert item.submission_id in {f.submission_id for f in filed}
    assert box.commit(submission()).tracking_no > max(f.tracking_no for f in filed)


def test_commit_survives_retention_deleting_an_identical_blob(outbox: Outbox,
                                                              monkeypatch) -> None:
    data = b"\xff\xd8" + os.urandom(3000)
    first = outbox.commit(NewSubmission("S", {}, {}, [NewAttachment("M01", data, "image/jpeg")]))
    outbox.mark_acknowledged(first.submission_id, "2026-11-27T10:00:00+08:00")
    real_put = outbox.blobs.put_many
    calls = []

    def put_then_purge(items):
        stored = real_put(items)
        calls.append(stored)
        if len(calls) == 1:  # retention runs between the blob write and the record
            assert not stored[0].created  # deduplicated against the acknowledged one
            outbox.purge_expired(now=time.time() + 40 * 86400)
        return stored

    monkeypatch.setattr(outbox.blobs, "put_many", put_then_purge)
    second = outbox.commit(NewSubmission("S", {}, {}, [NewAttachment("M01", data,
                                                                      "image/jpeg")]))
    assert len(calls) == 2
    sha = outbox.attachments(second.submission_id)[0].sha256
    assert outbox.blobs.get(sha) == data
