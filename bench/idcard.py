"""ID card read latency: card placed -> identity delivered by the service (its
`identity_read` event), against the emulated reader's own answer time, through a real pty
and pyserial, with the monitor polling as in the kiosk.

The reader's own time for a read is what the emulator spends answering its frames:
answer_delay_s per frame plus read_delay_s for the read itself. Two overheads are shown:
  - whole: placed -> delivered, minus the reader's time (includes waiting for the next
    poll, at most poll_interval_s);
  - after find: card found and selected -> delivered, minus the reader's time for the
    frames after select (our framing, parsing, decoding and event delivery alone).

    python bench/idcard.py [--runs N] [--read-delay 0.5] [--answer-delay 0.005]
                           [--poll 0.05] [--card resident]

Later: "identity shown on screen" (the lead's part) extends the end point to the UI.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devices.idcard.port import IdCardEvent  # noqa: E402
from devices.idcard.service import IdCardService  # noqa: E402
from devices.idcard.settings import IdCardSettings  # noqa: E402
from sim.idcard import ReaderEmulator, sample_cards  # noqa: E402


class Waiter:
    def __init__(self) -> None:
        self.events: list[IdCardEvent] = []
        self.cond = threading.Condition()

    def __call__(self, event: IdCardEvent) -> None:
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def next(self, kind: str, after: int, timeout_s: float = 10.0) -> IdCardEvent:
        with self.cond:
            ok = self.cond.wait_for(lambda: any(e.kind == kind for e in self.events[after:]),
                                    timeout_s)
            if not ok:
                raise SystemExit(f"no {kind} within {timeout_s} s")
            return next(e for e in self.events[after:] if e.kind == kind)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--read-delay", type=float, default=0.5)
    p.add_argument("--answer-delay", type=float, default=0.005)
    p.add_argument("--poll", type=float, default=IdCardSettings.poll_interval_s,
                   help="the monitor's poll interval")
    p.add_argument("--card", default="resident")
    args = p.parse_args()

    card = sample_cards()[args.card]
    emu = ReaderEmulator(answer_delay_s=args.answer_delay, read_delay_s=args.read_delay)
    folder = Path(tempfile.mkdtemp(prefix="bench-idcard-"))
    path = emu.start_pty(link=folder / "ttyIDR0")
    service = IdCardService(IdCardSettings(port=str(path), poll_interval_s=args.poll))
    waiter = Waiter()
    service.start(waiter)
    whole, after_find, frames = [], [], []
    rng = random.Random(11)
    try:
        deadline = time.monotonic() + 10
        while service.status().code != "ready" and time.monotonic() < deadline:
            time.sleep(0.01)
        for _ in range(args.runs):
            # a citizen's card lands at a random moment of the poll cycle, not right after
            # the poll that saw the last one go
            time.sleep(rng.uniform(0, args.poll))
            mark = len(waiter.events)
            placed_at = time.monotonic()
            emu.place(card)
            found = waiter.next("card_placed", mark)
            done = waiter.next("identity_read", mark)
            assert done.identity is not None
            n = done.identity.frames
            own = n * args.answer_delay + args.read_delay
            own_after_select = (n - 2) * args.answer_delay + args.read_delay
            whole.append((done.at - placed_at - own) * 1000)
            after_find.append((done.at - found.at - own_after_select) * 1000)
            frames.append(n)
            mark = len(waiter.events)
            emu.remove()
            waiter.next("card_removed", mark)
    finally:
        service.stop()
        emu.stop()

    own_ms = (statistics.mean(frames) * args.answer_delay + args.read_delay) * 1000
    print(f"idcard bench: {args.runs} reads of {args.card!r}, read_delay {args.read_delay} s, "
          f"answer_delay {args.answer_delay * 1000:.0f} ms, poll {args.poll * 1000:.0f} ms")
    print(f"  frames per read           {statistics.mean(frames):.1f} "
          f"(min {min(frames)}, max {max(frames)})")
    print(f"  reader's own answer time  {own_ms:7.1f} ms")
    print(f"  placed -> delivered       {own_ms + statistics.median(whole):7.1f} ms median")
    print(f"  overhead, whole           {statistics.median(whole):7.1f} ms median, "
          f"p90 {pct(whole, 0.9):.1f}, max {max(whole):.1f}  (includes the poll wait)")
    print(f"  overhead, after find      {statistics.median(after_find):7.1f} ms median, "
          f"p90 {pct(after_find, 0.9):.1f}, max {max(after_find):.1f}")
    aim = 50.0
    verdict = "within" if statistics.median(whole) <= aim else "OVER"
    print(f"  aim: whole overhead <= {aim:.0f} ms (median): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
