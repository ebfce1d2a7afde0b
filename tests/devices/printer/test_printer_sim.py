"""The virtual printer as a process (`python -m sim.printer`), its HTTP control API, its
decoder, and the `python -m devices.printer` commands against it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from devices.printer.sample import sample_tracking_no, sample_url
from sim.printer import Decoder

ROOT = Path(__file__).resolve().parents[3]


def _wait_port(path: Path, proc: subprocess.Popen, timeout_s: float = 15.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the virtual printer exited"
        if path.exists() and path.read_text().strip().isdigit():
            return int(path.read_text())
        time.sleep(0.05)
    raise TimeoutError("virtual printer did not start")


@pytest.fixture(scope="module")
def sim_process(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vprinter")
    port_file, control_file = tmp / "print.port", tmp / "control.port"
    log = (tmp / "sim.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.printer", "--port", "0", "--port-file", str(port_file),
         "--control-port", "0", "--control-port-file", str(control_file), "--width", "384",
         "--out", str(tmp / "jobs")], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    try:
        port = _wait_port(port_file, proc)
        control = int(control_file.read_text())
        yield {"url": f"tcp://127.0.0.1:{port}", "control": f"http://127.0.0.1:{control}",
               "out": tmp / "jobs"}
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def http(method: str, url: str, body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "devices.printer", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)


def test_cli_against_the_virtual_printer_process(sim_process):
    url, control = sim_process["url"], sim_process["control"]
    assert http("DELETE", f"{control}/jobs")[0] == 200
    assert http("POST", f"{control}/state", {"paper": "ok", "cover_open": False,
                                              "unresponsive": False})[0] == 200

    done = cli("status", "--printer", url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["code"] == "ready"

    done = cli("test-print", "--printer", url, "--profile", "cn-58", "--lang", "zh")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["printed"] is True

    status, body = http("GET", f"{control}/jobs")
    jobs = json.loads(body)
    assert status == 200 and len(jobs) == 1
    assert jobs[0]["qr"] == [sample_url(sample_tracking_no(datetime.now()))] and jobs[0]["complete"]
    assert "护照首次申领" in jobs[0]["text"]

    status, png = http("GET", f"{control}/jobs/1.png")
    assert status == 200
    image = Image.open(io.BytesIO(png))
    expected = sample_url(sample_tracking_no(datetime.now()))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [expected]
    # --out kept the job as files too
    assert (sim_process["out"] / "job-0001.png").exists()
    assert "护照首次申领" in (sim_process["out"] / "job-0001.txt").read_text("utf-8")

    http("POST", f"{control}/state", {"paper": "out"})
    done = cli("status", "--printer", url)
    assert done.returncode == 2 and json.loads(done.stdout)["code"] == "paper_out"
    done = cli("test-print", "--printer", url)
    assert done.returncode == 2 and json.loads(done.stdout)["printed"] is False

    http("POST", f"{control}/state", {"paper": "ok", "unresponsive": True})
    done = cli("status", "--printer", url, "--timeout", "0.3")
    assert done.returncode == 2 and json.loads(done.stdout)["code"] == "no_answer"
    http("POST", f"{control}/state", {"unresponsive": False})
    assert len(json.loads(http("GET", f"{control}/jobs")[1])) == 1  # nothing printed since


def test_control_api_rejects_bad_updates(sim_process):
    control = sim_process["control"]
    for body in ({"paper": "wet"}, {"bogus": 1}, {"cover_open": "yes"},
                 {"drop_after_bytes": -1}, {"width_dots": 100}):
        status, reply = http("POST", f"{control}/state", body)
        assert status == 400 and "error" in json.loads(reply)
    assert http("GET", f"{control}/jobs/99.png")[0] == 404
    assert http("GET", f"{control}/nothing")[0] == 404


def test_cli_bad_settings_exit_1():
    assert cli("status", "--printer", "ftp://x").returncode == 1
    assert cli("status", "--printer", "tcp://127.0.0.1:9", "--profile", "nope").returncode == 1


def test_decoder_does_not_mistake_raster_data_for_a_status_query():
    raster = b"\x1dv0\x00" + bytes([2, 0, 2, 0]) + b"\x10\x04\x01\x10"  # 2 bytes x 2 rows
    ops = Decoder().feed(b"\x1b@" + raster + b"\x10\x04\x04")
    assert [op.name for op in ops] == ["init", "raster", "status"]
    assert ops[-1].value == 4


def test_decoder_waits_for_split_commands_and_characters():
    data = b"\x1b@\x1c&" + "護照𠀀".encode("gb18030") + b"\x1c.\n"
    whole = Decoder().feed(data)
    decoder = Decoder()
    pieces = [op for i in range(len(data)) for op in decoder.feed(data[i:i + 1])]
    assert "".join(op.value[0] for op in pieces if op.name == "text") == "護照𠀀"
    assert [op.name for op in whole if op.name != "text"] == \
        [op.name for op in pieces if op.name != "text"]


def test_decoder_outside_chinese_mode_does_not_decode_gb18030():
    ops = Decoder().feed(b"\x1b@" + "护照".encode("gb18030") + b"\n")
    text = next(op.value[0] for op in ops if op.name == "text")
    assert text != "护照"  # printed as code page 437 symbols, as a printer would


def test_unknown_commands_are_kept_not_fatal():
    ops = Decoder().feed(b"\x1b@\x1b\x99hello\n")
    assert [op.name for op in ops] == ["init", "unknown", "text", "lf"]
