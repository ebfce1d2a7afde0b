"""30 % of requests failing, of every kind, and sync killed at random many times.

The platform simulator (its own process) fails 30 % of API requests: 500, 503 and 429 with
Retry-After, dropped connections, commit-then-drop. The kiosk runs with its real backoff
settings (2 s doubling to 300 s). `sync --until-empty` is SIGKILLed 25 times; the last
run drains with the faults still on. At the end every submission is on the platform
exactly once under its own Idempotency-Key, none is dead, none pending.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from sim.launch import SimProcess, start_platform
from tests.conftest import ROOT, write_config
from tests.offline_queue.test_crash import _cli, _control, _run

pytestmark = pytest.mark.slow

KILLS = 25
SUBMISSIONS = 50


def faults_30() -> list[dict[str, object]]:
    """Five kinds, 6 % each: rules are tried in order, so each later one is scaled up."""
    kinds: list[dict[str, object]] = [
        {"kind": "status", "status": 500},
        {"kind": "status", "status": 503, "retry_after": 1},
        {"kind": "status", "status": 429, "retry_after": 1},
        {"kind": "drop"},
        {"kind": "commit_then_drop"},
    ]
    rules = []
    for i, rule in enumerate(kinds):
        rules.append({**rule, "path": "/api/v1/", "probability": 0.06 / (1 - 0.06 * i)})
    return rules


@pytest.fixture
def sim(tmp_path: Path):
    proc = start_platform(tmp_path / "sim", args=["--token", "dev-token", "--seed", "7"])
    yield proc
    proc.stop()


def _real_backoff(cfg: Path) -> Path:
    text = cfg.read_text()
    text = text.replace("backoff_base_s = 0.05", "backoff_base_s = 2")
    # Capped at 30 s, not the product's 300: the last run's 60 s must cover the furthest
    # retry an item can be put off to (one was 74 s away on a loaded 2-core run).
    text = text.replace("backoff_cap_s = 0.5", "backoff_cap_s = 30")
    cfg.write_text(text.replace("poll_interval_s = 0.05", "poll_interval_s = 2"))
    return cfg


def test_thirty_percent_faults_and_kills_deliver_everything_once(tmp_path: Path,
                                                                 sim: SimProcess) -> None:
    cfg = _real_backoff(write_config(tmp_path / "kiosk", sim.base_url, log_dir=False))
    _control(sim, "POST", "faults", {"rules": faults_30()})
    # The load test itself gets through the faults (its catalog fetch is retried).
    load = _run(cfg, "loadtest", str(SUBMISSIONS), "--seed", "3")
    assert load.returncode == 0, load.stderr
    rng = random.Random(14)
    kills = 0
    while kills < KILLS:
        proc = subprocess.Popen(_cli(cfg, "sync", "--until-empty", "--timeout", "30"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(rng.uniform(0.3, 0.8))  # the interpreter alone takes ~0.3 s to start
        if proc.poll() is not None:
            break  # everything was delivered before this kill
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        kills += 1
    # Still 30 % faults: the last run must empty the queue by itself.
    done = _run(cfg, "sync", "--until-empty", "--timeout", "60")
    assert done.returncode == 0, done.stderr
    assert kills >= 15, f"sync finished too soon to be killed often ({kills} kills)"
    status = json.loads(_run(cfg, "status").stdout)
    assert status["pending"] == 0 and status["dead"] == 0 and status["acknowledged"] == SUBMISSIONS
    listed = [json.loads(line) for line in _run(cfg, "list").stdout.splitlines()]
    audit = _control(sim, "GET", "audit")
    assert sum(audit["faults_fired"].values()) > 50  # the faults really fired
    on_platform = audit["submissions"]
    assert set(on_platform) == {item["submission_id"] for item in listed}
    for item in listed:
        entry = on_platform[item["submission_id"]]
        assert entry["commits"] == 1 and entry["attachments_ok"], item
        assert entry["tracking_no"] == item["tracking_no"]
    assert all(n == 1 for n in audit["tracking_numbers"].values())
