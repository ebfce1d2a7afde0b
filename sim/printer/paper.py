"""The virtual printer's paper: decoded ESC/POS ops drawn as a thermal printer would.

Font A is a 12 x 24 dot grid (24 x 24 for a character printed in Chinese mode), drawn
with a CJK font; GS ! magnifies; ESC a aligns text, raster images and codes; GS v 0
prints raster images; GS ( k stores and prints a QR code; GS k prints a barcode; a cut
is drawn as a dashed line. The text log keeps each printed line as decoded text, so a
test can compare what was sent with what the printer understood.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .decoder import Op

log = logging.getLogger(__name__)

# Font A's look: a monospaced Latin face 12 dots wide; a CJK face for full-width glyphs.
LATIN_FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),)
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
CELL_W, CELL_H = 12, 24
DEFAULT_SPACING = 30
QR_EC = {48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M,
         50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H}


def _first(paths: tuple[Path, ...]) -> Path | None:
    return next((p for p in paths if p.exists()), None)


@lru_cache(maxsize=1)
def _fonts() -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, ...]:
    cjk = _first(CJK_FONTS)
    latin = _first(LATIN_FONTS) or cjk
    if cjk is None or latin is None:
        log.warning("no CJK font found; install fonts-wqy-microhei")
        default = ImageFont.load_default()
        return default, default
    return ImageFont.truetype(str(latin), 20), ImageFont.truetype(str(cjk), 22)


@lru_cache(maxsize=8192)
def _glyph(ch: str, wide: bool, bold: bool) -> Image.Image:
    narrow_font, wide_font = _fonts()
    font = wide_font if wide else narrow_font
    w = CELL_W * (2 if wide else 1)
    img = Image.new("L", (w, CELL_H), 255)
    draw = ImageDraw.Draw(img)
    x = (w - font.getlength(ch)) / 2
    for dx in (0, 1) if bold else (0,):
        draw.text((x + dx, 19), ch, font=font, fill=0, anchor="ls")
    return img.point(lambda v: 0 if v < 140 else 255)  # a thermal dot is on or off


@dataclass
class _Cell:
    ch: str
    wide: bool
    bold: bool
    mag_w: int
    mag_h: int

    @property
    def width(self) -> int:
        return CELL_W * (2 if self.wide else 1) * self.mag_w


@dataclass
class Paper:
    width_dots: int
    rows: list[Image.Image] = field(default_factory=list)
    text_lines: list[str] = field(default_factory=list)
    unknown: list[bytes] = field(default_factory=list)
    cuts: int = 0
    qr_payloads: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._reset()
        self._line: list[_Cell] = []
        self._line_text = ""

    def _reset(self) -> None:
        self.align, self.bold, self.mag = 0, False, (1, 1)
        self.spacing = DEFAULT_SPACING
        self.qr = {"module": 3, "ec": 48, "data": b""}
        self.bc = {"height": 162, "width": 3, "hri": 0}

    # --- ops ----------------------------------------------------------------------------

    def apply(self, op: Op) -> None:
        handler = getattr(self, f"_op_{op.name}", None)
        if handler is None:
            return  # status, ignore, codepage, ...: no mark on paper
        handler(op.value)

    def _op_init(self, _v: object) -> None:
        self._reset()

    def _op_text(self, v: object) -> None:
        text, chinese = v  # type: ignore[misc]
        for ch in text:
            wide = chinese and ord(ch) >= 0x80 and unicodedata.east_asian_width(ch) != "Na"
            cell = _Cell(ch, wide, self.bold, *self.mag)
            if sum(c.width for c in self._line) + cell.width > self.width_dots:
                self._flush_line()  # the printer wraps a line that does not fit
            self._line.append(cell)
            self._line_text += ch

    def _op_tab(self, _v: object) -> None:
        self._op_text((" " * 8, False))

    def _op_lf(self, _v: object) -> None:
        self._flush_line(force=True)

    def _op_align(self, v: object) -> None:
        self.align = int(v) % 48 if int(v) >= 48 else int(v)  # "0"/"1"/"2" are also valid

    def _op_bold(self, v: object) -> None:
        self.bold = bool(int(v) & 1)

    def _op_mode(self, v: object) -> None:  # ESC !: bold bit 3, double h bit 4, double w bit 5
        n = int(v)
        self.bold = bool(n & 0x08)
        self.mag = (2 if n & 0x20 else 1, 2 if n & 0x10 else 1)

    def _op_size(self, v: object) -> None:
        n = int(v)
        self.mag = ((n >> 4 & 7) + 1, (n & 7) + 1)

    def _op_spacing(self, v: object) -> None:
        self.spacing = DEFAULT_SPACING if v is None else int(v)

    def _op_feed_lines(self, v: object) -> None:  # ESC d n: print the buffer, feed n lines
        self._flush_line()
        self._advance(int(v) * self.spacing)

    def _op_feed_dots(self, v: object) -> None:
        self._flush_line()
        self._advance(int(v))

    def _op_cut(self, _partial: object) -> None:
        self._flush_line()
        self._advance(12)
        mark = Image.new("L", (self.width_dots, 9), 255)
        draw = ImageDraw.Draw(mark)
        for x in range(0, self.width_dots, 12):
            draw.line((x, 4, x + 6, 4), fill=150, width=1)
        self.rows.append(mark)
        self.cuts += 1

    def _op_raster(self, v: object) -> None:
        mode, xbytes, rows, data = v  # type: ignore[misc]
        img = Image.frombytes("1", (xbytes * 8, rows), data)
        img = Image.eval(img.convert("L"), lambda p: 255 - p)  # 1 bits are black dots
        if mode & 1:
            img = img.resize((img.width * 2, img.height))
        if mode & 2:
            img = img.resize((img.width, img.height * 2))
        self._flush_line()
        self._place(img)

    def _op_code2d(self, v: object) -> None:
        data = bytes(v)  # type: ignore[arg-type]
        if len(data) < 2 or data[0] != 49:  # cn 49 = QR code
            return
        fn, args = data[1], data[2:]
        if fn == 67 and args:
            self.qr["module"] = max(1, min(args[0], 16))
        elif fn == 69 and args:
            self.qr["ec"] = args[0]
        elif fn == 80:
            self.qr["data"] = args[1:]
        elif fn == 81:
            self._print_qr()

    def _print_qr(self) -> None:
        payload = bytes(self.qr["data"])  # type: ignore[arg-type]
        if not payload:
            return
        code = qrcode.QRCode(box_size=int(self.qr["module"]), border=0,  # type: ignore[arg-type]
                             error_correction=QR_EC.get(int(self.qr["ec"]),  # type: ignore[arg-type]
                                                        qrcode.constants.ERROR_CORRECT_M))
        code.add_data(payload)
        code.make(fit=True)
        self.qr_payloads.append(payload)
        self._flush_line()
        self._place(code.make_image().get_image().convert("L"))

    def _op_barcode_height(self, v: object) -> None:
        self.bc["height"] = max(1, int(v))

    def _op_barcode_width(self, v: object) -> None:
        self.bc["width"] = max(1, min(int(v), 6))

    def _op_barcode_hri(self, v: object) -> None:
        self.bc["hri"] = int(v) % 48 if int(v) >= 48 else int(v)

    def _op_barcode(self, v: object) -> None:
        m, data = v  # type: ignore[misc]
        if m != 73:
            log.info("barcode type %d drawn as text only", m)
            self._op_text((data.decode("latin-1"), False))
            self._op_lf(None)
            return
        import barcode  # python-barcode, a python-escpos dependency

        text = data[2:].decode("ascii", errors="replace") if data[:1] == b"{" else data.decode(
            "ascii", errors="replace")
        modules = barcode.get("code128", text).build()[0]
        w, h = int(self.bc["width"]), int(self.bc["height"])
        img = Image.new("L", (len(modules) * w, h), 255)
        draw = ImageDraw.Draw(img)
        for i, bit in enumerate(modules):
            if bit == "1":
                draw.rectangle((i * w, 0, i * w + w - 1, h - 1), fill=0)
        self._flush_line()
        self._place(img)
        if self.bc["hri"] in (2, 3):
            saved = (self.bold, self.mag)
            self.bold, self.mag = False, (1, 1)
            self._op_text((text, False))
            self._flush_line(force=True)
            self.bold, self.mag = saved

    # --- layout -------------------------------------------------------------------------

    def _x(self, width: int) -> int:
        free = max(0, self.width_dots - width)
        return {0: 0, 1: free // 2, 2: free}.get(self.align, 0)

    def _place(self, img: Image.Image) -> None:
        row = Image.new("L", (self.width_dots, img.height), 255)
        row.paste(img.crop((0, 0, min(img.width, self.width_dots), img.height)),
                  (self._x(img.width), 0))
        self.rows.append(row)

    def _advance(self, dots: int) -> None:
        if dots > 0:
            self.rows.append(Image.new("L", (self.width_dots, dots), 255))

    def _flush_line(self, force: bool = False) -> None:
        if not self._line:
            if force:
                self.text_lines.append(self._line_text)
                self._line_text = ""
                self._advance(self.spacing)
            return
        tall = max(CELL_H * c.mag_h for c in self._line)
        height = max(tall, self.spacing) if max(c.mag_h for c in self._line) == 1 else tall + 6
        row = Image.new("L", (self.width_dots, height), 255)
        x = self._x(sum(c.width for c in self._line))
        for c in self._line:
            glyph = _glyph(c.ch, c.wide, c.bold) if not c.ch.isspace() else None
            if glyph is not None:
                if c.mag_w != 1 or c.mag_h != 1:
                    glyph = glyph.resize((glyph.width * c.mag_w, glyph.height * c.mag_h))
                row.paste(glyph, (x, tall - glyph.height))
            x += c.width
        self.rows.append(row)
        self.text_lines.append(self._line_text)
        self._line, self._line_text = [], ""

    def image(self) -> Image.Image:
        self._flush_line()
        top = 16  # the paper above the first printed line
        height = sum(r.height for r in self.rows) + top
        out = Image.new("L", (self.width_dots, height), 255)
        y = top
        for r in self.rows:
            out.paste(r, (0, y))
            y += r.height
        return out
