"""Printer capability profiles: what a model can do, so the renderer can pick commands.

python-escpos's bundled profiles declare no GB18030 Chinese mode, so we keep our own,
small set. Speeds are the makers' datasheet figures; they feed the bench's
time-to-paper estimate, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

DOTS_PER_MM = 8  # 203 dpi, every thermal receipt printer we target


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    description: str
    width_dots: int  # printable width: 384 on 58 mm paper, 576 on 80 mm
    chinese_mode: bool  # FS & ... FS . with GB18030 text
    native_qr: bool  # GS ( k, model 2
    cutter: bool  # GS V; without it the job ends with a feed to the tear bar
    speed_mm_s: int
    font_a_dots: int = 12  # Font A is 12 x 24 dots; a CJK glyph is 24 x 24
    line_dots: int = 24
    max_raster_rows: int = 128  # rows per GS v 0 band; small bands suit small buffers
    tear_feed_lines: int = 4  # paper between the last line and the tear bar or cutter

    @property
    def columns(self) -> int:
        """Font A characters per line."""
        return self.width_dots // self.font_a_dots

    @property
    def paper_mm(self) -> int:
        return 58 if self.width_dots <= 384 else 80


PROFILES: dict[str, PrinterProfile] = {
    p.name: p
    for p in (
        PrinterProfile("cn-80", "80 mm, GB18030 Chinese mode, native QR, cutter",
                       576, chinese_mode=True, native_qr=True, cutter=True, speed_mm_s=250),
        PrinterProfile("cn-58", "58 mm, GB18030 Chinese mode, native QR, no cutter",
                       384, chinese_mode=True, native_qr=True, cutter=False, speed_mm_s=90),
        PrinterProfile("intl-80", "80 mm, no Chinese font (Chinese as raster), native QR, cutter",
                       576, chinese_mode=False, native_qr=True, cutter=True, speed_mm_s=250),
        PrinterProfile("basic-80", "80 mm, text and raster only (QR and Chinese as raster)",
                       576, chinese_mode=False, native_qr=False, cutter=True, speed_mm_s=200),
        PrinterProfile("basic-58", "58 mm, text and raster only, no cutter",
                       384, chinese_mode=False, native_qr=False, cutter=False, speed_mm_s=60),
    )
}

DEFAULT_PROFILE = "cn-80"


class UnknownProfile(ValueError):
    pass


def get_profile(name: str) -> PrinterProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfile(
            f"unknown printer profile {name!r}; known: {', '.join(sorted(PROFILES))}"
        ) from None
