"""The chip's files for a profile: EF.COM, DG1, DG2, DG11 and an EF.SOD really signed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from asn1crypto import algos, cms, core, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sim.card.chip_crypto import tlv
from sim.card.face import face_jpeg
from sim.card.pki import TestPki, load_test_pki
from sim.card.profiles import Profile

LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
FID_COM, FID_SOD = 0x011E, 0x011D
SFI_COM, SFI_SOD = 0x1E, 0x1D


class _DataGroupHash(core.Sequence):
    _fields = [("dataGroupNumber", core.Integer), ("dataGroupHashValue", core.OctetString)]


class _DataGroupHashes(core.SequenceOf):
    _child_spec = _DataGroupHash


class _LdsSecurityObject(core.Sequence):
    _fields = [("version", core.Integer),
               ("hashAlgorithm", algos.DigestAlgorithm),
               ("dataGroupHashValues", _DataGroupHashes)]


def _mrz_dg1(lines: tuple[str, ...]) -> bytes:
    return tlv(0x61, tlv(0x5F1F, "".join(lines).encode("ascii")))


def _dg2(jpeg: bytes) -> bytes:
    """ISO/IEC 19794-5 facial record inside the biometric template of Part 10, 4.7.2."""
    width, height = 240, 320
    image_info = bytes([0x01, 0x00]) + width.to_bytes(2, "big") + height.to_bytes(2, "big") \
        + bytes([0x01, 0x02]) + bytes(2) + bytes(2)  # full frontal, JPEG, RGB24, camera
    face_block = 20 + len(image_info) + len(jpeg)
    facial_info = face_block.to_bytes(4, "big") + (0).to_bytes(2, "big") \
        + bytes([0x02, 0x00, 0x00]) + bytes(3) + bytes(2) + bytes(3) + bytes(3)
    record_len = 14 + face_block
    record = b"FAC\x00" + b"010\x00" + record_len.to_bytes(4, "big") + (1).to_bytes(2, "big") \
        + facial_info + image_info + jpeg
    header = tlv(0x80, b"\x01\x01") + tlv(0x81, b"\x00\x02\x00") + tlv(0x87, b"\x01\x01") \
        + tlv(0x88, b"\x00\x08")
    bit = tlv(0x7F60, tlv(0xA1, header) + tlv(0x5F2E, record))
    return tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + bit))


def _dg11(full_name: str, personal_number: str | None) -> bytes:
    tags = b"\x5F\x0E" + (b"\x5F\x10" if personal_number else b"")
    body = tlv(0x5C, tags) + tlv(0x5F0E, full_name.encode("utf-8"))
    if personal_number:
        body += tlv(0x5F10, personal_number.encode("utf-8"))
    return tlv(0x6B, body)


def _com(dg_tags: list[int]) -> bytes:
    return tlv(0x60, tlv(0x5F01, b"0107") + tlv(0x5F36, b"040000") + tlv(0x5C, bytes(dg_tags)))


def _sod(groups: dict[int, bytes], pki: TestPki) -> bytes:
    lso = _LdsSecurityObject({
        "version": 0,
        "hashAlgorithm": {"algorithm": "sha256"},
        "dataGroupHashValues": [{"dataGroupNumber": n,
                                 "dataGroupHashValue": hashlib.sha256(d).digest()}
                                for n, d in sorted(groups.items())],
    }).dump()
    ds_der = pki.ds_cert.public_bytes(serialization.Encoding.DER)
    ds = x509.Certificate.load(ds_der)
    signed_attrs = cms.CMSAttributes([
        {"type": "content_type", "values": [LDS_SECURITY_OBJECT]},
        {"type": "message_digest", "values": [hashlib.sha256(lso).digest()]},
    ])
    signature = pki.ds_key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": ds.issuer, "serial_number": ds.serial_number}}),
        "digest_algorithm": {"algorithm": "sha256"},
        "signed_attrs": signed_attrs,
        "signature_algorithm": {"algorithm": "sha256_ecdsa"},
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": {"content_type": LDS_SECURITY_OBJECT,
                               "content": core.ParsableOctetString(lso)},
        "certificates": [ds],
        "signer_infos": [signer],
    })
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return tlv(0x77, info.dump())


@dataclass(frozen=True)
class ChipFiles:
    by_fid: dict[int, bytes]
    sfi_to_fid: dict[int, int]


def _face(profile: Profile) -> bytes:
    if profile.face_person is not None:
        from sim.face import document_photo

        return document_photo(profile.face_person, (240, 320), quality=80)
    return face_jpeg(profile.face_bytes, profile.face_seed, profile.face_hue)


@lru_cache(maxsize=16)
def build_files(profile: Profile) -> ChipFiles:
    pki = load_test_pki()
    groups: dict[int, bytes] = {1: _mrz_dg1(profile.mrz),
                                2: _dg2(_face(profile))}
    tags = [0x61, 0x75]
    if profile.dg11_full_name:
        groups[11] = _dg11(profile.dg11_full_name, profile.dg11_personal_number)
        tags.append(0x6B)
    sod = _sod(groups, pki)
    if profile.tamper_dg1:  # changed after signing: EF.SOD still holds the old hash
        groups[1] = _mrz_dg1(profile.tamper_dg1)
    by_fid = {FID_COM: _com(tags), FID_SOD: sod}
    sfi_to_fid = {SFI_COM: FID_COM, SFI_SOD: FID_SOD}
    for n, data in groups.items():
        by_fid[0x0100 + n] = data
        sfi_to_fid[n] = 0x0100 + n
    return ChipFiles(by_fid, sfi_to_fid)
