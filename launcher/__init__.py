"""The entry point, above the touchscreen: parses the arguments, builds the kiosk
(kiosk.app, the composition root) and hands it to the touchscreen (ui), or runs the sync
worker alone (--headless), checks the config (--check-config) or the terminal
(--self-test). `python -m launcher --config FILE`; the packaged kiosk runs packaged.py."""

import os

# Before numpy loads: OpenBLAS on two threads took 15 ms CPU for the MRZ reader's template
# product that one thread does in 6 (docs/camera.md); the kiosk's cores are better spent on
# the UI and the face model. A deployment may still set its own value.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
