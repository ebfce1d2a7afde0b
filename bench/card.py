"""eMRTD read cost: our full read (BAC, secure messaging, parsing, passive authentication)
against the same raw APDU exchange without our processing, measured in the same run.

The emulated specimen chip (15 KB face) sits behind real pcscd. With a fixed chip
challenge and fixed terminal randoms every session is byte-identical, so the recorded
protected APDUs can be replayed raw (SCardTransmit only) as the peer.

    python bench/card.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartcard import scard  # noqa: E402

from devices.card.client import read_identity  # noqa: E402
from devices.card.transport import PcscConnection  # noqa: E402
from devices.mrz import bac_seed  # noqa: E402
from sim.card import start_pcscd  # noqa: E402
from sim.card.pki import load_test_pki  # noqa: E402

KEY = bac_seed("L898902C3", "740812", "120415")


def fixed_random(n: int) -> bytes:
    return bytes(range(1, n + 1))


class Recorder:
    def __init__(self, conn: PcscConnection) -> None:
        self.conn = conn
        self.apdus: list[bytes] = []
        self.wire = 0

    def transmit(self, apdu: bytes) -> bytes:
        self.apdus.append(apdu)
        answer = self.conn.transmit(apdu)
        self.wire += len(apdu) + len(answer)
        return answer


def wait_card(reader: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with PcscConnection(reader):
                return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"no card in {reader}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    cscas = [load_test_pki().csca_cert]
    with tempfile.TemporaryDirectory() as tmp:
        pcscd = start_pcscd(Path(tmp) / "pcscd")
        # the card in its own process, as a real chip is: no GIL shared with the reader
        emu = subprocess.Popen([sys.executable, "-m", "sim.card", "--port", str(pcscd.port),
                                "--profile", "specimen", "--fixed-challenge",
                                bytes(range(8)).hex()], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            reader = pcscd.readers[0]
            wait_card(reader)
            with PcscConnection(reader) as conn:
                rec = Recorder(conn)
                doc = read_identity(rec, KEY, cscas=cscas, random=fixed_random)
                assert doc.passive_auth.status == "verified", doc.passive_auth
                script = [list(a) for a in rec.apdus]
                short = Recorder(conn)
                read_identity(short, KEY, cscas=cscas, random=fixed_random,
                              extended_length=False)
                ours: list[float] = []
                raw: list[float] = []
                card, proto = conn._card, conn._protocol  # the same handle for the peer
                for _ in range(args.runs):
                    t = time.perf_counter()
                    read_identity(conn, KEY, cscas=cscas, random=fixed_random)
                    ours.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    for apdu in script:
                        hr, _ = scard.SCardTransmit(card, proto, apdu)
                        assert hr == scard.SCARD_S_SUCCESS
                    raw.append(time.perf_counter() - t)
        finally:
            emu.terminate()
            emu.wait(5)
            pcscd.stop()
    ours_ms, raw_ms = statistics.median(ours) * 1000, statistics.median(raw) * 1000
    # the part no implementation can skip: 3DES-decrypting and MAC-checking every byte read
    from devices.card import crypto

    blob, key = bytes(doc.bytes_read - doc.bytes_read % 8), bytes(range(16))
    t = time.perf_counter()
    for _ in range(args.runs):
        crypto.decrypt(key, blob)
        crypto.retail_mac(key, blob)
    floor_ms = (time.perf_counter() - t) / args.runs * 1000
    print(f"specimen: face image {len(doc.face.data) if doc.face else 0} bytes, "
          f"files {doc.bytes_read} bytes, data groups {list(doc.data_groups)}")
    print(f"APDUs per read:          {len(script)} (extended length + short file ids); "
          f"{len(short.apdus)} with short reads only")
    print(f"bytes on the wire:       {rec.wire}")
    print(f"our read (median of {args.runs}): {ours_ms:8.2f} ms  (BAC, SM, parse, passive auth)")
    print(f"raw APDU replay:          {raw_ms:8.2f} ms  (same bytes, SCardTransmit only)")
    print(f"ratio ours/raw:           {ours_ms / raw_ms:8.2f}  "
          f"(overhead {ours_ms - raw_ms:.2f} ms, {100 * (ours_ms / raw_ms - 1):.0f} %)")
    print(f"crypto floor:             {floor_ms:8.2f} ms  (3DES decrypt + retail MAC of "
          f"{len(blob)} bytes, unavoidable)")
    print(f"overhead beyond floor:    {ours_ms - raw_ms - floor_ms:8.2f} ms  (parsing, passive "
          "auth, Python)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
