"""Flat synthetic documents: A4 pages, ID-1 cards, passport data pages, receipts with QR.

Each is drawn at a fixed resolution in pixels per millimetre; the scene composer warps it
onto a counter. Content is random but seeded; the MRZ is printed in OCR-B (fonts-ocr-b).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFont

from sim.camera.mrz import MrzTruth, make_td1, make_td3

OCRB_FONT = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
MRZ_PITCH_MM = 2.54  # ICAO 9303: ten characters per inch
# Sizes in mm (width, height) as the document is read (landscape cards, portrait A4).
SIZES_MM = {"a4": (210.0, 297.0), "id1": (85.6, 53.98), "td1": (85.6, 53.98),
            "passport": (125.0, 88.0), "receipt": (80.0, 150.0)}
_PX_PER_MM = {"a4": 4.0, "id1": 10.0, "td1": 12.0, "passport": 10.0, "receipt": 6.0}
_WORDS = ("application", "certificate", "residence", "district", "office", "number",
          "date", "signature", "approved", "hall", "service", "registration", "address",
          "the", "of", "and", "to", "for", "a", "in", "with", "by", "on", "record")


@dataclass
class FlatDoc:
    kind: str
    image: np.ndarray  # BGR, uint8
    size_mm: tuple[float, float]
    mrz: MrzTruth | None = None
    qr_text: str | None = None


def _canvas(kind: str, color: tuple[int, int, int]) -> tuple[np.ndarray, float]:
    w_mm, h_mm = SIZES_MM[kind]
    ppm = _PX_PER_MM[kind]
    img = np.empty((round(h_mm * ppm), round(w_mm * ppm), 3), np.uint8)
    img[:] = color
    return img, ppm


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize()


def _text_block(img: np.ndarray, rng: random.Random, x0: int, y0: int, x1: int, y1: int,
                scale: float, ink: tuple[int, int, int]) -> None:
    step = max(8, int(34 * scale))
    y = y0 + step
    while y < y1:
        line = _sentence(rng, rng.randint(3, 12))
        cv2.putText(img, line, (x0, y), cv2.FONT_HERSHEY_SIMPLEX, scale, ink,
                    max(1, round(scale * 2)), cv2.LINE_AA)
        y += step


def _pastel(rng: random.Random) -> tuple[int, int, int]:
    return tuple(rng.randint(200, 245) for _ in range(3))  # type: ignore[return-value]


def _guilloche(img: np.ndarray, rng: random.Random) -> None:
    h, w = img.shape[:2]
    base = np.array(_pastel(rng), np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    f1, f2 = rng.uniform(0.01, 0.04), rng.uniform(0.01, 0.04)
    wave = (np.sin(xx * f1 + 3 * np.sin(yy * f2)) * 0.5 + 0.5)[..., None]
    tint = np.array(_pastel(rng), np.float32)
    img[:] = np.clip(base * (1 - 0.35 * wave) + tint * 0.35 * wave, 0, 255).astype(np.uint8)


def _photo(img: np.ndarray, rng: random.Random, x: int, y: int, w: int, h: int) -> None:
    cv2.rectangle(img, (x, y), (x + w, y + h), _pastel(rng), -1)
    skin = (rng.randint(90, 170), rng.randint(120, 190), rng.randint(160, 230))
    cv2.ellipse(img, (x + w // 2, y + int(h * 0.42)), (int(w * 0.28), int(h * 0.3)), 0, 0, 360,
                skin, -1, cv2.LINE_AA)
    cv2.ellipse(img, (x + w // 2, y + h), (int(w * 0.45), int(h * 0.3)), 0, 180, 360,
                (rng.randint(20, 90),) * 3, -1, cv2.LINE_AA)


def _draw_mrz(img: np.ndarray, ppm: float, lines: tuple[str, ...], left_mm: float,
              bottom_mm: float, line_pitch_mm: float) -> None:
    pitch_px = MRZ_PITCH_MM * ppm
    font_px = pitch_px / 0.723  # OCR-B advance is 0.723 em
    font = ImageFont.truetype(str(OCRB_FONT), max(8, round(font_px)))
    pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(pil)
    n = len(lines)
    for i, line in enumerate(lines):
        base_mm = bottom_mm - (n - 1 - i) * line_pitch_mm
        top = base_mm * ppm - 0.95 * font_px  # baseline from the font's ascent
        for j, ch in enumerate(line):
            draw.text((left_mm * ppm + j * pitch_px, top), ch, font=font, fill=(20, 20, 28))
    img[:] = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)


def render_a4(rng: random.Random) -> FlatDoc:
    shade = rng.randint(236, 252)
    img, ppm = _canvas("a4", (shade, shade, min(255, shade + rng.randint(-4, 3))))
    h, w = img.shape[:2]
    m = int(18 * ppm)
    cv2.putText(img, _sentence(rng, 3).upper(), (m, m + 30), cv2.FONT_HERSHEY_DUPLEX, 1.1,
                (30, 30, 30), 2, cv2.LINE_AA)
    _text_block(img, rng, m, m + 60, w - m, int(h * 0.55), 0.55, (40, 40, 40))
    if rng.random() < 0.5:  # a table
        y0, rows, cols = int(h * 0.58), rng.randint(3, 6), rng.randint(2, 4)
        for r in range(rows + 1):
            cv2.line(img, (m, y0 + r * 40), (w - m, y0 + r * 40), (60, 60, 60), 1)
        for c in range(cols + 1):
            x = m + c * (w - 2 * m) // cols
            cv2.line(img, (x, y0), (x, y0 + rows * 40), (60, 60, 60), 1)
    else:
        _text_block(img, rng, m, int(h * 0.58), w - m, h - 2 * m, 0.55, (40, 40, 40))
    if rng.random() < 0.6:  # a red stamp
        c = (rng.randint(w // 2, w - 2 * m), rng.randint(int(h * 0.7), h - 2 * m))
        cv2.circle(img, c, 70, (40, 40, 200), 4, cv2.LINE_AA)
    return FlatDoc("a4", img, SIZES_MM["a4"])


def render_id1(rng: random.Random) -> FlatDoc:
    img, ppm = _canvas("id1", (0, 0, 0))
    _guilloche(img, rng)
    h, w = img.shape[:2]
    _photo(img, rng, int(5 * ppm), int(12 * ppm), int(25 * ppm), int(32 * ppm))
    cv2.putText(img, _sentence(rng, 2).upper(), (int(5 * ppm), int(8 * ppm)),
                cv2.FONT_HERSHEY_DUPLEX, 1.2, (90, 40, 30), 2, cv2.LINE_AA)
    _text_block(img, rng, int(34 * ppm), int(12 * ppm), w, h - int(6 * ppm), 0.8, (30, 30, 30))
    return FlatDoc("id1", img, SIZES_MM["id1"])


def render_td1(rng: random.Random) -> FlatDoc:
    """The back of an ID-1 card: a little text above a three-line MRZ."""
    img, ppm = _canvas("td1", (0, 0, 0))
    _guilloche(img, rng)
    cv2.rectangle(img, (0, int(34 * ppm)), (img.shape[1], img.shape[0]), (238, 240, 240), -1)
    _text_block(img, rng, int(5 * ppm), int(3 * ppm), img.shape[1], int(28 * ppm), 0.9,
                (50, 50, 50))
    mrz = make_td1(rng)
    _draw_mrz(img, ppm, mrz.lines, left_mm=4.7, bottom_mm=50.0, line_pitch_mm=4.2)
    return FlatDoc("td1", img, SIZES_MM["td1"], mrz=mrz)


def render_passport(rng: random.Random) -> FlatDoc:
    img, ppm = _canvas("passport", (0, 0, 0))
    _guilloche(img, rng)
    h, w = img.shape[:2]
    cv2.rectangle(img, (0, int(66 * ppm)), (w, h), (236, 238, 238), -1)  # the MRZ's clear zone
    _photo(img, rng, int(6 * ppm), int(14 * ppm), int(32 * ppm), int(42 * ppm))
    cv2.putText(img, "PASSPORT", (int(6 * ppm), int(9 * ppm)), cv2.FONT_HERSHEY_DUPLEX, 1.6,
                (80, 40, 30), 2, cv2.LINE_AA)
    _text_block(img, rng, int(44 * ppm), int(12 * ppm), w, int(60 * ppm), 0.9, (30, 30, 30))
    mrz = make_td3(rng)
    _draw_mrz(img, ppm, mrz.lines, left_mm=6.6, bottom_mm=83.0, line_pitch_mm=4.5)
    return FlatDoc("passport", img, SIZES_MM["passport"], mrz=mrz)


def qr_matrix(text: str, ecc: int = qrcode.constants.ERROR_CORRECT_M) -> np.ndarray:
    """The QR symbol as a uint8 array, 0 = dark module, 255 = light, with a 4-module border."""
    qr = qrcode.QRCode(error_correction=ecc, border=4, box_size=1)
    qr.add_data(text)
    qr.make(fit=True)
    return np.where(np.array(qr.get_matrix(), bool), 0, 255).astype(np.uint8)


def receipt_payload(rng: random.Random) -> str:
    no = f"BA01-K0{rng.randint(10, 99)}-2025{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-" \
         f"{rng.randint(1, 9999):04d}"
    code = "".join(rng.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(8))
    return rng.choice((f"https://zwfw.example.gov/track?no={no}&code={code}",
                       f"KIOSK1:APP:{code}:{rng.randint(10**8, 10**9)}",
                       f"https://zwfw.example.gov/t/{no}?q={code}&lang=zh-CN"))


def render_receipt(rng: random.Random, text: str | None = None) -> FlatDoc:
    shade = rng.randint(240, 252)
    img, ppm = _canvas("receipt", (shade, shade, shade))
    h, w = img.shape[:2]
    text = text or receipt_payload(rng)
    _text_block(img, rng, int(5 * ppm), int(4 * ppm), w, int(60 * ppm), 0.5, (30, 30, 30))
    matrix = qr_matrix(text)
    side = int(rng.uniform(36, 50) * ppm)
    qr = cv2.resize(matrix, (side, side), interpolation=cv2.INTER_NEAREST)
    x, y = (w - side) // 2, int(68 * ppm)
    img[y:y + side, x:x + side] = qr[..., None]
    _text_block(img, rng, int(5 * ppm), y + side, w, h - int(4 * ppm), 0.5, (30, 30, 30))
    return FlatDoc("receipt", img, SIZES_MM["receipt"], qr_text=text)


RENDERERS = {"a4": render_a4, "id1": render_id1, "td1": render_td1, "passport": render_passport,
             "receipt": render_receipt}
