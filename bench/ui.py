"""The touchscreen: cold start to the first frame, and memory over many scripted visits.

- start: a fresh Python process (offscreen) from launch to the first frame the attract
  screen's window swaps; the peer is a bare QQmlApplicationEngine loading an empty Window
  the same way, measured in the same run; median of --runs each, ratio ours / peer.
- memory: RSS after 10 scripted visits against after --visits (default 1,000), the QML
  live: start filing → the chip (a fake port answering a real IdentityDocument) → a
  service found by "hz" → the form → two materials captured from pre-encoded JPEG bytes,
  one skipped → submit to a real encrypted outbox in a temp folder → a no-op printer →
  finish. A fake clock, no sleeps. Growth above 10 MB prints the top tracemalloc lines.

    python bench/ui.py [--runs 5] [--visits 1000] [--no-start] [--no-memory]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

AIM_START_S = 2.0
AIM_GROWTH_MB = 10.0

PEER_QML = b"import QtQuick\nWindow { width: 1920; height: 1080; visible: true }\n"


# ---- cold start ------------------------------------------------------------------------

def child_start(kind: str, folder: Path) -> None:
    """In the fresh process: load, show, print FIRST_FRAME at the first swapped frame."""
    from PySide6 import QtQuick  # noqa: F401
    from PySide6.QtCore import QTimer, QUrl
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtQml import QQmlApplicationEngine

    app = QGuiApplication(["bench"])
    keep: list[object] = []
    if kind == "peer":
        qml = folder / "Empty.qml"
        qml.write_bytes(PEER_QML)
        engine = QQmlApplicationEngine()
        engine.load(QUrl.fromLocalFile(str(qml)))
        window = engine.rootObjects()[0]
        keep.append(engine)
    else:
        from ui.metrics import ScreenMetrics
        from ui.window import load_ui

        rig = Rig(folder)
        ui = load_ui(rig.flow, ScreenMetrics.for_orientation("landscape"), tick_ms=0)
        window = ui.window
        keep.extend([rig, ui])

    def first() -> None:
        print("FIRST_FRAME", flush=True)
        app.quit()

    window.frameSwapped.connect(first)
    QTimer.singleShot(20_000, app.quit)  # bounded: a window that never renders
    app.exec()


def measure_start(kind: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, __file__, "--child", kind, tmp], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    text=True)
            assert proc.stdout is not None
            line = proc.stdout.readline()
            elapsed = time.perf_counter() - t0
            proc.wait(30)
            if "FIRST_FRAME" not in line:
                raise RuntimeError(f"{kind}: no first frame")
            times.append(elapsed)
    return times


# ---- scripted visits -------------------------------------------------------------------

def _page_jpeg(seed: int) -> bytes:
    import cv2
    import numpy as np

    img = np.full((1100, 780, 3), 245, np.uint8)
    rng = random.Random(seed)
    for y in range(60, 1040, 28):
        cv2.line(img, (50, y), (50 + rng.randint(200, 680), y), (40, 40, 40), 3)
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()


class FakeCard:
    """The card port: a real IdentityDocument, as the chip reader would answer."""

    def __init__(self) -> None:
        import cv2
        import numpy as np

        from devices.card.port import FaceImage, IdentityDocument, PassiveAuthResult

        face = cv2.imencode(".jpg", np.random.default_rng(5).integers(
            0, 255, (320, 240, 3), dtype=np.uint8))[1].tobytes()
        self.doc = IdentityDocument(
            mrz_format="TD3", document_type="P", issuing_state="CHN",
            document_number="E12345678", surname="ZHANG", given_names="WEI",
            nationality="CHN", birth_date="850315", sex="M", expiry_date="330314",
            full_name="张伟", personal_number="", face=FaceImage(face, "image/jpeg"),
            passive_auth=PassiveAuthResult("verified", "", ""), data_groups=(1, 2, 11),
            apdu_count=40, bytes_read=20000, read_ms=900.0)

    def read_identity(self, document_number: str, birth_date: str, expiry_date: str) -> object:
        return self.doc

    def read_uid(self) -> str:
        return "04112233445566"


class NoPrinter:
    """A printer port that takes every document at once (the bench measures the UI)."""

    def __init__(self) -> None:
        from devices.printer.port import DeviceState, PaperState, PrinterStatus

        self.status = PrinterStatus(DeviceState.OK, "ready", "", True, PaperState.OK, False)
        self.jobs = 0

    def print_document(self, doc: object) -> object:
        from devices.printer.port import PrintResult

        self.jobs += 1
        return PrintResult("receipt", 0, self.status)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Rig:
    """A Flow over a real outbox and the simulator's catalog on disk; no network."""

    def __init__(self, folder: Path) -> None:
        from kiosk.catalog import CatalogStore
        from kiosk.config import ReceiptSettings
        from kiosk.flow import Flow, FlowSettings
        from kiosk.flow.ports import InlineExecutor
        from kiosk.receipt import Place
        from kiosk.text import Text
        from offline_queue.outbox import Outbox
        from offline_queue.settings import load_queue_settings
        from sim.platform.catalog import build_catalog
        from tests.conftest import write_config

        settings = load_queue_settings(write_config(folder, log_dir=False))
        self.outbox = Outbox(settings.storage, settings.kiosk)
        (folder / "catalog.json").write_text(json.dumps(
            {"etag": "bench", "fetched_at": 0, "catalog": build_catalog(3)}), encoding="utf-8")
        self.store = CatalogStore(folder / "catalog.json", None)
        self.clock = Clock()
        self.printer = NoPrinter()
        receipt = ReceiptSettings("https://zwfw.example.gov/track?no={tracking_no}"
                                  "&code={query_code}", "12345")
        place = Place(Text("政务服务中心", "Government Service Center"), "BA01", "K017")
        self.flow = Flow(FlowSettings(place, receipt), catalog=self.store, outbox=self.outbox,
                         printer=self.printer, card=FakeCard(), platform=None,  # type: ignore[arg-type]
                         executor=InlineExecutor(), clock=self.clock)
        self.flow.platform_status(False)  # filing works offline; no platform here


