"""Unattended operation: the heartbeat to the platform and the commands in its answers.

Every `heartbeat_s` (60 s by the contract), and at once when the kiosk goes out of or back
into service, the kiosk posts its health: queue, devices, counters, version, uptime. The
answer may carry commands, delivered at least once; each id is carried out once, even
across restarts (the ids done are kept on disk, and so is an out_of_service, so a restart
does not reopen a kiosk the platform closed):

- reload_catalog: a conditional catalog refresh now;
- purge_cache: the whole catalog again (no ETag), and the outbox's retention purge now;
- out_of_service / in_service: the flow closes / reopens between visits;
- restart: the flow exits with code 75 at the next idle moment, never mid-visit, and the
  service manager starts the kiosk again.

Runs on its own thread (a `Periodic`: `wake()` sends a heartbeat now); what touches the flow
goes through `post` to the flow's thread.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from offline_queue.client import Command, HeartbeatReply, PlatformError, TransportError
from offline_queue.outbox import QueueStatus

from ..files import write_atomic
from .health import Counters, Health
from .threads import Periodic

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]
KEEP_DONE_IDS = 500  # at-least-once redelivery comes within minutes, not 500 commands
CLOCK_SKEW_WARN_S = 120.0  # tracking numbers carry the date: a wrong clock matters


class HeartbeatClient(Protocol):
    def heartbeat(self, body: dict[str, Any]) -> HeartbeatReply: ...


class QueueStats(Protocol):
    def status(self, now: float | None = None) -> QueueStatus: ...
    def purge_expired(self, now: float | None = None) -> int: ...


class CatalogRefresher(Protocol):
    def refresh(self, *, force: bool = False) -> Any: ...  # noqa: ANN401 - a RefreshResult


class FlowCommands(Protocol):
    """What the runtime asks of the flow (on the flow's thread, through `post`)."""

    def out_of_service(self, reason: str) -> None: ...
    def in_service(self) -> None: ...
    def request_restart(self) -> None: ...
    def platform_status(self, reachable: bool, detail: str = "") -> None: ...


@dataclass
class CommandBook:
    """The command ids carried out, and whether the platform closed the kiosk; on disk."""

    path: Path
    done: list[str] = field(default_factory=list)
    out_of_service: str | None = None

    @classmethod
    def load(cls, path: Path) -> CommandBook:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            # Worst case a command runs twice: they are all safe to repeat but restart.
            log.warning("runtime_commands_unreadable reason=%s", type(exc).__name__)
            return cls(path)
        done = doc.get("done") if isinstance(doc, dict) else None
        oos = doc.get("out_of_service") if isinstance(doc, dict) else None
        return cls(path, [str(i) for i in done] if isinstance(done, list) else [],
                   oos if isinstance(oos, str) else None)

    def save(self) -> None:
        write_atomic(self.path, json.dumps({"done": self.done[-KEEP_DONE_IDS:],
                                            "out_of_service": self.out_of_service}).encode())


class Runtime(Periodic):
    def __init__(self, *, version: str, client: HeartbeatClient, queue: QueueStats,
                 catalog: CatalogRefresher, health: Health, counters: Counters,
                 flow: FlowCommands, post: Post, state_path: Path, heartbeat_s: float = 60.0,
                 extra_counters: Callable[[], dict[str, int]] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__("heartbeat", heartbeat_s, first_after_s=1.0)
        self.version = version
        self.client = client
        self.queue = queue
        self.catalog = catalog
        self.health = health
        self.counters = counters
        self.flow = flow
        self.post = post
        self.extra_counters = extra_counters
        self._monotonic = monotonic
        self._started = monotonic()
        self.book = CommandBook.load(state_path)
        self.last_reply: HeartbeatReply | None = None

    # ---- start ---------------------------------------------------------------------------

    def restore(self) -> None:
        """Apply what outlives a restart: an out_of_service the platform has not lifted."""
        reason = self.book.out_of_service
        if reason is not None:
            log.warning("runtime_out_of_service_restored")
            self.post(lambda: self.flow.out_of_service(reason))

    def step(self) -> None:
        self.beat()

    # ---- the heartbeat ----------------------------------------------------------------

    def body(self) -> dict[str, Any]:
        q = self.queue.status()
        queue: dict[str, int] = {"pending": q.pending, "dead": q.dead}
        if q.oldest_pending_age_s is not None:
            queue["oldest_pending_age_s"] = q.oldest_pending_age_s
        counters = self.counters.snapshot()
        counters["queue_acknowledged"] = q.acknowledged
        if self.extra_counters is not None:
            counters.update(self.extra_counters())
        return {
            "at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "version": self.version,
            "uptime_s": int(self._monotonic() - self._started),
            "in_service": self.health.service_state().in_service,
            "queue": queue,
            "devices": self.health.heartbeat_devices(),
            "counters": counters,
        }

    def beat(self) -> HeartbeatReply | None:
        """One heartbeat and its commands; None when the platform did not answer."""
        try:
            reply = self.client.heartbeat(self.body())
        except PlatformError as exc:
            self.counters.add("heartbeats_failed")
            log.warning("heartbeat_failed reason=%s code=%s", type(exc).__name__, exc.code)
            if isinstance(exc, TransportError):
                self.post(lambda: self.flow.platform_status(False, "heartbeat"))
            return None
        self.counters.add("heartbeats_sent")
        self.last_reply = reply
        self._check_clock(reply.server_time)
        for command in reply.commands:
            self.carry_out(command)
        return reply

    def _check_clock(self, server_time: str) -> None:
        try:
            theirs = datetime.fromisoformat(server_time)
        except ValueError:
            log.warning("heartbeat_server_time_unreadable")
            return
        if theirs.tzinfo is None:
            return
        skew = (datetime.now(UTC) - theirs).total_seconds()
        if abs(skew) > CLOCK_SKEW_WARN_S:
            log.warning("clock_skew seconds=%.0f clock=kiosk",
                        skew)

    # ---- commands ---------------------------------------------------------------------

    def carry_out(self, command: Command) -> bool:
        """Carry out one command unless its id was done before; True when it ran."""
        if command.id in self.book.done:
            log.info("command_repeated id=%s type=%s", command.id, command.type)
            return False
        log.info("command id=%s type=%s", command.id, command.type)
        reason = command.reason or ""
        # Recorded before it runs: a restart must not come back and restart again.
        self.book.done.append(command.id)
        if command.type == "out_of_service":
            self.book.out_of_service = reason or "out_of_service"
        elif command.type == "in_service":
            self.book.out_of_service = None
        try:
            self.book.save()
        except OSError as exc:
            log.error("runtime_commands_not_saved reason=%s", exc)
        self.counters.add(f"command_{command.type}")
        flow = self.flow
        if command.type == "out_of_service":
            self.post(lambda: flow.out_of_service(reason or "out_of_service"))
            self.wake()
        elif command.type == "in_service":
            self.post(flow.in_service)
            self.wake()
        elif command.type == "restart":
            self.post(flow.request_restart)
        elif command.type == "reload_catalog":
            result = self.catalog.refresh()
            log.info("command_reload_catalog changed=%s error=%s", result.changed,
                     result.error or "-")
        elif command.type == "purge_cache":
            result = self.catalog.refresh(force=True)
            purged = self.queue.purge_expired()
            log.info("command_purge_cache catalog_changed=%s error=%s purged=%d",
                     result.changed, result.error or "-", purged)
        return True
