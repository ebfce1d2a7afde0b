"""Passive authentication (ICAO 9303 Part 11, 5.1): data group hashes against EF.SOD, EF.SOD's
CMS signature against its Document Signer, the Document Signer against trusted CSCAs.

Never raises: every problem becomes a PassiveAuthResult naming the step and the reason.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import algos, cms, core
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from devices.card.errors import TlvError
from devices.card.port import PassiveAuthResult
from devices.card.tlv import parse_single

log = logging.getLogger(__name__)

LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
_Hash = type[hashes.SHA1 | hashes.SHA224 | hashes.SHA256 | hashes.SHA384 | hashes.SHA512]
_HASHES: dict[str, _Hash] = {"sha1": hashes.SHA1, "sha224": hashes.SHA224,
                             "sha256": hashes.SHA256, "sha384": hashes.SHA384,
                             "sha512": hashes.SHA512}


class _DataGroupHash(core.Sequence):
    _fields = [("dataGroupNumber", core.Integer), ("dataGroupHashValue", core.OctetString)]


class _DataGroupHashes(core.SequenceOf):
    _child_spec = _DataGroupHash


class LdsSecurityObject(core.Sequence):
    _fields = [("version", core.Integer),
               ("hashAlgorithm", algos.DigestAlgorithm),
               ("dataGroupHashValues", _DataGroupHashes),
               ("ldsVersionInfo", core.Any, {"optional": True})]


class _Failed(Exception):
    def __init__(self, step: str, reason: str) -> None:
        super().__init__(reason)
        self.step, self.reason = step, reason


@dataclass(frozen=True)
class Sod:
    hash_algorithm: str
    hashes: dict[int, bytes]
    signed_data: cms.SignedData
    content: bytes


def parse_sod(data: bytes) -> Sod:
    """EF.SOD (tag 77) -> the security object; raises _Failed("sod", ...) if malformed."""
    try:
        info = cms.ContentInfo.load(parse_single(data, 0x77).value)
        if info["content_type"].native != "signed_data":
            raise _Failed("sod", "EF.SOD is not CMS SignedData")
        sd: cms.SignedData = info["content"]
        encap = sd["encap_content_info"]
        if encap["content_type"].dotted != LDS_SECURITY_OBJECT:
            raise _Failed("sod", "EF.SOD does not hold an LDS security object")
        content = encap["content"].contents if isinstance(
            encap["content"], core.ParsableOctetString) else bytes(encap["content"].native)
        lso = LdsSecurityObject.load(content)
        algo = lso["hashAlgorithm"]["algorithm"].native
        table = {int(e["dataGroupNumber"].native): bytes(e["dataGroupHashValue"].native)
                 for e in lso["dataGroupHashValues"]}
        return Sod(algo, table, sd, content)
    except _Failed:
        raise
    except (TlvError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise _Failed("sod", f"EF.SOD is malformed: {type(exc).__name__}") from exc


def load_csca_store(folder: Path) -> list[x509.Certificate]:
    """Every PEM or DER certificate in the folder; unreadable files are logged and skipped."""
    certs: list[x509.Certificate] = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.suffix.lower() not in (".pem", ".crt", ".cer", ".der"):
            continue
        raw = path.read_bytes()
        try:
            if b"-----BEGIN CERTIFICATE-----" in raw:
                certs.extend(x509.load_pem_x509_certificates(raw))
            else:
                certs.append(x509.load_der_x509_certificate(raw))
        except ValueError:
            log.warning("card_csca_not_a_certificate file=%s", path.name)
    return certs


def _check_hashes(sod: Sod, groups: dict[int, bytes]) -> None:
    algo = _HASHES.get(sod.hash_algorithm)
    if algo is None:
        raise _Failed("sod", f"hash algorithm {sod.hash_algorithm} is not supported")
    for number, data in sorted(groups.items()):
        expected = sod.hashes.get(number)
        if expected is None:
            raise _Failed("dg_hash", f"DG{number} is not listed in EF.SOD")
        h = hashes.Hash(algo())
        h.update(data)
        if not hmac.compare_digest(h.finalize(), expected):
            raise _Failed("dg_hash", f"DG{number} does not match its hash in EF.SOD")


def _signer_certificate(sd: cms.SignedData, signer: cms.SignerInfo) -> x509.Certificate:
    sid = signer["sid"]
    for choice in sd["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            # DER first: asn1crypto's normalising Name comparison is slow
            if (cert.serial_number == ias["serial_number"].native
                    and (cert.issuer.dump() == ias["issuer"].dump()
                         or cert.issuer == ias["issuer"])):
                return x509.load_der_x509_certificate(cert.dump())
        elif cert.key_identifier == sid.chosen.native:
            return x509.load_der_x509_certificate(cert.dump())
    raise _Failed("sod_signature", "EF.SOD does not carry its Document Signer certificate")


def _verify_signature(cert: x509.Certificate, signer: cms.SignerInfo, signed: bytes) -> None:
    sig_algo = signer["signature_algorithm"]
    hash_name = signer["digest_algorithm"]["algorithm"].native
    if sig_algo.signature_algo == "rsassa_pss":
        params = sig_algo["parameters"]
        hash_name = params["hash_algorithm"]["algorithm"].native
    algo = _HASHES.get(hash_name)
    if algo is None:
        raise _Failed("sod_signature", f"digest {hash_name} is not supported")
    key = cert.public_key()
    signature = signer["signature"].native
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(algo()))
        elif isinstance(key, rsa.RSAPublicKey):
            if sig_algo.signature_algo == "rsassa_pss":
                salt = sig_algo["parameters"]["salt_length"].native
                pad: padding.AsymmetricPadding = padding.PSS(padding.MGF1(algo()), salt)
            else:
                pad = padding.PKCS1v15()
            key.verify(signature, signed, pad, algo())
        else:
            raise _Failed("sod_signature", "Document Signer key type is not supported")
    except InvalidSignature as exc:
        raise _Failed("sod_signature", "EF.SOD's signature does not verify") from exc


def _check_signature(sod: Sod) -> x509.Certificate:
    infos = sod.signed_data["signer_infos"]
    if len(infos) != 1:
        raise _Failed("sod_signature", f"EF.SOD has {len(infos)} signers (1 expected)")
    signer = infos[0]
    cert = _signer_certificate(sod.signed_data, signer)
    attrs = signer["signed_attrs"]
    if not attrs.native:
        raise _Failed("sod_signature", "EF.SOD has no signed attributes")
    digest = None
    for attr in attrs:
        if attr["type"].native == "message_digest":
            digest = attr["values"][0].native
    algo = _HASHES.get(signer["digest_algorithm"]["algorithm"].native)
    if digest is None or algo is None:
        raise _Failed("sod_signature", "EF.SOD's message digest is missing or unsupported")
    h = hashes.Hash(algo())
    h.update(sod.content)
    if not hmac.compare_digest(h.finalize(), digest):
        raise _Failed("sod_signature", "EF.SOD's content does not match its signed digest")
    # the signature covers the DER of the attributes as a SET (tag 31), not [0] IMPLICIT
    signed = b"\x31" + attrs.dump()[1:]
    _verify_signature(cert, signer, signed)
    return cert


# (DS DER, CSCA DER) pairs already verified: one Document Signer signs many documents
_VERIFIED: set[tuple[bytes, bytes]] = set()


def _check_chain(ds: x509.Certificate, cscas: list[x509.Certificate]) -> None:
    ds_der = ds.public_bytes(Encoding.DER)
    if any((ds_der, c.public_bytes(Encoding.DER)) in _VERIFIED for c in cscas):
        return
    issuers = [c for c in cscas if c.subject == ds.issuer]
    if not issuers:
        raise _Failed("ds_certificate", "no trusted CSCA issued the Document Signer "
                                        f"({ds.issuer.rfc4514_string()})")
    for csca in issuers:
        try:
            ds.verify_directly_issued_by(csca)
            if len(_VERIFIED) > 256:
                _VERIFIED.clear()
            _VERIFIED.add((ds_der, csca.public_bytes(Encoding.DER)))
            return
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            continue
    raise _Failed("ds_certificate", "the Document Signer's signature does not verify "
                                    "against any trusted CSCA")


def verify(sod_data: bytes, groups: dict[int, bytes],
           cscas: list[x509.Certificate] | None) -> PassiveAuthResult:
    """cscas None: no store configured, the chain step is reported as not checked."""
    try:
        sod = parse_sod(sod_data)
        _check_hashes(sod, groups)
        ds = _check_signature(sod)
        if cscas is None:
            return PassiveAuthResult("not_checked", "csca_store",
                                     "data groups and EF.SOD signature verify; no CSCA store "
                                     "is configured")
        if not cscas:
            return PassiveAuthResult("not_checked", "csca_store", "the CSCA store is empty")
        _check_chain(ds, cscas)
    except _Failed as failed:
        log.info("card_passive_auth_failed step=%s reason=%s", failed.step, failed.reason)
        return PassiveAuthResult("failed", failed.step, failed.reason)
    except Exception as exc:  # a malformed SOD must never crash a visit; log the kind only
        log.warning("card_passive_auth_unexpected error=%s", type(exc).__name__)
        return PassiveAuthResult("failed", "sod", f"EF.SOD could not be checked: "
                                                  f"{type(exc).__name__}")
    return PassiveAuthResult("verified", "", "data groups, EF.SOD signature and Document "
                                             "Signer chain verify")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
