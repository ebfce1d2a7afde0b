"""The soak run's world: every simulator the kiosk talks to, and the switches that break them.

The platform simulator and the virtual printer run as child processes (their memory is
not the kiosk's, and the printer can really be switched off); the card emulator runs on a
thread behind real pcscd (ours when none runs, else the running one, as `make demo` does).
Every control call is bounded.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.card.transport import card_present
from sim.card import CardEmulator, PcscdProcess, get_profile, start_pcscd
from sim.card.pki import load_test_pki
from sim.idcard import ReaderEmulator
from sim.launch import SimProcess, start_platform

log = logging.getLogger(__name__)

TOKEN = "dev-token"
CARD_PROFILE = "chinese"  # its MRZ is the one the soak camera shows
FACE_CARD_PROFILE = "chinese_face"  # the same passport, its DG2 the face camera's person
STAFF_UID = "04112233445566"  # the simulator's staff 李强 (assist + maintain), PIN 654321
STAFF_PIN = "654321"
PASSPORT_KEY = ("E12345678", "850315", "330314")  # what a citizen types when the camera fails
PLATFORM_READ_TIMEOUT_S = 1.0
SOAK_VPCD_PORT = 0x7C7B  # 31867 and 31868: below the ephemeral ports (32768+) that a
# busy machine hands to outgoing connections, which would keep vpcd from listening


class WorldError(RuntimeError):
    """A simulator could not be started or controlled."""


def http_json(method: str, url: str, body: object | None = None,
              timeout_s: float = 5.0) -> Any:  # noqa: ANN401 - JSON
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310 - loopback
        return json.loads(resp.read() or b"null")


def _wait_port_file(path: Path, proc: subprocess.Popen[bytes], timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise WorldError(f"{path.name}: the simulator exited with {proc.returncode}")
        try:
            text = path.read_text().strip()
        except FileNotFoundError:
            text = ""
        if text.isdigit():
            return int(text)
        time.sleep(0.05)
    raise WorldError(f"{path.name}: the simulator did not start in {timeout_s:g} s")


def _stop_process(proc: subprocess.Popen[bytes] | None, timeout_s: float = 5.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout_s)


class PrinterProcess:
    """`python -m sim.printer` on a fixed port once the first start picked one; `off()`
    ends the process (connection refused, as a printer switched off), `on()` brings it
    back on the same port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = 0
        self.control_port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def is_on(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def on(self, timeout_s: float = 15.0) -> None:
        if self.is_on:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        port_file = self.folder / f"printer-{self.starts}.port"
        control_file = self.folder / f"printer-{self.starts}.control"
        out = (self.folder / "printer-sim.log").open("ab")
        cmd = [sys.executable, "-m", "sim.printer", "--port", str(self.port), "--port-file",
               str(port_file), "--control-port", str(self.control_port),
               "--control-port-file", str(control_file), "--log-level", "WARNING"]
        root = Path(__file__).resolve().parent.parent
        deadline = time.monotonic() + timeout_s
        while True:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=root)
            try:
                self.port = _wait_port_file(port_file, self.proc, timeout_s)
                self.control_port = _wait_port_file(control_file, self.proc, 5.0)
                break
            except WorldError:
                # The old process's port may linger for a moment after it ended.
                _stop_process(self.proc)
                if time.monotonic() > deadline:
                    out.close()
                    raise
                time.sleep(0.2)
        out.close()

    def off(self) -> None:
        _stop_process(self.proc)
        self.proc = None

    def set_state(self, **update: object) -> None:
        http_json("POST", f"http://127.0.0.1:{self.control_port}/state", update)

    def jobs(self) -> list[dict[str, Any]]:
        return http_json("GET", f"http://127.0.0.1:{self.control_port}/jobs", timeout_s=30)

    def clear_jobs(self) -> None:
        http_json("DELETE", f"http://127.0.0.1:{self.control_port}/jobs")


def wait_for(predicate: Any, timeout_s: float, step_s: float = 0.05) -> bool:  # noqa: ANN401
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step_s)


