"""A tiny line-based control socket (loopback) for the demo and manual checks.

    place NAME | remove | fault KIND [COUNT] | clear | unplug | replug | stats | cards | help
Each line gets one answer line: "ok ..." or "error ...". `stats` answers "ok {json}".
"""

from __future__ import annotations

import json
import logging
import socketserver
import threading

from .cards import SimCard
from .emulator import ReaderEmulator

log = logging.getLogger("sim.idcard")
HELP = "place NAME | remove | fault KIND [COUNT] | clear | unplug | replug | stats | cards"


def run_command(emu: ReaderEmulator, cards: dict[str, SimCard], line: str) -> str:
    words = line.split()
    if not words:
        return "error empty line"
    cmd, args = words[0].lower(), words[1:]
    try:
        if cmd == "place" and len(args) == 1:
            if args[0] not in cards:
                return f"error no card {args[0]!r}: {' '.join(cards)}"
            emu.place(cards[args[0]])
        elif cmd == "remove" and not args:
            emu.remove()
        elif cmd == "fault" and len(args) in (1, 2):
            emu.fault(args[0], int(args[1]) if len(args) == 2 else 1)
        elif cmd == "clear" and not args:
            emu.clear_faults()
        elif cmd == "unplug" and not args:
            emu.unplug()
        elif cmd == "replug" and not args:
            emu.replug()
        elif cmd == "stats" and not args:
            return "ok " + json.dumps(emu.stats.as_dict())
        elif cmd == "cards" and not args:
            return "ok " + " ".join(cards)
        elif cmd == "help":
            return "ok " + HELP
        else:
            return "error usage: " + HELP
    except (ValueError, RuntimeError) as exc:
        return f"error {exc}"
    return "ok"


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").strip()
            answer = run_command(self.server.emu, self.server.cards, line)
            self.wfile.write((answer + "\n").encode())


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    emu: ReaderEmulator
    cards: dict[str, SimCard]


class ControlServer:
    def __init__(self, emu: ReaderEmulator, cards: dict[str, SimCard],
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.emu, self._server.cards = emu, cards
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.2},
                                        name="idcard-control", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> ControlServer:
        self._thread.start()
        log.info("control_listening port=%d", self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
