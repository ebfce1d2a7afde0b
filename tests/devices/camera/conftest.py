"""Seeded scene sets, rendered once per test session (rendering is the slow part)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim.camera.scene import detection_set, mrz_set, qr_set  # noqa: E402


@pytest.fixture(scope="session")
def detect_scenes():
    return detection_set(101, 40)


@pytest.fixture(scope="session")
def mrz_scenes():
    return mrz_set(202, 24)


@pytest.fixture(scope="session")
def qr_scenes():
    return qr_set(303, 20)
