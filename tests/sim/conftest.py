"""The platform simulator for its own tests (in-process, a free loopback port)."""

import pytest

from sim.platform import PlatformSim


@pytest.fixture
def sim():
    with PlatformSim(max_blob_bytes=64 * 1024) as running:
        yield running


@pytest.fixture
def fast_sim():
    with PlatformSim(step_seconds=0.05) as running:
        yield running
