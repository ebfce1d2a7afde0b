"""python -m sim.face --scene turn|photo|two|empty --out DIR [--person NAME] [--direction
left|right] [--document FILE]: write a face camera feed (PNG frames) and optionally the
person's document photo (JPEG, 240x320)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.face.people import PEOPLE
from sim.face.scenes import (
    document_photo,
    empty_frame,
    photo_sequence,
    turn_sequence,
    two_faces,
    write_frames,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.face", description=__doc__)
    ap.add_argument("--scene", choices=("turn", "photo", "two", "empty"), default="turn")
    ap.add_argument("--person", choices=sorted(PEOPLE), default="astronaut")
    ap.add_argument("--direction", choices=("left", "right"), default="left")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--document", type=Path, help="also write the document photo here")
    args = ap.parse_args(argv)
    if args.scene == "turn":
        frames = turn_sequence(args.person, args.direction)
    elif args.scene == "photo":
        frames = photo_sequence(args.person)
    else:
        frames = [two_faces() if args.scene == "two" else empty_frame(i) for i in range(10)]
    source = write_frames(frames, args.out)
    print(f"{len(frames)} frames -> {source}")
    if args.document:
        args.document.write_bytes(document_photo(args.person))
        print(f"document photo -> {args.document}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
