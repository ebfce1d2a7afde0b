"""Qt runs offscreen in these tests (CI has no display)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
