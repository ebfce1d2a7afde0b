"""python -m sim.idcard --pty LINK | --tcp PORT [--card NAME] [--control-port N]"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .cards import sample_cards
from .control import ControlServer
from .emulator import ReaderEmulator

log = logging.getLogger("sim.idcard")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.idcard",
                                     description="Emulated SAM ID card reader.")
    where = parser.add_argument_group("link (one or both)")
    where.add_argument("--pty", type=Path, help="make this symlink to a new pty's slave")
    where.add_argument("--tcp", type=int, help="listen on this loopback port (0: any)")
    parser.add_argument("--card", help="a sample card on the reader from the start")
    parser.add_argument("--control-port", type=int, help="line-based control socket port")
    parser.add_argument("--sam-id", default="05.01-20231115-0000123456-1234567890")
    parser.add_argument("--answer-delay", type=float, default=0.02, help="seconds")
    parser.add_argument("--read-delay", type=float, default=0.6, help="seconds (real: 0.4-1.1)")
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--no-check-baud", action="store_true",
                        help="accept bytes whatever line speed the host set")
    parser.add_argument("--line-speed", action="store_true", help="pace answers at the baud")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if args.pty is None and args.tcp is None:
        parser.error("give --pty LINK and/or --tcp PORT")
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    cards = sample_cards()
    if args.card and args.card not in cards:
        parser.error(f"--card is one of {', '.join(cards)}")

    # The stop signals are caught before any port is announced: a host that reads the
    # ports, talks and sends SIGTERM at once (a test on a loaded box) could find the handler
    # not yet in place, and the process died of the signal instead of stopping (-15).
    done = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    emu = ReaderEmulator(args.sam_id, answer_delay_s=args.answer_delay,
                         read_delay_s=args.read_delay, baud=args.baud,
                         check_baud=not args.no_check_baud, emulate_line_speed=args.line_speed)
    if args.pty is not None:
        print(f"pty {emu.start_pty(args.pty)} -> {emu.slave_name}", flush=True)
    if args.tcp is not None:
        print(f"tcp 127.0.0.1:{emu.start_tcp(args.tcp)}", flush=True)
    if args.card:
        emu.place(cards[args.card])
    control = None
    if args.control_port is not None:
        control = ControlServer(emu, cards, port=args.control_port).start()
        print(f"control 127.0.0.1:{control.port}", flush=True)

    while not done.wait(0.5):
        pass
    if control is not None:
        control.stop()
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
