"""The virtual printer's control interface: a small HTTP API on its own loopback port.

    GET    /state              the current state (JSON)
    POST   /state              a partial update, e.g. {"paper": "near_end"},
                               {"cover_open": true}, {"unresponsive": true},
                               {"drop_after_bytes": 500}, {"width_dots": 384}
    GET    /jobs               summaries: bytes, complete, cuts, QR payloads, text lines
    GET    /jobs/N.png|.bin|.txt   one job rendered, raw, or as its text log
    DELETE /jobs               forget all jobs
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any

from .server import VirtualPrinter

_JOB = re.compile(r"^/jobs/(\d+)\.(png|bin|txt)$")
MAX_BODY = 64 * 1024


class _ControlHandler(BaseHTTPRequestHandler):
    server: _ControlServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the printer logs what matters

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, obj: object) -> None:
        self._send(code, json.dumps(obj, ensure_ascii=False).encode("utf-8"))

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        printer = self.server.printer
        if self.path == "/state":
            self._json(200, printer.state.__dict__)
            return
        if self.path == "/jobs":
            self._json(200, [job.summary() for job in printer.jobs])
            return
        match = _JOB.match(self.path)
        jobs = printer.jobs
        if not match or not 1 <= int(match[1]) <= len(jobs):
            self._json(404, {"error": "not found"})
            return
        job = jobs[int(match[1]) - 1]
        if match[2] == "bin":
            self._send(200, job.data, "application/octet-stream")
        elif match[2] == "txt":
            self._send(200, (job.text + "\n").encode("utf-8"), "text/plain; charset=utf-8")
        else:
            buf = BytesIO()
            job.receipt_image().save(buf, "PNG")
            self._send(200, buf.getvalue(), "image/png")

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/state":
            self._json(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            self._json(400, {"error": "a JSON object body is required"})
            return
        try:
            update = json.loads(self.rfile.read(length))
            if not isinstance(update, dict):
                raise ValueError("the body must be a JSON object")
            state = self.server.printer.set_state(**update)
        except (ValueError, TypeError) as exc:
            self._json(400, {"error": str(exc)})
            return
        self._json(200, state.__dict__)

    def do_DELETE(self) -> None:  # noqa: N802
        if self.path != "/jobs":
            self._json(404, {"error": "not found"})
            return
        self.server.printer.clear_jobs()
        self._json(200, {"cleared": True})


class _ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    printer: VirtualPrinter


class ControlServer:
    def __init__(self, printer: VirtualPrinter, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _ControlServer((host, port), _ControlHandler)
        self._server.printer = printer
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="virtual-printer-control", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
