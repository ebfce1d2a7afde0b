"""`kiosk --self-test --config FILE`: is this terminal ready to serve? Offscreen, no visit.

One line per check, then a summary; exit 0 when every check passes, 1 when one fails, 2
when the configuration cannot be read (one line, no traceback):

    PASS config: kiosk K017 hall BA01
    PASS storage: /var/lib/kiosk writable, 41.2 GiB free; outbox 0 pending, 0 dead
    PASS card: reader 'Virtual PCD 00 00' present, card inserted
    SKIP camera: no source configured
    FAIL printer: offline (unreachable): tcp://10.0.0.5:9100: connection refused
    PASS platform: catalog 2026.11.3, 312 services, ETag "c-41"
    PASS fonts: receipt raster Chinese with wqy-microhei.ttc (bundled); MRZ OCRB.otf
    PASS screens: attract 1920x1080 rendered, 14% ink, keyboard 1920x552; Chinese font ...
    self-test FAILED: printer (7 of 8 checks passed)

The parts' checks are kiosk/selftest.py's (each on its own thread, bounded); the screens
check is ui/selftest.py's and runs last, on this thread, with Qt's offscreen platform.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from kiosk.config import load_config
from kiosk.selftest import THREADED, CheckResult, Context, _outcome, _timeouts, run_bounded
from offline_queue.settings import ConfigError


def main(config_path: Path) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        print(f"FAIL config: {exc}", flush=True)
        return 2
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s %(message)s")
    ctx = Context(config_path, config, config.ui)
    results = [CheckResult("config", "PASS",
                           f"kiosk {config.kiosk.id} hall {config.kiosk.hall} "
                           f"({config_path})")]
    print(results[0].line(), flush=True)
    limits = _timeouts(config)
    for name, fn in THREADED:
        results.append(run_bounded(name, fn, ctx, limits[name]))
        print(results[-1].line(), flush=True)
    from ui.selftest import check_screens  # Qt loads here, after QT_QPA_PLATFORM is set

    results.append(_outcome("screens", check_screens, ctx))
    print(results[-1].line(), flush=True)
    failed = [r.name for r in results if not r.passed]
    passed = len(results) - len(failed)
    skipped = sum(1 for r in results if r.outcome == "SKIP")
    note = f", {skipped} skipped" if skipped else ""
    if failed:
        print(f"self-test FAILED: {', '.join(failed)} ({passed} of {len(results)} checks "
              f"passed{note})", flush=True)
        return 1
    print(f"self-test passed: all {len(results)} checks{note}", flush=True)
    return 0
