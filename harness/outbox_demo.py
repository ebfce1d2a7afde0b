"""The outbox on its own (`python -m harness.outbox_demo`): file a few applications.

Starts the platform simulator, commits demonstration submissions (each gets its tracking
number and query code at once, as a receipt printed offline would), then runs the sync
worker and prints the platform's acknowledgement of each as it arrives. The simulator
drops one answer after committing and asks the kiosk to come back later once, to show
that nothing is lost or filed twice.
"""

from __future__ import annotations

import argparse
import logging
import random
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import requests

from offline_queue.client import PlatformClient
from offline_queue.loadtest import synthetic_submission
from offline_queue.outbox import Outbox
from offline_queue.settings import load_queue_settings
from offline_queue.sync import Outcome, SyncEvent, SyncWorker
from sim.launch import start_platform

DEMO_SERVICES = ("CR-HZ-0001",)


def _say(text: str = "") -> None:
    print(text, flush=True)


def _config(folder: Path, url: str) -> Path:
    path = folder / "kiosk.toml"
    path.write_text(textwrap.dedent(f"""\
        # Demo only: plain HTTP to a simulator on this machine.
        [kiosk]
        id = "K017"
        hall = "BA01"
        [platform]
        url = "{url}"
        token = "dev-token"
        insecure_dev = true
        [storage]
        data_dir = "data"
        key_file = "keys/data.key"
        [sync]
        backoff_base_s = 0.5
        backoff_cap_s = 5
        poll_interval_s = 0.2
        [logging]
        dir = "logs"
        """))
    return path


def _on_event(event: SyncEvent) -> None:
    if event.outcome is Outcome.ACKNOWLEDGED:
        how = " (answer was lost; the platform replayed it)" if event.detail == "replayed" else ""
        _say(f"  acknowledged  {event.tracking_no}  received {event.received_at}{how}")
    elif event.outcome is Outcome.RETRY:
        _say(f"  waiting       {event.tracking_no}  {event.detail}; "
             f"trying again in {event.retry_in_s:.1f} s")
    elif event.outcome is Outcome.DEAD:
        _say(f"  REFUSED       {event.tracking_no}  {event.detail} (kept for staff)")


def run(count: int, keep: Path | None) -> int:
    folder = keep or Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    sim = start_platform(folder / "sim", args=["--token", "dev-token", "--step-seconds", "2"])
    try:
        settings = load_queue_settings(_config(folder, sim.base_url))
        client = PlatformClient(settings.platform, settings.kiosk.id)
        catalog = client.fetch_catalog().catalog or {}
        services = {s["code"]: s for s in catalog["services"] if s.get("kiosk_filing")}
        _say(f"Platform simulator at {sim.base_url}: {len(catalog['services'])} services, "
             f"{len(services)} fileable at a kiosk.")
        _say("The network is flaky today: one answer will be lost after the platform "
             "committed, and the platform will be busy once.")
        control = f"http://127.0.0.1:{sim.port}/_sim/faults"
        requests.post(control, timeout=5, json={"rules": [
            {"method": "POST", "path": "/api/v1/submissions", "kind": "commit_then_drop",
             "count": 1},
            {"method": "POST", "path": "/api/v1/submissions", "kind": "status", "status": 503,
             "retry_after": 1, "count": 1}]})
        rng = random.Random(2026)
        picks = [services[c] for c in DEMO_SERVICES if c in services]
        picks += rng.sample(sorted(services.values(), key=lambda s: s["code"]),
                            max(0, count - len(picks)))
        _say()
        _say(f"Filing {count} applications (committed on this kiosk first; each receipt is "
             "valid at once):")
        with Outbox(settings.storage, settings.kiosk) as box:
            filed = []
            for n, service in enumerate(picks[:count]):
                f = box.commit(synthetic_submission(service, rng, n))
                filed.append(f)
                _say(f"  receipt  {f.tracking_no}  query code {f.query_code}  "
                     f"{service['name']['zh']} / {service['name'].get('en', '')}")
            _say()
            _say("Sending to the platform:")
            worker = SyncWorker(box, client, settings.sync, on_event=_on_event)
            emptied = worker.run_until_empty(timeout_s=60)
            status = box.status()
            _say()
            _say(f"Outbox: {status.acknowledged} acknowledged, {status.pending} pending, "
                 f"{status.dead} dead.")
            audit = requests.get(f"http://127.0.0.1:{sim.port}/_sim/audit", timeout=5).json()
            once = all(audit["submissions"][f.submission_id]["commits"] == 1 for f in filed)
            _say(f"Platform audit: every submission committed exactly once: {once}.")
            time.sleep(2.5)
            first = filed[0]
            progress = client.progress(first.tracking_no, first.query_code)
            _say(f"Progress of {first.tracking_no}: "
                 + " → ".join(entry.status for entry in progress.timeline))
        client.close()
        if keep is not None:
            _say()
            _say(f"Data, logs and config of this demo: {folder}")
        return 0 if emptied and once else 1
    finally:
        sim.stop()
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.outbox_demo", description=__doc__)
    p.add_argument("--count", type=int, default=5)
    p.add_argument("--keep", type=Path, help="keep data and logs in this folder")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return run(args.count, args.keep)


if __name__ == "__main__":
    sys.exit(main())
