"""deploy/x11/x11-session with a real X server (Xvfb standing in for Xorg on vt1) and a
real Qt client on the xcb platform: the client becomes the session's process (same pid,
its exit code is the session's), and the server offers no abstract socket."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SESSION = ROOT / "deploy/x11/x11-session"

CLIENT = """
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "xcb"
from PySide6.QtGui import QGuiApplication, QWindow
app = QGuiApplication([])
w = QWindow(); w.resize(200, 100); w.show(); app.processEvents()
me = os.getpid()
children = open(f"/proc/{me}/task/{me}/children").read().split()
display = os.environ["DISPLAY"]
abstract = "@/tmp/.X11-unix/X" + display.lstrip(":")
listening = [line.split()[-1] for line in open("/proc/net/unix").read().splitlines()[1:]
             if len(line.split()) > 7]
print(json.dumps({"pid": me, "display": display, "platform": app.platformName(),
                  "x_server": [int(c) for c in children],
                  "abstract": abstract in listening}), flush=True)
sys.exit(77)
"""


def free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


def stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_the_kiosk_becomes_the_session_and_keeps_its_exit_code(tmp_path):
    n = free_display()
    env = {**os.environ, "DISPLAY": f":{n}", "KIOSK_XSERVER": shutil.which("Xvfb"),
           "KIOSK_XSERVER_ARGS": "-nolisten tcp -nolisten local -screen 0 640x480x24",
           "KIOSK_X_TIMEOUT_S": "20"}
    env.pop("QT_QPA_PLATFORM", None)
    # Files, not pipes: the X server outlives the session here and would hold a pipe open.
    out_path, err_path = tmp_path / "out", tmp_path / "err"
    with out_path.open("w") as out_f, err_path.open("w") as err_f:
        session = subprocess.Popen([str(SESSION), sys.executable, "-c", CLIENT], env=env,
                                   stdout=out_f, stderr=err_f)
    report = None
    try:
        session.wait(timeout=60)
        out, err = out_path.read_text(), err_path.read_text()
        lines = [line for line in out.splitlines() if line.startswith("{")]
        assert lines, err
        report = json.loads(lines[-1])
        assert session.returncode == 77                   # the kiosk's code, not a wrapper's
        assert report["pid"] == session.pid               # exec: the service's main process
        assert report["display"] == f":{n}" and report["platform"] == "xcb"
        assert len(report["x_server"]) == 1               # the X server is its child
        assert report["abstract"] is False                # -nolisten local: no @ socket
    finally:
        if session.poll() is None:
            session.kill()
            session.wait(timeout=10)
        for pid in (report or {}).get("x_server", []):
            stop(pid)  # systemd would stop it with the unit's cgroup


def test_a_server_that_does_not_start_fails_the_session_with_a_reason():
    env = {**os.environ, "DISPLAY": ":199", "KIOSK_XSERVER": "/bin/false",
           "KIOSK_XSERVER_ARGS": ""}
    proc = subprocess.run([str(SESSION), "true"], env=env, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 1
    assert "exited while starting" in proc.stderr


def test_a_server_that_never_gets_ready_is_given_up_on(tmp_path):
    fake = tmp_path / "silent-x"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")  # never signals readiness
    fake.chmod(0o755)
    env = {**os.environ, "DISPLAY": ":199", "KIOSK_XSERVER": str(fake),
           "KIOSK_XSERVER_ARGS": "", "KIOSK_X_TIMEOUT_S": "1"}
    proc = subprocess.run([str(SESSION), "true"], env=env, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 1
    assert "not ready within 1s" in proc.stderr


def test_without_a_command_it_says_how_to_call_it():
    proc = subprocess.run([str(SESSION)], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 2 and "usage" in proc.stderr
