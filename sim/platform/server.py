"""The HTTP(S) layer: a ThreadingHTTPServer on loopback, fault application, PlatformSim.

Request flow: read the whole request (with size limits) -> control API (/_sim/...) or
API (/api/v1/...) -> count it -> maybe a fault -> route handler -> answer (or drop).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import socketserver
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .api import BASE_PATH, PlatformApi, submission_key
from .control import CONTROL_PREFIX, ControlApi
from .faults import FaultInjector, FaultRule, corrupt_response
from .messages import ApiError, Request, Response, error_response
from .state import DEFAULT_MAX_BLOB_BYTES, PlatformState

logger = logging.getLogger("sim.platform")

MAX_JSON_BODY = 2 * 1024 * 1024  # far above any real submission body
DISCARD_LIMIT = 256 * 1024 * 1024  # oversized bodies up to this are read and thrown away
_CHUNK = 64 * 1024


class _BodyError(Exception):
    """The request body could not be read; answer (if possible) and close the connection."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class SimApp:
    """Routes one fully read request; returns the answer, or None to drop the connection."""

    def __init__(self, state: PlatformState, faults: FaultInjector, token: str) -> None:
        self.state = state
        self.faults = faults
        self.api = PlatformApi(state, token)
        self.control = ControlApi(state, faults)
        self.stopping = threading.Event()

    def handle(self, request: Request) -> Response | None:
        path = request.path
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            return self._safely(self.control.dispatch, request)
        if not path.startswith(BASE_PATH + "/"):
            return error_response(404, "not_found", f"the API lives under {BASE_PATH}")
        self.state.count_request(self.api.endpoint_of(request.method, path))
        if request.method == "POST" and path == BASE_PATH + "/submissions":
            self.state.record_submission_post(submission_key(request), request.body)
        rule = self.faults.pick(request.method, path)
        if rule is not None:
            logger.info("fault %s on %s %s", rule.kind, request.method, path)
            early = self._apply_before(rule)
            if early is not None or rule.kind == "drop":
                return early
        response = self._safely(self.api.dispatch, request)
        if rule is not None and rule.kind == "commit_then_drop":
            return None  # state has changed; the client never hears about it
        return response

    def _apply_before(self, rule: FaultRule) -> Response | None:
        if rule.kind == "status":
            return rule.status_response()
        if rule.kind == "corrupt":
            return corrupt_response()
        if rule.kind == "delay":
            self.stopping.wait(rule.seconds)  # stop() cuts a long delay short
        return None

    def _safely(self, dispatch: Any, request: Request) -> Response:
        try:
            response: Response = dispatch(request)
        except ApiError as exc:
            return exc.to_response()
        except Exception:
            # A bug in the simulator must not kill the server nor leak a traceback.
            logger.exception("internal error on %s %s", request.method, request.path)
            return error_response(500, "internal", "simulator internal error")
        return response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real platform behind a proxy
    server_version = "PlatformSim/1.0"
    timeout = 120  # idle keep-alive connections are closed after this
    # Headers and body go out in two writes; with Nagle on, the body waits for the
    # client's delayed ACK and every answer costs about 40 ms.
    disable_nagle_algorithm = True
    server: _SimServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve()

    do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one line per request is logged by _serve, without the query string

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug("http: " + format, *args)

    def _serve(self) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        path = url.path or "/"
        app = self.server.app
        try:
            body, too_large = self._read_body(path)
        except _BodyError as exc:
            self.close_connection = True
            self._send(error_response(exc.status, exc.code, exc.message))
            self._log(path, exc.status, started)
            return
        except OSError:
            self.close_connection = True
            return
        request = Request(
            method=self.command,
            path=path,
            query=dict(parse_qsl(url.query)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            body_too_large=too_large,
        )
        response = app.handle(request)
        if response is None:
            self.close_connection = True  # drop: no answer at all
            self._log(path, "dropped", started)
            return
        self._send(response)
        self._log(path, response.status, started)

    def _log(self, path: str, status: int | str, started: float) -> None:
        # Never the body nor the query (a query code is a secret printed on a receipt).
        logger.info(
            "%s %s -> %s (%.0f ms)", self.command, path, status, (time.monotonic() - started) * 1000
        )

    def _body_limit(self, path: str) -> int:
        if self.command == "PUT" and path.startswith(BASE_PATH + "/blobs/"):
            return self.server.app.state.max_blob_bytes
        return MAX_JSON_BODY

    def _read_body(self, path: str) -> tuple[bytes, bool]:
        """(body, too_large). An oversized body is read and discarded, so the connection
        stays usable and the client gets its 413 instead of a reset."""
        limit = self._body_limit(path)
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked(limit)
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b"", False
        try:
            length = int(length_header)
        except ValueError:
            length = -1
        if length < 0:
            raise _BodyError(400, "bad_request", "bad Content-Length")
        if length > limit:
            if length > DISCARD_LIMIT:
                raise _BodyError(413, "too_large", "request body too large")
            self._discard(length)
            return b"", True
        body = self.rfile.read(length)
        if len(body) != length:
            raise _BodyError(400, "bad_request", "the body ended early")
        return body, False

    def _discard(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(_CHUNK, length))
            if not chunk:
                raise OSError("connection closed while discarding a body")
            length -= len(chunk)

    def _read_chunked(self, limit: int) -> tuple[bytes, bool]:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError as exc:
                raise _BodyError(400, "bad_request", "bad chunked encoding") from exc
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                break
            total += size
            if total > DISCARD_LIMIT:
                raise _BodyError(413, "too_large", "request body too large")
            data = self.rfile.read(size)
            self.rfile.readline(8)  # the CRLF after each chunk
            if total <= limit:
                parts.append(data)
        if total > limit:
            return b"", True
        return b"".join(parts), False

    def _send(self, response: Response) -> None:
        body = b"" if self.command == "HEAD" else response.body
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.content_type and body:
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if body:
                self.wfile.write(body)
        except OSError:
            # The client went away (e.g. it timed out during a delay fault).
            self.close_connection = True


class _SimServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], app: SimApp, ssl_context: ssl.SSLContext | None
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.ssl_context = ssl_context
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.ssl_context is not None:
            # The handshake happens in the connection's own thread (finish_request), so a
            # client that never completes it cannot stall the accept loop.
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, address

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            if isinstance(request, ssl.SSLSocket):
                request.settimeout(10)
                try:
                    request.do_handshake()
                except (ssl.SSLError, OSError) as exc:
                    logger.info("TLS handshake from %s failed: %s", client_address[0], exc)
                    return
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the simulator serves on loopback only, not {host!r}")


