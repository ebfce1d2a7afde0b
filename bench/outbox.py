"""Outbox throughput: commits per second and drain rate, with a peer measured alongside.

- commit: one submission with three 300 KB attachments, encrypted and fsynced, through
  the outbox; the same bytes through persist-queue's SQLiteAckQueue (WAL, pickled, the
  library's defaults), in the same run on the same disk; the ratio ours / theirs.
- drain: submissions per second from the outbox to the local platform simulator.
- drain under faults: N submissions (1-3 attachments per required material) through 30 %
  failing requests (500, 503/429 with Retry-After, dropped connections, commit-then-drop),
  with the kiosk's default sync settings: seconds until nothing is pending and requests
  per submission; a plain reference client (one request at a time, fixed 0.5 s pause and
  retry) drains the same submissions through the same faults, same run; the ratio.

    python bench/outbox.py [--commits N] [--drain N] [--faults N]
"""

from __future__ import annotations

import argparse
import json
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
from sim.launch import SimProcess, start_platform  # noqa: E402
from tests.conftest import TOKEN, write_config  # noqa: E402
from tests.offline_queue.test_faults30 import faults_30  # noqa: E402

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


def _control(sim: SimProcess, method: str, path: str, body: object = None) -> dict:
    import requests

    resp = requests.request(method, f"http://127.0.0.1:{sim.port}/_sim/{path}", json=body,
                            timeout=10)
    resp.raise_for_status()
    return resp.json()


def _requests_made(sim: SimProcess) -> int:
    return sum(_control(sim, "GET", "audit")["counts"].values())


def _faulty_kiosk(folder: Path, n: int) -> tuple[SimProcess, Path]:
    """A fresh simulator, a kiosk with its default sync settings, n committed submissions."""
    sim = start_platform(folder / "sim", args=["--token", "dev-token", "--seed", "9"])
    cfg = write_config(folder / "kiosk", sim.base_url, log_dir=False)
    text = cfg.read_text()
    start = text.index("[sync]")
    cfg.write_text(text[:start] + text[text.index("\n\n", start):])  # defaults, as shipped
    s = load_queue_settings(cfg)
    client = PlatformClient(s.platform, s.kiosk.id)
    with Outbox(s.storage, s.kiosk) as box:
        list(run_loadtest(box, client.fetch_catalog().catalog or {}, n, seed=21))
    client.close()
    _control(sim, "POST", "faults", {"rules": faults_30()})
    return sim, cfg


def bench_faults_ours(folder: Path, n: int) -> tuple[float, float, int]:
    sim, cfg = _faulty_kiosk(folder, n)
    try:
        s = load_queue_settings(cfg)
        client = PlatformClient(s.platform, s.kiosk.id)
        with Outbox(s.storage, s.kiosk) as box:
            before = _requests_made(sim)
            worker = SyncWorker(box, client, s.sync)
            start = time.perf_counter()
            emptied = worker.run_until_empty(timeout_s=600)
            elapsed = time.perf_counter() - start
            made = _requests_made(sim) - before - 1  # the audit call before is counted
            status = box.status()
        client.close()
        assert emptied and status.dead == 0, status
        return elapsed, made / n, status.acknowledged
    finally:
        sim.stop()


