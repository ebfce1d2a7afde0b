"""What can be printed: a small document model, independent of any printer language.

`kiosk/receipt.py` composes receipts out of these blocks; `render.py` turns a Document
into ESC/POS bytes for one printer profile. Blocks are plain frozen dataclasses so a
document can be compared, logged by title and rendered more than once (a reprint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum

from PIL import Image as PILImage


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class TextSize(Enum):
    """Character magnification (width, height), as GS ! sets it."""

    NORMAL = (1, 1)
    TALL = (1, 2)
    WIDE = (2, 1)
    LARGE = (2, 2)
    HUGE = (4, 4)  # a queue number read from across the hall

    @property
    def width(self) -> int:
        return self.value[0]

    @property
    def height(self) -> int:
        return self.value[1]


@dataclass(frozen=True)
class Text:
    """One paragraph; the renderer wraps it to the paper width."""

    text: str
    size: TextSize = TextSize.NORMAL
    bold: bool = False
    align: Align = Align.LEFT
    # Drawn as a picture in the sans face, one line at its full size: a number read from
    # across the hall, whose zero must not carry Font A's slash (it reads like a Θ).
    display: bool = False


@dataclass(frozen=True)
class Columns:
    """A label on the left and a value on the right of the same line (e.g. 'Date  2025-…')."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    """A horizontal separator across the paper."""

    dashed: bool = True


@dataclass(frozen=True)
class QrCode:
    data: str
    size: int = 6  # module size in dots (GS ( k function 167 takes 1..16)
    align: Align = Align.CENTER


@dataclass(frozen=True)
class Barcode:
    """A CODE128 barcode with its human-readable text below."""

    data: str
    height: int = 64  # dots
    align: Align = Align.CENTER


@dataclass(frozen=True)
class Image:
    image: PILImage.Image = field(compare=False)
    align: Align = Align.CENTER


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    partial: bool = False


Block = Text | Columns | Rule | QrCode | Barcode | Image | Feed | Cut

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Document:
    """A print job's content. `title` names the kind of document for logs (never data)."""

    blocks: tuple[Block, ...]
    language: str = "zh"
    title: str = "document"

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")
