"""Issue 13's figures for bench/camera.py: the widened scenes' held-out seed and the real
share (../shared/camera-real), each with its peers on the same frames.

The real share is scored with its own evaluator's metric helpers (evaluate.py, loaded from
the share's folder), so the figures here and the evaluator's agree.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np

from devices.mrz import MrzError, parse_mrz
from tests.devices.camera.camera_helpers import smartdoc_iou

REAL_ENV = "KIOSK_CAMERA_REAL"


def real_dir(root: Path, given: str | None) -> Path:
    """--real DIR, else $KIOSK_CAMERA_REAL, else <repo>/../shared/camera-real (CI's layout)."""
    return Path(given or os.environ.get(REAL_ENV) or root.parent / "shared" / "camera-real")


def _pct(v: list[float], q: float) -> float:
    return float(np.percentile(v, q)) if v else float("nan")


_CPU: list[float] = []  # the process's CPU ms of each timed call since the last _cpu_median


def _timed(fn: Callable[[np.ndarray], Any], img: np.ndarray) -> tuple[Any, float]:
    """The call's result and its wall ms; its CPU ms (children included) go to _CPU (on a
    box shared with other work the wall time is the box's load as much as the code's; one
    thread's CPU time is what one free core would take, near enough)."""
    c = _cpu_s()
    t = time.perf_counter()
    out = fn(img)
    _CPU.append((_cpu_s() - c) * 1000)
    return out, (time.perf_counter() - t) * 1000


def _cpu_s() -> float:
    """This process's CPU seconds and its finished children's (tesseract runs as one)."""
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


def _cpu_median() -> float:
    m = statistics.median(_CPU) if _CPU else float("nan")
    _CPU.clear()
    return m


def score_detection(scenes: list[Any], fn: Callable[[np.ndarray], Any]
                    ) -> tuple[dict[str, float], list[float | None]]:
    ious: list[float | None] = []
    times, fp, empty = [], 0, 0
    _cpu_median()
    for sc in scenes:
        quad, ms = _timed(fn, sc.image)
        times.append(ms)
        if sc.truth["quad"] is None:
            empty += 1
            fp += quad is not None
            ious.append(None)
        else:
            ious.append(smartdoc_iou(sc.truth["quad"], quad, sc.truth["size_mm"]))
    got = [i for i in ious if i is not None]
    return ({"mean": float(np.mean(got)), "hit90": float(np.mean(np.array(got) >= 0.9)),
             "fp": fp, "empty": empty, "median": statistics.median(times),
             "p95": _pct(times, 95), "cpu": _cpu_median()}, ious)


def _det_line(name: str, r: dict[str, float]) -> str:
    return (f"{name:24} {r['mean']:9.3f} {r['hit90']:9.3f} {r['fp']:>5}/{r['empty']:<4} "
            f"{r['median']:10.2f} {r['p95']:8.2f} {r['cpu']:8.2f}")


DET_HEAD = (f"{'':24} {'mean IoU':>9} {'IoU>=0.9':>9} {'false pos':>10} {'median ms':>10} "
            f"{'p95 ms':>8} {'cpu ms':>8}")
MRZ_HEAD = (f"{'':24} {'n':>4} {'exact':>7} {'BAC key':>8} {'false acc':>10} {'none':>6} "
            f"{'median ms':>10} {'cpu ms':>8} {'wrong name':>11}")


def score_mrz(scenes: list[Any], fn: Callable[[np.ndarray], Any]) -> dict[str, float]:
    exact = bac = false = none = wrong = 0
    times = []
    _cpu_median()
    for sc in scenes:
        truth = parse_mrz(sc.truth["mrz"])
        got, ms = _timed(fn, sc.image)
        times.append(ms)
        if got is None:
            none += 1
            continue
        exact += got.lines == truth.lines
        ok = got.bac_seed() == truth.bac_seed()
        bac += ok
        false += not ok
        # The key right but a line wrong: an unprotected field (a name) no check digit saw.
        wrong += ok and got.lines != truth.lines
    n = len(scenes)
    return {"n": n, "exact": exact / n, "bac": bac / n, "fa": false, "none": none / n,
            "median": statistics.median(times), "cpu": _cpu_median(), "wrong": wrong}


def _mrz_line(name: str, r: dict[str, float]) -> str:
    return (f"{name:24} {r['n']:>4} {r['exact']:7.3f} {r['bac']:8.3f} {r['fa']:>10} "
            f"{r['none']:6.3f} {r['median']:10.1f} {r['cpu']:8.1f} {r['wrong']:>11}")


def bench_wide_detection(scenes: list[Any], peers: dict[str, Callable[[np.ndarray], Any]],
                         label: str) -> dict[str, dict[str, float]]:
    print(f"\n== document detection, widened scenes, {label}: {len(scenes)} frames "
          f"1280x720, {sum(s.truth['quad'] is None for s in scenes)} empty; one core ==")
    print(DET_HEAD)
    out = {}
    for name, fn in peers.items():
        fn(scenes[0].image)
        out[name], ious = score_detection(scenes, fn)
        print(_det_line(name, out[name]))
        if name.startswith("ours"):
            per: dict[str, list[float]] = {}
            for sc, iou in zip(scenes, ious, strict=True):
                if iou is None:
                    continue
                keys = [f"doc={sc.truth['doc']}", f"counter={sc.truth['counter']}"]
                keys += [k for k in ("shadow", "glare", "finger") if sc.truth[k]]
                keys += [k for k in sc.truth["conditions"] if sc.truth["conditions"][k]]
                for k in keys:
                    per.setdefault(k, []).append(iou)
            print("  by case: " + ", ".join(f"{k} {np.mean(v):.3f} (n={len(v)})"
                                            for k, v in sorted(per.items())))
    return out


def bench_wide_mrz(scenes: list[Any], peers: dict[str, Callable[[np.ndarray], Any]],
                   label: str, peer_max: int) -> dict[str, dict[str, float]]:
    print(f"\n== MRZ, widened scenes, {label}: {len(scenes)} frames (TD3 pages, open "
          f"booklets, TD1 cards; tilt to 22 deg) ==")
    print(MRZ_HEAD)
    out = {}
    for name, fn in peers.items():
        frames = scenes if name.startswith("ours") else scenes[:peer_max]
        out[name] = score_mrz(frames, fn)
        print(_mrz_line(name, out[name]))
    return out


def load_evaluator(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("camera_real_evaluate",
                                                  folder / "evaluate.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(folder / "evaluate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _lines(res: Any) -> list[str] | None:
    return None if res is None else [str(x) for x in res.lines]


def bench_real(folder: Path, detectors: dict[str, Callable[[np.ndarray], Any]],
               readers: dict[str, Callable[[np.ndarray], Any]]) -> dict[str, Any]:
    """The real share, scored with its evaluator's helpers (IoU in image pixels)."""
    if not (folder / "gt.json").is_file():
        print(f"\n== real share: {folder} not found (pass --real DIR or set {REAL_ENV}) ==")
        return {}
    ev = load_evaluator(folder)
    import json

    gt = json.loads((folder / "gt.json").read_text())["images"]
    imgs = [(rec, cv2.imread(str(folder / rec["file"]), cv2.IMREAD_COLOR)) for rec in gt]
    docs = [(r, i) for r, i in imgs if r.get("corners")]
    mrzs = [(r, i) for r, i in imgs if r.get("mrz")]
    clean = [(r, i) for r, i in imgs if not r.get("has_mrz", True)]
    print(f"\n== real share ({folder.name}): {len(docs)} page photos with corners, "
          f"{len(mrzs)} MRZ images, {len(clean)} pages without MRZ; one core ==")
    print(f"{'':24} {'mean IoU':>9} {'IoU>=0.9':>9} {'IoU>=0.97':>9} {'median ms':>10} "
          f"{'cpu ms':>8}")
    out: dict[str, Any] = {}
    for name, fn in detectors.items():
        ious, times = [], []
        _cpu_median()
        for rec, img in imgs:
            quad, ms = _timed(fn, img)
            times.append(ms)
            if rec.get("corners"):
                ious.append(ev.quad_iou(quad, rec["corners"]) if quad is not None else 0.0)
        a = np.array(ious)
        out[f"det {name}"] = {"mean": float(a.mean()), "hit90": float((a >= 0.9).mean()),
                              "median": statistics.median(times)}
        print(f"{name:24} {a.mean():9.3f} {(a >= 0.9).mean():9.3f} {(a >= 0.97).mean():9.3f} "
              f"{statistics.median(times):10.1f} {_cpu_median():8.1f}")
    print(MRZ_HEAD)
    for name, fn in readers.items():
        exact = bac = fa = none = wrong = 0
        times = []
        _cpu_median()
        for rec, img in mrzs + clean:
            try:
                got, ms = _timed(fn, img)
            except MrzError:
                got, ms = None, 0.0
            times.append(ms)
            pred = _lines(got)
            if not rec.get("mrz"):
                fa += pred is not None
                continue
            truth = rec["mrz"]["lines"]
            if pred is None:
                none += 1
                continue
            exact += pred == truth
            ok = (ev.fmt_of(pred) == rec["mrz"]["format"]
                  and ev.bac_key(pred) == ev.bac_key(truth))
            bac += ok
            fa += ev.checks_ok(pred) and not ok
            wrong += ok and pred != truth
        n = len(mrzs)
        r = {"n": n, "exact": exact / n, "bac": bac / n, "fa": fa, "none": none / n,
             "median": statistics.median(times), "cpu": _cpu_median(), "wrong": wrong}
        out[f"mrz {name}"] = r
        print(_mrz_line(name, r))
    return out
