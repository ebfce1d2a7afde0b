"""`python -m harness.soak N [--seed S] [--keep DIR] [--no-face]`: N scripted visits through
the flow against every simulator, with faults injected at random, face match on (a face
camera from sim/face and the real model); exit 0 when the verdict passes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .run import main as soak_main


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.soak", description=__doc__)
    p.add_argument("visits", type=int, metavar="N", help="how many scripted visits")
    p.add_argument("--seed", type=int, default=1, help="the random faults' seed")
    p.add_argument("--keep", type=Path, help="keep data and logs in this folder")
    p.add_argument("--no-face", action="store_true", help="no face camera (no face step)")
    args = p.parse_args(argv)
    return soak_main(args.visits, seed=args.seed, keep=args.keep, face=not args.no_face)


if __name__ == "__main__":
    sys.exit(main())
