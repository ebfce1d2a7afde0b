"""Fixtures shared by the client and sync tests: a client of the simulator, its catalog."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from offline_queue.client import PlatformClient
from offline_queue.settings import QueueSettings


@pytest.fixture
def client(online: QueueSettings) -> Iterator[PlatformClient]:
    c = PlatformClient(online.platform, online.kiosk.id)
    yield c
    c.close()


@pytest.fixture
def catalog(client: PlatformClient) -> dict[str, Any]:
    return client.fetch_catalog().catalog or {}
