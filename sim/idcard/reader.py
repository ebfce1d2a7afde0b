"""The reader's behaviour behind the frame layer: SAM, card session, faults, counters.

Transport-free and thread-safe: the links (`links.py`) feed it parsed frames and write
what it answers. Logs carry command names, codes and card kinds, never card contents.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import frames as f
from .cards import SimCard

log = logging.getLogger("sim.idcard")

# name -> (CMD, PARA). "baud" takes PARA 00..04; its PARA here is the first.
DEFAULT_COMMANDS: dict[str, tuple[int, int]] = {
    "reset": (0x10, 0xFF), "sam_status": (0x11, 0xFF), "sam_id": (0x12, 0xFF),
    "find": (0x20, 0x01), "select": (0x20, 0x02), "read": (0x30, 0x01),
    "read_fp": (0x30, 0x10), "address": (0x30, 0x03), "baud": (0x60, 0x00),
}
BAUDS = (115200, 57600, 38400, 19200, 9600)
CARD_COMMANDS = frozenset({"find", "select", "read", "read_fp", "address"})
READS = frozenset({"read", "read_fp"})
# answer-side faults change the bytes of the next answer; the others change behaviour
ANSWER_FAULTS = ("corrupt", "garbage", "truncated", "lost_answer")
FAULT_KINDS = ("corrupt", "lost", "lost_answer", "garbage", "truncated", "remove_mid_read",
               "sam_fault", "sw3:0xNN")


def encode_sam_id(sam_id: str) -> bytes:
    """'05.01-20231115-0000123456-1234567890' -> 16 bytes: u16 u16 u32 u32 u32, little-endian."""
    try:
        head, date, a, b = sam_id.split("-")
        major, minor = head.split(".")
        parts = [(int(major), 2), (int(minor), 2), (int(date), 4), (int(a), 4), (int(b), 4)]
        return b"".join(v.to_bytes(n, "little") for v, n in parts)
    except (ValueError, OverflowError) as exc:
        raise ValueError("sam_id must look like 05.01-20231115-0000123456-1234567890") from exc


@dataclass
class Stats:
    frames_in: int = 0  # every frame that began with a preamble, bad ones included
    frames_out: int = 0  # answers written (a corrupt/truncated/garbage one counts)
    bad_frames: int = 0  # checksum or length errors
    reads: int = 0  # successful 30 01 / 30 10
    garbage_bytes: int = 0  # bytes outside any frame, and bytes lost to a line-speed mismatch
    faults_applied: int = 0
    commands: dict[str, int] = field(default_factory=dict)  # name -> count ("unknown" too)

    def __getitem__(self, key: str) -> Any:  # emu.stats["reads"] works as well as .reads
        return getattr(self, key)

    def as_dict(self) -> dict[str, Any]:
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.__dict__.items()}


@dataclass
class Answer:
    data: bytes | None  # None: say nothing
    delay_s: float = 0.0


class ReaderCore:
    def __init__(self, sam_id: str = "05.01-20231115-0000123456-1234567890", *,
                 answer_delay_s: float = 0.0, read_delay_s: float = 0.0,
                 read_once_per_placement: bool = True, baud: int = 115200,
                 commands: Mapping[str, tuple[int, int]] | None = None,
                 seed: int | None = None) -> None:
        if baud not in BAUDS:
            raise ValueError(f"baud must be one of {BAUDS}")
        self.sam_id_bytes = encode_sam_id(sam_id)
        self.answer_delay_s = answer_delay_s
        self.read_delay_s = read_delay_s
        self.read_once_per_placement = read_once_per_placement
        self.default_baud = baud
        self.baud = baud
        self._commands = {**DEFAULT_COMMANDS, **(commands or {})}
        self._by_bytes = {v: k for k, v in self._commands.items() if k != "baud"}
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._stats = Stats()
        self._card: SimCard | None = None
        self._placement = 0  # bumped by every place(): a session belongs to one placement
        self._read_done = False  # the card was read in this placement
        self._session = "idle"  # idle | found | selected | read
        self._session_placement = -1
        self._faults: list[list[Any]] = []  # [kind, remaining]
        self._sam_failed = False

    # ---- the world around the reader -------------------------------------------------
    def place(self, card: SimCard) -> None:
        with self._lock:
            self._card = card
            self._placement += 1
            self._read_done = False
            self._session = "idle"
        log.info("card_placed kind=%s", card.kind)

    def remove(self) -> None:
        with self._lock:
            had = self._card is not None
            self._card = None
            self._placement += 1
            self._session = "idle"
        if had:
            log.info("card_removed")

    @property
    def card(self) -> SimCard | None:
        return self._card

    def fault(self, kind: str, count: int = 1) -> None:
        """Arm a fault for the next `count` occasions; sam_fault holds until clear_faults()."""
        if count < 1:
            raise ValueError("count must be at least 1")
        if kind.startswith("sw3:"):
            code = int(kind[4:], 0)
            if not 0 <= code <= 0xFF:
                raise ValueError("an SW3 code is one byte")
            kind = f"sw3:0x{code:02x}"
        elif kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}: one of {', '.join(FAULT_KINDS)}")
        with self._lock:
            if kind == "sam_fault":
                self._sam_failed = True
            else:
                self._faults.append([kind, count])
        log.info("fault_armed kind=%s count=%d", kind, count)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._sam_failed = False
        log.info("faults_cleared")

    @property
    def faults(self) -> list[tuple[str, int]]:
        with self._lock:
            armed = [(k, n) for k, n in self._faults]
            return armed + ([("sam_fault", 0)] if self._sam_failed else [])

    @property
    def stats(self) -> Stats:
        with self._lock:
            return replace(self._stats, commands=dict(self._stats.commands))

    def power_cycle(self) -> None:
        """Unplugged: the line speed and the card session are lost; the card stays put and,
        with the RF field gone, can be found again."""
        with self._lock:
            self.baud = self.default_baud
            self._session = "idle"
            self._read_done = False

    # ---- fault bookkeeping -----------------------------------------------------------
    def _take(self, pred: Callable[[str], bool]) -> str | None:
        for item in self._faults:
            if pred(item[0]):
                item[1] -= 1
                if item[1] <= 0:
                    self._faults.remove(item)
                self._stats.faults_applied += 1
                log.info("fault_applied kind=%s", item[0])
                return str(item[0])
        return None

    def count_garbage(self, n: int) -> None:
        with self._lock:
            self._stats.garbage_bytes += n

    # ---- the protocol ------------------------------------------------------------------
    def handle(self, item: f.Request | f.BadFrame,
               sleep: Callable[[float], object] = time.sleep) -> bytes | None:
        """Answer one parsed frame (sleeping the configured delays); None: no answer."""
        with self._lock:
            self._stats.frames_in += 1
            if self._take(lambda k: k == "lost"):
                return None
            if isinstance(item, f.BadFrame):
                self._stats.bad_frames += 1
                log.info("bad_frame reason=%s sw3=%02x", item.reason, item.sw3)
                answer = Answer(f.response(item.sw3), self.answer_delay_s)
                name = "bad_frame"
            else:
                name, answer = self._command(item)
        if answer.delay_s:
            sleep(answer.delay_s)
        with self._lock:
            data = answer.data
            if name in READS and data is not None and data[9] == f.SW_OK:
                data = self._finish_read(data)
            return self._damage(data)

    def _finish_read(self, data: bytes) -> bytes:
        """After the read time: the card must still be there, or the read failed."""
        if self._session_placement != self._placement or self._card is None:
            self._session = "idle"
            log.info("read_failed reason=card_left")
            return f.response(f.SW_READ_FAILED)
        self._stats.reads += 1
        self._read_done = True
        self._session = "read"
        return data

    def _damage(self, data: bytes | None) -> bytes | None:
        if data is None:
            return None
        kind = self._take(lambda k: k in ANSWER_FAULTS)
        if kind == "lost_answer":
            return None
        if kind == "corrupt":
            data = data[:-1] + bytes([data[-1] ^ 0x5A])
        elif kind == "truncated":
            data = data[: len(data) // 2]
        elif kind == "garbage":
            # never a preamble inside: garbage must not look like an answer by chance
            data = bytes(self._rng.choice([b for b in range(256) if b != 0xAA])
                         for _ in range(self._rng.randint(8, 40)))
        self._stats.frames_out += 1
        return data

    def _count(self, name: str) -> None:
        self._stats.commands[name] = self._stats.commands.get(name, 0) + 1

    def _name_of(self, req: f.Request) -> str | None:
        cmd_baud = self._commands["baud"][0]
        if req.cmd == cmd_baud:
            return "baud"
        return self._by_bytes.get((req.cmd, req.para))

    def _command(self, req: f.Request) -> tuple[str, Answer]:
        name = self._name_of(req)
        delay = self.answer_delay_s
        if name is None:
            self._count("unknown")
            log.info("unknown_command cmd=%02x para=%02x", req.cmd, req.para)
            return "unknown", Answer(f.response(f.SW_COMMAND), delay)
        self._count(name)
        log.debug("command name=%s", name)
        if req.data:  # no command of this set carries data
            return name, Answer(f.response(f.SW_LENGTH), delay)
        if name == "baud":
            return name, Answer(self._baud(req.para - self._commands["baud"][1]), delay)
        if self._sam_failed:
            return name, Answer(f.response(f.SW_SAM_SELFTEST), delay)
        if name in CARD_COMMANDS:
            code = self._take(lambda k: k.startswith("sw3:"))
            if code is not None:
                self._session = "idle"
                return name, Answer(f.response(int(code[4:], 16)), delay)
        if name == "reset":
            self._session = "idle"
            return name, Answer(f.response(f.SW_OK), delay)
        if name == "sam_status":
            return name, Answer(f.response(f.SW_OK), delay)
        if name == "sam_id":
            return name, Answer(f.response(f.SW_OK, self.sam_id_bytes), delay)
        if name == "find":
            return name, Answer(self._find(), delay)
        if name == "select":
            return name, Answer(self._select(), delay)
        if name == "address":
            return name, Answer(self._address(), delay)
        return name, self._read(name == "read_fp")

    def _baud(self, index: int) -> bytes:
        if not 0 <= index < len(BAUDS):
            return f.response(f.SW_COMMAND)
        # the answer still goes out at the old speed; the links switch after writing it
        self.baud = BAUDS[index]
        log.info("baud_set baud=%d", self.baud)
        return f.response(f.SW_OK)

    def _in_session(self, *states: str) -> bool:
        return (self._card is not None and self._session in states
                and self._session_placement == self._placement)

    def _find(self) -> bytes:
        if self._card is None or (self._read_done and self.read_once_per_placement):
            self._session = "idle"
            return f.response(f.SW_FIND_FAILED)
        self._session, self._session_placement = "found", self._placement
        return f.response(f.SW_FOUND, bytes(4))

    def _select(self) -> bytes:
        if not self._in_session("found"):
            self._session = "idle"
            return f.response(f.SW_SELECT_FAILED)
        self._session = "selected"
        return f.response(f.SW_OK, bytes(8))

    def _address(self) -> bytes:
        if not self._in_session("selected", "read") or self._card is None:
            self._session = "idle"
            return f.response(f.SW_READ_FAILED)
        block = self._card.appended_block()
        return f.response(f.SW_NO_CONTENT) if block is None else f.response(f.SW_OK, block)

    def _read(self, with_fp: bool) -> Answer:
        delay = self.answer_delay_s + self.read_delay_s
        card = self._card
        if not self._in_session("selected") or card is None:
            self._session = "idle"
            log.info("read_failed reason=not_selected")
            return Answer(f.response(f.SW_READ_FAILED), delay)
        if self._take(lambda k: k == "remove_mid_read"):
            self._card, self._placement, self._session = None, self._placement + 1, "idle"
            log.info("card_removed during=read")
            return Answer(f.response(f.SW_READ_FAILED), delay)
        text, photo = card.text_block(), card.photo
        lengths = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
        if not with_fp:
            return Answer(f.response(f.SW_OK, lengths + text + photo), delay)
        fp = card.fingerprint or b""
        data = lengths + len(fp).to_bytes(2, "big") + text + photo + fp
        return Answer(f.response(f.SW_OK, data), delay)
