"""python -m sim.camera --seed N --out DIR [--set detect|mrz|qr|hold] [--count K] [--video]"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.camera.files import write_images, write_video
from sim.camera.scene import detection_set, hold_sequence, mrz_set, qr_set


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.camera", description=__doc__)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--set", choices=("detect", "mrz", "qr", "hold"), default="detect")
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--doc", default="a4", help="document kind for --set hold")
    ap.add_argument("--video", action="store_true", help="one MJPG .avi instead of PNG files")
    ap.add_argument("--fps", type=float, default=15.0)
    ap.add_argument("--size", default="1280x720")
    args = ap.parse_args(argv)
    w, h = (int(x) for x in args.size.lower().split("x"))
    size = (w, h)
    if args.set == "detect":
        scenes = detection_set(args.seed, args.count, frame_size=size)
    elif args.set == "mrz":
        scenes = mrz_set(args.seed, args.count, frame_size=size)
    elif args.set == "qr":
        scenes = qr_set(args.seed, args.count, frame_size=size)
    else:
        scenes = hold_sequence(args.seed, args.doc, frame_size=size)
    if args.video:
        path = write_video(scenes, args.out / f"{args.set}-{args.seed}.avi", args.fps)
    else:
        path = write_images(scenes, args.out)
    print(f"{len(scenes)} frames -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
