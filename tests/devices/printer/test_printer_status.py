"""Printer status over a real TCP socket to the virtual printer: each state, an
unresponsive printer, a refused connection, a dropped job, the poller."""

from __future__ import annotations

import socket
import threading

import pytest

from devices.printer import (
    DeviceState,
    Document,
    PaperState,
    Printer,
    PrinterNotReady,
    PrintIncomplete,
    QrCode,
    Text,
    Timeouts,
)
from devices.printer.status import RawStatus, StatusByteError, interpret
from sim.printer import VirtualPrinter

FAST = Timeouts(connect_s=1.0, write_s=2.0, status_s=0.3)
DOC = Document((Text("受理编号 BA01-K017-20250606-0042"),
                QrCode("https://zwfw.example.gov/track?no=X&code=Y"),
                *(Text(f"line {i} " + "x" * 30) for i in range(40))), "zh", "test")


@pytest.fixture
def vp():
    with VirtualPrinter() as printer:
        yield printer


@pytest.mark.parametrize(("state", "expected", "code", "paper", "cover"), [
    ({}, DeviceState.OK, "ready", PaperState.OK, False),
    ({"paper": "near_end"}, DeviceState.DEGRADED, "paper_near_end", PaperState.NEAR_END, False),
    ({"paper": "out"}, DeviceState.OFFLINE, "paper_out", PaperState.OUT, False),
    ({"cover_open": True}, DeviceState.OFFLINE, "cover_open", PaperState.OK, True),
    ({"error": True}, DeviceState.ERROR, "printer_error", PaperState.OK, False),
    ({"cover_open": True, "paper": "out"}, DeviceState.OFFLINE, "cover_open", PaperState.OUT,
     True),
])
def test_each_state_is_detected(vp, state, expected, code, paper, cover):
    vp.set_state(**state)
    status = Printer.from_url(vp.url, timeouts=FAST).status()
    assert (status.state, status.code, status.paper, status.cover_open) == (
        expected, code, paper, cover)
    assert status.online == (expected in (DeviceState.OK, DeviceState.DEGRADED))
    assert vp.jobs == []  # a status poll is not a print job


def test_unresponsive_printer_is_reported_offline(vp):
    vp.set_state(unresponsive=True)
    status = Printer.from_url(vp.url, timeouts=FAST).status()
    assert status.state is DeviceState.OFFLINE
    assert status.code == "no_answer"
    assert status.paper is PaperState.UNKNOWN


def test_refused_connection_is_reported_offline():
    with socket.socket() as s:  # a port that was free a moment ago and has no listener
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    status = Printer.from_url(f"tcp://127.0.0.1:{port}", timeouts=FAST).status()
    assert (status.state, status.code) == (DeviceState.OFFLINE, "unreachable")


def test_garbage_answer_is_an_error():
    """A listener that answers every byte with 0xFF: not a DLE EOT answer."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.settimeout(2)
            while not stop.is_set():
                try:
                    data = conn.recv(16)
                except OSError:
                    return
                if not data:
                    return
                conn.sendall(b"\xff" * (len(data) // 3))

    t = threading.Thread(target=answer, daemon=True)
    t.start()
    try:
        status = Printer.from_url(f"tcp://127.0.0.1:{server.getsockname()[1]}",
                                  timeouts=FAST).status()
    finally:
        stop.set()
        server.close()
        t.join(3)
    assert (status.state, status.code) == (DeviceState.ERROR, "bad_status_answer")


def test_status_bytes_interpretation():
    assert interpret(RawStatus(0x12, 0x12, 0x12)).code == "ready"
    assert interpret(RawStatus(0x1A, 0x12, 0x12)).code == "printer_offline"
    assert interpret(RawStatus(0x1A, 0x32, 0x72)).code == "paper_out"
    with pytest.raises(StatusByteError):
        interpret(RawStatus(0x12, 0x00, 0x12))


@pytest.mark.parametrize("state", [{"paper": "out"}, {"cover_open": True},
                                   {"unresponsive": True}])
def test_nothing_is_sent_when_the_printer_is_not_ready(vp, state):
    vp.set_state(**state)
    printer = Printer.from_url(vp.url, timeouts=FAST)
    with pytest.raises(PrinterNotReady) as info:
        printer.print_document(DOC)
    assert not info.value.status.can_print
    assert printer.last_status() == info.value.status
    vp.set_state(paper="ok", cover_open=False, unresponsive=False)
    printer.print_document(DOC)
    assert len(vp.wait_for_jobs(1)) == 1  # only the job after recovery reached the printer


def test_paper_near_end_still_prints(vp):
    vp.set_state(paper="near_end")
    result = Printer.from_url(vp.url, timeouts=FAST).print_document(DOC)
    assert result.status.state is DeviceState.DEGRADED
    assert vp.wait_for_jobs(1)[0].complete


def test_connection_dropped_mid_job_is_reported_for_a_reprint(vp):
    printer = Printer.from_url(vp.url, timeouts=FAST)
    vp.set_state(drop_after_bytes=400)
    with pytest.raises(PrintIncomplete) as info:
        printer.print_document(DOC)
    assert info.value.bytes_total > 400
    # The connection was reset: the printer took 400 bytes, the rest is lost.
    assert info.value.status.state is DeviceState.OFFLINE
    assert info.value.status.code == "unreachable"
    assert vp.wait_for_jobs(1)[0].complete is False
    # The reprint goes through whole.
    result = printer.print_document(DOC)
    jobs = vp.wait_for_jobs(2)
    assert jobs[1].complete and result.bytes_sent == info.value.bytes_total


def test_paper_running_out_during_the_job_is_reported(vp):
    """The printer answers ready before the job and paper-out after it."""
    printer = Printer.from_url(vp.url, timeouts=FAST)
    original = printer._query
    calls = []

    def query_then_run_out(transport):
        calls.append(1)
        if len(calls) == 2:  # the check after the job
            vp.set_state(paper="out")
        return original(transport)

    printer._query = query_then_run_out
    with pytest.raises(PrintIncomplete) as info:
        printer.print_document(DOC)
    assert info.value.status.code == "paper_out"
    assert info.value.bytes_sent == info.value.bytes_total


def test_poller_reports_changes_to_listeners(vp):
    printer = Printer.from_url(vp.url, timeouts=FAST, poll_interval_s=0.05)
    changes: list[tuple[str, str | None]] = []
    seen = threading.Condition()

    def listener(new, old):
        with seen:
            changes.append((new.code, old.code if old else None))
            seen.notify_all()

    printer.add_listener(listener)
    printer.start_polling()
    try:
        with seen:
            assert seen.wait_for(lambda: ("ready", None) in changes, 5)
        vp.set_state(paper="near_end")
        with seen:
            assert seen.wait_for(lambda: ("paper_near_end", "ready") in changes, 5)
        vp.set_state(cover_open=True)
        with seen:
            assert seen.wait_for(lambda: ("cover_open", "paper_near_end") in changes, 5)
        vp.set_state(unresponsive=True, cover_open=False)
        with seen:
            assert seen.wait_for(lambda: ("no_answer", "cover_open") in changes, 5)
    finally:
        printer.stop()
    # Unchanged polls do not repeat notifications.
    assert len(changes) == len(set(changes))


def test_print_async_runs_off_the_callers_thread(vp):
    printer = Printer.from_url(vp.url, timeouts=FAST)
    try:
        future = printer.print_async(DOC)
        assert future.result(timeout=10).bytes_sent > 0
    finally:
        printer.stop()
    assert vp.wait_for_jobs(1)[0].complete
