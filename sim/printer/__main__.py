"""python -m sim.printer --port 0 --port-file F [--control-port 0 --control-port-file G]
[--width 384|576] [--out DIR]"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from .control import ControlServer
from .server import VirtualPrinter

log = logging.getLogger("sim.printer")


def _write_port(path: str, port: int) -> None:
    """Atomically, so a waiting parent never reads half a number."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=directory)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.printer",
                                     description="Virtual ESC/POS printer on a TCP port.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the print port here once listening")
    parser.add_argument("--control-port", type=int, default=0, help="HTTP control API port")
    parser.add_argument("--control-port-file", help="write the control port here")
    parser.add_argument("--width", type=int, choices=(384, 576), default=576,
                        help="printable dots: 384 (58 mm) or 576 (80 mm)")
    parser.add_argument("--out", type=Path, help="write each job as job-NNNN.bin/.png/.txt")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")

    # The stop signals are caught before any port is announced (as sim/idcard does): a
    # parent that reads the port and sends SIGTERM at once must not kill it mid-start.
    done = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    printer = VirtualPrinter(args.host, args.port, width_dots=args.width, out_dir=args.out)
    control = ControlServer(printer, args.host, args.control_port)
    printer.start()
    control.start()
    log.info("printing on tcp://%s:%d, control on http://%s:%d/state", args.host, printer.port,
             args.host, control.port)
    if args.control_port_file:
        _write_port(args.control_port_file, control.port)
    if args.port_file:  # last: the parent waits for this one
        _write_port(args.port_file, printer.port)

    while not done.wait(0.5):
        pass
    control.stop()
    printer.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
