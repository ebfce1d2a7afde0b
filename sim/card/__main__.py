"""Run an emulated card in a vpcd slot of the local pcscd.

    python -m sim.card --port 35963 --profile specimen [--remove-after N]
                       [--uid 04A1B2C3D4E5F6] [--csca-dir DIR]

Commands on stdin: `insert`, `remove`, `profile NAME`, `quit`. Profiles: specimen,
chinese, td1, tampered, short, staff. vpcd listens on every interface: demo and test
machines only, never a kiosk in a hall.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sim.card.emulator import CardEmulator
from sim.card.pki import load_test_pki
from sim.card.profiles import PROFILES, get_profile


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.card", description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=35963)
    p.add_argument("--profile", default="specimen", choices=sorted(PROFILES))
    p.add_argument("--remove-after", type=int, help="pull the card out after N APDUs")
    p.add_argument("--uid", help="UID of the staff card (hex)")
    p.add_argument("--csca-dir", type=Path, help="write the test CSCA certificate here")
    p.add_argument("--fixed-challenge", help=argparse.SUPPRESS)  # hex; repeatable sessions
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.csca_dir:
        print(f"CSCA written to {load_test_pki().write_csca(args.csca_dir)}", flush=True)
    emu = CardEmulator(get_profile(args.profile, uid=args.uid), host=args.host, port=args.port,
                       remove_after=args.remove_after,
                       fixed_challenge=bytes.fromhex(args.fixed_challenge)
                       if args.fixed_challenge else None).start()
    print(f"card {args.profile!r} in the slot on port {args.port}; "
          "commands: insert, remove, profile NAME, quit", flush=True)
    try:
        for line in sys.stdin:
            cmd, _, arg = line.strip().partition(" ")
            if cmd == "insert":
                emu.insert()
            elif cmd == "remove":
                emu.remove()
            elif cmd == "profile" and arg in PROFILES:
                emu.remove()
                emu.set_profile(get_profile(arg, uid=args.uid))
                print("profile set; `insert` the new card (wait a second after removing)")
            elif cmd == "quit":
                break
            elif cmd:
                print(f"unknown command {line.strip()!r}", flush=True)
        else:
            emu.wait()  # stdin closed (running detached): serve until killed
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
