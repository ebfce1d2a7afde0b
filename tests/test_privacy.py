"""No personal data in logs or in plaintext on disk, along the whole filing path."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from offline_queue.client import PlatformClient
from offline_queue.logs import configure_logging
from offline_queue.outbox import NewAttachment, NewSubmission, Outbox
from offline_queue.settings import load_queue_settings
from offline_queue.sync import SyncWorker
from tests.conftest import ROOT, write_config

NAME = "欧阳明月"
ID_NUMBER = "11010519491231002X"  # a valid GB 11643 check digit
PHONE = "13912345678"
SCAN = b"\xff\xd8SCAN-OF-" + ID_NUMBER.encode() + b"-" * 5000


def test_known_name_and_id_number_appear_nowhere(tmp_path: Path, platform,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    cfg_path = write_config(tmp_path, platform.base_url)
    s = load_queue_settings(cfg_path)
    configure_logging(s.logging)
    caplog.set_level(logging.DEBUG)
    client = PlatformClient(s.platform, s.kiosk.id)
    catalog = client.fetch_catalog().catalog
    service = next(x for x in catalog["services"] if x["code"] == "CR-HZ-0001")
    form = {}
    for f in service["form"]:
        if f["type"] == "id_number":
            form[f["field"]] = ID_NUMBER
        elif f["type"] == "phone":
            form[f["field"]] = PHONE
        elif f["type"] == "select":
            form[f["field"]] = f["options"][0]["value"]
        elif f["type"] == "date":
            form[f["field"]] = "2026-12-01"
        elif f["type"] == "number":
            form[f["field"]] = 1
        else:
            form[f["field"]] = NAME
    atts = [NewAttachment(m["code"], SCAN, "image/jpeg") for m in service["materials"]
            if m["required"]]
    sub = NewSubmission(service["code"], {"id_type": "resident_id", "id_number": ID_NUMBER,
                                          "name": NAME, "chip_verified": False},
                        form, atts, contact={"phone": PHONE})
    with Outbox(s.storage, s.kiosk) as box:
        filed = box.commit(sub)
        # A failing round too: errors are where personal data tends to leak into logs.
        platform.set_faults([{"method": "POST", "kind": "status", "status": 500, "count": 1}])
        assert SyncWorker(box, client, s.sync).run_until_empty(20)
        assert box.get(filed.submission_id).state == "acknowledged"
    client.close()
    for cmd in (["status"], ["list"], ["retry", filed.tracking_no], ["sync"]):
        proc = subprocess.run([sys.executable, "-m", "offline_queue", "--config", str(cfg_path),
                               "-v", *cmd], capture_output=True, text=True, cwd=ROOT, timeout=60)
        for text in (proc.stdout, proc.stderr):
            assert NAME not in text and ID_NUMBER not in text
    logging.shutdown()

    needles = [NAME.encode(), ID_NUMBER.encode(), PHONE.encode(), SCAN[:20],
               NAME.encode("utf-16-le"), NAME.encode("gb18030")]
    searched = 0
    for root in (s.storage.data_dir, s.logging.dir):
        for path in root.rglob("*"):
            if path.is_file():
                searched += 1
                data = path.read_bytes()
                for needle in needles:
                    assert needle not in data, f"personal data in {path}"
    assert searched >= 4  # the database, its WAL, the blob, the log files
    assert any(p.stat().st_size > 0 for p in s.logging.dir.iterdir())
    for record in caplog.records:
        text = record.getMessage()
        assert NAME not in text and ID_NUMBER not in text and PHONE not in text
