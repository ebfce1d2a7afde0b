"""Camera figures on seeded synthetic sets (sim.camera), each beside a peer run alike.

- detection (>= 300 frames of 1280x720, some empty): mean IoU the SmartDoc 2015 way (both
  quads mapped into the true document's frame, IoU of the areas, a miss scores 0), share of
  frames with IoU >= 0.9, false positives on empty frames, median and p95 ms per frame on
  one core; peer: the classic tutorial pipeline (grey, blur, Canny, largest 4-point contour).
- MRZ: exact-read rate, BAC-key rate (number, birth and expiry right), false accepts,
  median ms; peer: tesseract on the same straightened MRZ band (skipped if not installed).
- codes: success and median ms of zxing-cpp and pyzbar on receipts with QR codes.
- preview: frames per second of the live preview while detection runs on its own thread.

- MRZ over a held document (MrzVoter, several frames of one page): BAC-key rate after 1, 3
  and 5 frames, false accepts.

- page orientation: share of rectified pages of the detection set that come out upright,
  with the orientation step and without (the scenes know each document's own corners).

- widened scenes (issue 13; sim.camera.wide), on a HELD-OUT seed nobody tunes on: detection
  (mean IoU, hit >= 0.9, false positives, ms) and MRZ (BAC key, false accepts, no answer),
  with the tutorial detector and tesseract on the same frames.
- the real share (../shared/camera-real beside the repository, or --real DIR, or
  $KIOSK_CAMERA_REAL): the same figures on real photographs and scans, with the same peers.

    python bench/camera.py [--frames 320] [--mrz 200] [--held 60] [--codes 100] [--seed 2015]
                           [--wide 300] [--wide-mrz 200] [--wide-seed 91013] [--real DIR]
                           [--only preview,detect,orient,mrz,held,codes,wide,real]
                           [--no-tesseract] [--peer-max N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from camera_wide import (  # noqa: E402  (bench/ is the script's own folder)
    bench_real,
    bench_wide_detection,
    bench_wide_mrz,
    real_dir,
)

from devices.camera import (  # noqa: E402
    CameraSettings,
    Capture,
    MrzVoter,
    PreviewPipeline,
    detect_document,
    mrz_learned,  # noqa: E402
    read_codes,
    read_mrz,
)
from devices.camera.detect import order_corners  # noqa: E402
from devices.camera.mrz_reader import _pages, read_mrz_learned  # noqa: E402
from devices.camera.ocrb import templates  # noqa: E402
from devices.camera.orient import page_orientation  # noqa: E402
from devices.camera.rectify import MM_PER_INCH, DocumentKind, rectify, upright_corners  # noqa: E402
from devices.mrz import MrzError, parse_mrz  # noqa: E402
from sim.camera import (  # noqa: E402
    detection_set,
    hold_sequence,
    mrz_hold_set,
    mrz_set,
    qr_set,
    write_video,
)
from sim.camera.wide import HELD_OUT_SEED, wide_detection_set, wide_mrz_set  # noqa: E402
from tests.devices.camera.camera_helpers import smartdoc_iou  # noqa: E402  (one metric)


def tutorial_detect(img):
    """The pipeline most tutorials teach: grey, blur, Canny, largest four-point contour."""
    h, w = img.shape[:2]
    scale = 500 / h
    small = cv2.resize(img, (round(w * scale), 500))
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    edged = cv2.Canny(gray, 75, 200)
    cnts, _ = cv2.findContours(edged, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for c in sorted(cnts, key=cv2.contourArea, reverse=True)[:5]:
        approx = cv2.approxPolyDP(c, 0.02 * cv2.arcLength(c, True), True)
        if len(approx) == 4 and cv2.contourArea(approx) > 0.02 * small.shape[0] * small.shape[1]:
            return order_corners(approx.reshape(4, 2) / scale)
    return None


def pct(values, q):
    return float(np.percentile(values, q)) if values else float("nan")


def bench_detection(scenes):
    print(f"\n== document detection: {len(scenes)} frames 1280x720, "
          f"{sum(s.truth['quad'] is None for s in scenes)} empty; one core ==")
    rows = {}
    for name, fn in (("ours", detect_document), ("tutorial", tutorial_detect)):
        ious, times, fp, empties = [], [], 0, 0
        fn(scenes[0].image)  # warm-up
        for sc in scenes:
            t = time.perf_counter()
            quad = fn(sc.image)
            times.append((time.perf_counter() - t) * 1000)
            if sc.truth["quad"] is None:
                empties += 1
                fp += quad is not None
            else:
                ious.append(smartdoc_iou(sc.truth["quad"], quad, sc.truth["size_mm"]))
        rows[name] = (np.mean(ious), np.mean(np.array(ious) >= 0.9), fp, empties,
                      statistics.median(times), pct(times, 95))
    print(f"{'':10} {'mean IoU':>9} {'IoU>=0.9':>9} {'false pos':>10} {'median ms':>10} "
          f"{'p95 ms':>8}")
    for name, (m, share, fp, empties, med, p95) in rows.items():
        print(f"{name:10} {m:9.3f} {share:9.3f} {fp:>5}/{empties:<4} {med:10.2f} {p95:8.2f}")
    print(f"ratio ours/tutorial: mean IoU x{rows['ours'][0] / max(rows['tutorial'][0], 1e-9):.2f},"
          f" median time x{rows['ours'][4] / rows['tutorial'][4]:.2f}")
    per_case = {}
    for sc in scenes:
        if sc.truth["quad"] is None:
            continue
        iou = smartdoc_iou(sc.truth["quad"], detect_document(sc.image), sc.truth["size_mm"])
        keys = [f"doc={sc.truth['doc']}", f"counter={sc.truth['counter']}"]
        keys += [k for k in ("shadow", "glare", "finger") if sc.truth[k]]
        for k in keys:
            per_case.setdefault(k, []).append(iou)
    print("ours by case: " + ", ".join(f"{k} {np.mean(v):.3f} (n={len(v)})"
                                       for k, v in sorted(per_case.items())))


_KINDS = {"a4": DocumentKind.A4, "id1": DocumentKind.ID1, "td1": DocumentKind.ID1,
          "passport": DocumentKind.PASSPORT, "receipt": DocumentKind.RECEIPT}


def bench_orientation(scenes, dpi=200):
    """Which way up rectify's pages come out, against the scene's truth (its quad lists the
    document's own corners from its top-left): with the orientation step and without."""
    print(f"\n== page orientation: rectified pages of the detection set at {dpi} dpi ==")
    per, times, lost = {}, [], 0
    for sc in scenes:
        if sc.truth["quad"] is None:
            continue
        quad = detect_document(sc.image)
        if quad is None:
            lost += 1
            continue
        kind = _KINDS[sc.truth["doc"]]
        q = upright_corners(np.asarray(quad), kind.size.portrait)
        # Which truth corner became the page's top-left: 0 upright, 2 upside down.
        corner = int(np.argmin(np.linalg.norm(np.asarray(sc.truth["quad"]) - q[0], axis=1)))
        page = rectify(sc.image, quad, kind, dpi, upright=False)
        t = time.perf_counter()
        found = page_orientation(page, dpi / MM_PER_INCH, landscape=not kind.size.portrait)
        times.append((time.perf_counter() - t) * 1000)
        after = {0: corner, 180: (corner + 2) % 4}[found.turn]
        per.setdefault(sc.truth["doc"], []).append((corner == 0, after == 0, found.cue))
    print(f"{'':10} {'pages':>6} {'upright before':>15} {'upright after':>14}  cues")
    rows = [(k, v) for k, v in sorted(per.items())] + [("all", sum(per.values(), []))]
    for name, v in rows:
        cues = {c: sum(1 for r in v if r[2] == c) for c in ("mrz", "text", "none")}
        print(f"{name:10} {len(v):>6} {np.mean([r[0] for r in v]):15.3f} "
              f"{np.mean([r[1] for r in v]):14.3f}  "
              + " ".join(f"{k} {n}" for k, n in cues.items()))
    print(f"median ms per page: {statistics.median(times):.1f}; pages not detected: {lost}")


def tesseract_read(img):
    """Tesseract (eng, no OCR-B model exists in Debian) on our straightened MRZ band."""
    import pytesseract

    for page in _pages(img):
        band = page[int(page.shape[0] * 0.62):]
        text = pytesseract.image_to_string(
            band, config="--psm 6 -c tessedit_char_whitelist=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
        lines = [ln.replace(" ", "") for ln in text.splitlines() if len(ln.strip()) >= 25]
        for n in (2, 3):
            if len(lines) >= n:
                try:
                    return parse_mrz(lines[-n:])
                except MrzError:
                    pass
    return None


def bench_mrz(scenes, tesseract=True, peer_max=10**9):
    print(f"\n== MRZ: {len(scenes)} frames (TD3 passport pages and TD1 cards) ==")
    templates()  # built once per process; not counted per frame
    peers = [("ours (OCR-B templates)", read_mrz)]
    if not tesseract:
        print("tesseract column skipped (--no-tesseract)")
    elif shutil.which("tesseract"):
        try:
            import pytesseract  # noqa: F401

            peers.append(("tesseract", tesseract_read))
        except ImportError:
            print("tesseract column skipped: pytesseract is not installed")
    else:
        print("tesseract column skipped: the tesseract binary is not installed "
              "(apt-get install tesseract-ocr; pip install pytesseract)")
    print(f"{'':24} {'exact':>7} {'BAC key':>8} {'false acc':>10} {'none':>6} {'median ms':>10}")
    for name, fn in peers:
        exact = bac = false = none = 0
        times = []
        frames = scenes if fn is read_mrz else scenes[:peer_max]
        for sc in frames:
            truth = parse_mrz(sc.truth["mrz"])
            t = time.perf_counter()
            got = fn(sc.image)
            times.append((time.perf_counter() - t) * 1000)
            if got is None:
                none += 1
                continue
            exact += got.lines == truth.lines
            ok = got.bac_seed() == truth.bac_seed()
            bac += ok
            false += not ok
        n = len(frames)
        print(f"{name:24} {exact / n:7.3f} {bac / n:8.3f} {false:>10} {none:>6} "
              f"{statistics.median(times):10.1f}")


def bench_mrz_voter(held):
    """A held document gives many frames: MrzVoter averages their character scores."""
    n = len(held)
    frames = len(held[0])
    print(f"\n== MRZ over a held document: {n} documents, {frames} frames each "
          f"(MrzVoter; a reading counts once it is returned) ==")
    marks = sorted({1, 3, frames})
    print(f"{'after frames':>14} {'BAC key':>8} {'false acc':>10} {'none':>6}")
    got_at: list[tuple[int, bool] | None] = []
    times = []
    for seq in held:
        truth = parse_mrz(seq[0].truth["mrz"])
        voter = MrzVoter()
        res = None
        for k, sc in enumerate(seq, start=1):
            t = time.perf_counter()
            got = voter.feed(sc.image)
            times.append((time.perf_counter() - t) * 1000)
            if got is not None:
                res = (k, got.bac_seed() == truth.bac_seed())
                break
        got_at.append(res)
    for m in marks:
        ok = sum(1 for r in got_at if r and r[0] <= m and r[1])
        bad = sum(1 for r in got_at if r and r[0] <= m and not r[1])
        none = sum(1 for r in got_at if not r or r[0] > m)
        print(f"{m:>14} {ok / n:8.3f} {bad:>10} {none:>6}")
    print(f"median ms per frame fed: {statistics.median(times):.1f}")


def bench_codes(scenes):
    print(f"\n== QR codes: {len(scenes)} receipts on the counter ==")
    print(f"{'':8} {'read':>6} {'median ms':>10}")
    for backend in ("zxing", "pyzbar"):
        ok, times = 0, []
        for sc in scenes:
            t = time.perf_counter()
            codes = read_codes(sc.image, backend)
            times.append((time.perf_counter() - t) * 1000)
            ok += any(c.text == sc.truth["qr_text"] for c in codes)
        print(f"{backend:8} {ok / len(scenes):6.3f} {statistics.median(times):10.1f}")


def bench_preview(seed, seconds=6.0):
    print("\n== live preview while detection runs (2 cores; capture, detection, preview) ==")
    seq = []
    for i, doc in enumerate(("a4", "id1", "passport")):
        seq += hold_sequence(seed + i, doc, still=20)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_video(seq, Path(tmp) / "feed.avi", fps=30)
        for fps in (30.0, 1000.0):
            cam = Capture(CameraSettings(source=str(path), fps=fps))
            with cam:
                pipe = PreviewPipeline(cam)
                pipe.start()
                cam.latest(3.0)
                shown, last, start = 0, -1, time.monotonic()
                while time.monotonic() - start < seconds:
                    got = pipe.preview(0.5, newer_than=last)
                    if got:
                        last, shown = got[0].index, shown + 1
                took = time.monotonic() - start
                pipe.stop()
            label = "camera paced at 30 fps" if fps < 100 else "file read flat out"
            print(f"{label:24} preview {shown / took:6.1f} fps, detection "
                  f"{pipe.detections / took:5.1f} fps, errors {pipe.errors}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=320)
    ap.add_argument("--mrz", type=int, default=200)
    ap.add_argument("--held", type=int, default=60)
    ap.add_argument("--codes", type=int, default=100)
    ap.add_argument("--seed", type=int, default=2015)
    ap.add_argument("--wide", type=int, default=300, help="widened detection frames")
    ap.add_argument("--wide-mrz", type=int, default=200, help="widened MRZ frames")
    ap.add_argument("--wide-seed", type=int, default=HELD_OUT_SEED,
                    help="the held-out seed (default); sim.camera.wide.DEV_SEED to develop")
    ap.add_argument("--real", help="the real share's folder (default: $KIOSK_CAMERA_REAL, "
                    "else <repo>/../shared/camera-real)")
    ap.add_argument("--peer-max", type=int, default=10**9,
                    help="tesseract on at most this many widened MRZ frames (2 s each)")
    ap.add_argument("--only", default="preview,detect,orient,mrz,held,codes,wide,real",
                    help="comma-separated parts to run (the sets of other parts are not made)")
    ap.add_argument("--no-tesseract", action="store_true", help="skip the slow peer column")
    args = ap.parse_args()
    only = set(args.only.split(","))
    t0 = time.monotonic()
    det = detection_set(args.seed, args.frames) if only & {"detect", "orient"} else []
    mrz = mrz_set(args.seed + 1, args.mrz) if "mrz" in only else []
    qr = qr_set(args.seed + 2, args.codes) if "codes" in only else []
    held = mrz_hold_set(args.seed + 3, args.held, 5) if "held" in only else []
    wide = wide_detection_set(args.wide_seed, args.wide) if "wide" in only else []
    wide_mrz = wide_mrz_set(args.wide_seed + 1, args.wide_mrz) if "wide" in only else []
    print(f"sets rendered in {time.monotonic() - t0:.0f} s (seed {args.seed})")
    if "preview" in only:
        bench_preview(args.seed)  # before the single-core section
    cv2.setNumThreads(1)
    if "detect" in only:
        bench_detection(det)
    if "orient" in only:
        bench_orientation(det)
    if "mrz" in only:
        bench_mrz(mrz, tesseract=not args.no_tesseract, peer_max=args.peer_max)
    if "held" in only:
        bench_mrz_voter(held)
    if "codes" in only:
        bench_codes(qr)
    readers = {"ours (OCR-B templates)": lambda f: read_mrz(f, learned=False)}
    if mrz_learned.available():  # the learned line reader, alone and as the last pass
        readers["ours (learned only)"] = read_mrz_learned
        readers["ours (combined)"] = read_mrz
    if not args.no_tesseract and _have_tesseract():
        readers["tesseract"] = tesseract_read
    detectors = {"ours": detect_document, "tutorial": tutorial_detect}
    label = f"seed {args.wide_seed}" + (" (held out)" if args.wide_seed == HELD_OUT_SEED else "")
    if "wide" in only:
        bench_wide_detection(wide, detectors, label)
        bench_wide_mrz(wide_mrz, readers, label, args.peer_max)
    if "real" in only:
        bench_real(real_dir(ROOT, args.real), detectors, readers)
    return 0


def _have_tesseract() -> bool:
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return shutil.which("tesseract") is not None


if __name__ == "__main__":
    raise SystemExit(main())
