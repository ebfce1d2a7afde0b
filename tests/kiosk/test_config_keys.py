"""Unknown sections and keys: a misspelling stops every entry point with one line naming it
(it would otherwise be ignored and its default used)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from offline_queue.settings import KNOWN_KEYS, SELF_CHECKED, load_queue_settings
from tests.conftest import ROOT, write_config

MISTAKES = [
    ("retention_days = 30", "retention_dayz = 30", "storage.retention_dayz"),
    ("[sync]", "[sync]\nworkerz = 2", "sync.workerz"),
    ("[platform]", "[platform]\nretires = 3", "platform.retires"),
    ("[kiosk]", "[camra]\nfps = 15\n[kiosk]", "[camra]"),
    ("[kiosk]", "[ui]\norientaton = \"portrait\"\n[kiosk]", "ui.orientaton"),
    ("[kiosk]", "[camera]\nsorce = 0\n[kiosk]", "camera.sorce"),
    ("[kiosk]", "[card]\nraeder = \"x\"\n[kiosk]", "card.raeder"),
    ("[kiosk]", "[printer]\nprofil = \"cn-80\"\n[kiosk]", "printer.profil"),
    ("[kiosk]", "[receipt]\nhotlines = \"1\"\n[kiosk]", "receipt.hotlines"),
    ("[kiosk]", "[runtime]\nheartbeat = 60\n[kiosk]", "runtime.heartbeat"),
    ('hall = "BA01"', 'hall = "BA01"\nname = "x"', "kiosk.name"),
]


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = write_config(tmp_path)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(("old", "new", "key"), MISTAKES, ids=[m[2] for m in MISTAKES])
def test_unknown_key_is_refused_by_every_reader(tmp_path: Path, old: str, new: str,
                                                key: str) -> None:
    path = _broken(tmp_path, old, new)
    for read in (load_config, load_queue_settings):
        with pytest.raises(ConfigError) as info:
            read(path)
        assert info.value.key == key and "unknown" in info.value.problem


ENTRY_POINTS = {
    "check-config": (["-m", "launcher", "--check-config"], "stderr"),
    "start": (["-m", "launcher", "--headless"], "stderr"),
    "self-test": (["-m", "launcher", "--self-test"], "stdout"),
    "offline_queue": (["-m", "offline_queue", "status"], "stderr"),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("old", "new", "key"), [MISTAKES[0], MISTAKES[3]],
                         ids=["key", "section"])
def test_every_entry_point_stops_with_one_line(tmp_path: Path, entry: str, old: str, new: str,
                                               key: str) -> None:
    path = _broken(tmp_path, old, new)
    args, stream = ENTRY_POINTS[entry]
    cmd = [sys.executable, args[0], args[1], "--config", str(path), *args[2:]]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    lines = [line for line in getattr(proc, stream).splitlines() if line.strip()]
    assert len(lines) == 1 and key in lines[0], lines
    assert "Traceback" not in proc.stderr + proc.stdout


def test_the_example_documents_every_known_key() -> None:
    example = tomllib.loads((ROOT / "docs" / "kiosk.example.toml").read_text())
    # [idcard] is checked by devices.idcard's own reader (tests/devices/idcard)
    assert set(example) == set(KNOWN_KEYS) | SELF_CHECKED
    commented = {"card.csca_dir", "camera.source",  # shown, but commented out
                 "staff.technician_card_uid", "staff.technician_pin_hash"}
    for section, known in KNOWN_KEYS.items():
        present = set(example[section])
        assert present <= known
        assert {f"{section}.{k}" for k in known - present} <= commented, section


def test_check_config_refuses_a_missing_key_file_with_data(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "outbox.db").write_bytes(b"")
    cmd = [sys.executable, "-m", "launcher", "--config", str(path), "--check-config"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and "storage.key_file" in proc.stderr
    assert not (tmp_path / "keys" / "data.key").exists()
