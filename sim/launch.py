"""Start a simulator as a child process and wait until it listens (demo and tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SimProcess:
    process: subprocess.Popen[bytes]
    port: int
    base_url: str

    def stop(self, timeout_s: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_platform(
    workdir: Path,
    *,
    args: list[str] | None = None,
    scheme: str = "http",
    timeout_s: float = 20.0,
    log_file: Path | None = None,
) -> SimProcess:
    """`python -m sim.platform --port 0 --port-file F ...`; returns once F names the port."""
    workdir.mkdir(parents=True, exist_ok=True)
    port_file = workdir / f"platform-{os.getpid()}-{time.monotonic_ns()}.port"
    out = (log_file or workdir / "platform-sim.log").open("ab")
    cmd = [
        sys.executable,
        "-m",
        "sim.platform",
        "--port",
        "0",
        "--port-file",
        str(port_file),
        *(args or []),
    ]
    proc = subprocess.Popen(
        cmd, stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parent.parent
    )
    out.close()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"platform simulator exited with {proc.returncode}")
        try:
            text = port_file.read_text().strip()
        except FileNotFoundError:
            text = ""
        if text.isdigit():
            port = int(text)
            return SimProcess(proc, port, f"{scheme}://127.0.0.1:{port}/api/v1")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("platform simulator did not start in time")
