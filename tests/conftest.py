"""Shared fixtures: a kiosk config in a temp folder, and the platform simulator; and the
one xdist group of the tests that reach the machine's single pcscd."""

from __future__ import annotations

import logging
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from offline_queue.outbox import Outbox
from offline_queue.settings import QueueSettings, load_queue_settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "dev-token"

# pcsc-lite runs one daemon per machine: every test that reaches it runs on one xdist
# worker (`pytest -n 2 --dist loadgroup`, the Makefile's), found by the fixtures it uses.
PCSCD_GROUP = "pcscd"
PCSCD_FIXTURES = frozenset({"card_rig"})


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups off the items
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PCSCD_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(PCSCD_GROUP))


def in_pcscd_group(item: pytest.Item) -> bool:
    return any(PCSCD_GROUP in (*m.args, m.kwargs.get("name"))
               for m in item.iter_markers("xdist_group"))


@pytest.fixture(autouse=True)
def _pcscd_only_in_its_group(request: pytest.FixtureRequest,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A test outside the group that starts or reuses a pcscd (sim.card's PcscdProcess,
    e.g. a DemoWorld with use_pcscd=True) fails at once, by name, instead of racing the
    group's daemon on another worker: such a test must use `card_rig`."""
    if in_pcscd_group(request.node):
        return
    from sim.card import pcscd

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"{request.node.nodeid} reaches pcscd without the card_rig "
                           "fixture (tests/conftest.py PCSCD_FIXTURES)")
    monkeypatch.setattr(pcscd.PcscdProcess, "__init__", refuse)


def write_config(folder: Path, url: str = "http://127.0.0.1:9/api/v1", *,
                 extra_platform: str = "", insecure: bool = True, sync: str = "",
                 retention_days: int = 30, log_dir: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kiosk.toml"
    logging_section = f'[logging]\ndir = "{folder / "logs"}"\nlevel = "DEBUG"\n' if log_dir else ""
    path.write_text(textwrap.dedent(f"""\
        [kiosk]
        id = "K017"
        hall = "BA01"

        [platform]
        url = "{url}"
        token = "{TOKEN}"
        insecure_dev = {"true" if insecure else "false"}
        connect_timeout_s = 1
        read_timeout_s = 2
        {extra_platform}

        [storage]
        data_dir = "{folder / "data"}"
        key_file = "{folder / "keys" / "data.key"}"
        retention_days = {retention_days}

        [sync]
        workers = 2
        backoff_base_s = 0.05
        backoff_cap_s = 0.5
        poll_interval_s = 0.05
        {sync}
        """) + logging_section)
    return path


@pytest.fixture
def settings(tmp_path: Path) -> QueueSettings:
    return load_queue_settings(write_config(tmp_path))


@pytest.fixture
def outbox(settings: QueueSettings) -> Iterator[Outbox]:
    box = Outbox(settings.storage, settings.kiosk)
    yield box
    box.close()


@pytest.fixture
def make_outbox(tmp_path: Path) -> Iterator[Callable[..., Outbox]]:
    opened: list[Outbox] = []

    def make(settings: QueueSettings, **kwargs: object) -> Outbox:
        box = Outbox(settings.storage, settings.kiosk, **kwargs)  # type: ignore[arg-type]
        opened.append(box)
        return box

    yield make
    for box in opened:
        try:
            box.close()
        except Exception:  # already closed by the test
            logging.getLogger(__name__).debug("close failed", exc_info=True)


@pytest.fixture
def platform() -> Iterator[object]:
    """The platform simulator, in-process on a free loopback port."""
    from sim.platform import PlatformSim

    with PlatformSim(token=TOKEN, seed=3, step_seconds=0.2) as sim:
        yield sim


@pytest.fixture
def online(tmp_path: Path, platform: object) -> QueueSettings:
    """Settings for a kiosk that talks to the simulator."""
    return load_queue_settings(write_config(tmp_path, platform.base_url))  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def card_rig(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Our own pcscd with two vpcd slots, an emulated chip in each (see card_rig.py)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # xdist tags a group's node ids on the workers; untagged, the group is spread over
        # the workers, each starting its own pcscd: refuse before starting one.
        loose = [i.nodeid for i in request.session.items
                 if in_pcscd_group(i) and not i.nodeid.endswith("@" + PCSCD_GROUP)]
        if loose:
            pytest.fail(f"{len(loose)} pcscd tests would not share one xdist worker: run "
                        "with --dist loadgroup, on a pytest whose node ids xdist can tag "
                        "(pyproject.toml)", pytrace=False)
    from sim.card import CardEmulator, start_pcscd
    from sim.card.pki import load_test_pki
    from tests.card_rig import CardRig, Slot, card_present, wait_for

    work = tmp_path_factory.mktemp("card")
    pcscd = start_pcscd(work / "pcscd")
    csca_dir = work / "csca"
    load_test_pki().write_csca(csca_dir)
    emulators = [CardEmulator("specimen", port=pcscd.port + i).start() for i in range(2)]
    try:
        for e in emulators:
            assert e.wait_connected(10), "the emulator could not reach vpcd"
        slots = [Slot(name, e) for name, e in zip(pcscd.readers, emulators, strict=True)]
        for s in slots:
            wait_for(lambda s=s: card_present(s.reader) is True, what=f"card in {s.reader}")
        yield CardRig(pcscd, slots, csca_dir)
    finally:
        for e in emulators:
            e.stop()
        pcscd.stop()


