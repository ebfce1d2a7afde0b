"""The face images the project ships (sim/face/images, sources in SOURCES.md).

Each person's eye and nose positions were measured once with dlib's 5-point model on the
shipped file; the warps below need them and sim/ may not import devices/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

IMAGES = Path(__file__).with_name("images")


@dataclass(frozen=True)
class Person:
    name: str  # a file stem in sim/face/images
    eyes: tuple[tuple[float, float], tuple[float, float]]  # image-left, image-right centre
    nose: tuple[float, float]  # the nose base

    @property
    def iod(self) -> float:
        (lx, ly), (rx, ry) = self.eyes
        return float(np.hypot(rx - lx, ry - ly))

    @property
    def centre(self) -> tuple[float, float]:
        (lx, ly), (rx, ry) = self.eyes
        return (lx + rx) / 2, (ly + ry) / 2

    def image(self) -> np.ndarray:
        img = cv2.imread(str(IMAGES / f"{self.name}.jpg"), cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(IMAGES / f"{self.name}.jpg")
        return img


PEOPLE: dict[str, Person] = {
    "astronaut": Person("astronaut", ((143.5, 102.0), (186.5, 104.5)), (164.0, 135.0)),
    "hopper": Person("hopper", ((222.0, 195.0), (307.0, 190.0)), (269.0, 252.0)),
}


def person(name: str) -> Person:
    try:
        return PEOPLE[name]
    except KeyError:
        raise SystemExit(f"unknown person {name!r}; known: {', '.join(PEOPLE)}") from None
