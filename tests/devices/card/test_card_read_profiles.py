"""Every emulated card read end to end through real pcscd (vpcd) with CardService."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from devices.card.errors import BacFailed, CardRemoved, NoCard, ReaderUnavailable
from devices.card.service import CardService
from devices.card.settings import CardSettings
from sim.card.face import face_jpeg
from sim.card.pki import other_csca
from sim.card.profiles import PROFILES
from tests.card_rig import SPECIMEN_KEY

ROOT = Path(__file__).resolve().parents[3]

EXPECTED = {
    "specimen": dict(document_type="P", issuing_state="UTO", document_number="L898902C3",
                     surname="ERIKSSON", given_names="ANNA MARIA", nationality="UTO",
                     birth_date="740812", sex="F", expiry_date="120415",
                     full_name="ERIKSSON ANNA MARIA", personal_number="ZE184226B",
                     mrz_format="TD3"),
    "chinese": dict(document_type="P", issuing_state="CHN", document_number="E12345678",
                    surname="ZHANG", given_names="WEI", nationality="CHN",
                    birth_date="850315", sex="M", expiry_date="330314", full_name="张伟",
                    personal_number="110101198503150011", mrz_format="TD3"),
    "td1": dict(document_type="I", issuing_state="UTO", document_number="D23145890",
                surname="ERIKSSON", given_names="ANNA MARIA", nationality="UTO",
                birth_date="740812", sex="F", expiry_date="120415",
                full_name="ERIKSSON ANNA MARIA", personal_number="", mrz_format="TD1"),
}


def _service(rig, csca_dir=None) -> CardService:
    return CardService(CardSettings(reader=rig.slots[0].reader,
                                    csca_dir=csca_dir or rig.csca_dir, read_timeout_s=10))


def _key(profile: str) -> tuple[str, str, str]:
    p = PROFILES[profile]
    return p.document_number, p.birth_date, p.expiry_date


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_every_field_of_every_document(card_rig, slot, profile):
    slot.present(profile)
    service = _service(card_rig)
    try:
        doc = service.read_identity(*_key(profile))
    finally:
        service.stop()
    got = {k: getattr(doc, k) for k in EXPECTED[profile]}
    assert got == EXPECTED[profile]
    p = PROFILES[profile]
    assert doc.face is not None and doc.face.mime_type == "image/jpeg"
    assert doc.face.data == face_jpeg(p.face_bytes, p.face_seed, p.face_hue)
    assert Image.open(io.BytesIO(doc.face.data)).size == (240, 320)
    assert doc.passive_auth.status == "verified", doc.passive_auth
    assert doc.data_groups == ((1, 2, 11) if profile == "chinese" else (1, 2))
    # extended length + short file identifiers: SELECT, GET CHALLENGE, MUTUAL AUTH, one
    # READ per file (EF.COM, EF.SOD and the data groups)
    assert doc.apdu_count == 3 + 2 + len(doc.data_groups)
    assert "ERIKSSON" not in repr(doc) and "L898902C3" not in repr(doc)


def test_tampered_dg1_fails_passive_authentication_naming_the_group(card_rig, slot):
    slot.present("tampered")
    service = _service(card_rig)
    try:
        doc = service.read_identity(*SPECIMEN_KEY)
    finally:
        service.stop()
    assert doc.surname == "ERIKSEN"  # what the changed chip claims ...
    assert doc.passive_auth.status == "failed"  # ... and that it is not to be trusted
    assert doc.passive_auth.step == "dg_hash"
    assert "DG1" in doc.passive_auth.reason
    assert not doc.verified


def test_short_read_card_reads_completely_with_le_fallback(card_rig, slot):
    slot.present("short")
    service = _service(card_rig)
    try:
        doc = service.read_identity(*SPECIMEN_KEY)
    finally:
        service.stop()
    assert doc.passive_auth.status == "verified"
    assert doc.face is not None and doc.face.data == face_jpeg()
    # the 100-byte limit makes ~155 reads; the ladder costs only a few refused tries once
    total = doc.bytes_read
    assert doc.apdu_count >= 3 + total // 100
    assert doc.apdu_count <= 3 + total // 100 + 4 + 4 + 4  # ladder + one partial per file


def test_wrong_mrz_is_a_clear_error(card_rig, slot):
    slot.present("specimen")
    service = _service(card_rig)
    try:
        with pytest.raises(BacFailed, match="document number, birth date and expiry date"):
            service.read_identity("L898902C3", "740813", "120415")
        with pytest.raises(BacFailed, match="birth_date"):
            service.read_identity("L898902C3", "7408", "120415")
        assert service.read_identity(*SPECIMEN_KEY).surname == "ERIKSSON"  # card still fine
    finally:
        service.stop()


def test_card_pulled_mid_read_is_card_removed_and_the_next_card_reads(card_rig, slot):
    slot.present("specimen", remove_after=5)  # during the data groups
    service = _service(card_rig)
    try:
        with pytest.raises(CardRemoved):
            service.read_identity(*SPECIMEN_KEY)
        slot.present("chinese")
        assert service.read_identity(*_key("chinese")).full_name == "张伟"
    finally:
        service.stop()


def test_no_card_and_no_reader(card_rig, slot):
    service = _service(card_rig)
    slot.present("specimen")
    slot.emulator.remove()
    from tests.card_rig import card_present, wait_for

    wait_for(lambda: card_present(slot.reader) is False, what="empty slot")
    try:
        with pytest.raises(NoCard):
            service.read_identity(*SPECIMEN_KEY)
        with pytest.raises(ReaderUnavailable, match="not connected"):
            service.read_identity(*SPECIMEN_KEY, reader="No Such Reader")
    finally:
        service.stop()
        slot.present("specimen")


def test_staff_card_uid(card_rig, slot):
    slot.present("staff")
    service = _service(card_rig)
    try:
        assert service.read_uid() == "04112233445566"
        slot.present("staff", uid="04a1b2c3d4e5f6")
        assert service.read_uid() == "04A1B2C3D4E5F6"
        with pytest.raises(Exception, match="no ICAO eMRTD application"):
            service.read_identity(*SPECIMEN_KEY)
    finally:
        service.stop()


def test_csca_store_decides_the_chain(card_rig, slot, tmp_path):
    slot.present("specimen")
    other = tmp_path / "other"
    other.mkdir()
    from cryptography.hazmat.primitives.serialization import Encoding

    (other / "x.pem").write_bytes(other_csca().public_bytes(Encoding.PEM))
    (other / "junk.pem").write_text("not a certificate")
    for csca_dir, status, step in ((other, "failed", "ds_certificate"),
                                   (tmp_path / "missing", "not_checked", "csca_store")):
        service = _service(card_rig, csca_dir)
        try:
            pa = service.read_identity(*SPECIMEN_KEY).passive_auth
        finally:
            service.stop()
        assert (pa.status, pa.step) == (status, step)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devices.card", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_technician_cli(card_rig, slot):
    slot.present("specimen")
    listing = _cli("readers")
    assert listing.returncode == 0
    assert f"{slot.reader}\tcard\t" in listing.stdout
    ok = _cli("read", "--reader", slot.reader, "--document-number", "L898902C3",
              "--birth-date", "740812", "--expiry-date", "120415", "--csca-dir",
              str(card_rig.csca_dir), "--json")
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert out["surname"] == "ERIKSSON" and out["given_names"] == "ANNA MARIA"
    assert out["passive_authentication"] == "verified"
    assert out["face_image_sha256"] == hashlib.sha256(face_jpeg()).hexdigest()
    assert out["face_image_bytes"] == len(face_jpeg())
    assert out["apdu_count"] == 7 and out["read_ms"] > 0
    assert base64.b64encode(face_jpeg()).decode()[:20] not in ok.stdout  # no image dump
    bad = _cli("read", "--reader", slot.reader, "--document-number", "L898902C3",
               "--birth-date", "740812", "--expiry-date", "120416", "--json")
    assert bad.returncode == 2 and bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1 and "expiry date" in bad.stderr
    unverified = _cli("read", "--reader", slot.reader, "--document-number", "L898902C3",
                      "--birth-date", "740812", "--expiry-date", "120415", "--json")
    assert json.loads(unverified.stdout)["passive_authentication"] == "unverified"
