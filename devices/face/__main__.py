"""Technician commands for the face match.

    python -m devices.face compare IMAGE_A IMAGE_B [--json] [--threshold T]

Prints whether the two images show the same person: one JSON object with `result`
(match | no_match | no_face | several_faces), `score` (1 - dlib's distance; higher is more
alike), `threshold` and `model`. Exit 0 on match, 1 on no_match, 3 on no_face or
several_faces, 2 on an unreadable file or bad arguments, 4 when the model cannot start.
Nothing of the images is printed or logged.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from devices.face.port import FaceError
from devices.face.service import FaceService
from devices.face.settings import FaceSettings

_EXIT = {"match": 0, "no_match": 1, "no_face": 3, "several_faces": 3}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m devices.face",
                                description=(__doc__ or "").split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare", help="compare the faces in two image files")
    c.add_argument("image_a", type=Path)
    c.add_argument("image_b", type=Path)
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.add_argument("--threshold", type=float, help="similarity for a match (default: the "
                   "configured/measured one)")
    return p


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FaceError("unreadable", f"cannot read {path}: {exc.strerror}") from None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = FaceSettings()
    if args.threshold is not None:
        if not 0 <= args.threshold <= 1:
            print("error: --threshold must be between 0 and 1", file=sys.stderr)
            return 2
        settings = replace(settings, threshold=args.threshold)
    service = FaceService(settings)
    try:
        a, b = _read(args.image_a), _read(args.image_b)
        out = service.compare_images(a, b)
    except FaceError as exc:
        what = {"bad_image": "one of the files is not a readable JPEG, JPEG 2000 or PNG "
                             "image"}.get(exc.code, exc.detail)
        print(f"error: {what}", file=sys.stderr)
        return 2 if exc.code in ("bad_image", "unreadable") else 4
    finally:
        service.stop()
    if args.json:
        print(json.dumps({"result": out.result, "score": out.score,
                          "threshold": out.threshold, "model": out.model}))
    else:
        score = "-" if out.score is None else f"{out.score:.3f}"
        print(f"{out.result}  score {score}  threshold {out.threshold:.3f}  "
              f"faces {out.faces[0]}/{out.faces[1]}  ({out.model})")
    return _EXIT[out.result]


if __name__ == "__main__":
    sys.exit(main())
