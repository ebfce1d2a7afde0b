"""`python -m harness.soak N [--seed S] [--keep DIR]`: N scripted visits through the flow
against every simulator, with device faults and platform outages injected at random.

The kiosk is built by the composition root as in a hall (`build_kiosk`), with no Qt: the
soak's main thread is the flow's thread and drains what the background threads post.
Every `report_every` visits (and at the end) a checkpoint line gives the visits by kind
and outcome, the faults injected, submissions filed and acknowledged, dead letters,
crashes, RSS, open fds and threads. At the end the faults are cleared, the outbox drains,
and the simulator's audit must show every filed submission committed exactly once.

Exit 0 only when: no crash; every filed submission acknowledged (and committed exactly
once, with its attachments); memory flat (RSS at the last checkpoint at most
max(10 MB, 5 %) above the first); fds flat (at most 5 above the first checkpoint).
The report is also written as JSON (`soak-report.json` in --keep DIR, or a temp folder).
See docs/soak.md.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .watch import CrashWatch, Resources, resources

log = logging.getLogger(__name__)

RSS_SLACK_KB = 10 * 1024
RSS_SLACK_SHARE = 0.05
FD_SLACK = 5


@dataclass
class SoakOptions:
    visits: int
    seed: int = 1
    folder: Path | None = None  # kept; None = a temp folder, removed at the end
    report_every: int = 1000
    dense_faults: bool = False  # every fault kind early and short (tests)
    card_slot: Any = None  # a CardSlot on a pcscd someone else runs (tests)
    csca_dir: Path | None = None
    drain_timeout_s: float = 180.0
    crash_at: int | None = None  # a thread raises and a posted callback fails (tests)
    face: bool = False  # a face camera and the real face model: every filing checks a face
    say: Callable[[str], None] = lambda text: print(text, flush=True)


@dataclass
class Checkpoint:
    visits: int
    elapsed_s: float
    outcomes: dict[str, int]
    kinds: dict[str, int]
    faults: dict[str, int]
    filed: int
    acknowledged: int
    pending: int
    dead: int
    crashes: int
    rss_kb: int
    fds: int
    threads: int
    os_threads: int


@dataclass
class SoakReport:
    seed: int
    visits: int
    checkpoints: list[Checkpoint] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    kind_outcomes: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    parts_ms: dict[str, float] = field(default_factory=dict)
    kinds_ms: dict[str, float] = field(default_factory=dict)
    receipts: dict[str, int] = field(default_factory=dict)
    tickets: int = 0
    supplements: int = 0
    checks_failed: dict[str, int] = field(default_factory=dict)
    face: dict[str, int] = field(default_factory=dict)  # face_match results filed, and tries
    control_failed: dict[str, int] = field(default_factory=dict)  # simulators' switches
    crashes: int = 0
    crash_list: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    filed: int = 0
    audit: dict[str, Any] = field(default_factory=dict)
    drained_s: float = 0.0
    elapsed_s: float = 0.0
    verdict: dict[str, bool] = field(default_factory=dict)
    folder: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.verdict) and all(self.verdict.values())


def _line(c: Checkpoint) -> str:
    mins, secs = divmod(int(c.elapsed_s), 60)
    o = c.outcomes
    outcomes = ", ".join(f"{k} {o[k]}" for k in sorted(o))
    kinds = " ".join(f"{k}={v}" for k, v in sorted(c.kinds.items()))
    faults = " ".join(f"{k}={v}" for k, v in sorted(c.faults.items())) or "-"
    return (f"[{c.visits:6d} visits {mins:3d}m{secs:02d}s] {outcomes}\n"
            f"    kinds: {kinds}\n    faults: {faults}\n"
            f"    filed {c.filed}, acknowledged {c.acknowledged}, pending {c.pending}, "
            f"dead {c.dead}; crashes {c.crashes}; rss {c.rss_kb / 1024:.1f} MB, "
            f"fds {c.fds}, threads {c.threads} (os {c.os_threads})")


def check_audit(items: list[Any], filed: set[str], audit: dict[str, Any]) -> dict[str, Any]:
    """Every submission the soak saw filed is in the outbox, acknowledged, and committed
    exactly once on the platform with all its attachments; nothing else was committed."""
    problems: list[str] = []
    subs = audit.get("submissions", {})
    numbers = audit.get("tracking_numbers", {})
    in_outbox = {i.tracking_no for i in items}
    for tn in sorted(filed - in_outbox)[:10]:
        problems.append(f"{tn}: on a receipt, not in the outbox")
    for tn in sorted(in_outbox - filed)[:10]:
        problems.append(f"{tn}: in the outbox, never on a receipt")
    acked = once = 0
    for item in items:
        entry = subs.get(item.submission_id)
        acked += item.state == "acknowledged"
        if item.state != "acknowledged":
            problems.append(f"{item.tracking_no}: {item.state} ({item.last_error})")
        if entry is None or entry.get("commits") != 1 or not entry.get("attachments_ok"):
            problems.append(f"{item.tracking_no}: platform audit {entry}")
        elif numbers.get(item.tracking_no) == 1:
            once += 1
    committed = sum(1 for e in subs.values() if e.get("commits", 0) > 0)
    if committed != len(items):
        problems.append(f"{committed} committed on the platform, {len(items)} in the outbox")
    return {"outbox": len(items), "acknowledged": acked, "committed_once": once,
            "platform_committed": committed, "problems": problems[:20],
            "ok": not problems and acked == len(items) == len(filed)}


def verdict(report: SoakReport) -> dict[str, bool]:
    first, last = report.checkpoints[0], report.checkpoints[-1]
    rss_limit = first.rss_kb + max(RSS_SLACK_KB, int(first.rss_kb * RSS_SLACK_SHARE))
    return {"no_crash": report.crashes == 0,
            "all_acknowledged": bool(report.audit.get("ok")),
            "memory_flat": last.rss_kb <= rss_limit,
            "fds_flat": last.fds <= first.fds + FD_SLACK}


def run_soak(opts: SoakOptions) -> SoakReport:
    from kiosk.app import build_kiosk
    from kiosk.config import load_config

    from .camera import SoakCamera, SoakFrames
    from .driver import Driver, Plan, VisitEnd
    from .faults import Faults
    from .visits import MIX, VISITS
    from .world import CARD_PROFILE, SoakWorld

    folder = opts.folder or Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    report = SoakReport(opts.seed, opts.visits, folder=str(folder))
    rng = random.Random(opts.seed)
    watch = CrashWatch()
    watch.install()
    world = kiosk = None
    try:
        world = SoakWorld(folder / "world", card_slot=opts.card_slot, csca_dir=opts.csca_dir,
                          face=opts.face)
        from sim.card.profiles import PROFILES

        frames = SoakFrames(opts.seed, PROFILES[CARD_PROFILE].mrz)
        camera = SoakCamera(frames, seed=opts.seed)
        posts: queue.Queue[Callable[[], None]] = queue.Queue()
        config = load_config(world.config_path)
        kiosk = build_kiosk(config, config.ui, post=posts.put,
                            camera=camera)
        kiosk.part("platform-watch").interval_s = 0.5  # type: ignore[attr-defined]
        kiosk.start()
        if opts.face and kiosk.idcard is not None:
            from harness.demo import DemoPhotoDecoder

            kiosk.idcard.decoder = DemoPhotoDecoder()  # the ID cards' photos: the same face
        d = Driver(kiosk, posts, camera, world, random.Random(rng.random()), watch)
        faults = Faults(world, camera, random.Random(rng.random()), opts.visits,
                        dense=opts.dense_faults)
        if not d.wait(lambda: kiosk.flow.ready_to_file() and kiosk.store.catalog is not None,
                      30.0):
            raise RuntimeError("the kiosk did not become ready to file in 30 s")
        kinds, weights = list(MIX), list(MIX.values())
        t0 = time.monotonic()
        for i in range(opts.visits):
            watch.visit = i + 1
            try:
                shots = faults.before(i)
            except Exception as exc:  # the soak's own trouble: count it, keep going
                watch.add("driver", "faults", type(exc).__name__)
                shots = []
            plan = Plan(rng.choices(kinds, weights)[0], bad_input=rng.random() < 0.08)
            card_free = "card" not in faults.active
            if "card_pull" in shots or "card_late" in shots:
                plan.kind = "file_camera"
            elif any(s.startswith("idcard_") for s in shots):
                plan.kind = "file_idcard"  # the reader's one-shots need a card on it
            if plan.kind.startswith("file") and rng.random() < 0.3:
                plan.abandon_at = rng.choice(("identify", "choose", "form", "materials",
                                              "review"))
                plan.abandon_how = "idle" if rng.random() < 0.4 else "cancel"
            for shot in shots:
                if shot in ("card_pull", "card_late"):
                    if not card_free:
                        continue
                    setattr(plan, shot, True)
                try:
                    faults.shot(shot)
                except Exception as exc:
                    watch.add("driver", f"fault:{shot}", type(exc).__name__)
            if "pcscd_restart" in shots:
                faults.wait_recovered()
                d.wait(lambda: kiosk.flow.device_line("card_reader").usable, 8.0)
            if i == opts.crash_at:
                _inject_crash(posts)
            # What happened before the citizen walked up reaches the flow first, as in the
            # touchscreen's event loop (a card put back between visits, a printer's status).
            d.pump(0.0)
            started = time.perf_counter()
            try:
                outcome = VISITS[plan.kind](d, plan)
            except VisitEnd as end:
                outcome = end.outcome
                d.stats.reasons[f"{plan.kind}:{end.reason}"] += 1
            except Exception as exc:  # the soak's own bug or a device error escaping
                watch.add("driver", plan.kind, type(exc).__name__)
                log.warning("soak_visit_failed kind=%s error=%s", plan.kind, type(exc).__name__)
                outcome = "crashed"
            d.stats.kind_s[plan.kind] += time.perf_counter() - started
            d.stats.outcomes[outcome] += 1
            d.stats.kinds[plan.kind] += 1
            d.stats.kind_outcomes[f"{plan.kind}:{outcome}"] += 1
            d.home()
            if plan.card_pull or plan.card_late:
                world.card.restore()
                d.wait(lambda: False, 0.3)  # the card monitor's events of it, handled
            if (i + 1) % opts.report_every == 0 or i + 1 == opts.visits:
                cp = _checkpoint(i + 1, time.monotonic() - t0, d, faults, watch, kiosk)
                report.checkpoints.append(cp)
                opts.say(_line(cp))
        report.elapsed_s = time.monotonic() - t0
        faults.clear_all()
        t1 = time.monotonic()
        d.wait(lambda: kiosk.outbox.status().pending == 0, opts.drain_timeout_s)
        report.drained_s = time.monotonic() - t1
        _fill(report, d, faults, watch)
        report.audit = check_audit(list(kiosk.outbox.items()),
                                   {f.tracking_no for f in d.filed}, world.audit())
    finally:
        if kiosk is not None:
            kiosk.stop()
        watch.uninstall()
        if world is not None:
            world.close()
    report.crashes = watch.count
    report.crash_list = [asdict(c) for c in watch.crashes]
    report.errors = dict(watch.errors)
    report.verdict = verdict(report) if report.checkpoints else {}
    return report


def _inject_crash(posts: queue.Queue[Callable[[], None]]) -> None:
    import threading

    def boom() -> None:
        raise RuntimeError("soak: injected")

    threading.Thread(target=boom, name="soak-injected", daemon=True).start()
    posts.put(boom)


def _checkpoint(visits: int, elapsed: float, d: Any, faults: Any, watch: CrashWatch,  # noqa: ANN401
                kiosk: Any) -> Checkpoint:  # noqa: ANN401
    q = kiosk.outbox.status()
    r: Resources = resources()
    return Checkpoint(visits, round(elapsed, 1), dict(d.stats.outcomes), dict(d.stats.kinds),
                      dict(faults.injected), len(d.filed), q.acknowledged, q.pending, q.dead,
                      watch.count, r.rss_kb, r.fds, r.threads, r.os_threads)


def _fill(report: SoakReport, d: Any, faults: Any, watch: CrashWatch) -> None:  # noqa: ANN401
    s = d.stats
    report.outcomes = dict(s.outcomes)
    report.kind_outcomes = dict(sorted(s.kind_outcomes.items()))
    report.reasons = dict(s.reasons.most_common(40))
    report.face = dict(s.face)
    report.faults = dict(faults.injected)
    report.parts_ms = {k: round(1000 * v / s.parts_n[k], 1) for k, v in sorted(s.parts_s.items())}
    report.kinds_ms = {k: round(1000 * v / s.kinds[k], 1) for k, v in sorted(s.kind_s.items())}
    report.receipts = dict(s.receipts)
    report.tickets, report.supplements = s.tickets, s.supplements
    report.checks_failed = dict(s.checks_failed)
    report.control_failed = dict(faults.control_failed)
    report.filed = len(d.filed)


def summary(report: SoakReport) -> list[str]:
    a = report.audit
    lines = [
        f"Soak: {report.visits} visits, seed {report.seed}, {report.elapsed_s / 60:.1f} min "
        f"({1000 * report.elapsed_s / max(report.visits, 1):.0f} ms a visit); outbox drained "
        f"in {report.drained_s:.1f} s after the faults were cleared.",
        "Outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items())),
        "By kind (ms a visit): " + ", ".join(f"{k} {v:.0f}" for k, v in report.kinds_ms.items()),
        "Parts (ms each): " + ", ".join(f"{k} {v:.0f}" for k, v in report.parts_ms.items()),
        *([f"Face match: {report.face}"] if report.face else []),
        f"Receipts: {report.receipts}; tickets {report.tickets}; "
        f"supplements {report.supplements}",
        "Faults injected: " + ", ".join(f"{k} {v}" for k, v in sorted(report.faults.items())),
        f"Filed {report.filed}; outbox {a.get('outbox')}, acknowledged {a.get('acknowledged')}, "
        f"committed exactly once on the platform {a.get('committed_once')}.",
        f"Crashes {report.crashes}" + (f": {report.crash_list[:5]}" if report.crashes else "")
        + (f"; failed checks {report.checks_failed}" if report.checks_failed else ""),
    ]
    if a.get("problems"):
        lines.append(f"Audit problems: {a['problems'][:5]}")
    if report.checkpoints:
        first, last = report.checkpoints[0], report.checkpoints[-1]
        lines.append(f"RSS {first.rss_kb / 1024:.1f} MB at visit {first.visits} -> "
                     f"{last.rss_kb / 1024:.1f} MB at visit {last.visits} (limit +max(10 MB, "
                     f"5 %)); fds {first.fds} -> {last.fds} (limit +{FD_SLACK}).")
    v = report.verdict
    lines.append("Verdict: " + ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in v.items())
                 + f" => {'PASS' if report.ok else 'FAIL'}")
    return lines


def main(n: int, *, seed: int, keep: Path | None, face: bool = True) -> int:
    from offline_queue.logs import configure_logging
    from offline_queue.settings import LoggingSettings

    if n < 1:
        print("--soak needs at least one visit", file=sys.stderr)
        return 2
    folder = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    # Everything to a rotated file; only errors on the terminal, between the checkpoints.
    configure_logging(LoggingSettings(dir=folder / "logs", level="INFO"),
                      stderr_level="ERROR", filename="soak.log")
    print(f"Soak: {n} visits, seed {seed}, data and logs in {folder}", flush=True)
    try:
        every = 1000 if n >= 2000 else max(1, n // 10)
        report = run_soak(SoakOptions(n, seed=seed, folder=folder, report_every=every,
                                      face=face))
    except Exception as exc:
        print(f"soak could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    out = folder / "soak-report.json"
    out.write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False))
    for line in summary(report):
        print(line, flush=True)
    print(f"Report: {out}", flush=True)
    if keep is None and report.ok:
        shutil.rmtree(folder / "world", ignore_errors=True)
    return 0 if report.ok else 1
