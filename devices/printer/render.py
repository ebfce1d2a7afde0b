"""Document -> ESC/POS bytes for one printer profile.

Choices per block:
- text: ASCII as is; Chinese as GB18030 inside FS & ... FS . when the profile has a
  Chinese mode, else as raster lines (GS v 0) drawn on the Font A grid with a CJK font;
- QR: GS ( k (model 2, level M) when the profile supports it, else a raster image;
- the job starts with ESC @ and ends with a cut (or a feed to the tear bar).
Wrapping is ours, so the printer never wraps a line in the middle of a word.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

import qrcode
from escpos.image import EscposImage
from PIL import Image as PILImage

from .document import (
    Align,
    Barcode,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    Image,
    QrCode,
    Rule,
    Text,
    TextSize,
)
from .fonts import GlyphPainter, is_wide
from .profiles import PrinterProfile

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
INIT = ESC + b"@"
CHINESE_ON, CHINESE_OFF = FS + b"&", FS + b"."
_ALIGN = {Align.LEFT: 0, Align.CENTER: 1, Align.RIGHT: 2}
GLUE = "\u2060"  # WORD JOINER: the characters on either side stay on one line
_TOKENS = re.compile(
    r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?"  # a date (and time): never split
    r"|(?:[^\s\u2060]\u2060)+[^\s\u2060]"  # characters glued with GLUE: one word
    r"|[!-~]+|\s|.", re.DOTALL)  # ASCII words, spaces, single other chars
QR_MAX_BYTES = 2331  # version 40, level M, byte mode
# Kinsoku: closing punctuation never starts a line, opening punctuation never ends one.
_NO_LINE_START = set("，。、；：！？）》」』】”’,.;:!?)")
_NO_LINE_END = set("（《「『【“‘(")


class RenderError(ValueError):
    """The document cannot be printed (e.g. a QR payload too long for any QR code)."""


def wrap(text: str, columns: int, cells: int = 1) -> list[str]:
    """Greedy wrap on the character grid (`cells` = character width multiplier): ASCII
    words and dates stay whole, CJK breaks anywhere, closing punctuation never starts a
    line and opening punctuation never ends one, and a paragraph never ends on a lone
    Chinese character (the orphan "度。"): the line before gives it company. Characters
    joined by GLUE stay together (a status word); GLUE itself is not printed."""
    lines: list[str] = []
    for para in text.split("\n"):
        para_lines = _no_orphan(_wrap_paragraph(para, columns, cells))
        for tokens in para_lines:
            line = "".join(tokens).replace(GLUE, "").rstrip()  # keep an intended indent
            if line:
                lines.append(line)
        if not para_lines and not para.strip():
            lines.append("")  # an intentional blank line
    return lines


def _wrap_paragraph(para: str, columns: int, cells: int) -> list[list[str]]:
    out: list[list[str]] = []
    line: list[str] = []
    used = 0

    def flush(tokens: list[str]) -> None:
        if "".join(tokens).strip():
            out.append(tokens)

    for token in _TOKENS.findall(para):
        width = _cells(token) * cells
        if used + width <= columns:
            line.append(token)
            used += width
            continue
        if token.isspace():
            flush(line)
            line, used = [], 0
            continue
        carried: list[str] = []
        if token in _NO_LINE_START and line:
            carried.append(line.pop())  # the character before comes down with it
        while line and line[-1] in _NO_LINE_END:
            carried.insert(0, line.pop())  # "（" comes down with what it opens
        flush(line)
        while _cells(token) * cells > columns:  # a word longer than the line
            cut, w = 0, 0
            while cut < len(token) and w + _cells(token[cut]) * cells <= columns:
                w += _cells(token[cut]) * cells
                cut += 1
            cut = max(cut, 1)
            out.append([token[:cut]])
            token = token[cut:]
        line = [*carried, token]
        used = sum(_cells(t) for t in line) * cells
    flush(line)
    return out


def _no_orphan(lines: list[list[str]]) -> list[list[str]]:
    """A last line of one Chinese character (and its punctuation) takes the character
    before it from the line above, when that one may end the line above."""
    if len(lines) < 2:
        return lines
    last, above = lines[-1], lines[-2]
    body = [t for t in last if not t.isspace() and t not in _NO_LINE_START]
    if len(body) != 1 or not _breakable(body[0]) or len(above) < 3:
        return lines
    moved = above[-1]
    if not _breakable(moved) or above[-2] in _NO_LINE_END or above[-2].isspace():
        return lines
    return [*lines[:-2], above[:-1], [moved, *last]]


def _breakable(token: str) -> bool:
    """One wide character other than punctuation: a line may break before or after it."""
    return (len(token) == 1 and is_wide(token) and token not in _NO_LINE_START
            and token not in _NO_LINE_END)


@dataclass
class _State:
    align: Align = Align.LEFT
    bold: bool = False
    size: TextSize = TextSize.NORMAL


@dataclass
class Renderer:
    profile: PrinterProfile
    text_as_raster: bool = False  # print every line as an image (the bench's peer)
    painter: GlyphPainter | None = None
    _state: _State = field(default_factory=_State)

    def render(self, doc: Document) -> bytes:
        self._state = _State()
        out = bytearray(INIT)
        if self.profile.chinese_mode:
            out += CHINESE_OFF  # Chinese printers often power up in Chinese mode
        else:
            out += ESC + b"t\x00"  # PC437, so ASCII prints as ASCII
        for block in doc.blocks:
            out += b"".join(self._block(block))
        if not doc.blocks or not isinstance(doc.blocks[-1], Cut):
            out += b"".join(self._cut(Cut()))
        return bytes(out)

    # --- blocks -------------------------------------------------------------------------

    def _block(self, block: Block) -> Iterator[bytes]:
        if isinstance(block, Text):
            yield from self._text(block)
        elif isinstance(block, Columns):
            yield from self._columns(block)
        elif isinstance(block, Rule):
            yield from self._rule(block)
        elif isinstance(block, QrCode):
            yield from self._qr(block)
        elif isinstance(block, Barcode):
            yield from self._barcode(block)
        elif isinstance(block, Image):
            yield from self._align(block.align)
            yield from self._raster(block.image)
        elif isinstance(block, Feed):
            yield ESC + b"d" + bytes([max(0, min(block.lines, 255))])
        elif isinstance(block, Cut):
            yield from self._cut(block)
        else:  # pragma: no cover - the Block union is closed
            raise RenderError(f"unknown block {type(block).__name__}")

    def _text(self, block: Text) -> Iterator[bytes]:
        if block.display:
            yield from self._align(block.align)
            yield from self._raster(self._glyphs().display_line(
                block.text, height=block.size.height, bold=block.bold))
            return
        cols = self.profile.columns
        for line in wrap(block.text, cols, block.size.width):
            yield from self._line(line, block.align, block.bold, block.size)

    def _columns(self, block: Columns) -> Iterator[bytes]:
        cols = self.profile.columns
        used = _cells(block.left) + _cells(block.right)
        if used + 1 <= cols:
            yield from self._line(block.left + " " * (cols - used) + block.right, Align.LEFT,
                                  block.bold, TextSize.NORMAL)
            return
        for line in wrap(block.left, cols):
            yield from self._line(line, Align.LEFT, block.bold, TextSize.NORMAL)
        for line in wrap(block.right, cols):
            yield from self._line(line, Align.RIGHT, block.bold, TextSize.NORMAL)

    def _rule(self, block: Rule) -> Iterator[bytes]:
        if block.dashed and not self.text_as_raster:
            yield from self._line("-" * self.profile.columns, Align.LEFT, False, TextSize.NORMAL)
            return
        img = PILImage.new("1", (self.profile.width_dots, 12), 1)
        for x in range(0, img.width, 12 if block.dashed else 1):
            for y in (5, 6):
                for dx in range(8 if block.dashed else 1):
                    if x + dx < img.width:
                        img.putpixel((x + dx, y), 0)
        yield from self._align(Align.LEFT)
        yield from self._raster(img)

    def _line(self, line: str, align: Align, bold: bool, size: TextSize) -> Iterator[bytes]:
        yield from self._align(align)
        native = self._native_bytes(line)
        if native is None:
            yield from self._raster(self._glyphs().line(line, bold=bold, width=size.width,
                                                        height=size.height))
            return
        yield from self._style(bold, size)
        yield native + LF

    def _native_bytes(self, line: str) -> bytes | None:
        """The line as the printer's own text, or None if it must go as raster."""
        if self.text_as_raster:
            return None
        if line.isascii():
            return line.encode("ascii")
        if self.profile.chinese_mode:
            try:
                return CHINESE_ON + line.encode("gb18030") + CHINESE_OFF
            except UnicodeEncodeError:
                return None
        return None

    def _qr(self, block: QrCode) -> Iterator[bytes]:
        data = block.data.encode("utf-8")
        if not 1 <= len(data) <= QR_MAX_BYTES:
            raise RenderError(f"QR payload of {len(data)} bytes (1..{QR_MAX_BYTES} at level M)")
        size = max(1, min(block.size, 16))
        yield from self._align(block.align)
        if self.profile.native_qr and not self.text_as_raster:
            yield _gs_k(b"A", b"2\x00")  # model 2
            yield _gs_k(b"C", bytes([size]))  # module size
            yield _gs_k(b"E", b"1")  # error correction M (15 %)
            yield _gs_k(b"P", b"0" + data)  # store
            yield _gs_k(b"Q", b"0")  # print
            yield LF
            return
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=size,
                           border=2)
        qr.add_data(data)
        try:
            qr.make(fit=True)
        except (qrcode.exceptions.DataOverflowError, ValueError) as exc:
            raise RenderError("QR payload too long") from exc
        yield from self._raster(qr.make_image().get_image().convert("1"))

    def _barcode(self, block: Barcode) -> Iterator[bytes]:
        data = block.data.encode("ascii", errors="strict") if block.data.isascii() else None
        if not data or len(data) > 253:
            raise RenderError("a CODE128 barcode takes 1..253 ASCII characters")
        modules = 11 * (len(data) + 3) + 2 + 20  # symbols, start, check, stop, quiet zones
        module_w = 2 if modules * 2 <= self.profile.width_dots else 1
        yield from self._align(block.align)
        yield GS + b"h" + bytes([max(1, min(block.height, 255))])
        yield GS + b"w" + bytes([module_w])
        yield GS + b"H\x02"  # human-readable text below
        yield GS + b"k" + bytes([73, len(data) + 2]) + b"{B" + data

    def _cut(self, block: Cut) -> Iterator[bytes]:
        yield from self._style(False, TextSize.NORMAL)
        yield ESC + b"d" + bytes([self.profile.tear_feed_lines])
        if self.profile.cutter:
            yield GS + b"V" + (b"\x01" if block.partial else b"\x00")

    # --- primitives ---------------------------------------------------------------------

    def _glyphs(self) -> GlyphPainter:
        if self.painter is None:
            self.painter = GlyphPainter(self.profile.font_a_dots, self.profile.line_dots)
        return self.painter

    def _align(self, align: Align) -> Iterator[bytes]:
        if align != self._state.align:
            self._state.align = align
            yield ESC + b"a" + bytes([_ALIGN[align]])

    def _style(self, bold: bool, size: TextSize) -> Iterator[bytes]:
        if bold != self._state.bold:
            self._state.bold = bold
            yield ESC + b"E" + (b"\x01" if bold else b"\x00")
        if size != self._state.size:
            self._state.size = size
            yield GS + b"!" + bytes([(size.width - 1) << 4 | (size.height - 1)])

    def _raster(self, img: PILImage.Image) -> Iterator[bytes]:
        """GS v 0 in bands; an image wider than the paper is scaled down to fit."""
        if img.width > self.profile.width_dots:
            h = round(img.height * self.profile.width_dots / img.width)
            img = img.convert("L").resize((self.profile.width_dots, max(1, h)))
        top, rows = 0, self.profile.max_raster_rows
        while top < img.height:
            band = img.crop((0, top, img.width, min(img.height, top + rows)))
            raster = EscposImage(band)
            yield (GS + b"v0\x00" + struct.pack("<HH", raster.width_bytes, raster.height)
                   + raster.to_raster_format())
            top += rows


def _gs_k(fn: bytes, params: bytes) -> bytes:
    """GS ( k for the QR symbol (cn = 49)."""
    return GS + b"(k" + struct.pack("<H", len(params) + 2) + b"1" + fn + params


def _cells(text: str) -> int:
    return sum(2 if is_wide(c) else 1 for c in text if c != GLUE)


def render(doc: Document, profile: PrinterProfile, *, text_as_raster: bool = False) -> bytes:
    return Renderer(profile, text_as_raster=text_as_raster).render(doc)
