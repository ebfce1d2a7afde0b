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



def files_holding_none_of(needles: list[bytes], roots, what: str) -> int:
    """Every file under `roots` (those that exist) is read whole; none may hold a needle.
    Returns how many files were read, so a test can say the search found its files."""
    searched = 0
    for root in roots:
        for path in root.rglob("*") if root.exists() else ():
            if path.is_file():
                searched += 1
                data = path.read_bytes()
                for needle in needles:
                    assert needle not in data, f"{what} in {path}"
    return searched


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
    searched = files_holding_none_of(needles, (s.storage.data_dir, s.logging.dir),
                                     "personal data")
    assert searched >= 4  # the database, its WAL, the blob, the log files
    assert any(p.stat().st_size > 0 for p in s.logging.dir.iterdir())
    for record in caplog.records:
        text = record.getMessage()
        assert NAME not in text and ID_NUMBER not in text and PHONE not in text


def test_an_id_card_visit_leaves_nothing_of_the_card_behind(tmp_path: Path, platform,
                                                           caplog: pytest.LogCaptureFixture,
                                                           monkeypatch) -> None:
    """The card read by the real driver from the emulator over a pty, the visit filed and
    synced (with a failure on the way): the holder's name, number, address and photo are in
    no log line, no log file, no file of the data folder and no temp file."""
    import queue
    import tempfile
    from dataclasses import replace

    from devices.idcard.service import IdCardService
    from devices.idcard.settings import IdCardSettings
    from kiosk.flow.state import Screen
    from sim.idcard import ReaderEmulator, make_id_number, sample_cards
    from tests.kiosk.flow_rig import capture_materials, find_by_initials, make_rig

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    caplog.set_level(logging.DEBUG)
    card = replace(sample_cards()["resident"], name="司马长风",
                   id_number=make_id_number("44030519770707123"),
                   address="广东省深圳市南山区隐私测试路99号",
                   photo=b"WLf\0" + b"PRIVATE-PHOTO-" * 72 + b"\0" * 12)
    assert len(card.photo) == 1024
    rig, vp = make_rig(tmp_path / "kiosk", platform)
    flow = rig.flow
    flow.platform_status(True)
    events: queue.SimpleQueue = queue.SimpleQueue()
    emu = ReaderEmulator(read_delay_s=0.05)
    service = IdCardService(IdCardSettings(port=str(emu.start_pty(link=tmp_path / "tty0"))))
    # What kiosk.app does with the reader's events: to the flow's thread, as they are.
    service.start(events.put)

    def pump(until, timeout_s=10.0):
        import time

        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            try:
                e = events.get(timeout=0.05)
            except queue.Empty:
                continue
            if e.kind in ("reader_lost", "reader_restored"):
                st = service.status()
                flow.device_status("idcard_reader", st.state.value, st.code, st.detail)
            else:
                flow.idcard_event(e.kind, e.identity, e.code)
            if until():
                return True
        return until()

    try:
        flow.device_status("idcard_reader", "ok", "ready")
        flow.start_filing()
        emu.place(card)
        assert pump(lambda: flow.state.view.identity is not None)
        emu.remove()
        assert flow.state.view.identity.name == "司马长风"
        flow.confirm_identity()
        find_by_initials(flow)
        while flow.state.screen == Screen.FORM:
            for f, value in (("mobile", PHONE), ("travel_purpose", "tourism"),
                             ("household_size", "3")):
                flow.set_field(f, value)
            flow.next_page()
        capture_materials(flow)
        flow.submit()
        assert flow.state.screen == Screen.RECEIPT
        platform.set_faults([{"method": "POST", "kind": "status", "status": 500, "count": 1}])
        assert rig.sync(20)
        flow.finish()
        assert not flow.session.holds_personal_data()
    finally:
        service.stop()
        emu.stop()
        vp.stop()
        rig.outbox.close()
        rig.client.close()
    logging.shutdown()

    texts = [card.name, card.id_number, card.address]
    needles = [t.encode(enc) for t in texts for enc in ("utf-8", "utf-16-le", "gb18030")]
    needles.append(card.photo[4:40])
    searched = files_holding_none_of(needles, (rig.folder / "data", rig.folder / "logs", temp),
                                     "the card's data")
    assert searched >= 3
    for record in caplog.records:
        message = record.getMessage()
        assert not [t for t in texts if t in message], record.name


