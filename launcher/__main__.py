"""python -m launcher --config FILE [--check-config] [--self-test] [--headless] [--fullscreen]

Starts the touchscreen (Qt Quick) with every part of the kiosk behind it. `--headless`
runs only the outbox's sync worker, without a screen (e.g. to drain the queue).
`--self-test` checks config, storage, each device, the platform and the screens, offscreen,
and exits 0 when all pass. (The soak run is `python -m harness.soak N`: it is not shipped.)
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from kiosk.config import ConfigError, load_config
from offline_queue.client import PlatformClient
from offline_queue.crypto import KeyFileError
from offline_queue.logs import configure_logging
from offline_queue.outbox import Outbox, check_key_file
from offline_queue.sync import SyncWorker

log = logging.getLogger("kiosk")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m launcher")
    p.add_argument("--config", type=Path)
    p.add_argument("--check-config", action="store_true", help="validate the file and exit")
    p.add_argument("--self-test", action="store_true",
                   help="check config, storage, devices, platform and screens; exit 0 if all pass")
    p.add_argument("--headless", action="store_true", help="only the sync worker, no screen")
    p.add_argument("--fullscreen", action="store_true", help="the touchscreen fills the display")
    args = p.parse_args(argv)
    if args.config is None:
        p.error("--config is required")
    # Qt is imported only where a screen is wanted: --check-config and --headless run
    # without it, and the self-test picks the offscreen platform before Qt loads.
    if args.self_test:
        from .selftest import main as self_test_main

        return self_test_main(args.config)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.check_config:
        # load_config checked every section (unknown keys, [ui] and [camera] too); the
        # key file is the one other thing a start refuses on.
        try:
            check_key_file(config.storage)
        except KeyFileError as exc:
            print(f"key file error: {exc}", file=sys.stderr)
            return 2
        print(f"configuration OK: kiosk {config.kiosk.id} in hall {config.kiosk.hall}")
        return 0
    configure_logging(config.logging)
    if not args.headless:
        from ui.run import run

        return run(config, config.ui, fullscreen=args.fullscreen)
    try:
        outbox = Outbox(config.storage, config.kiosk)
    except KeyFileError as exc:
        print(f"key file error: {exc}", file=sys.stderr)
        return 2
    client = PlatformClient(config.platform, config.kiosk.id)
    worker = SyncWorker(outbox, client, config.sync)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("kiosk_started id=%s hall=%s", config.kiosk.id, config.kiosk.hall)
    try:
        worker.run_forever(stop)
    finally:
        client.close()
        outbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
