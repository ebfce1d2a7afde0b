"""The retention job's command, as kiosk-retention.service runs it: a real subprocess of
`python -m offline_queue --config FILE purge` against a real outbox on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from offline_queue.outbox import NewAttachment, NewSubmission, Outbox
from offline_queue.settings import load_queue_settings
from tests.conftest import ROOT, write_config

NAME = "张三丰"


def _file_two(config):
    settings = load_queue_settings(config)
    with Outbox(settings.storage, settings.kiosk) as box:
        done = box.commit(NewSubmission("S01", {"name": NAME}, {},
                                        [NewAttachment("M01", os.urandom(3000), "image/jpeg")]))
        waiting = box.commit(NewSubmission("S01", {"name": NAME}, {},
                                           [NewAttachment("M01", os.urandom(3000), "image/png")]))
        box.mark_acknowledged(done.submission_id, "2026-11-27T10:00:00+08:00")
        shas = {s.submission_id: box.attachments(s.submission_id)[0].sha256
                for s in (done, waiting)}
    return settings, done, waiting, shas


def _purge(config):
    proc = subprocess.run([sys.executable, "-m", "offline_queue", "--config", str(config),
                           "purge"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc


def test_purge_deletes_acknowledged_data_past_retention_only(tmp_path):
    config = write_config(tmp_path, retention_days=0)
    settings, done, waiting, shas = _file_two(config)

    report, proc = _purge(config)
    assert report["purged_now"] == 1 and report["purged"] == 1
    assert report["pending"] == 1 and report["acknowledged"] == 1
    assert NAME not in proc.stdout + proc.stderr

    with Outbox(settings.storage, settings.kiosk) as box:
        assert box.get(done.submission_id).purged  # the acknowledgement record stays
        assert box.attachments(done.submission_id) == []
        assert not box.blobs.exists(shas[done.submission_id])
        assert box.blobs.exists(shas[waiting.submission_id])  # pending: never purged
        assert json.loads(box.body(waiting.submission_id))["applicant"]["name"] == NAME

    again, _ = _purge(config)
    assert again["purged_now"] == 0 and again["purged"] == 1


def test_purge_keeps_data_inside_the_retention_period(tmp_path):
    config = write_config(tmp_path, retention_days=30)
    settings, done, _, shas = _file_two(config)
    report, _ = _purge(config)
    assert report["purged_now"] == 0 and report["purged"] == 0
    with Outbox(settings.storage, settings.kiosk) as box:
        assert box.blobs.exists(shas[done.submission_id])
        assert box.body(done.submission_id)


def test_purge_with_a_bad_config_says_which_key(tmp_path):
    config = write_config(tmp_path)
    config.write_text(config.read_text().replace('id = "K017"', 'id = "K17"'))
    proc = subprocess.run([sys.executable, "-m", "offline_queue", "--config", str(config),
                           "purge"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "kiosk.id" in proc.stderr and "Traceback" not in proc.stderr
