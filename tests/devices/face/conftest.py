"""One model process for the whole session (~1.5 s to start); scenes rendered once."""

from __future__ import annotations

import pytest

from devices.face import FaceService, FaceSettings
from sim.face import scenes


@pytest.fixture(scope="session")
def service():
    svc = FaceService(FaceSettings())
    assert svc.ready(30)
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def astronaut_turn():
    return scenes.turn_sequence("astronaut", "left")


@pytest.fixture(scope="session")
def astronaut_photo_attack():
    return scenes.photo_sequence("astronaut")


@pytest.fixture(scope="session")
def doc_astronaut():
    return scenes.document_photo("astronaut", (102, 126), quality=50)


@pytest.fixture(scope="session")
def doc_hopper():
    return scenes.document_photo("hopper", (240, 320), quality=70)
