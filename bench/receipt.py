"""Filing receipt on paper: bytes sent and time to paper, GB18030 text with native QR
against everything as raster (the peer), with the ratio; and the render time.

- bytes: the ESC/POS job as rendered for the profile (cn-80 / cn-58: Chinese mode and
  native QR; the peer: the same document with every line and the QR as GS v 0 raster);
- time to paper at 115200 baud (8N1: 10 bits a byte): the link time from the bytes, the
  print time from the paper length (the virtual printer's rendering, 8 dots/mm) and the
  profile's speed; the printer prints as data arrives, so the estimate is the larger;
- render time: document -> bytes, median of N runs (warm glyph cache), and the first run.

    python bench/receipt.py [--runs N] [--baud 115200] [--png docs/receipts]

With --png it also prints the receipts over TCP to the virtual printer and saves what
it rendered (the pictures in the README).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devices.printer import Printer, Timeouts, get_profile  # noqa: E402
from devices.printer.profiles import DOTS_PER_MM  # noqa: E402
from devices.printer.render import Renderer  # noqa: E402
from kiosk.config import ReceiptSettings  # noqa: E402
from kiosk.receipt import (  # noqa: E402
    DeviceLine,
    Place,
    QueueTicket,
    ServiceInfo,
    StatusSlip,
    filing_receipt,
    queue_ticket,
    status_slip,
)
from kiosk.text import Text  # noqa: E402
from offline_queue.outbox import FiledSubmission  # noqa: E402
from sim.platform.catalog import build_catalog  # noqa: E402
from sim.printer import Job, VirtualPrinter  # noqa: E402

PLACE = Place(Text("杭州市民之家政务服务中心", "Hangzhou Citizens' Service Center"),
              "BA01", "K017")


def receipt(lang: str):
    entry = next(s for s in build_catalog(3)["services"] if s["code"] == "CR-HZ-0001")
    filed = FiledSubmission("b", "BA01-K017-20250606-0042", "7KQ2MX", "CR-HZ-0001",
                            "2025-06-06T16:45:03+08:00")
    settings = ReceiptSettings(
        "https://zwfw.example.gov/track?no={tracking_no}&code={query_code}", "12345")
    return filing_receipt(filed, ServiceInfo.from_catalog(entry), PLACE, settings,
                          materials=["id_card_copy", "photo", "household_register"],
                          offline=True, lang=lang, delivery="pickup")


def measure(doc, profile_name: str, raster: bool, runs: int, baud: int) -> dict:
    profile = get_profile(profile_name)
    start = time.perf_counter()
    data = Renderer(profile, text_as_raster=raster).render(doc)  # cold: fonts, glyphs
    first = time.perf_counter() - start
    renderer = Renderer(profile, text_as_raster=raster)
    renderer.render(doc)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        renderer.render(doc)
        times.append(time.perf_counter() - start)
    height = Job(1, data, profile.width_dots, True, "ready").image().height
    paper_mm = height / DOTS_PER_MM
    link_s = len(data) * 10 / baud
    print_s = paper_mm / profile.speed_mm_s
    return {"bytes": len(data), "link_s": link_s, "print_s": print_s,
            "paper_s": max(link_s, print_s), "paper_mm": paper_mm,
            "render_ms": statistics.median(times) * 1000, "first_ms": first * 1000}


def save_pngs(folder: Path) -> None:
    from datetime import datetime

    ticket = QueueTicket("A023", Text("出入境业务", "Exit and entry"), 7, 25,
                         datetime(2025, 6, 6, 9, 12))
    slip = StatusSlip(datetime(2025, 6, 6, 23, 40), "0.1.0",
                      [DeviceLine("printer", "degraded", "paper_near_end",
                                  "paper roll near its end"),
                       DeviceLine("card_reader", "ok", "ready", ""),
                       DeviceLine("camera", "ok", "ready", ""),
                       DeviceLine("platform", "offline", "unreachable", "no answer since 23:02")],
                      3, 0, 2280, "sim-s3-r1")
    jobs = [("filing-80mm-zh", "cn-80", receipt("zh")), ("filing-80mm-en", "cn-80", receipt("en")),
            ("filing-58mm-zh", "cn-58", receipt("zh")), ("filing-58mm-en", "cn-58", receipt("en")),
            ("filing-58mm-zh-raster", "basic-58", receipt("zh")),
            ("ticket-80mm-zh", "cn-80", queue_ticket(ticket, PLACE, lang="zh")),
            ("ticket-58mm-en", "cn-58", queue_ticket(ticket, PLACE, lang="en")),
            ("status-slip-80mm-zh", "cn-80", status_slip(slip, PLACE, lang="zh")),
            ("status-slip-80mm-en", "cn-80", status_slip(slip, PLACE, lang="en"))]
    folder.mkdir(parents=True, exist_ok=True)
    for name, profile, doc in jobs:
        with VirtualPrinter(width_dots=get_profile(profile).width_dots) as vp:
            Printer.from_url(vp.url, profile, timeouts=Timeouts(status_s=2)).print_document(doc)
            vp.wait_for_jobs(1)[0].receipt_image().save(folder / f"{name}.png", optimize=True)
        print(f"saved {folder / name}.png ({profile})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--png", type=Path, help="also save the rendered receipts here")
    args = parser.parse_args()
    if args.png:
        save_pngs(args.png)
    print(f"filing receipt, {args.baud} baud 8N1; render = median of {args.runs} runs")
    header = (f"{'paper':<6}{'lang':<5}{'mode':<22}{'bytes':>8}{'link s':>8}{'print s':>8}"
              f"{'paper s':>8}{'mm':>6}{'render ms':>10}{'first ms':>9}")
    print(header)
    print("-" * len(header))
    for profile in ("cn-80", "cn-58"):
        for lang in ("zh", "en"):
            doc = receipt(lang)
            native = measure(doc, profile, False, args.runs, args.baud)
            raster = measure(doc, profile, True, args.runs, args.baud)
            for label, m in (("GB18030 + native QR", native), ("all raster (peer)", raster)):
                print(f"{profile[-2:] + 'mm':<6}{lang:<5}{label:<22}{m['bytes']:>8}"
                      f"{m['link_s']:>8.2f}{m['print_s']:>8.2f}{m['paper_s']:>8.2f}"
                      f"{m['paper_mm']:>6.0f}{m['render_ms']:>10.2f}{m['first_ms']:>9.1f}")
            print(f"{'':<11}ratio raster/native: bytes x{raster['bytes'] / native['bytes']:.1f}, "
                  f"time to paper x{raster['paper_s'] / native['paper_s']:.2f}, "
                  f"render x{raster['render_ms'] / native['render_ms']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
