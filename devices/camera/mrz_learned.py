"""A learned line reader for the MRZ: PaddleOCR's PP-OCRv4 recogniser run by onnxruntime.

The own OCR-B templates (ocrb) read clean, sharp rows in milliseconds; blur, tilt and
photographed glare break their cell cuts. A CTC line recogniser reads a whole line without
cutting it into cells, so it is tried last, on the few pages whose rows the templates found
but could not decode. Its weights ship inside the registry package rapidocr_onnxruntime
(models/ch_PP-OCRv4_rec_infer.onnx; the package itself is installed without its
dependencies and never imported: only the model file and its character list are used).
Nothing is downloaded at run time; without the package the reader is simply absent.

Its output is held to the same rules as the templates': line lengths of the format, every
check digit, the ICAO 9303 form of the unprotected fields (mrz_format) and a floor on
every character's probability.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from devices.camera.mrz_format import LAYOUTS, format_problem
from devices.camera.ocrb import Row
from devices.mrz import Mrz, MrzError, parse_mrz

log = logging.getLogger(__name__)

MODEL_PACKAGE = "rapidocr_onnxruntime"
MODEL_FILE = "ch_PP-OCRv4_rec_infer.onnx"
INPUT_HEIGHT = 48  # the recogniser's input height
MRZ_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
# A character no check digit vouches for must beat the likeliest other class allowed
# there by this much (peak probability less the rival's at that step).
BLIND_MIN_PROB = 0.0
# Above this margin one page's reading stands alone; below it a second page must agree.
SURE_MARGIN = 0.35


@dataclass(frozen=True)
class LineRead:
    """One line as the recogniser read it: MRZ characters only, and each one's peak
    probability over its steps."""

    text: str
    peaks: tuple[float, ...]
    # the likeliest other class allowed there, at each character's peak step
    rivals: tuple[float, ...] = ()

    @property
    def weakest(self) -> float:
        return min(self.peaks, default=0.0)


def _model_path() -> Path | None:
    if getattr(sys, "frozen", False):  # the one-folder build (kiosk.spec) ships it here
        p = Path(getattr(sys, "_MEIPASS", "")) / "models" / MODEL_FILE
        return p if p.exists() else None
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(next(iter(spec.submodule_search_locations))) / "models" / MODEL_FILE
    return p if p.exists() else None


class _Recogniser:
    """The ONNX session on one thread (the kiosk's camera worker), and which of the
    model's classes are MRZ characters."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort  # only here: the templates need none of it

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        chars = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        classes = ["", *chars, " "]  # CTC blank first, the space last (PaddleOCR's layout)
        self.keep = np.array([0] + [classes.index(c) for c in MRZ_CHARS], np.int64)
        self.input = self.session.get_inputs()[0].name

    def probabilities(self, line: np.ndarray) -> np.ndarray:
        """Per-step probabilities of the CTC blank and the MRZ characters for one line."""
        h, w = line.shape[:2]
        width = max(INPUT_HEIGHT, round(INPUT_HEIGHT * w / max(h, 1)))
        img = cv2.resize(line, (width, INPUT_HEIGHT), interpolation=cv2.INTER_AREA
                         if h > INPUT_HEIGHT else cv2.INTER_LINEAR)
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        x = (img.astype(np.float32).transpose(2, 0, 1)[None] / 255.0 - 0.5) / 0.5
        probs = self.session.run(None, {self.input: x})[0][0]  # (steps, classes)
        return np.asarray(probs[:, self.keep], np.float64)  # blank, then MRZ_CHARS


def greedy(probs: np.ndarray) -> str:
    """The line read freely (best class at each step, repeats merged, blanks dropped): only
    its length is used, to tell a TD3 line from a TD1 line."""
    best = probs.argmax(axis=1)
    keep = (best != 0) & np.r_[True, best[1:] != best[:-1]]
    return "".join(MRZ_CHARS[k - 1] for k in best[keep])


def constrained(probs: np.ndarray, allowed: list[str]) -> LineRead | None:
    """The likeliest CTC path that emits exactly len(allowed) characters, each one of
    those ICAO 9303 allows at its position (a Viterbi search over steps x positions x
    classes). A length the free reading got wrong (a filler run merged or split) and a
    look-alike where only digits or only letters stand are put right by the layout itself;
    the check digits then verify. None when the line has too few steps for its length."""
    steps, n, k = len(probs), len(allowed), len(MRZ_CHARS)
    if steps < n:
        return None
    lp = np.log(probs + 1e-12)
    mask = np.full((n + 1, k), -np.inf)
    for i, chars in enumerate(allowed, start=1):
        mask[i, [MRZ_CHARS.index(c) for c in chars]] = 0.0
    blank = np.full(n + 1, -np.inf)  # i characters emitted, this step a blank
    char = np.full((n + 1, k), -np.inf)  # i characters emitted, this step in the i-th
    blank[0] = lp[0, 0]
    char[1] = lp[0, 1:] + mask[1]
    ptr_b = np.zeros((steps, n + 1), np.int16)  # 0: from a blank, 1 + c: from class c
    ptr_c = np.zeros((steps, n + 1, k), np.int16)  # 0: same run, 1: after a blank, 2 + c'
    cols = np.arange(k)
    for t in range(1, steps):
        best_c = char.argmax(axis=1)
        top = char[np.arange(n + 1), best_c]
        second = np.sort(char, axis=1)[:, -2]
        new_b = lp[t, 0] + np.maximum(blank, top)
        ptr_b[t] = np.where(blank >= top, 0, 1 + best_c)
        # Entering position i from position i - 1: after a blank, or straight after another
        # class (the same class needs a blank between, as CTC merges repeats).
        prev_top = np.where(best_c[:-1, None] == cols[None, :], second[:-1, None],
                            top[:-1, None])
        prev_arg = np.where(best_c[:-1, None] == cols[None, :],
                            np.argsort(char, axis=1)[:-1, -2, None], best_c[:-1, None])
        options = np.stack([char[1:], np.repeat(blank[:-1, None], k, axis=1), prev_top])
        choice = options.argmax(axis=0)
        new_c = np.full((n + 1, k), -np.inf)
        new_c[1:] = lp[t, 1:] + mask[1:] + options.max(axis=0)
        ptr_c[t, 1:] = np.where(choice == 2, 2 + prev_arg, choice)
        blank, char = new_b, new_c
    end_c = int(char[n].argmax())
    if max(blank[n], char[n, end_c]) == -np.inf:
        return None
    kind, i, c = ("b", n, -1) if blank[n] >= char[n, end_c] else ("c", n, end_c)
    classes = [-1] * (n + 1)
    peak = [0.0] * (n + 1)
    rival = [0.0] * (n + 1)
    for t in range(steps - 1, -1, -1):
        if kind == "c":
            classes[i] = c
            if probs[t, 1 + c] > peak[i]:
                peak[i] = float(probs[t, 1 + c])
                others = [float(probs[t, 1 + MRZ_CHARS.index(a)]) for a in allowed[i - 1]
                          if a != MRZ_CHARS[c]]
                rival[i] = max(others, default=0.0)
            p = int(ptr_c[t, i, c])
            if p == 1:
                kind, i = "b", i - 1
            elif p >= 2:
                i, c = i - 1, p - 2
        else:
            p = int(ptr_b[t, i])
            if p:
                kind, c = "c", p - 1
    if min(classes[1:]) < 0:
        return None
    return LineRead("".join(MRZ_CHARS[c] for c in classes[1:]), tuple(peak[1:]),
                    tuple(rival[1:]))


@functools.cache
def _recogniser() -> _Recogniser | None:
    path = _model_path()
    if path is None:
        log.info("mrz_learned_absent package=%s", MODEL_PACKAGE)
        return None
    try:
        return _Recogniser(path)
    except Exception as exc:  # a broken install must not take the camera down
        log.warning("mrz_learned_unavailable reason=%s", type(exc).__name__)
        return None


def available() -> bool:
    """Whether the learned reader can run here (package and onnxruntime installed)."""
    return _recogniser() is not None


def line_crop(region: np.ndarray, row: Row) -> np.ndarray:
    """The row's line cut from the page region with a margin a recogniser expects."""
    b = row.boxes
    h = float(np.median(b[:, 3]))
    x0, x1 = b[:, 0].min() - 0.8 * h, (b[:, 0] + b[:, 2]).max() + 0.8 * h
    y0, y1 = b[:, 1].min() - 0.3 * h, (b[:, 1] + b[:, 3]).max() + 0.3 * h
    rh, rw = region.shape[:2]
    x0, x1 = int(max(0, x0)), int(min(rw, np.ceil(x1)))
    y0, y1 = int(max(0, y0)), int(min(rh, np.ceil(y1)))
    return region[y0:y1, x0:x1]


# Positions no check digit can vouch for: the unprotected fields (document code, states,
# sex, names), and in fields where letters and digits both stand (numbers, optional data)
# a G read for a 6 or back (their values differ by ten, which a check digit cannot see).
_BLIND = {"TD3": ({*range(44)}, {10, 11, 12, 20}),
          "TD1": ({*range(5)}, {7, 15, 16, 17}, {*range(30)})}
_MIXED = {"TD3": (set(), {*range(9), *range(28, 42)}),
          "TD1": ({*range(5, 14), *range(15, 30)}, {*range(18, 29)}, set())}


def blind_weakest(fmt: str, texts: list[LineRead]) -> float:
    """The weakest letter or digit no check digit vouches for, as its peak probability
    less its rival's there (fillers aside: a filler run's form is checked by mrz_format;
    a chevron read as C with the filler close behind is weak)."""
    weakest = 1.0
    for line, blind, mixed in zip(texts, _BLIND[fmt], _MIXED[fmt], strict=True):
        rivals = line.rivals or (0.0,) * len(line.peaks)
        for i, (ch, p, r) in enumerate(zip(line.text, line.peaks, rivals, strict=True)):
            if (i in blind and ch != "<") or (i in mixed and ch in "G6"):
                weakest = min(weakest, p - r)
    return weakest


def decode_lines(fmt: str, texts: list[LineRead]) -> tuple[Mrz, float] | None:
    """The MRZ of format fmt these lines make, or None when a probability, a check digit
    or the form of an unprotected field does not hold."""
    blind = blind_weakest(fmt, texts)
    if blind < BLIND_MIN_PROB:
        log.debug("mrz_learned_rejected reason=weak_unchecked_character")
        return None
    try:
        mrz = parse_mrz([t.text for t in texts])
    except MrzError as exc:  # names a field, never its value
        log.debug("mrz_learned_rejected reason=%s", exc.field)
        return None
    problem = format_problem(mrz)
    if problem is not None:
        log.debug("mrz_learned_rejected reason=%s", problem)
        return None
    return mrz, blind


# The free reading's length of the last line that makes a format worth trying: a filler
# run merged or split moves it by a few characters.
_LENGTHS = {"TD3": range(36, 50), "TD1": range(24, 37)}


TAIL_ROWS = 4  # rows read from the page's bottom: a stray row of print may sit below the MRZ


@dataclass(frozen=True)
class LearnedRead:
    """A reading of the learned reader: the MRZ, the weakest unchecked character's margin,
    and which of the page's rows hold its lines."""

    mrz: Mrz
    margin: float
    rows: tuple[int, ...]


def blind_positions(fmt: str) -> tuple[set[int], ...]:
    """Per line, the positions no check digit vouches for (the unprotected fields)."""
    return _BLIND[fmt]


def read_rows(region: np.ndarray, rows: list[Row]) -> LearnedRead | None:
    """Read the page region's bottom rows with the recogniser; the MRZ their lowest run of
    two (TD3) or three (TD1) lines makes; None when the recogniser is absent or no valid
    MRZ is there."""
    rec = _recogniser()
    if rec is None or not rows:
        return None
    probs: dict[int, np.ndarray] = {}

    def line_probs(j: int) -> np.ndarray:
        if j not in probs:
            probs[j] = rec.probabilities(line_crop(region, rows[j]))
        return probs[j]

    for last in range(len(rows) - 1, max(-1, len(rows) - 1 - TAIL_ROWS), -1):
        length = len(greedy(line_probs(last)))
        for fmt, layout in sorted(LAYOUTS.items(), key=lambda f: abs(len(f[1][0]) - length)):
            count = len(layout)
            if length not in _LENGTHS[fmt] or last + 1 < count:
                continue
            texts = []
            for j, allowed in zip(range(last + 1 - count, last + 1), layout, strict=True):
                line = constrained(line_probs(j), allowed)
                if line is None:
                    break
                texts.append(line)
            else:
                got = decode_lines(fmt, texts)
                if got is not None:
                    return LearnedRead(got[0], got[1], tuple(range(last + 1 - count, last + 1)))
    log.debug("mrz_learned_rejected reason=no_reading")
    return None
