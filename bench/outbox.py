"""Outbox throughput: commits per second and drain rate, with a peer measured alongside.

- commit: one submission with three 300 KB attachments, encrypted and fsynced, through
  the outbox; the same bytes through persist-queue's SQLiteAckQueue (WAL, pickled, the
  library's defaults), in the same run on the same disk; the ratio ours / theirs.
- drain: submissions per second from the outbox to the local platform simulator.

    python bench/outbox.py [--commits N] [--drain N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from offline_queue.client import PlatformClient  # noqa: E402
from offline_queue.loadtest import run_loadtest  # noqa: E402
from offline_queue.outbox import NewAttachment, NewSubmission, Outbox  # noqa: E402
from offline_queue.settings import load_queue_settings  # noqa: E402
from offline_queue.sync import SyncWorker  # noqa: E402
from sim.launch import start_platform  # noqa: E402
from tests.conftest import write_config  # noqa: E402

ATTACHMENT = 300 * 1024


def _payloads(n: int) -> list[list[bytes]]:
    return [[b"\xff\xd8" + os.urandom(ATTACHMENT - 2) for _ in range(3)] for _ in range(n)]


def _submission(blobs: list[bytes]) -> NewSubmission:
    return NewSubmission(
        service_code="CR-HZ-0001",
        applicant={"id_type": "resident_id", "id_number": "11010519491231002X",
                   "name": "基准测试", "chip_verified": False},
        form={"phone": "13800138000", "reason": "benchmark"},
        attachments=[NewAttachment("M01", b, "image/jpeg") for b in blobs],
    )


def bench_ours(folder: Path, payloads: list[list[bytes]]) -> float:
    s = load_queue_settings(write_config(folder, log_dir=False))
    with Outbox(s.storage, s.kiosk) as box:
        box.commit(_submission(_payloads(1)[0]))  # warm-up: key, schema, ledger
        start = time.perf_counter()
        for blobs in payloads:
            box.commit(_submission(blobs))
        return len(payloads) / (time.perf_counter() - start)


def bench_persist_queue(folder: Path, payloads: list[list[bytes]]) -> float:
    from persistqueue import SQLiteAckQueue

    q = SQLiteAckQueue(str(folder), auto_commit=True, multithreading=True)
    sub = _submission([])
    q.put({"service_code": sub.service_code, "applicant": sub.applicant, "form": sub.form,
           "attachments": _payloads(1)[0]})
    start = time.perf_counter()
    for blobs in payloads:
        q.put({"service_code": sub.service_code, "applicant": sub.applicant, "form": sub.form,
               "attachments": blobs})
    rate = len(payloads) / (time.perf_counter() - start)
    q.close()
    return rate


def bench_drain(folder: Path, n: int) -> tuple[float, int]:
    sim = start_platform(folder / "sim", args=["--token", "dev-token"])
    try:
        s = load_queue_settings(write_config(folder / "kiosk", sim.base_url, log_dir=False))
        client = PlatformClient(s.platform, s.kiosk.id)
        with Outbox(s.storage, s.kiosk) as box:
            catalog = client.fetch_catalog().catalog or {}
            list(run_loadtest(box, catalog, n, seed=7))
            worker = SyncWorker(box, client, s.sync)
            start = time.perf_counter()
            worker.run_until_empty(timeout_s=600)
            elapsed = time.perf_counter() - start
            acked = box.status().acknowledged
        client.close()
        return acked / elapsed, acked
    finally:
        sim.stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--commits", type=int, default=150)
    p.add_argument("--drain", type=int, default=200)
    p.add_argument("--rounds", type=int, default=3, help="alternate ours/peer this many times")
    args = p.parse_args()
    payloads = _payloads(args.commits)
    ours: list[float] = []
    theirs: list[float] = []
    with tempfile.TemporaryDirectory(dir=ROOT / "bench") as tmp:
        for r in range(args.rounds):
            # Alternate, each on a fresh folder, so disk state favours neither.
            ours.append(bench_ours(Path(tmp) / f"ours{r}", payloads))
            theirs.append(bench_persist_queue(Path(tmp) / f"pq{r}", payloads))
        o, t = sorted(ours)[len(ours) // 2], sorted(theirs)[len(theirs) // 2]
        print(f"commit, 3 x 300 KB attachments ({args.commits} commits, median of "
              f"{args.rounds} rounds):")
        print(f"  outbox (AES-GCM, fsynced blobs, WAL FULL): {o:8.1f} commits/s")
        print(f"  persist-queue SQLiteAckQueue (plain)     : {t:8.1f} puts/s")
        print(f"  ratio outbox / persist-queue             : {o / t:8.2f}")
        rate, acked = bench_drain(Path(tmp) / "drain", args.drain)
        print(f"drain to the local simulator: {rate:.1f} submissions/s ({acked} acknowledged, "
              "1-3 attachments of 50-500 KB per required material)")


if __name__ == "__main__":
    main()
