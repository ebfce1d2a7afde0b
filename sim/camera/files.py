"""Scenes written as a camera would give them: an image sequence or a video file, with
truth.json beside the frames (one entry per frame, in order)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2

from sim.camera.scene import Scene


def write_images(scenes: list[Scene], out: Path, *, ext: str = "png") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    truth = []
    for i, sc in enumerate(scenes):
        name = f"frame_{i:05d}.{ext}"
        params = [cv2.IMWRITE_JPEG_QUALITY, 92] if ext == "jpg" else []
        if not cv2.imwrite(str(out / name), sc.image, params):
            raise OSError(f"cannot write {out / name}")
        truth.append({"file": name, **sc.truth})
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    return out


def write_video(scenes: list[Scene], path: Path, fps: float = 15.0) -> Path:
    """Motion-JPEG in AVI: every OpenCV build can write and read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = scenes[0].image.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    if not writer.isOpened():
        raise OSError(f"cannot write video {path}")
    try:
        for sc in scenes:
            writer.write(sc.image)
    finally:
        writer.release()
    truth = [{"frame": i, **sc.truth} for i, sc in enumerate(scenes)]
    path.with_suffix(".truth.json").write_text(json.dumps(truth, indent=1))
    return path
