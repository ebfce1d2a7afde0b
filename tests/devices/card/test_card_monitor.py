"""Monitoring through real pcscd: card events, and surviving a pcscd restart in-process."""

from __future__ import annotations

import threading
import time

import pytest

from devices.card.port import CardEvent
from devices.card.service import CardService
from devices.card.settings import CardSettings
from tests.card_rig import card_present, wait_for


class Recorder:
    def __init__(self):
        self.events: list[CardEvent] = []
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, event: CardEvent) -> None:
        with self.lock:
            self.events.append(event)
            self.threads.add(threading.current_thread().name)

    def seen(self, kind: str, reader: str = "", since: int = 0) -> bool:
        with self.lock:
            return any(e.kind == kind and (not reader or e.reader == reader)
                       for e in self.events[since:])

    def mark(self) -> int:
        with self.lock:
            return len(self.events)


def _start(rig, rec) -> CardService:
    service = CardService(CardSettings(reader=rig.slots[0].reader, csca_dir=rig.csca_dir,
                                       poll_interval_s=0.2, reconnect_backoff_s=0.2))
    service.start(rec)
    return service


def test_card_events_arrive_from_the_monitor_thread(card_rig, slot):
    slot.present("specimen")
    rec = Recorder()
    service = _start(card_rig, rec)
    try:
        wait_for(lambda: rec.seen("card_inserted", slot.reader), what="initial card")
        assert rec.seen("reader_added", card_rig.slots[1].reader)
        assert service.status().state == "ok"
        mark = rec.mark()
        slot.emulator.remove()
        wait_for(lambda: rec.seen("card_removed", slot.reader, mark), what="card_removed")
        time.sleep(1.0)
        slot.emulator.insert()
        wait_for(lambda: rec.seen("card_inserted", slot.reader, mark), what="card_inserted")
        assert rec.threads == {"card-monitor"}
        assert {r.name: r.card_present for r in service.readers()}[slot.reader] is True
    finally:
        service.stop()
    assert not service.monitor.alive  # stop() joined it


def test_pcscd_restart_and_card_reinsert_keep_events_coming(card_rig, slot):
    if not card_rig.pcscd.owned:
        pytest.skip("a pcscd we did not start is running; not restarting someone else's")
    slot.present("specimen")
    rec = Recorder()
    service = _start(card_rig, rec)
    try:
        wait_for(lambda: rec.seen("card_inserted", slot.reader), what="initial card")
        mark = rec.mark()
        card_rig.pcscd.stop()
        wait_for(lambda: rec.seen("service_lost", since=mark), what="service_lost")
        assert rec.seen("reader_removed", slot.reader, mark)
        status = service.status()
        assert (status.state, status.code) == ("offline", "pcscd_down")
        mark = rec.mark()
        card_rig.pcscd.start()
        wait_for(lambda: rec.seen("service_restored", since=mark), timeout_s=10,
                 what="service_restored")
        wait_for(lambda: rec.seen("card_inserted", slot.reader, mark), timeout_s=10,
                 what="card back after restart")
        assert service.status().state == "ok"
        # the card reads through the new daemon, and removal/insertion is still seen
        assert service.read_identity("L898902C3", "740812", "120415").surname == "ERIKSSON"
        mark = rec.mark()
        slot.emulator.remove()
        wait_for(lambda: rec.seen("card_removed", slot.reader, mark), what="removed")
        time.sleep(1.0)
        slot.emulator.insert()
        wait_for(lambda: rec.seen("card_inserted", slot.reader, mark), what="reinserted")
        assert service.monitor.alive
    finally:
        service.stop()
        wait_for(lambda: card_present(slot.reader) is True, what="card present at the end")


def test_status_names_a_missing_reader(card_rig):
    rec = Recorder()
    service = CardService(CardSettings(reader="Reader That Is Not There",
                                       csca_dir=card_rig.csca_dir, poll_interval_s=0.2))
    service.start(rec)
    try:
        wait_for(lambda: rec.seen("service_restored"), what="monitor up")
        wait_for(lambda: rec.seen("reader_added"), what="readers listed")
        status = service.status()
        assert (status.state, status.code) == ("offline", "reader_missing")
        assert "Reader That Is Not There" in status.detail
    finally:
        service.stop()
