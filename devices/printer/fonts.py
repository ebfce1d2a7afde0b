"""Glyphs for text the printer cannot print itself (Chinese without a Chinese mode).

Each character is drawn into its own cell of the printer's Font A grid (12 x 24 dots,
24 x 24 for a full-width character), so raster lines line up exactly with native text.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

# The one-folder build (kiosk.spec) ships its fonts in _internal/fonts: used first there,
# so receipts print the same on a terminal without Debian's font packages.
BUNDLED = Path(getattr(sys, "_MEIPASS", "")) / "fonts" if getattr(sys, "frozen", False) else None
LATIN = (BUNDLED / "DejaVuSansMono.ttf" if BUNDLED else
         Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"))  # 12 dots wide at 20 px
CANDIDATES = (
    *((BUNDLED / "wqy-microhei.ttc",) if BUNDLED else ()),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


class FontMissing(RuntimeError):
    """No CJK font on this machine; install fonts-wqy-microhei."""


@lru_cache(maxsize=1)
def find_cjk_font() -> Path:
    for path in CANDIDATES:
        if path.exists():
            return path
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True,
                                 text=True, timeout=3, check=False).stdout.strip()
        except subprocess.TimeoutExpired:
            out = ""
        if out and Path(out).exists():
            return Path(out)
    raise FontMissing("no CJK font found (install fonts-wqy-microhei)")


def is_wide(ch: str) -> bool:
    """Full-width on a receipt printer: anything outside ASCII that East Asian fonts draw
    wide. Printers in Chinese mode print every multi-byte GB18030 character full-width."""
    return ord(ch) >= 0x80 and unicodedata.east_asian_width(ch) in ("W", "F", "A")


class GlyphPainter:
    """Draws text into 1-bit images on the printer's character grid."""

    def __init__(self, cell_w: int = 12, cell_h: int = 24, font_path: Path | None = None) -> None:
        path = font_path or find_cjk_font()
        self.cell_w, self.cell_h = cell_w, cell_h
        # Latin in a monospaced face whose advance fits a half-width cell (like Font A);
        # CJK fills a square cell.
        latin = LATIN if LATIN.exists() and font_path is None else path
        self._narrow = ImageFont.truetype(str(latin), round(cell_h * 0.83))
        self._wide = ImageFont.truetype(str(path), round(cell_h * 0.92))
        self._path = path

    def cells(self, ch: str) -> int:
        return 2 if is_wide(ch) else 1

    @lru_cache(maxsize=4096)  # noqa: B019 - one painter per process, glyphs are reused
    def glyph(self, ch: str, bold: bool) -> Image.Image:
        wide = is_wide(ch)
        w = self.cell_w * (2 if wide else 1)
        img = Image.new("L", (w, self.cell_h), 255)
        draw = ImageDraw.Draw(img)
        font = self._wide if wide else self._narrow
        baseline = round(self.cell_h * 0.8)
        x = (w - font.getlength(ch)) / 2
        draw.text((x, baseline), ch, font=font, fill=0, anchor="ls")
        if bold:  # what a printer's emphasized mode does: strike again one dot right
            draw.text((x + 1, baseline), ch, font=font, fill=0, anchor="ls")
        return img.point(lambda v: 0 if v < 128 else 255, mode="1")

    def line(self, text: str, *, bold: bool = False, width: int = 1, height: int = 1,
             gap: int = 6) -> Image.Image:
        """One printed line at the given magnification, as wide as its characters, with
        `gap` blank rows below (a text line advances 30 dots for 24-dot characters)."""
        cols = sum(self.cells(ch) for ch in text)
        img = Image.new("1", (max(cols, 1) * self.cell_w, self.cell_h), 1)
        x = 0
        for ch in text:
            if not ch.isspace():
                img.paste(self.glyph(ch, bold), (x, 0))
            x += self.cells(ch) * self.cell_w
        if width != 1 or height != 1:
            img = img.resize((img.width * width, img.height * height), Image.Resampling.NEAREST)
        if gap > 0:
            padded = Image.new("1", (img.width, img.height + gap), 1)
            padded.paste(img, (0, 0))
            img = padded
        return img

    def display_line(self, text: str, *, height: int = 4, bold: bool = False) -> Image.Image:
        """One line in the CJK font's own sans digits and letters (a plain zero), drawn at
        `height` text lines tall rather than magnified, so its edges stay smooth."""
        px = self.cell_h * height
        font = ImageFont.truetype(str(self._path), round(px * 0.92))
        stroke = max(1, px // 48) if bold else 0
        width = max(1, round(font.getlength(text)) + 2 * stroke + 2)
        img = Image.new("L", (width, px + self.cell_h // 4), 255)
        ImageDraw.Draw(img).text((stroke + 1, round(px * 0.82)), text, font=font, fill=0,
                                 anchor="ls", stroke_width=stroke, stroke_fill=0)
        return img.point(lambda v: 0 if v < 128 else 255, mode="1")
