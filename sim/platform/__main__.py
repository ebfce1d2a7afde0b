"""Command line: python -m sim.platform --port 0 --port-file F [options]."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from types import FrameType

from .server import PlatformSim
from .tls import server_ssl_context

logger = logging.getLogger("sim.platform")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sim.platform", description="Simulator of the platform's kiosk API."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the port here once listening")
    parser.add_argument("--token", default="dev-token", help="the accepted bearer token")
    parser.add_argument("--seed", type=int, default=1, help="catalog and fault dice seed")
    parser.add_argument(
        "--step-seconds",
        type=float,
        default=30.0,
        help="time between an application's status steps",
    )
    parser.add_argument("--tls-cert", help="server certificate chain (PEM); enables HTTPS")
    parser.add_argument("--tls-key", help="server private key (PEM)")
    parser.add_argument("--client-ca", help="CA (PEM) for client certificates: mutual TLS")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.client_ca and not args.tls_cert:
        parser.error("--client-ca needs --tls-cert and --tls-key")
    return args


def write_port_file(path: str, port: int) -> None:
    """Atomically (temp file + rename), so a waiting parent never reads half a number."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{port}\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    ssl_context = None
    if args.tls_cert:
        ssl_context = server_ssl_context(args.tls_cert, args.tls_key, args.client_ca)
    sim = PlatformSim(
        host=args.host,
        port=args.port,
        token=args.token,
        seed=args.seed,
        step_seconds=args.step_seconds,
        ssl_context=ssl_context,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %d: shutting down", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sim.start()
    try:
        if args.port_file:
            write_port_file(args.port_file, sim.port)
        while not stop.wait(1.0):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
