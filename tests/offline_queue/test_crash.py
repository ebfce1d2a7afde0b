"""Crash tests: SIGKILL at random moments and at exact fsync points, faults on.

A real subprocess runs `python -m offline_queue loadtest` and `sync` against the platform
simulator (a separate process, so it outlives the kills) while the simulator drops
connections, commits then drops, and answers 500/503. At the end every submission that
`list` shows is on the platform exactly once with every blob intact, nothing is pending,
and every tracking number a killed loadtest printed was really committed.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from offline_queue.outbox import Outbox
from offline_queue.settings import QueueSettings, load_queue_settings
from sim.launch import SimProcess, start_platform
from tests.conftest import ROOT, write_config

pytestmark = pytest.mark.slow

FAULTS = [
    {"method": "POST", "path": "/api/v1/submissions", "kind": "commit_then_drop",
     "probability": 0.25},
    {"method": "POST", "path": "/api/v1/submissions", "kind": "drop", "probability": 0.1},
    {"method": "POST", "path": "/api/v1/submissions", "kind": "status", "status": 500,
     "probability": 0.1},
    {"method": "POST", "path": "/api/v1/submissions", "kind": "status", "status": 503,
     "retry_after": 1, "probability": 0.05},
    {"method": "PUT", "path": "/api/v1/blobs/", "kind": "commit_then_drop", "probability": 0.1},
    {"method": "HEAD", "path": "/api/v1/blobs/", "kind": "status", "status": 500,
     "probability": 0.05},
]


@pytest.fixture
def sim(tmp_path: Path):
    proc = start_platform(tmp_path / "sim", args=["--token", "dev-token", "--seed", "5"])
    yield proc
    proc.stop()


def _control(sim: SimProcess, method: str, path: str, body: Any = None) -> Any:
    url = f"http://127.0.0.1:{sim.port}/_sim/{path}"
    resp = requests.request(method, url, json=body, timeout=10)
    resp.raise_for_status()
    return resp.json()


def _cli(cfg: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "offline_queue", "--config", str(cfg), *args]


def _run(cfg: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_cli(cfg, *args), capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def _assert_consistent(settings: QueueSettings) -> None:
    """The outbox after a crash: SQLite intact, every committed blob readable."""
    db = sqlite3.connect(settings.storage.data_dir / "outbox.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with Outbox(settings.storage, settings.kiosk) as box:
        for item in box.items():
            json.loads(box.body(item.submission_id))
            for att in box.attachments(item.submission_id):
                assert len(box.blobs.get(att.sha256)) == att.bytes


def _final_check(cfg: Path, sim: SimProcess, printed: set[str]) -> int:
    _control(sim, "DELETE", "faults")
    done = _run(cfg, "sync", "--until-empty", "--timeout", "90")
    assert done.returncode == 0, done.stderr
    status = json.loads(_run(cfg, "status").stdout)
    assert status["pending"] == 0 and status["dead"] == 0
    listed = [json.loads(line) for line in _run(cfg, "list").stdout.splitlines()]
    assert all(item["state"] == "acknowledged" for item in listed)
    tracking = [item["tracking_no"] for item in listed]
    assert len(tracking) == len(set(tracking)), "a tracking number was issued twice"
    printed.discard("")
    assert printed, "no loadtest got as far as committing anything"
    assert printed <= set(tracking), "a printed tracking number was not committed"
    audit = _control(sim, "GET", "audit")
    on_platform = audit["submissions"]
    assert set(on_platform) == {item["submission_id"] for item in listed}
    for item in listed:
        entry = on_platform[item["submission_id"]]
        assert entry["commits"] == 1, item
        assert entry["attachments_ok"], item
        assert entry["tracking_no"] == item["tracking_no"]
    assert all(n == 1 for n in audit["tracking_numbers"].values())
    return len(listed)


def test_random_sigkills_never_lose_or_duplicate(tmp_path: Path, sim: SimProcess) -> None:
    cfg = write_config(tmp_path / "kiosk", sim.base_url)
    _control(sim, "POST", "faults", {"rules": FAULTS})
    rng = random.Random(20261127)
    printed: set[str] = set()
    kills = {"loadtest": 0, "sync": 0}
    round_no = 0
    # Until both phases were killed mid-work often enough (a round that finished before
    # its kill still counts as work done, not as a crash).
    while min(kills.values()) < 8 and round_no < 60:
        phase = "loadtest" if round_no % 2 == 0 else "sync"
        args = (["loadtest", "40", "--seed", str(round_no)] if phase == "loadtest"
                else ["sync", "--until-empty", "--timeout", "30"])
        proc = subprocess.Popen(_cli(cfg, *args), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        if phase == "loadtest":
            # Kill after a random number of commits plus a few ms: mid-commit, whatever
            # the machine's speed.
            wanted = rng.randrange(0, 35)
            assert proc.stdout is not None
            while wanted > 0 and (line := proc.stdout.readline()):
                printed.add(line.strip())
                wanted -= 1
            time.sleep(rng.uniform(0.0, 0.03))
        else:
            time.sleep(rng.uniform(0.4, 1.6))  # the interpreter alone takes ~0.3 s to start
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills[phase] += 1
        out, _ = proc.communicate(timeout=30)
        if phase == "loadtest":
            printed.update(line.strip() for line in out.splitlines())
        round_no += 1
    assert min(kills.values()) >= 8, kills
    _assert_consistent(load_queue_settings(cfg))
    assert _final_check(cfg, sim, printed) >= 8


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_sigkill_at_each_fsync(tmp_path: Path, sim: SimProcess) -> None:
    """Exact crash points: strace kills the process at its Nth fsync, N = 1, 2, ..."""
    cfg = write_config(tmp_path / "kiosk", sim.base_url, log_dir=False)
    _control(sim, "POST", "faults", {"rules": FAULTS})
    settings = load_queue_settings(cfg)
    assert _run(cfg, "status").returncode == 0  # warm-up: key, schema, ledger exist
    printed: set[str] = set()
    killed = 0
    for n in range(1, 16):
        # strace counts per thread: with n commits the committing thread reaches its nth
        # fsync (each commit ends in one), and so does the syncing thread (one per ack).
        for args in (["loadtest", str(n + 1), "--seed", str(n)],
                     ["sync", "--until-empty", "--timeout", "20"]):
            cmd = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync,fdatasync",
                   "-e", f"inject=fsync,fdatasync:signal=SIGKILL:when={n}", *_cli(cfg, *args)]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
            killed += proc.returncode in (-9, 137)
            if args[0] == "loadtest":
                printed.update(line.strip() for line in proc.stdout.splitlines())
            _assert_consistent(settings)
    assert killed >= 15  # most runs died at their crash point, not after finishing
    assert _final_check(cfg, sim, printed) >= 10
