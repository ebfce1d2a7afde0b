"""Start (and restart) a private pcscd whose vpcd slots listen on ports we choose.

pcsc-lite 1.9 has one daemon per machine (/run/pcscd). If one is already running and
not ours, we reuse it rather than stop someone else's; `owned` tells the caller.
vpcd listens on all interfaces: a test or demo machine only, never a kiosk.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PID_FILE = Path("/run/pcscd/pcscd.pid")
DEFAULT_PORT = 0x8C7B  # 35963, Debian's /etc/reader.conf.d/vpcd
DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"


def running_pcscd_pid() -> int | None:
    try:
        # pcscd writes "PID\n\0": strip the NUL too, or another daemon goes unnoticed.
        pid = int(PID_FILE.read_text().strip().strip("\x00").strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def running_pcscd(default: PcscdProcess) -> PcscdProcess:
    """The vpcd port and reader name of the pcscd someone else runs, from its --config
    folder (`default`, Debian's, when it was started without one)."""
    pid = running_pcscd_pid()
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        conf = Path(args[args.index(b"--config") + 1].decode()) / "vpcd"
        text = conf.read_text()
    except (OSError, ValueError, IndexError):
        return default
    name = re.search(r'FRIENDLYNAME\s+"([^"]+)"', text)
    port = re.search(r"CHANNELID\s+0x([0-9A-Fa-f]+)", text)
    if name is None or port is None:
        return default
    return PcscdProcess(default.workdir, int(port[1], 16), name[1], owned=False)


def _listening(port: int) -> bool:
    hexport = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[1].endswith(hexport) and cols[3] == "0A":
                return True
    return False


@dataclass
class PcscdProcess:
    workdir: Path
    port: int
    friendly_name: str
    owned: bool
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _starts: int = field(default=0)

    @property
    def readers(self) -> list[str]:
        """The two vpcd slots: '<name> 00 00' on port, '<name> 00 01' on port + 1."""
        return [f"{self.friendly_name} 00 00", f"{self.friendly_name} 00 01"]

    def start(self, timeout_s: float = 10.0) -> None:
        if not self.owned:
            return
        conf = self.workdir / "reader.conf.d"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "vpcd").write_text(
            f'FRIENDLYNAME "{self.friendly_name}"\nDEVICENAME /dev/null:0x{self.port:04X}\n'
            f"LIBPATH {DRIVER}\nCHANNELID 0x{self.port:04X}\n")
        self.log_path = self.workdir / "pcscd.log"
        out = self.log_path.open("ab")
        self.process = subprocess.Popen(["pcscd", "--foreground", "--config", str(conf)],
                                        stdout=out, stderr=subprocess.STDOUT)
        out.close()
        self._starts += 1
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pcscd exited with {self.process.returncode}; "
                                   f"see {self.log_path}")
            if _listening(self.port) and Path("/run/pcscd/pcscd.comm").exists():
                return
            time.sleep(0.05)
        raise RuntimeError(f"pcscd did not open vpcd port {self.port} in {timeout_s} s")

    def stop(self, timeout_s: float = 5.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout_s)

    def restart(self) -> None:
        self.stop()
        self.start()


def start_pcscd(workdir: Path, *, port: int = 0x7B7B,
                friendly_name: str = "Kiosk Test PCD") -> PcscdProcess:
    """Our own pcscd (vpcd on `port` and `port`+1), or the running one if there is one."""
    workdir.mkdir(parents=True, exist_ok=True)
    if running_pcscd_pid() is not None:
        proc = running_pcscd(PcscdProcess(workdir, DEFAULT_PORT, "Virtual PCD", owned=False))
        return proc
    proc = PcscdProcess(workdir, port, friendly_name, owned=True)
    proc.start()
    return proc
