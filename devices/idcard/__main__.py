"""Technician commands for the SAM ID card reader.

    python -m devices.idcard read   --port DEVICE [--baud N] [--usb VID:PID] [--json]
    python -m devices.idcard status --port DEVICE [--baud N] [--usb VID:PID] [--json]
    python -m devices.idcard watch  --port DEVICE [--seconds N]

DEVICE is a serial device or tcp://host:port. Errors print one line on stderr and exit
non-zero: 2 bad arguments, 3 no card / card removed, 4 reader missing or not answering,
5 timeout, 6 SAM fault, 1 any other failed read. The JSON holds the card's data: it is
for the technician's screen, never for a ticket or a log.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from dataclasses import replace
from datetime import date

from devices.idcard.errors import (
    AnswerLost,
    IdCardConfigError,
    IdCardError,
    IdCardTimeout,
    NoCard,
    ReaderUnavailable,
    SamFault,
    TruncatedAnswer,
)
from devices.idcard.port import IdCardEvent
from devices.idcard.service import IdCardService
from devices.idcard.settings import BAUDS, IdCardSettings, parse_vid_pid

_EXIT: tuple[tuple[type[IdCardError], int], ...] = (
    (IdCardConfigError, 2), (NoCard, 3), (ReaderUnavailable, 4), (AnswerLost, 4),
    (TruncatedAnswer, 4), (IdCardTimeout, 5), (SamFault, 6))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m devices.idcard",
                                description=(__doc__ or "").split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name, text in (("read", "read the card on the reader once"),
                       ("status", "print the SAM id and the reader's state"),
                       ("watch", "print the monitor's events")):
        c = sub.add_parser(name, help=text)
        c.add_argument("--port", default=IdCardSettings.port,
                       help="serial device or tcp://host:port")
        c.add_argument("--baud", type=int, default=IdCardSettings.baud, choices=BAUDS)
        c.add_argument("--usb", help="VID:PID: USB bulk instead of --port")
        c.add_argument("--usb-single", action="store_true",
                       help="the whole frame on one OUT (02) and one IN (81) endpoint")
        c.add_argument("--timeout", type=float, help="the whole call's limit, seconds")
        c.add_argument("--json", action="store_true", help="print one JSON object")
        if name == "read":
            c.add_argument("--fingerprint", action="store_true", help="read with 30 10")
        if name == "watch":
            c.add_argument("--seconds", type=float, default=30.0)
    return p


def _settings(args: argparse.Namespace) -> IdCardSettings:
    s = replace(IdCardSettings(), port=args.port, baud=args.baud,
                fingerprint=getattr(args, "fingerprint", False))
    if args.usb:
        s = replace(s, usb=parse_vid_pid(args.usb))
        if args.usb_single:
            s = replace(s, usb_out=(0x02,), usb_in=(0x81,), usb_split=False)
    return s


def _read(service: IdCardService, args: argparse.Namespace) -> int:
    identity = service.read_identity(timeout_s=args.timeout, refuse_expired=False)
    out = identity.to_json_dict(date.today())
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for key, value in out.items():
            print(f"{key:20} {value}")
    return 0


def _status(service: IdCardService, args: argparse.Namespace) -> int:
    info = service.sam_info(args.timeout)
    if args.json:
        print(json.dumps({"sam_id": info.sam_id, "state": str(info.status.state),
                          "code": info.status.code, "detail": info.status.detail}))
    else:
        print(f"sam_id {info.sam_id}\nstate  {info.status.state} ({info.status.code})")
    return 0


def _watch(service: IdCardService, args: argparse.Namespace) -> int:
    def show(e: IdCardEvent) -> None:  # events carry no personal data except `identity`
        extra = f" {e.identity.layout} frames={e.identity.frames}" if e.identity else ""
        print(f"{e.at:12.3f} {e.kind:16} {e.code}{extra}", flush=True)

    service.start(show)
    with contextlib.suppress(KeyboardInterrupt):
        time.sleep(args.seconds)
    print(f"status {service.status().state} ({service.status().code})")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        service = IdCardService(_settings(args))
    except IdCardError as exc:
        print(f"idcard error ({exc.code}): {exc}", file=sys.stderr)
        return 2
    try:
        run = {"read": _read, "status": _status, "watch": _watch}[args.command]
        return run(service, args)
    except IdCardError as exc:
        print(f"idcard error ({exc.code}): {exc}", file=sys.stderr)
        for kind, code in _EXIT:
            if isinstance(exc, kind):
                return code
        return 1
    finally:
        service.stop(1.0)


if __name__ == "__main__":
    sys.exit(main())