@dataclass
class CardSlot:
    """One vpcd slot with our emulated passport in it (its UID is a staff card's)."""

    reader: str
    emulator: CardEmulator
    pcscd: PcscdProcess | None = None  # set when we may restart it

    def pull_after(self, apdus: int) -> None:
        """The card leaves the field after `apdus` more commands (mid-read)."""
        self.emulator.remove_after = self.emulator.apdus + apdus

    def remove(self) -> None:
        self.emulator.remove_after = None
        self.emulator.remove()

    def reinsert(self, timeout_s: float = 6.0) -> bool:
        """Back in the reader, seen by pcscd. pcscd polls vpcd every 400 ms: a card back
        sooner than that after it left can leave the slot looking empty."""
        self.emulator.remove_after = None
        self.emulator.remove()
        wait_for(lambda: card_present(self.reader) is not True, timeout_s)
        time.sleep(0.45)
        self.emulator.insert()
        if wait_for(lambda: card_present(self.reader) is True, timeout_s):
            return True
        log.warning("soak_card_not_seen reader_slot=%s", self.reader[-5:])
        return False

    def restore(self) -> bool:
        """After a visit with a card fault: the card back, and no pull pending."""
        if self.emulator.connected.is_set() and self.present():
            self.emulator.remove_after = None
            return True
        return self.reinsert()

    def insert(self) -> None:
        self.emulator.remove_after = None
        self.emulator.insert()

    def present(self) -> bool:
        return card_present(self.reader) is True

    def uid(self) -> str:
        """The UID of the card in the reader now, as the kiosk would read it."""
        from devices.card.transport import PcscConnection, read_uid

        try:
            with PcscConnection(self.reader) as conn:
                return read_uid(conn)
        except Exception as exc:  # no card, no reader: say which
            return type(exc).__name__

    def restart_pcscd(self) -> bool:
        if self.pcscd is None or not self.pcscd.owned:
            return False
        self.pcscd.restart()
        return True