def test_a_visit_with_face_match_leaves_no_face_behind(tmp_path: Path, platform,
                                                       caplog: pytest.LogCaptureFixture,
                                                       monkeypatch) -> None:
    """The face step with the real model process and a face camera on sim/face frames:
    the document's photo, the live frames and the templates are in no log line, no log
    file, no file of the data folder and no temp file; the check is closed with the visit."""
    import tempfile
    from dataclasses import replace

    import numpy as np

    from devices.camera import CameraSettings
    from devices.card.port import FaceImage
    from devices.face import FaceService, FaceSettings
    from devices.mrz import parse_mrz
    from kiosk.flow.state import Screen
    from sim.face import document_photo, scenes
    from tests.kiosk.flow_rig import (
        SPECIMEN_MRZ,
        FakeCard,
        capture_materials,
        fill_form,
        find_by_initials,
        make_rig,
    )

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    caplog.set_level(logging.DEBUG)
    photo = document_photo("astronaut", (240, 320), quality=80)
    frame = scenes.turned_frame("astronaut")
    source = scenes.write_frames([frame, scenes.turned_frame("astronaut", seed=2)],
                                 tmp_path / "face")

    class PassportWithFace(FakeCard):
        def read_identity(self, *key):
            return replace(super().read_identity(*key), face=FaceImage(photo, "image/jpeg"))

    # Liveness off: one frontal frame decides (the challenge is the model's own tests').
    face = FaceService(FaceSettings(camera=CameraSettings(source=source, fps=10),
                                    liveness=False))
    face.start()
    rig, vp = make_rig(tmp_path / "kiosk", platform, card=PassportWithFace(), face=face)
    flow = rig.flow
    template = b""
    try:
        assert face.ready(60)
        flow.platform_status(True)
        flow.device_status("face_camera", "ok", "ready")
        flow.start_filing()
        flow.mrz_read(parse_mrz(SPECIMEN_MRZ))
        flow.confirm_identity()  # the face step: inline, frame by frame, to a decision
        assert flow.state.screen == Screen.CHOOSE_SERVICE, flow.state.message
        assert flow.session.face_match["result"] == "match"
        assert flow.session.face_check is None  # closed: its templates zeroed
        find_by_initials(flow)
        fill_form(flow)
        capture_materials(flow)
        flow.submit()
        assert rig.sync(20)
        flow.finish()
        assert not flow.session.holds_personal_data()
        # The document's template as the model computes it, to look for its bytes.
        reply = face.worker.analyze(bytearray(photo), op="photo", embed=True, largest=True,
                                    timeout_s=10)
        template = bytes(reply.embedding or b"")
        reply.wipe()
    finally:
        face.stop()
        vp.stop()
        rig.outbox.close()
        rig.client.close()
    logging.shutdown()

    assert len(template) == 128 * 8
    needles = [photo[len(photo) // 2:len(photo) // 2 + 48], frame[200, 280:300].tobytes(),
               template[:32], template[512:544]]
    searched = files_holding_none_of(needles, (rig.folder / "data", rig.folder / "logs", temp),
                                     "face data")
    assert searched >= 3
    values = np.frombuffer(template, dtype=np.float64)[:4]
    for record in caplog.records:
        for arg in record.args or ():
            assert not isinstance(arg, bytes | bytearray | memoryview | np.ndarray | list)
        message = record.getMessage()
        assert not any(f"{v:.4f}" in message for v in values), record.name
