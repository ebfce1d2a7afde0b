"""The configuration file: validated on load, every error names its key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from tests.conftest import ROOT, write_config


def _replace(path: Path, old: str, new: str) -> Path:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))
    return path


def test_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path))
    assert cfg.kiosk.id == "K017" and cfg.kiosk.hall == "BA01"
    assert cfg.storage.data_dir == (tmp_path / "data").resolve()
    assert cfg.platform.read_timeout_s == 2.0
    assert "{tracking_no}" in cfg.receipt.tracking_url


def test_example_file_is_complete_and_only_lacks_the_real_certificates(tmp_path: Path) -> None:
    example = (ROOT / "docs" / "kiosk.example.toml").read_text()
    for name in ("platform-ca.pem", "kiosk.crt", "kiosk.key"):
        (tmp_path / name).write_text("x")
        example = example.replace(f"/etc/kiosk/{name}", str(tmp_path / name))
    path = tmp_path / "kiosk.toml"
    path.write_text(example)
    cfg = load_config(path)
    assert cfg.platform.client_cert == tmp_path / "kiosk.crt"
    assert cfg.storage.retention_days == 30


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('id = "K017"', 'id = "K17"', "kiosk.id", "not valid"),
        ('hall = "BA01"', "", "kiosk.hall", "is missing"),
        ('token = "dev-token"', "token = 5", "platform.token", "must be a string"),
        ("insecure_dev = true", "insecure_dev = false", "platform.url", "plain http"),
        ("read_timeout_s = 2", "read_timeout_s = -1", "platform.read_timeout_s", "between"),
        ("read_timeout_s = 2", 'read_timeout_s = "2"', "platform.read_timeout_s", "a number"),
        ("retention_days = 30", "retention_days = true", "storage.retention_days", "integer"),
        ("[storage]", "[storagex]", "[storagex]", "unknown section"),
        ("workers = 2", "workers = 0", "sync.workers", "between"),
        ('url = "http://127.0.0.1:9/api/v1"', 'url = "ftp://x"', "platform.url", "https://"),
    ],
)
def test_wrong_or_missing_value_names_key(tmp_path: Path, old: str, new: str, key: str,
                                          problem: str) -> None:
    path = _replace(write_config(tmp_path), old, new)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert problem in str(info.value)


def test_client_certificate_must_exist_and_come_with_its_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, extra_platform=f'client_cert = "{tmp_path}/nope.crt"')
    with pytest.raises(ConfigError, match="platform.client_cert: file .* does not exist"):
        load_config(path)
    (tmp_path / "c.crt").write_text("x")
    path = write_config(tmp_path, extra_platform=f'client_cert = "{tmp_path}/c.crt"')
    with pytest.raises(ConfigError, match="client_key"):
        load_config(path)


def test_not_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[kiosk\nid=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


@pytest.mark.parametrize("module", [["launcher", "--check-config"], ["offline_queue", "status"]])
def test_entry_points_exit_with_the_message_and_no_traceback(tmp_path: Path,
                                                             module: list[str]) -> None:
    path = _replace(write_config(tmp_path), 'id = "K017"', 'id = "X1"')
    cmd = [sys.executable, "-m", module[0], "--config", str(path), *module[1:]]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    assert "kiosk.id" in proc.stderr and "'X1' is not valid" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_check_config_accepts_a_good_file(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "launcher", "--config", str(write_config(tmp_path)),
           "--check-config"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "configuration OK" in proc.stdout


def test_device_sections_are_read_and_checked(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    csca = tmp_path / "csca"
    csca.mkdir()
    with path.open("a") as fh:
        fh.write(f'\n[card]\nreader = "ACS ACR1252"\ncsca_dir = "{csca}"\n'
                 '[printer]\nurl = "serial:///dev/ttyS0?baudrate=115200"\nprofile = "cn-58"\n')
    cfg = load_config(path)
    assert cfg.card.reader == "ACS ACR1252" and cfg.card.csca_dir == csca
    assert cfg.printer.profile == "cn-58" and cfg.printer.timeouts.status_s == 1.0


@pytest.mark.parametrize(("section", "key", "problem"), [
    ('[printer]\nurl = "tcp://"', "printer.url", "no host"),
    ('[printer]\nprofile = "epson-9000"', "printer.profile", "unknown printer profile"),
    ('[printer]\nurl = "serial:///dev/ttyS0?baudrate=12"', "printer.url", "baudrate"),
    ('[card]\ncsca_dir = "/nonexistent/csca"', "card.csca_dir", "does not exist"),
    ("[card]\nread_timeout_s = 0", "card.read_timeout_s", "between"),
])
def test_device_section_errors_name_the_key(tmp_path: Path, section: str, key: str,
                                            problem: str) -> None:
    path = write_config(tmp_path)
    with path.open("a") as fh:
        fh.write("\n" + section + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key and problem in str(info.value)
