"""Entry point of the packaged kiosk (kiosk.spec builds dist/kiosk/kiosk from this file).

    kiosk --config FILE [--self-test | --check-config | --headless | --fullscreen]
    kiosk queue --config FILE status | list | retry ID | sync ...
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path


def use_bundled_fonts() -> None:
    """In the one-folder build, let fontconfig (Qt's font lookup) see the fonts that ship in
    _internal/fonts besides the machine's own: a terminal without fonts-wqy-microhei still
    shows Chinese. An operator's own FONTCONFIG_FILE wins."""
    bundle = getattr(sys, "_MEIPASS", None)
    if not getattr(sys, "frozen", False) or bundle is None:
        return
    conf = Path(bundle) / "fonts" / "fonts.conf"
    if conf.is_file():
        os.environ.setdefault("FONTCONFIG_FILE", str(conf))


def main() -> int:
    use_bundled_fonts()
    if len(sys.argv) > 1 and sys.argv[1] == "queue":
        from offline_queue.__main__ import main as queue_main

        return queue_main(sys.argv[2:])
    from launcher.__main__ import main as kiosk_main

    return kiosk_main()


if __name__ == "__main__":
    # The face model runs in a spawned process (devices/face/worker.py): in the frozen
    # build that process is this executable again, and freeze_support() makes it the
    # worker instead of a second kiosk.
    multiprocessing.freeze_support()
    sys.exit(main())