class PlatformSim:
    """The simulated platform, serving on a daemon thread.

    Usage: `with PlatformSim(step_seconds=0.05) as sim: requests.get(sim.base_url + ...)`.
    `state` and `faults` are exposed for direct inspection and control in tests.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "dev-token",
        seed: int = 1,
        step_seconds: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        *,
        max_blob_bytes: int = DEFAULT_MAX_BLOB_BYTES,
    ) -> None:
        _check_loopback(host)
        self.host = host
        self.port = port
        self.token = token
        self.seed = seed
        self.ssl_context = ssl_context
        self.state = PlatformState(seed, step_seconds, max_blob_bytes)
        self.faults = FaultInjector(seed)
        self.app = SimApp(self.state, self.faults, token)
        self._server: _SimServer | None = None
        self._thread: threading.Thread | None = None

    # -- addresses -------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context is not None else "http"

    @property
    def root_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root_url + BASE_PATH

    @property
    def control_url(self) -> str:
        return self.root_url + CONTROL_PREFIX

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> PlatformSim:
        if self._server is not None:
            raise RuntimeError("already started")
        self.app.stopping.clear()
        self._server = _SimServer((self.host, self.port), self.app, self.ssl_context)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"platform-sim-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("platform simulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.app.stopping.set()
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        logger.info("platform simulator stopped")

    def __enter__(self) -> PlatformSim:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the control API, in Python ----------------------------------------------------

    def set_faults(self, rules: list[dict[str, Any]]) -> None:
        """Replaces the fault rules (same JSON shape as POST /_sim/faults)."""
        self.faults.set_rules(list(rules))

    def clear_faults(self) -> None:
        self.faults.clear()

    def queue_command(self, kiosk_id: str, command_type: str, reason: str = "") -> str:
        return self.state.queue_command(kiosk_id, command_type, reason)

    def force_status(
        self,
        tracking_no: str,
        status: str,
        missing_materials: list[str] | None = None,
        resume: bool = False,
    ) -> dict[str, Any]:
        return self.state.force_status(tracking_no, status, missing_materials, resume)

    def bump_catalog(self) -> dict[str, str]:
        return self.state.bump_catalog()

    def audit(self) -> dict[str, Any]:
        audit = self.state.audit()
        audit["faults_fired"] = self.faults.fired_json()
        return audit