def visit(rig: Rig, app: object, pages: list[bytes], form: dict[str, str]) -> str:
    """One whole visit; the QML renders after every step. Returns the tracking number."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from kiosk.flow.state import Screen

    flow = rig.flow

    def step() -> None:
        # As one turn of app.exec() would: events, then the deleteLater()s posted by
        # them (processEvents() alone never runs those: each screen the Loader drops
        # would keep its items and textures, some 3 MB a page image, for ever).
        rig.clock.now += 1.0
        app.processEvents()  # type: ignore[attr-defined]
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    flow.start_filing()
    step()
    flow.use_typed_mrz()
    flow.mrz_typed("E12345678", "850315", "330314")
    step()
    flow.confirm_identity()
    flow.search("hz")
    step()
    flow.choose_service("CR-HZ-0001")
    flow.start_form()
    step()
    for _ in range(10):
        if flow.state.screen != Screen.FORM:
            break
        for f in flow.state.view.fields:
            if f.field in form and not f.prefilled:  # the document's fields are read-only
                flow.set_field(f.field, form[f.field])
        flow.next_page()
        step()
    for i, code in enumerate(("id_card_copy", "photo")):
        flow.open_material(code)
        flow.page_captured(pages[i], kind="a4", size=(780, 1100), dpi=150)
        step()
        flow.material_done()
    flow.skip_material("household_register")
    flow.materials_done()
    step()
    flow.submit()
    step()
    view = flow.state.view
    if flow.state.screen != Screen.RECEIPT:
        raise RuntimeError(f"the visit stopped on {flow.state.screen.value}: "
                           f"{flow.state.message}")
    tracking = view.tracking_no
    flow.finish()
    step()
    step()  # the deferred drop of the last visit's QML leftovers
    return tracking


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def settle(app: object) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    for _ in range(3):
        app.processEvents()  # type: ignore[attr-defined]
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def measure_memory(visits: int, trace: bool) -> None:
    from offline_queue.resident_id import synthetic_id_number
    from ui.metrics import ScreenMetrics
    from ui.window import application, load_ui

    app = application()
    form = {"id_number": synthetic_id_number(random.Random(11), born=date(1985, 3, 15)),
            "mobile": "13912345678", "travel_purpose": "tourism",
            "home_address": "杭州市上城区解放路1号", "household_size": "3"}
    pages = [_page_jpeg(1), _page_jpeg(2)]
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        rig = Rig(Path(tmp))
        ui = load_ui(rig.flow, ScreenMetrics.for_orientation("landscape"), tick_ms=0)
        try:
            t0 = time.perf_counter()
            for _ in range(10):
                visit(rig, app, pages, form)
            settle(app)
            at10 = rss_mb()
            first = time.perf_counter() - t0
            if trace:
                tracemalloc.start(10)
                snap0 = tracemalloc.take_snapshot()
            t0 = time.perf_counter()
            for i in range(10, visits):
                visit(rig, app, pages, form)
                if i % 50 == 0:
                    print(f"  … {i} visits, RSS {rss_mb():.1f} MB", flush=True)
            settle(app)
            at_n = rss_mb()
            rest = time.perf_counter() - t0
            growth = at_n - at10
            print(f"memory: RSS after 10 visits {at10:.1f} MB, after {visits} "
                  f"{at_n:.1f} MB: growth {growth:+.1f} MB (aim ≤ {AIM_GROWTH_MB:.0f} MB: "
                  f"{'met' if growth <= AIM_GROWTH_MB else 'NOT met'})")
            print(f"        {rest / max(visits - 10, 1) * 1000:.0f} ms a visit "
                  f"(first 10: {first / 10 * 1000:.0f} ms); {rig.printer.jobs} receipts, "
                  f"outbox pending {rig.outbox.status().pending}")
            if trace:
                snap = tracemalloc.take_snapshot()
                print("python allocations grown most (tracemalloc):")
                for stat in snap.compare_to(snap0, "lineno")[:8]:
                    print(f"  {stat}")
                tracemalloc.stop()
        finally:
            ui.close()
            rig.outbox.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--visits", type=int, default=1000)
    p.add_argument("--no-start", action="store_true")
    p.add_argument("--no-memory", action="store_true")
    p.add_argument("--trace", action="store_true", help="tracemalloc top lines")
    p.add_argument("--child", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child_start(args.child[0], Path(args.child[1]))
        return 0
    if not args.no_start:
        measure_start("peer", 1)  # warm the disk cache for both
        ours = measure_start("kiosk", args.runs)
        peer = measure_start("peer", args.runs)
        mo, mp = statistics.median(ours), statistics.median(peer)
        print(f"start: kiosk attract screen {mo:.2f} s (median of {args.runs}: "
              f"{', '.join(f'{t:.2f}' for t in ours)}); empty QML Window {mp:.2f} s; "
              f"ratio {mo / mp:.2f}x (aim ≤ {AIM_START_S:.0f} s: "
              f"{'met' if mo <= AIM_START_S else 'NOT met'})")
    if not args.no_memory:
        measure_memory(args.visits, args.trace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
