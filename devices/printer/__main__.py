"""python -m devices.printer test-print --printer URL [--profile NAME] [--lang zh|en]
python -m devices.printer status --printer URL

`status` prints the status as JSON and exits 0 when the printer can print (ok or
degraded), 2 otherwise; `test-print` exits 0 when the job went through, 2 when the
printer was not ready or the job failed part-way, 1 on a bad setting.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from .port import PrinterConfigError, PrinterNotReady, PrintIncomplete
from .printer import Printer
from .profiles import DEFAULT_PROFILE, PROFILES, UnknownProfile
from .sample import sample_receipt
from .transports import Timeouts


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devices.printer")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("test-print", "print a sample filing receipt"),
                       ("status", "print the printer's status as JSON")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--printer", required=True,
                       help="tcp://host:port, serial:///dev/ttyS0?baudrate=115200, "
                            "usb://VID:PID or file:///path")
        p.add_argument("--profile", default=DEFAULT_PROFILE, help=", ".join(sorted(PROFILES)))
        p.add_argument("--timeout", type=float, default=1.0,
                       help="seconds to wait for each status answer")
        if name == "test-print":
            p.add_argument("--lang", choices=("zh", "en"), default="zh")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    timeouts = Timeouts(connect_s=max(args.timeout, 1.0), status_s=args.timeout)
    try:
        printer = Printer.from_url(args.printer, args.profile, timeouts=timeouts)
    except (PrinterConfigError, UnknownProfile) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.command == "status":
        status = printer.status()
        print(json.dumps(status.to_dict(), ensure_ascii=False))
        return 0 if status.can_print else 2
    try:
        result = printer.print_document(sample_receipt(args.lang))
    except PrinterNotReady as exc:
        print(json.dumps({"printed": False, **exc.status.to_dict()}, ensure_ascii=False))
        return 2
    except PrintIncomplete as exc:
        print(json.dumps({"printed": "partial", "reason": exc.reason,
                          "bytes_sent": exc.bytes_sent, "bytes_total": exc.bytes_total}))
        return 2
    except PrinterConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"printed": True, "bytes": result.bytes_sent, **result.status.to_dict()},
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
