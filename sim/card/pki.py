"""A test CSCA and Document Signer, deterministic from a seed (same keys every run).

The CSCA certificate is written where the kiosk config's `card.csca_dir` can point, so
passive authentication of the emulated chips verifies end to end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_NOT_BEFORE = dt.datetime(2005, 1, 1, tzinfo=dt.UTC)
_NOT_AFTER = dt.datetime(2045, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class TestPki:
    csca_key: ec.EllipticCurvePrivateKey
    csca_cert: x509.Certificate
    ds_key: ec.EllipticCurvePrivateKey
    ds_cert: x509.Certificate

    def write_csca(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "utopia-test-csca.pem"
        path.write_bytes(self.csca_cert.public_bytes(serialization.Encoding.PEM))
        return path


def _key(seed: str, label: str) -> ec.EllipticCurvePrivateKey:
    n = int.from_bytes(hashlib.sha256(f"{seed}/{label}".encode()).digest(), "big")
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return ec.derive_private_key(n % (order - 1) + 1, ec.SECP256R1())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "UT"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Utopia Test Authority"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@lru_cache(maxsize=4)
def load_test_pki(seed: str = "hall-kiosk-test-pki") -> TestPki:
    csca_key, ds_key = _key(seed, "csca"), _key(seed, "ds")
    csca_name = _name("Utopia Test CSCA")
    csca = (x509.CertificateBuilder().subject_name(csca_name).issuer_name(csca_name)
            .public_key(csca_key.public_key()).serial_number(1)
            .not_valid_before(_NOT_BEFORE).not_valid_after(_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(csca_key, hashes.SHA256()))
    ds = (x509.CertificateBuilder().subject_name(_name("Utopia Test Document Signer"))
          .issuer_name(csca_name).public_key(ds_key.public_key()).serial_number(2)
          .not_valid_before(_NOT_BEFORE).not_valid_after(_NOT_AFTER)
          .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                       False), critical=True)
          .sign(csca_key, hashes.SHA256()))
    return TestPki(csca_key, csca, ds_key, ds)


def other_csca(seed: str = "some-other-country") -> x509.Certificate:
    """A CSCA that signed nothing here: a store holding only it must not verify our DS."""
    return load_test_pki(seed).csca_cert
