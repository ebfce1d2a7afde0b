"""An incremental ESC/POS decoder: bytes in, commands out.

It knows the length of every command it understands, so a DLE EOT byte pattern inside
raster or QR data is never mistaken for a status query. Commands that are cut off at
the end of a chunk wait for the next chunk. Bytes it does not know are kept as
`Unknown` ops (and logged by the printer), one byte at a time, as a real printer
would skip them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Op:
    name: str  # "init", "text", "lf", "align", "bold", "size", "mode", "feed_lines", ...
    value: object = None


class NeedMore(Exception):
    pass


ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
# ESC x with one parameter byte that we act on or may safely ignore
_ESC_ONE = {ord(c): n for c, n in (("a", "align"), ("E", "bold"), ("!", "mode"),
                                      ("d", "feed_lines"), ("J", "feed_dots"),
                                      ("3", "spacing"), ("t", "codepage"), ("-", "underline"),
                                      ("M", "font"), ("G", "double_strike"), ("R", "charset"),
                                      ("{", "upside_down"), ("V", "rotate"), ("c", "ignore"),
                                      ("r", "color"), ("U", "ignore"), ("e", "ignore"))}
_GS_ONE = {ord(c): n for c, n in (("!", "size"), ("h", "barcode_height"),
                                     ("w", "barcode_width"), ("H", "barcode_hri"),
                                     ("f", "barcode_font"), ("B", "reverse"),
                                     ("a", "ignore"), ("b", "ignore"), ("I", "ignore"))}


class Decoder:
    def __init__(self) -> None:
        self.buf = bytearray()
        self.chinese = False

    def feed(self, data: bytes) -> list[Op]:
        self.buf += data
        ops: list[Op] = []
        pos = 0
        while pos < len(self.buf):
            try:
                op, pos = self._one(pos)
            except NeedMore:
                break
            if op is not None:
                ops.append(op)
        del self.buf[:pos]
        return ops

    def _need(self, end: int) -> None:
        if end > len(self.buf):
            raise NeedMore

    def _one(self, pos: int) -> tuple[Op | None, int]:
        b = self.buf
        c = b[pos]
        if c == 0x0A:
            return Op("lf"), pos + 1
        if c == DLE:
            self._need(pos + 2)
            if b[pos + 1] == 0x04:  # DLE EOT n: real-time status
                self._need(pos + 3)
                return Op("status", b[pos + 2]), pos + 3
            if b[pos + 1] == 0x14:  # DLE DC4 fn a b
                self._need(pos + 5)
                return Op("ignore"), pos + 5
            return Op("unknown", bytes(b[pos:pos + 2])), pos + 2
        if c == ESC:
            return self._esc(pos)
        if c == GS:
            return self._gs(pos)
        if c == FS:
            return self._fs(pos)
        if c < 0x20 or c == 0x7F:
            return (Op("tab") if c == 0x09 else None), pos + 1
        return self._text(pos)

    def _text(self, pos: int) -> tuple[Op, int]:
        b, end = self.buf, pos
        while end < len(b) and b[end] >= 0x20 and b[end] != 0x7F:
            if self.chinese and b[end] >= 0x81:
                self._need(end + 2)
                if 0x30 <= b[end + 1] <= 0x39:  # GB18030 four-byte sequence
                    self._need(end + 4)
                    end += 4
                else:
                    end += 2
            else:
                end += 1
        raw = bytes(b[pos:end])
        text = raw.decode("gb18030", errors="replace") if self.chinese else raw.decode("cp437")
        return Op("text", (text, self.chinese)), end

    def _esc(self, pos: int) -> tuple[Op | None, int]:
        b = self.buf
        self._need(pos + 2)
        cmd = b[pos + 1]
        if cmd == ord("@"):
            self.chinese = False
            return Op("init"), pos + 2
        if cmd == ord("2"):
            return Op("spacing", None), pos + 2
        if cmd in (ord("i"), ord("m")):
            return Op("cut", cmd == ord("m")), pos + 2
        if cmd in _ESC_ONE:
            self._need(pos + 3)
            return Op(_ESC_ONE[cmd], b[pos + 2]), pos + 3
        if cmd == ord("p"):
            self._need(pos + 5)
            return Op("ignore"), pos + 5
        if cmd == ord("$"):
            self._need(pos + 4)
            return Op("ignore"), pos + 4
        return Op("unknown", bytes(b[pos:pos + 2])), pos + 2

    def _gs(self, pos: int) -> tuple[Op | None, int]:
        b = self.buf
        self._need(pos + 2)
        cmd = b[pos + 1]
        if cmd in _GS_ONE:
            self._need(pos + 3)
            return Op(_GS_ONE[cmd], b[pos + 2]), pos + 3
        if cmd == ord("V"):
            self._need(pos + 3)
            m = b[pos + 2]
            if m in (65, 66, 97, 98, 103, 104):  # function B/C/D: feed n, then cut
                self._need(pos + 4)
                return Op("cut", m % 2 == 0, ), pos + 4
            return Op("cut", m in (1, 49)), pos + 3
        if cmd == ord("v"):  # GS v 0 m xL xH yL yH d...
            self._need(pos + 8)
            xbytes = b[pos + 4] | b[pos + 5] << 8
            rows = b[pos + 6] | b[pos + 7] << 8
            end = pos + 8 + xbytes * rows
            self._need(end)
            return Op("raster", (b[pos + 3], xbytes, rows, bytes(b[pos + 8:end]))), end
        if cmd == ord("(") :  # GS ( X pL pH ...
            self._need(pos + 5)
            length = b[pos + 3] | b[pos + 4] << 8
            end = pos + 5 + length
            self._need(end)
            if b[pos + 2] == ord("k"):
                return Op("code2d", bytes(b[pos + 5:end])), end
            return Op("ignore"), end
        if cmd in (ord("L"), ord("W")):
            self._need(pos + 4)
            return Op("ignore"), pos + 4
        if cmd == ord("k"):
            self._need(pos + 3)
            m = b[pos + 2]
            if m <= 6:  # NUL-terminated form
                end = b.find(b"\x00", pos + 3)
                if end < 0:
                    raise NeedMore
                return Op("barcode", (m, bytes(b[pos + 3:end]))), end + 1
            self._need(pos + 4)
            end = pos + 4 + b[pos + 3]
            self._need(end)
            return Op("barcode", (m, bytes(b[pos + 4:end]))), end
        return Op("unknown", bytes(b[pos:pos + 2])), pos + 2

    def _fs(self, pos: int) -> tuple[Op | None, int]:
        b = self.buf
        self._need(pos + 2)
        cmd = b[pos + 1]
        if cmd == ord("&"):
            self.chinese = True
            return Op("chinese", True), pos + 2
        if cmd == ord("."):
            self.chinese = False
            return Op("chinese", False), pos + 2
        if cmd in (ord("!"), ord("C"), ord("-"), ord("W")):
            self._need(pos + 3)
            return Op("ignore"), pos + 3
        if cmd == ord("S"):
            self._need(pos + 4)
            return Op("ignore"), pos + 4
        return Op("unknown", bytes(b[pos:pos + 2])), pos + 2
