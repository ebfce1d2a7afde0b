"""The outbox demo still files, survives its injected faults and is acknowledged."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_outbox_demo_files_and_is_acknowledged_exactly_once() -> None:
    proc = subprocess.run([sys.executable, "-m", "harness.outbox_demo", "--count", "3"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.count("  receipt  ") == 3
    assert out.count("  acknowledged  ") == 3
    assert "answer was lost; the platform replayed it" in out
    assert "503" in out
    assert "Outbox: 3 acknowledged, 0 pending, 0 dead." in out
    assert "every submission committed exactly once: True" in out
