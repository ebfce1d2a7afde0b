"""A virtual ESC/POS printer on a loopback TCP port (the raw "port 9100" protocol).

Each connection is one job. DLE EOT 1/2/4 is answered from the state set through the
control interface (`control.py`) or `set_state()`; in the `unresponsive` state the
printer takes the connection and the bytes but never answers. `drop_after_bytes` makes
it reset the connection after that many bytes of the next job (a printer unplugged
mid-print). Jobs with something printable are kept, rendered and, with `out_dir`,
written as job-NNNN.bin/.png/.txt.
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import struct
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter

from .decoder import Decoder
from .paper import Paper

log = logging.getLogger("sim.printer")

PAPER_STATES = ("ok", "near_end", "out")


@dataclass(frozen=True)
class PrinterState:
    paper: str = "ok"  # ok | near_end | out
    cover_open: bool = False
    error: bool = False  # e.g. a cutter jam: DLE EOT 2 bit 6
    unresponsive: bool = False  # takes the bytes, never answers DLE EOT
    drop_after_bytes: int | None = None  # one-shot: reset the next job's connection
    width_dots: int = 576  # 384 on 58 mm paper, 576 on 80 mm

    def status_byte(self, n: int) -> int:
        offline = self.cover_open or self.paper == "out" or self.error
        if n == 1:
            return 0x12 | (0x08 if offline else 0)
        if n == 2:
            return (0x12 | (0x04 if self.cover_open else 0) | (0x20 if self.paper == "out" else 0)
                    | (0x40 if self.error else 0))
        if n == 3:
            return 0x12 | (0x08 if self.error else 0)
        if n == 4:
            return 0x12 | {"ok": 0, "near_end": 0x0C, "out": 0x6C}[self.paper]
        return 0x12


def validate_state(update: dict[str, Any], current: PrinterState) -> PrinterState:
    """Apply a partial update (from JSON); raises ValueError naming the bad key."""
    known = set(asdict(current))
    for key in update:
        if key not in known:
            raise ValueError(f"unknown state key {key!r}")
    if "paper" in update and update["paper"] not in PAPER_STATES:
        raise ValueError(f"paper must be one of {PAPER_STATES}")
    for key in ("cover_open", "error", "unresponsive"):
        if key in update and not isinstance(update[key], bool):
            raise ValueError(f"{key} must be true or false")
    drop = update.get("drop_after_bytes")
    if drop is not None and (not isinstance(drop, int) or drop < 0):
        raise ValueError("drop_after_bytes must be a non-negative integer or null")
    if "width_dots" in update and update["width_dots"] not in (384, 576):
        raise ValueError("width_dots must be 384 or 576")
    return replace(current, **update)


@dataclass
class Job:
    index: int
    data: bytes
    width_dots: int
    complete: bool  # False: the connection was dropped mid-job
    printed_while: str  # the state's summary when it arrived ("ready", "paper_out", ...)
    received_at: float = field(default_factory=time.time)
    _paper: Paper | None = field(default=None, repr=False)

    def paper(self) -> Paper:
        if self._paper is None:
            paper = Paper(self.width_dots)
            decoder = Decoder()
            for op in decoder.feed(self.data):
                if op.name == "unknown":
                    paper.unknown.append(op.value)  # type: ignore[arg-type]
                paper.apply(op)
            self._paper = paper
        return self._paper

    @property
    def text_lines(self) -> list[str]:
        return self.paper().text_lines

    @property
    def text(self) -> str:
        return "\n".join(self.text_lines)

    def image(self) -> Image.Image:
        return self.paper().image()

    def receipt_image(self, margin: int = 24) -> Image.Image:
        """The paper on a grey table with a soft shadow, for documentation."""
        paper = self.image().convert("RGB")
        w, h = paper.width + 2 * margin, paper.height + 2 * margin
        out = Image.new("RGB", (w, h), (214, 216, 220))
        shadow = Image.new("L", (w, h), 0)
        shadow.paste(90, (margin + 3, margin + 4, margin + 3 + paper.width,
                          margin + 4 + paper.height))
        shadow = shadow.filter(ImageFilter.GaussianBlur(5))
        out.paste((150, 152, 158), mask=shadow)
        out.paste(paper, (margin, margin))
        return out

    def summary(self) -> dict[str, Any]:
        paper = self.paper()
        return {"index": self.index, "bytes": len(self.data), "complete": self.complete,
                "cuts": paper.cuts, "printed_while": self.printed_while,
                "qr": [p.decode("utf-8", "replace") for p in paper.qr_payloads],
                "text": paper.text_lines}


def _summary(state: PrinterState) -> str:
    if state.cover_open:
        return "cover_open"
    if state.paper == "out":
        return "paper_out"
    return "error" if state.error else "ready"


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.printer._serve(self.request)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    printer: VirtualPrinter


class VirtualPrinter:
    """In-process: `with VirtualPrinter() as p: ... p.url ... p.jobs`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, width_dots: int = 576,
                 out_dir: Path | None = None) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.printer = self
        self._state = PrinterState(width_dots=width_dots)
        self._lock = threading.Condition()
        self._jobs: list[Job] = []
        self._thread: threading.Thread | None = None
        self.out_dir = out_dir
        self.status_queries = 0
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> VirtualPrinter:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, name="virtual-printer",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> VirtualPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state and jobs -----------------------------------------------------------------

    @property
    def state(self) -> PrinterState:
        with self._lock:
            return self._state

    def set_state(self, **update: Any) -> PrinterState:
        with self._lock:
            self._state = validate_state(update, self._state)
            log.info("state: %s", json.dumps(asdict(self._state)))
            return self._state

    @property
    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs)

    def clear_jobs(self) -> None:
        with self._lock:
            self._jobs.clear()

    def wait_for_jobs(self, count: int, timeout_s: float = 5.0) -> list[Job]:
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._jobs) >= count, timeout_s):
                raise TimeoutError(f"{len(self._jobs)} of {count} jobs after {timeout_s} s")
            return list(self._jobs)

    # --- one connection -----------------------------------------------------------------

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        decoder = Decoder()
        job = bytearray()
        complete = True
        arrived_in = _summary(self.state)
        while True:
            try:
                data = conn.recv(4096)
            except TimeoutError:
                if self._server_stopping():
                    break
                continue
            except OSError:
                complete = False
                break
            if not data:
                break
            state = self.state
            try:
                for op in decoder.feed(data):
                    if op.name == "status":
                        self.status_queries += 1
                        if not state.unresponsive:
                            conn.sendall(bytes([state.status_byte(int(op.value))]))  # type: ignore[arg-type]
            except OSError:  # the client went away before reading its answer
                complete = False
                break
            payload = _strip_status(data)
            if payload and not job:
                arrived_in = _summary(state)
            job += payload
            if state.drop_after_bytes is not None and len(job) >= state.drop_after_bytes:
                with self._lock:
                    self._state = replace(self._state, drop_after_bytes=None)
                del job[state.drop_after_bytes:]
                log.info("dropping the connection after %d bytes", state.drop_after_bytes)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                complete = False
                break
        conn.close()
        if job:
            self._keep(bytes(job), complete, arrived_in)

    def _server_stopping(self) -> bool:
        return self._stopping.is_set()

    def _keep(self, data: bytes, complete: bool, arrived_in: str) -> None:
        with self._lock:
            job = Job(len(self._jobs) + 1, data, self._state.width_dots, complete, arrived_in)
            self._jobs.append(job)
            self._lock.notify_all()
        log.info("job %d: %d bytes%s", job.index, len(data), "" if complete else " (dropped)")
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            stem = self.out_dir / f"job-{job.index:04d}"
            stem.with_suffix(".bin").write_bytes(data)
            job.receipt_image().save(stem.with_suffix(".png"))
            stem.with_suffix(".txt").write_text(job.text + "\n", encoding="utf-8")


def _strip_status(data: bytes) -> bytes:
    """The chunk without whole DLE EOT queries, to tell a status poll from a job. (The
    decoder does the exact parse; a chunk that is only queries is a poll.)"""
    rest = data
    while rest.startswith(b"\x10\x04") and len(rest) >= 3:
        rest = rest[3:]
    return data if rest else b""
