"""Technicians' command line for the outbox: python -m offline_queue --config FILE CMD."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

from .client import PlatformClient, PlatformError
from .crypto import KeyFileError
from .loadtest import load_catalog, run_loadtest
from .logs import configure_logging
from .outbox import Outbox, OutboxError, OutboxItem
from .settings import ConfigError, QueueSettings, load_queue_settings
from .sync import SyncWorker

log = logging.getLogger("offline_queue.cli")

EXIT_CONFIG = 2
EXIT_FAILED = 1
EXIT_NOT_EMPTY = 3


def _item_json(item: OutboxItem) -> str:
    doc = asdict(item)
    if item.dead_reason:
        doc["dead_reason"] = json.loads(item.dead_reason)
    return json.dumps(doc, ensure_ascii=False)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m offline_queue", description=__doc__)
    p.add_argument("--config", required=True, type=Path, help="the kiosk's TOML file")
    p.add_argument("-v", "--verbose", action="store_true", help="log INFO to stderr")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="queue counts as JSON")
    lst = sub.add_parser("list", help="one JSON object per submission")
    lst.add_argument("--state", choices=("pending", "acknowledged", "dead"))
    retry = sub.add_parser("retry", help="send a dead or waiting submission again now")
    retry.add_argument("id", help="submission id or tracking number")
    sync = sub.add_parser("sync", help="send what is due to the platform")
    sync.add_argument("--until-empty", action="store_true", help="repeat until none pending")
    sync.add_argument("--timeout", type=float, default=300.0, help="seconds (with --until-empty)")
    sub.add_parser("purge", help="delete the personal data of acknowledged submissions past "
                   "storage.retention_days (the record stays) and orphaned attachments")
    load = sub.add_parser("loadtest", help="commit N synthetic submissions (staging only)")
    load.add_argument("n", type=int)
    load.add_argument("--seed", type=int)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_queue_settings(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.logging, stderr_level="INFO" if args.verbose else "WARNING",
                      filename="offline_queue.log")
    try:
        with Outbox(settings.storage, settings.kiosk) as outbox:
            return _run(args, settings, outbox)
    except KeyFileError as exc:
        print(f"key file error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (OutboxError, PlatformError, OSError) as exc:
        log.error("cli_failed command=%s error=%s", args.command, type(exc).__name__)
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _run(args: argparse.Namespace, settings: QueueSettings, outbox: Outbox) -> int:
    if args.command == "status":
        print(json.dumps(asdict(outbox.status())))
        return 0
    if args.command == "list":
        for item in outbox.items(args.state):
            print(_item_json(item))
        return 0
    if args.command == "retry":
        print(_item_json(outbox.retry(args.id)))
        return 0
    if args.command == "purge":  # the daily retention job (deploy/systemd)
        purged = outbox.purge_expired()
        swept = outbox.sweep_orphans()
        print(json.dumps({"purged_now": purged, "orphans_swept": swept,
                          **asdict(outbox.status())}))
        return 0
    client = PlatformClient(settings.platform, settings.kiosk.id)
    try:
        if args.command == "loadtest":
            catalog = load_catalog(client, settings.storage.data_dir)
            for filed in run_loadtest(outbox, catalog, args.n, seed=args.seed):
                print(filed.tracking_no, flush=True)
            return 0
        worker = SyncWorker(outbox, client, settings.sync)
        if args.until_empty:
            emptied = worker.run_until_empty(args.timeout)
            print(json.dumps({**worker.counters, **asdict(outbox.status())}))
            return 0 if emptied else EXIT_NOT_EMPTY
        result = worker.run_once()
        print(json.dumps({**asdict(result), **asdict(outbox.status())}))
        return 0
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
