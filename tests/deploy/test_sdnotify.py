"""kiosk.sdnotify against real unix datagram sockets (a path and an abstract name)."""

from __future__ import annotations

import logging
import os

import pytest

from kiosk.runtime.sdnotify import Notifier


@pytest.mark.parametrize("which", ["notify_path", "notify_abstract"])
def test_messages_arrive_as_systemd_reads_them(which, request):
    sock = request.getfixturevalue(which)
    n = Notifier.from_env(sock.env(WATCHDOG_USEC="30000000", WATCHDOG_PID=str(os.getpid())))
    assert n.enabled
    assert n.interval_s == 15.0
    assert n.ready() and n.ping() and n.status("attract; printer: paper low")
    assert n.stopping()
    got = [sock.recv() for _ in range(4)]
    assert got == ["READY=1", "WATCHDOG=1", "STATUS=attract; printer: paper low", "STOPPING=1"]
    n.close()


def test_status_cannot_inject_another_assignment(notify_path):
    n = Notifier.from_env(notify_path.env())
    n.status("line one\nWATCHDOG=1\r\nREADY=1")
    assert notify_path.recv() == "STATUS=line one WATCHDOG=1 READY=1"


def test_not_under_systemd_everything_is_a_no_op(notify_path):
    n = Notifier.from_env({})
    assert not n.enabled and n.interval_s is None
    assert not n.ready() and not n.ping() and not n.status("x") and not n.stopping()
    assert notify_path.drain() == []


@pytest.mark.parametrize("env, interval", [
    ({"WATCHDOG_USEC": "200000"}, 0.1),                       # no WATCHDOG_PID: ours
    ({"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"}, None),  # another process's watchdog
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "soon"}, None),
    ({"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "me"}, None),
    ({}, None),
])
def test_watchdog_interval_is_half_the_period_and_only_for_us(notify_path, env, interval):
    n = Notifier.from_env(notify_path.env(**env))
    assert n.interval_s == interval
    assert n.enabled  # READY and STATUS still go out without a watchdog


def test_watchdog_needs_a_socket():
    assert Notifier.from_env({"WATCHDOG_USEC": "200000"}).interval_s is None


def test_a_missing_socket_never_raises_and_is_logged_once(tmp_path, caplog):
    n = Notifier.from_env({"NOTIFY_SOCKET": str(tmp_path / "gone.sock"),
                           "WATCHDOG_USEC": "1000000"})
    with caplog.at_level(logging.DEBUG, logger="kiosk.runtime.sdnotify"):
        results = [n.ping() for _ in range(5)] + [n.ready(), n.status("x")]
    assert results == [False] * 7
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "sd_notify_failed" in warnings[0].getMessage()


def test_an_unsupported_address_disables_notification(caplog):
    with caplog.at_level(logging.WARNING, logger="kiosk.runtime.sdnotify"):
        n = Notifier.from_env({"NOTIFY_SOCKET": "relative/notify.sock"})
    assert not n.enabled and not n.ready()
    assert "sd_notify_unsupported_socket" in caplog.text


def test_unset_environment_hides_the_socket_from_children(notify_path, monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", notify_path.env_value)
    monkeypatch.setenv("WATCHDOG_USEC", "4000000")
    n = Notifier.from_env(unset_environment=True)
    assert "NOTIFY_SOCKET" not in os.environ and "WATCHDOG_USEC" not in os.environ
    assert n.interval_s == 2.0 and n.ready()
    assert notify_path.recv() == "READY=1"


def test_pings_from_several_threads_all_arrive(notify_path):
    from concurrent.futures import ThreadPoolExecutor

    n = Notifier.from_env(notify_path.env())
    # 8: under the kernel's default queue of 10 datagrams for a receiver not reading yet
    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(lambda _: n.ping(), range(8)))
    got = [notify_path.recv() for _ in range(8)]
    assert got == ["WATCHDOG=1"] * 8


def test_a_ping_never_waits_for_a_full_queue(notify_path, caplog):
    n = Notifier.from_env(notify_path.env())
    sent = [n.ping() for _ in range(30)]  # nobody reads: the kernel queues about 10
    assert sent[0] and not sent[-1]
    got = notify_path.drain()
    assert got and set(got) == {"WATCHDOG=1"} and len(got) == sent.count(True)
    assert n.ready()  # room again; READY waits (bounded) rather than drop
    assert notify_path.recv() == "READY=1"
