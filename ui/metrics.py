"""Screen geometry from config: the window size, and pixel sizes computed from the panel's
dots per inch so that every touch target is at least 15 mm wide and tall."""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_TARGET_MM = 15.0
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class ScreenMetrics:
    width: int = 1920
    height: int = 1080
    dpi: float = 102.0  # a 21.5" 1920x1080 panel

    @classmethod
    def for_orientation(cls, orientation: str, dpi: float = 102.0) -> ScreenMetrics:
        if orientation == "portrait":
            return cls(1080, 1920, dpi)
        return cls(1920, 1080, dpi)

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    def mm(self, millimetres: float) -> int:
        return math.ceil(millimetres * self.dpi / MM_PER_INCH)

    @property
    def touch(self) -> int:
        """The smallest touch target's side, in px (≥ 15 mm)."""
        return max(self.mm(MIN_TARGET_MM), 56)

    def as_dict(self) -> dict[str, object]:
        # Type: body at ~4.5 mm cap height is legible at arm's length for older eyes.
        body = max(self.mm(6.5), 26)
        return {"width": self.width, "height": self.height, "portrait": self.portrait,
                "dpi": self.dpi, "touch": self.touch, "font": body,
                "small": round(body * 0.8), "title": round(body * 1.6),
                "huge": round(body * 2.4), "gap": self.mm(4), "margin": self.mm(8)}
