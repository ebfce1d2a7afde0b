"""HTTPS with a test CA and mutual TLS against the simulator (trustme)."""

from __future__ import annotations

import ssl
from dataclasses import replace
from pathlib import Path

import pytest
import trustme

from offline_queue.client import PlatformClient, TransportError
from offline_queue.loadtest import run_loadtest
from offline_queue.outbox import Outbox
from offline_queue.settings import load_queue_settings
from offline_queue.sync import SyncWorker
from sim.platform import PlatformSim
from tests.conftest import TOKEN, write_config


@pytest.fixture
def tls_sim(tmp_path: Path):
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    ca.configure_trust(server_ctx)  # client certificates must be signed by this CA
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    kiosk_cert = ca.issue_cert("K017.kiosks.example.gov")
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    kiosk_cert.cert_chain_pems[0].write_to_path(str(tmp_path / "kiosk.crt"))
    kiosk_cert.private_key_pem.write_to_path(str(tmp_path / "kiosk.key"))
    trustme.CA().cert_pem.write_to_path(str(tmp_path / "other-ca.pem"))
    with PlatformSim(token=TOKEN, ssl_context=server_ctx) as sim:
        yield sim, tmp_path


def _settings(folder: Path, url: str, *, cert: bool = True, ca: str = "ca.pem"):
    extra = f'ca_file = "{folder / ca}"\n'
    if cert:
        extra += f'client_cert = "{folder / "kiosk.crt"}"\nclient_key = "{folder / "kiosk.key"}"'
    return load_queue_settings(write_config(folder / "k", url, extra_platform=extra,
                                            insecure=False))


def test_mutual_tls_files_and_syncs(tls_sim) -> None:
    sim, folder = tls_sim
    assert sim.base_url.startswith("https://")
    s = _settings(folder, sim.base_url)
    client = PlatformClient(s.platform, s.kiosk.id)
    with Outbox(s.storage, s.kiosk) as box:
        catalog = client.fetch_catalog().catalog
        filed = list(run_loadtest(box, catalog, 2, seed=1))
        assert SyncWorker(box, client, s.sync).run_until_empty(20)
    client.close()
    assert all(sim.audit()["submissions"][f.submission_id]["commits"] == 1 for f in filed)


def test_without_client_certificate_the_platform_refuses(tls_sim) -> None:
    sim, folder = tls_sim
    s = _settings(folder, sim.base_url, cert=False)
    client = PlatformClient(s.platform, s.kiosk.id)
    with pytest.raises(TransportError):
        client.fetch_catalog()
    client.close()


def test_a_platform_signed_by_another_ca_is_refused(tls_sim) -> None:
    sim, folder = tls_sim
    s = _settings(folder, sim.base_url, ca="other-ca.pem")
    client = PlatformClient(s.platform, s.kiosk.id)
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED|certificate verify"):
        client.fetch_catalog()
    client.close()
    # And the system trust store does not know the test CA either.
    plain = PlatformClient(replace(s.platform, ca_file=None), s.kiosk.id)
    with pytest.raises(TransportError):
        plain.fetch_catalog()
    plain.close()
