"""Entry point of the packaged kiosk: `kiosk --config FILE` or `kiosk queue --config ...`."""

import sys

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "queue":
        from offline_queue.__main__ import main as queue_main

        sys.exit(queue_main(sys.argv[2:]))
    from kiosk.__main__ import main

    sys.exit(main())
