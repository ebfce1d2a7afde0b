"""Technician commands for the card reader.

    python -m devices.card readers
    python -m devices.card read --reader NAME --document-number N --birth-date YYMMDD
                                --expiry-date YYMMDD [--csca-dir DIR] [--json]
    python -m devices.card uid [--reader NAME]
    python -m devices.card watch [--seconds N]

Errors print one line on stderr and exit non-zero (2 bad key, 3 no card / card removed,
4 reader or pcscd unavailable, 5 timeout, 1 anything else from the card).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from devices.card.errors import (
    BacFailed,
    CardError,
    CardRemoved,
    CardTimeout,
    NoCard,
    ReaderUnavailable,
)
from devices.card.port import CardEvent
from devices.card.service import CardService
from devices.card.settings import CardSettings

_EXIT = ((BacFailed, 2), (CardRemoved, 3), (NoCard, 3), (ReaderUnavailable, 4),
         (CardTimeout, 5))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m devices.card", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("readers", help="list PC/SC readers and whether a card is present")
    r = sub.add_parser("read", help="read an eMRTD chip (BAC with the document's key)")
    r.add_argument("--reader", default=CardSettings.reader)
    r.add_argument("--document-number", required=True)
    r.add_argument("--birth-date", required=True, help="YYMMDD")
    r.add_argument("--expiry-date", required=True, help="YYMMDD")
    r.add_argument("--csca-dir", type=Path, help="folder of trusted CSCA certificates")
    r.add_argument("--timeout", type=float, default=CardSettings.read_timeout_s)
    r.add_argument("--json", action="store_true", help="print one JSON object")
    u = sub.add_parser("uid", help="print a card's UID (staff cards)")
    u.add_argument("--reader", default=CardSettings.reader)
    w = sub.add_parser("watch", help="print reader and card events")
    w.add_argument("--seconds", type=float, default=30.0)
    return p


def _readers() -> int:
    from devices.card.transport import (
        PcscConnection,
        establish_context,
        list_readers,
        release_context,
    )

    ctx = establish_context()
    try:
        names = list_readers(ctx)
    finally:
        release_context(ctx)
    for name in names:
        try:
            with PcscConnection(name) as conn:
                print(f"{name}\tcard\t{conn.atr.hex().upper()}")
        except NoCard:
            print(f"{name}\tempty")
        except CardError as exc:
            print(f"{name}\t{exc.code}")
    if not names:
        print("no readers", file=sys.stderr)
        return 4
    return 0


def _read(args: argparse.Namespace) -> int:
    service = CardService(CardSettings(reader=args.reader, csca_dir=args.csca_dir,
                                       read_timeout_s=args.timeout))
    try:
        doc = service.read_identity(args.document_number, args.birth_date, args.expiry_date,
                                    timeout_s=args.timeout)
    finally:
        service.stop(1.0)
    out = doc.to_json_dict()
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for key, value in out.items():
            print(f"{key:32} {value}")
    return 0


def _watch(seconds: float) -> int:
    def show(e: CardEvent) -> None:
        print(f"{e.at:12.3f} {e.kind:17} {e.reader} {e.atr}", flush=True)

    service = CardService(CardSettings())
    service.start(show)
    try:
        time.sleep(seconds)
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "readers":
            return _readers()
        if args.command == "read":
            return _read(args)
        if args.command == "uid":
            service = CardService(CardSettings(reader=args.reader))
            try:
                print(service.read_uid())
            finally:
                service.stop(1.0)
            return 0
        return _watch(args.seconds)
    except CardError as exc:
        print(f"card error ({exc.code}): {exc}", file=sys.stderr)
        for kind, code in _EXIT:
            if isinstance(exc, kind):
                return code
        return 1


if __name__ == "__main__":
    sys.exit(main())