@dataclass
class SoakWorld:
    """The simulators, started in `folder`; `close()` stops what we started."""

    folder: Path
    card_slot: CardSlot | None = None  # given: the test session's pcscd and emulator
    csca_dir: Path | None = None
    face: bool = False  # a face camera (harness.demo's feed) and the real face model
    platform: SimProcess = field(init=False)
    printer: PrinterProcess = field(init=False)
    card: CardSlot = field(init=False)
    idcard: ReaderEmulator = field(init=False)  # the SAM ID card reader, behind TCP
    config_path: Path = field(init=False)
    _stack: ExitStack = field(init=False, default_factory=ExitStack)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self.platform = start_platform(
                self.folder / "platform", args=["--seed", "3", "--step-seconds", "5",
                                                "--log-level", "WARNING"])
            self._stack.callback(self.platform.stop)
            self.printer = PrinterProcess(self.folder / "printer")
            self.printer.on()
            self._stack.callback(self.printer.off)
            self.card = self.card_slot or self._start_card()
            # A real reader takes 0.4-1.1 s for a card; the soak is about many visits.
            self.idcard = ReaderEmulator(read_delay_s=0.05, answer_delay_s=0.002)
            self._stack.callback(self.idcard.stop)
            self.idcard_port = int(self.idcard.start_tcp(port=0))
            self.face_source: str | None = None
            if self.face:
                from harness.demo import write_face_feed

                self.face_source = write_face_feed(self.folder / "face")
            self.config_path = self._write_config()
        except BaseException:
            self._stack.close()
            raise

    @property
    def control_url(self) -> str:
        return self.platform.base_url.rsplit("/api/v1", 1)[0] + "/_sim"

    def _start_card(self) -> CardSlot:
        # Our own vpcd ports and reader name: a stray card emulator of another run, still
        # knocking at the usual test ports, must not end up in our reader.
        pcscd = start_pcscd(self.folder / "pcscd", port=SOAK_VPCD_PORT,
                            friendly_name="Kiosk Soak PCD")
        self._stack.callback(pcscd.stop)
        index = 0
        if not pcscd.owned:  # one pcscd per machine: use a free slot of the running one
            free = [i for i, r in enumerate(pcscd.readers) if card_present(r) is False]
            if not free:
                raise WorldError("a pcscd is running and both its vpcd slots hold a card; "
                                 "run the soak when it is free")
            index = free[-1]
        emulator = CardEmulator(get_profile(FACE_CARD_PROFILE if self.face else CARD_PROFILE,
                                            uid=STAFF_UID),
                                port=pcscd.port + index)
        emulator.start()
        self._stack.callback(emulator.stop)
        if not emulator.wait_connected(10):
            raise WorldError("the card emulator could not reach pcscd's vpcd port "
                             f"{pcscd.port + index}")
        slot = CardSlot(pcscd.readers[index], emulator, pcscd)
        if not wait_for(slot.present, 10):
            raise WorldError(f"pcscd does not see the emulated card in {slot.reader}")
        uid = slot.uid()
        if uid != STAFF_UID:
            raise WorldError(f"another card answers in {slot.reader} (UID {uid}): is another "
                             "card emulator connected to this pcscd?")
        self.csca_dir = self.folder / "csca"
        load_test_pki().write_csca(self.csca_dir)
        return slot

    def _write_config(self) -> Path:
        path = self.folder / "kiosk.toml"
        csca = f'csca_dir = "{self.csca_dir}"\n' if self.csca_dir else ""
        # Short waits everywhere: the soak is about many visits, not about patience.
        path.write_text(textwrap.dedent(f"""\
            # The soak run's kiosk: plain HTTP to simulators on this machine.
            [kiosk]
            id = "K017"
            hall = "BA01"
            [platform]
            url = "{self.platform.base_url}"
            token = "{TOKEN}"
            insecure_dev = true
            connect_timeout_s = 0.5
            read_timeout_s = {PLATFORM_READ_TIMEOUT_S}
            [storage]
            data_dir = "{self.folder / 'data'}"
            key_file = "{self.folder / 'keys' / 'data.key'}"
            retention_days = 0
            [sync]
            workers = 2
            backoff_base_s = 0.05
            backoff_cap_s = 1
            poll_interval_s = 0.05
            [logging]
            dir = "{self.folder / 'logs'}"
            level = "INFO"
            [printer]
            url = "{self.printer.url}"
            profile = "cn-80"
            connect_timeout_s = 0.5
            write_timeout_s = 2
            status_timeout_s = 0.5
            poll_interval_s = 1
            [ui]
            hall_name_zh = "杭州市民之家政务服务中心"
            hall_name_en = "Hangzhou Citizens' Service Center"
            [card]
            reader = "{self.card.reader}"
            read_timeout_s = 5
            command_timeout_s = 2
            poll_interval_s = 0.1
            reconnect_backoff_s = 0.2
            """) + csca + textwrap.dedent(f"""\
            [idcard]
            port = "tcp://127.0.0.1:{self.idcard_port}"
            reconnect_backoff_s = 0.2
            max_backoff_s = 1
            """) + (textwrap.dedent(f"""            [face_camera]
            source = "{self.face_source}"
            fps = 10
            [face]
            challenge_timeout_s = 20
            call_timeout_s = 6
            """) if self.face_source else ""))
        return path

    # ---- the platform's switches ---------------------------------------------------

    def platform_faults(self, rules: list[dict[str, Any]]) -> None:
        http_json("POST", f"{self.control_url}/faults", {"rules": rules})

    def clear_platform_faults(self) -> None:
        http_json("DELETE", f"{self.control_url}/faults")

    def audit(self) -> dict[str, Any]:
        return http_json("GET", f"{self.control_url}/audit", timeout_s=60)

    def force_status(self, tracking_no: str, status: str, missing: list[str]) -> None:
        http_json("POST", f"{self.control_url}/submissions/{tracking_no}/status",
                  {"status": status, "missing_materials": missing})

    def close(self) -> None:
        self._stack.close()
