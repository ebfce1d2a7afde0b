"""Unplug and replug, TCP mode, line speed, the control socket, the CLI, and clean logs."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from simidcard_host import PtyHost, TcpHost, req, sw3

from sim.idcard import ReaderEmulator
from sim.idcard.control import run_command

OK = bytes.fromhex("AAAAAA9669 0004 000090 94")
ROOT = Path(__file__).resolve().parents[3]


def _gone(host: PtyHost) -> bool:
    try:
        return host.read_for(0.2) == b""  # EOF/hangup
    except OSError as exc:
        return exc.errno == errno.EIO


def test_unplug_and_replug(host, emu, cards) -> None:
    link = emu.pty_path
    first = os.readlink(link)
    assert first == emu.slave_name
    emu.place(cards["resident"])
    host.find_select()
    assert sw3(host.ask(0x30, 0x01)) == 0x90
    emu.unplug()
    assert not link.exists() and not os.path.lexists(link)
    assert _gone(host)
    emu.replug()
    assert os.path.islink(link)
    assert os.readlink(link) == emu.slave_name  # the new pty behind the same link
    again = PtyHost(link)
    assert again.ask(0x11, 0xFF) == OK
    again.find_select()  # power cycled: the card left on the reader is found again
    assert sw3(again.ask(0x30, 0x01)) == 0x90
    again.close()


def test_a_host_may_close_and_reopen_the_port(host, emu) -> None:
    host.close()
    host.__init__(emu.pty_path)  # the fixture closes it again at the end
    assert host.ask(0x11, 0xFF) == OK


def test_a_reopened_port_holds_no_stale_answer(host, emu) -> None:
    host.send(req(0x11, 0xFF))
    time.sleep(0.1)  # answered into the host's input queue, never read
    host.close()
    time.sleep(0.2)  # the reader sees the port closed, as a UART's close flushes it
    host.__init__(emu.pty_path)
    assert host.read_for(0.1) == b""
    assert host.ask(0x11, 0xFF) == OK


def test_tcp_one_client_at_a_time_sharing_the_reader(emu, host, cards) -> None:
    port = emu.start_tcp(port=0)
    emu.place(cards["resident"])
    first = TcpHost(port)
    assert first.ask(0x11, 0xFF) == OK
    second = TcpHost(port)
    assert second.read_for(0.3) == b""  # turned away: closed
    with contextlib.suppress(OSError):
        second.send(req(0x11, 0xFF))
    assert second.read_for(0.1) == b""
    second.close()
    first.find_select()
    assert sw3(first.ask(0x30, 0x01)) == 0x90
    assert sw3(host.ask(0x20, 0x01)) == 0x80  # the same reader behind the pty
    first.close()
    time.sleep(0.05)
    third = TcpHost(port)
    assert third.ask(0x11, 0xFF) == OK
    emu.unplug()
    assert third.read_for(0.2) == b""
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).recv(1)
    emu.replug()
    assert emu.tcp_port == port
    fourth = TcpHost(port)
    assert fourth.ask(0x11, 0xFF) == OK
    fourth.close()
    third.close()


def test_baud_change_and_line_speed_check(host, emu) -> None:
    assert host.ask(0x60, 0x04) == OK  # 9600, answered at the old speed
    host.send(req(0x11, 0xFF))  # still 115200 on the host side: noise to the reader
    assert host.read_for(0.3) == b""
    assert emu.stats.garbage_bytes >= 8
    host.set_speed(termios.B9600)
    assert host.ask(0x11, 0xFF) == OK
    assert host.ask(0x60, 0x00) == OK
    host.set_speed(termios.B115200)
    assert host.ask(0x11, 0xFF) == OK


def test_a_host_at_the_wrong_speed_gets_nothing_unless_the_check_is_off(tmp_path) -> None:
    with ReaderEmulator(frame_timeout_s=0.2) as strict:
        h = PtyHost(strict.start_pty(tmp_path / "a"), baud=termios.B9600)
        h.send(req(0x11, 0xFF))
        assert h.read_for(0.3) == b""
        h.close()
    with ReaderEmulator(check_baud=False) as lax:
        h = PtyHost(lax.start_pty(tmp_path / "b"), baud=termios.B9600)
        assert h.ask(0x11, 0xFF) == OK
        h.close()


def test_line_speed_emulation_paces_the_answer(tmp_path, cards) -> None:
    with ReaderEmulator(emulate_line_speed=True) as emu:
        h = PtyHost(emu.start_pty(tmp_path / "tty"))
        emu.place(cards["resident"])
        h.find_select()
        start = time.monotonic()
        assert len(h.ask(0x30, 0x01)) == 1295
        assert time.monotonic() - start >= 1295 * 10 / 115200 * 0.9
        h.close()


def test_control_commands(emu, cards) -> None:
    assert run_command(emu, cards, "place resident") == "ok"
    assert emu.card is cards["resident"]
    assert run_command(emu, cards, "place nobody").startswith("error")
    assert run_command(emu, cards, "fault lost 2") == "ok"
    assert run_command(emu, cards, "fault melt").startswith("error")
    assert run_command(emu, cards, "clear") == "ok" and emu.faults == []
    assert run_command(emu, cards, "remove") == "ok" and emu.card is None
    assert run_command(emu, cards, "stats").startswith('ok {"frames_in"')
    assert run_command(emu, cards, "unplug") == "ok" and not emu.plugged
    assert run_command(emu, cards, "replug") == "ok" and emu.plugged
    assert run_command(emu, cards, "bogus").startswith("error usage")


def test_cli_with_tcp_and_control_socket() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.idcard", "--tcp", "0", "--control-port", "0",
         "--card", "resident", "--read-delay", "0", "--answer-delay", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ports = {}
        for _ in range(2):
            kind, addr = proc.stdout.readline().split()
            ports[kind] = int(addr.rsplit(":", 1)[1])
        reader = TcpHost(ports["tcp"])
        reader.find_select()
        assert sw3(reader.ask(0x30, 0x01)) == 0x90
        with socket.create_connection(("127.0.0.1", ports["control"]), timeout=2) as ctl:
            f = ctl.makefile("rw")
            f.write("remove\nplace foreign_2023\nstats\n")
            f.flush()
            assert [f.readline().strip() for _ in range(2)] == ["ok", "ok"]
            assert '"reads": 1' in f.readline()
        reader.find_select()
        assert sw3(reader.ask(0x30, 0x01)) == 0x90
        reader.close()
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=5)
    assert proc.returncode == 0
    assert "card_placed kind=foreign_2023" in err
    assert "安娜" not in err and "9442" not in err


def test_logs_carry_no_personal_data(host, emu, cards, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="sim.idcard")
    for card in cards.values():
        emu.place(card)
        host.find_select()
        host.ask(0x30, 0x10)
        host.ask(0x30, 0x03)
    emu.fault("remove_mid_read")
    emu.place(cards["resident"])
    host.find_select()
    host.ask(0x30, 0x01)
    text = caplog.text
    for card in cards.values():
        for value in (card.name, card.id_number, card.address, card.english_name, card.birth):
            assert not value or value not in text
