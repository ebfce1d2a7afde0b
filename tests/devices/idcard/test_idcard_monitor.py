"""The service's monitoring against the emulator on a pty: one read per placement, a card
left on the reader, health statuses (unplugged, SAM fault, garbage) and recovery."""

from __future__ import annotations

from dataclasses import replace

from idcard_rig import Events, fast_settings, wait_until

from devices.idcard.service import IdCardService
from sim.idcard import ReaderEmulator


def test_a_placed_card_is_delivered_once_and_a_left_card_is_not_reread(emu, cards,
                                                                       make_service, events):
    service = make_service()
    service.start(events)
    wait_until(lambda: service.status().code == "ready")
    emu.place(cards["resident"])
    got = events.wait_for("identity_read")
    assert got.identity is not None and got.identity.id_number == cards["resident"].id_number
    rounds = service.monitor.rounds
    wait_until(lambda: service.monitor.rounds >= rounds + 20)  # the card stays on the reader
    assert events.kinds().count("identity_read") == 1 and emu.stats.reads == 1
    emu.remove()
    emu.place(cards["hmt_residence"])
    second = events.wait_for("identity_read", 2)
    assert second.identity.card_type == "hmt_residence" and emu.stats.reads == 2
    assert events.kinds()[:2] == ["card_placed", "identity_read"]


def test_a_reader_that_keeps_finding_a_left_card_reads_it_once(tmp_path, cards, events):
    emu = ReaderEmulator(read_once_per_placement=False)
    path = emu.start_pty(link=tmp_path / "ttyLenient")
    service = IdCardService(fast_settings(str(path)))
    try:
        service.start(events)
        emu.place(cards["foreign_2023"])
        events.wait_for("identity_read")
        rounds = service.monitor.rounds
        wait_until(lambda: service.monitor.rounds >= rounds + 20)
        assert emu.stats.reads == 1 and emu.stats.commands["find"] > 20
        assert "card_removed" not in events.kinds()
        emu.remove()
        events.wait_for("card_removed")
    finally:
        service.stop()
        emu.stop()


def test_an_expired_card_is_refused_with_a_reason(emu, cards, make_service, events):
    service = make_service()
    service.start(events)
    emu.place(cards["resident_expired"])
    refused = events.wait_for("card_refused")
    assert refused.code == "card_expired" and refused.identity is None
    assert "identity_read" not in events.kinds()


def test_a_card_that_fails_its_check_is_read_twice_then_left_alone(tmp_path, cards, events):
    good = cards["resident"].id_number
    bad = good[:17] + ("0" if good[17] != "0" else "1")  # a wrong GB 11643 check character
    emu = ReaderEmulator(read_once_per_placement=False)  # keeps finding the card
    service = IdCardService(fast_settings(str(emu.start_pty(link=tmp_path / "ttyL")),
                                          read_attempts=2))
    try:
        service.start(events)
        emu.place(replace(cards["resident"], id_number=bad))
        failed = events.wait_for("read_failed", 2)
        assert failed.code == "id_number_invalid" and bad not in failed.detail
        rounds = service.monitor.rounds
        wait_until(lambda: service.monitor.rounds >= rounds + 20)
        assert emu.stats.reads == 2 and events.kinds().count("read_failed") == 2
    finally:
        service.stop()
        emu.stop()


def test_removal_mid_read_is_an_event_and_the_next_placement_reads(emu, cards,
                                                                  make_service, events):
    service = make_service()
    service.start(events)
    wait_until(lambda: service.status().code == "ready")
    emu.fault("remove_mid_read")
    emu.place(cards["resident"])
    failed = events.wait_for("read_failed")
    assert failed.code == "card_removed"
    emu.place(cards["resident"])
    assert events.wait_for("identity_read").identity is not None


def test_unplugged_reader_goes_offline_and_comes_back_by_itself(emu, cards, make_service,
                                                               events):
    service = make_service()
    service.start(events)
    wait_until(lambda: service.status().code == "ready")
    emu.unplug()
    lost = events.wait_for("reader_lost")
    assert lost.code in {"reader_missing", "reader_not_answering"}
    assert service.status().state == "offline"
    emu.replug()
    events.wait_for("reader_restored")
    assert service.status().code == "ready"
    emu.place(cards["resident"])
    assert events.wait_for("identity_read").identity is not None


def test_a_sam_self_test_failure_is_an_error_status_until_it_clears(emu, make_service,
                                                                    events):
    service = make_service()
    service.start(events)
    wait_until(lambda: service.status().code == "ready")
    emu.fault("sam_fault")
    lost = events.wait_for("reader_lost")
    assert lost.code == "sam_self_test_failed"
    status = service.status()
    assert (status.state, status.code) == ("error", "sam_self_test_failed")
    emu.clear_faults()
    events.wait_for("reader_restored")
    assert service.status().code == "ready"


def test_a_reader_answering_garbage_is_an_error_status_and_recovers(emu, make_service,
                                                                    events):
    service = make_service(retries=1)
    service.start(events)
    wait_until(lambda: service.status().code == "ready")
    emu.fault("garbage", count=2)  # beyond the one resend
    lost = events.wait_for("reader_lost")
    assert lost.code == "reader_garbage"
    events.wait_for("reader_restored")
    assert service.status().code == "ready"


def test_no_reader_at_all_is_offline_and_monitoring_keeps_trying(tmp_path, events):
    service = IdCardService(fast_settings(str(tmp_path / "nothing")))
    try:
        service.start(events)
        events.wait_for("reader_lost")
        rounds_before = events.kinds().count("reader_lost")
        assert service.status().code == "reader_missing" and service.monitor.alive
        assert rounds_before == 1  # one event per outage, not one per retry
    finally:
        service.stop()


def test_a_listener_that_raises_does_not_stop_monitoring(emu, cards, make_service):
    seen = Events()

    def bad(event):
        seen(event)
        raise RuntimeError("listener bug")

    service = make_service()
    service.start(bad)
    emu.place(cards["resident"])
    seen.wait_for("identity_read")
    assert service.monitor.alive
