"""dlib's HOG detector, 5-point landmarks and ResNet embedding: the model, in one process.

The weights come from the `face-recognition-models(-ng)` wheel, found with
importlib.util.find_spec: importing that package pulls in pkg_resources, which recent
setuptools no longer has, and the `face_recognition` wrapper would load the 68-point
model, whose licence forbids commercial use. Only the 5-point model is loaded here.

Run this in the worker process (devices.face.worker): one embedding holds the GIL for
~90 ms. Images are handed in as contiguous RGB uint8; a reversed-channel view makes dlib
silently find no face.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from devices.face.port import Face, FaceError

LANDMARKS = "shape_predictor_5_face_landmarks.dat"
EMBEDDING = "dlib_face_recognition_resnet_model_v1.dat"


def models_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)  # the one-folder build (kiosk.spec) carries them
    if getattr(sys, "frozen", False) and bundle is not None:
        frozen = Path(bundle) / "face_recognition_models" / "models"
        if (frozen / EMBEDDING).is_file():
            return frozen
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FaceError("model_missing", "the face-recognition-models package is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    for name in (LANDMARKS, EMBEDDING):
        if not (folder / name).is_file():
            raise FaceError("model_missing", f"{name} is not in {folder}")
    return folder


def model_name() -> str:
    import dlib  # noqa: PLC0415 - only where the model runs

    return f"dlib_face_recognition_resnet_model_v1+hog+5pt dlib {dlib.__version__}"


def upsample_for(shape: tuple[int, ...]) -> int:
    """HOG finds faces of ~80 px and up; small document photos need upsampling."""
    side = max(shape[0], shape[1])
    return 2 if side < 200 else 1 if side < 700 else 0


@dataclass
class Analysis:
    faces: list[Face]
    embedding: np.ndarray | None  # 128 float64, only when exactly one face and asked for


class Engine:
    def __init__(self) -> None:
        import dlib  # noqa: PLC0415

        folder = models_dir()
        self._dlib: Any = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._shape = dlib.shape_predictor(str(folder / LANDMARKS))
        self._encoder = dlib.face_recognition_model_v1(str(folder / EMBEDDING))
        self.model = model_name()

    def analyze(self, rgb: np.ndarray, upsample: int, embed: bool,
                min_width: int = 0, largest: bool = False) -> Analysis:
        """Faces, largest first; the embedding of the only face (or the largest one)."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise FaceError("bad_image", "expected an H x W x 3 uint8 image")
        rgb = np.ascontiguousarray(rgb)
        rects = [r for r in self._detector(rgb, upsample) if r.width() >= min_width]
        faces, shapes = [], []
        for r in sorted(rects, key=lambda r: -r.area()):
            s = self._shape(rgb, r)
            shapes.append(s)
            faces.append(Face((r.left(), r.top(), r.right(), r.bottom()),
                              tuple((float(p.x), float(p.y)) for p in s.parts())))
        vec = None
        if embed and (len(faces) == 1 or largest and faces):
            vec = np.array(self._encoder.compute_face_descriptor(rgb, shapes[0]),
                           dtype=np.float64)
        return Analysis(faces, vec)


def analyze_photo(engine: Engine, rgb: np.ndarray, embed: bool = True,
                  largest: bool = True) -> Analysis:
    """A still photo: upsampled by its size, once more if no face was found (a glare-washed
    or small face; one photo per visit, so the extra ~100 ms is affordable)."""
    up = upsample_for(rgb.shape)
    out = engine.analyze(rgb, up, embed, largest=largest)
    if not out.faces and up < 2 and max(rgb.shape[:2]) <= 1600:
        out = engine.analyze(rgb, up + 1, embed, largest=largest)
    return out


def decode(data: bytes | bytearray | memoryview) -> np.ndarray:
    """An encoded image (JPEG, JPEG 2000, PNG) as contiguous RGB; FaceError if unreadable."""
    buf = np.frombuffer(data, dtype=np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR) if buf.size else None
    if img is None:
        raise FaceError("bad_image", "not a readable JPEG, JPEG 2000 or PNG image")
    rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    img.fill(0)
    return rgb


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))