def bench_faults_reference(folder: Path, n: int) -> tuple[float, float]:
    """One request at a time; any failure: wait 0.5 s, send the same again."""
    import requests

    sim, cfg = _faulty_kiosk(folder, n)
    try:
        s = load_queue_settings(cfg)
        http = requests.Session()
        http.headers.update({"Authorization": f"Bearer {TOKEN}", "X-Kiosk-Id": s.kiosk.id})
        made = 0

        def send(method: str, path: str, ok: tuple[int, ...], **kw: object) -> int:
            nonlocal made
            while True:
                made += 1
                try:
                    r = http.request(method, s.platform.url + path, timeout=(1, 5), **kw)
                    if r.status_code in ok:
                        return r.status_code
                except requests.RequestException:
                    pass
                time.sleep(0.5)

        with Outbox(s.storage, s.kiosk) as box:
            items = [(i.submission_id, box.body(i.submission_id),
                      [(a.sha256, a.media_type, box.blobs.get(a.sha256))
                       for a in box.attachments(i.submission_id)])
                     for i in box.items("pending")]
        start = time.perf_counter()
        for sid, body, blobs in items:
            for sha, media_type, data in blobs:
                if send("HEAD", f"/blobs/{sha}", (200, 404)) == 404:
                    send("PUT", f"/blobs/{sha}", (200, 201), data=data,
                         headers={"Content-Type": media_type})
            send("POST", "/submissions", (200, 201), data=body,
                 headers={"Idempotency-Key": sid, "Content-Type": "application/json"})
        elapsed = time.perf_counter() - start
        audit = _control(sim, "GET", "audit")["submissions"]
        assert all(audit[sid]["commits"] == 1 for sid, _, _ in items)
        return elapsed, made / len(items)
    finally:
        sim.stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--commits", type=int, default=150)
    p.add_argument("--drain", type=int, default=200)
    p.add_argument("--faults", type=int, default=120, help="submissions drained through faults")
    p.add_argument("--rounds", type=int, default=3, help="alternate ours/peer this many times")
    p.add_argument("--only-faults", action="store_true", help="skip the commit and drain figures")
    args = p.parse_args()
    payloads = _payloads(args.commits) if not args.only_faults else []
    with tempfile.TemporaryDirectory(dir=ROOT / "bench") as tmp:
        if not args.only_faults:
            _commit_and_drain(args, payloads, Path(tmp))
        ours_s, ours_per, acked = bench_faults_ours(Path(tmp) / "faults-ours", args.faults)
        ref_s, ref_per = bench_faults_reference(Path(tmp) / "faults-ref", args.faults)
        print(f"drain through 30 % faults ({args.faults} submissions, 1-3 attachments per "
              "required material; 500, 503/429 + Retry-After, drops, commit-then-drop):")
        print(f"  outbox sync worker (default settings): {ours_s:7.1f} s until none pending, "
              f"{ours_per:5.1f} requests/submission ({acked} acknowledged, 0 dead)")
        print(f"  reference (sequential, fixed retry)  : {ref_s:7.1f} s, "
              f"{ref_per:5.1f} requests/submission")
        print(f"  ratio outbox / reference (time)      : {ours_s / ref_s:7.2f}")
        print(json.dumps({"faults_drain_s": round(ours_s, 1), "reference_s": round(ref_s, 1),
                          "requests_per_submission": round(ours_per, 2)}))


def _commit_and_drain(args: argparse.Namespace, payloads: list[list[bytes]], tmp: Path) -> None:
    ours: list[float] = []
    theirs: list[float] = []
    for r in range(args.rounds):
        # Alternate, each on a fresh folder, so disk state favours neither.
        ours.append(bench_ours(tmp / f"ours{r}", payloads))
        theirs.append(bench_persist_queue(tmp / f"pq{r}", payloads))
    o, t = sorted(ours)[len(ours) // 2], sorted(theirs)[len(theirs) // 2]
    print(f"commit, 3 x 300 KB attachments ({args.commits} commits, median of "
          f"{args.rounds} rounds):")
    print(f"  outbox (AES-GCM, fsynced blobs, WAL FULL): {o:8.1f} commits/s")
    print(f"  persist-queue SQLiteAckQueue (plain)     : {t:8.1f} puts/s")
    print(f"  ratio outbox / persist-queue             : {o / t:8.2f}")
    rate, acked = bench_drain(tmp / "drain", args.drain)
    print(f"drain to the local simulator: {rate:.1f} submissions/s ({acked} acknowledged, "
          "1-3 attachments of 50-500 KB per required material)")


if __name__ == "__main__":
    main()
