"""`make demo`: the whole kiosk against the simulators. Starts the platform simulator, the
virtual ESC/POS printer, a card (the chip emulator behind pcscd + vpcd where pcscd is
installed, else the same emulated chip in-process), the resident ID card reader
(sim/idcard on a TCP port; the demo lays 张三's card on it when the identify screen asks for
one) and a camera feed written from sim/camera scenes (the passport whose chip is in the
reader, then pages to scan), a face camera from sim/face (the document holder looking
and turning her head; the passport's DG2 and, through a stand-in decoder, the ID card's
photo are her picture), writes a demo config and runs the touchscreen. With no
display ($DISPLAY / $WAYLAND_DISPLAY unset) it runs one scripted visit offscreen instead,
saves a screenshot of each screen and the printed receipt, and prints where they are.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import cv2

from devices.card.client import read_identity
from devices.mrz import bac_seed
from offline_queue.resident_id import synthetic_id_number
from sim.camera import hold_sequence, write_images
from sim.camera.documents import SIZES_MM, FlatDoc, render_passport
from sim.camera.scene import Scene, SceneSpec, _pose, render_scene
from sim.card import get_profile
from sim.card.chip import Chip
from sim.card.pki import load_test_pki
from sim.card.profiles import CHINESE_MRZ
from sim.printer import VirtualPrinter

log = logging.getLogger(__name__)

DEMO_PROFILE = "chinese"  # 张伟, passport E12345678: its MRZ is the one the camera shows
DEMO_MRZ = CHINESE_MRZ
DEMO_IDCARD = "resident"  # sim.idcard's 张三, the card the demo lays on the ID card reader
FACE_PROFILE = "chinese_face"  # the same passport with a real face (sim/face) in DG2
FACE_PERSON = "astronaut"  # sim/face's public-domain face: the document holder at the kiosk
# The face camera's loop: looking straight, a turn to the citizen's left and back, then to
# the right and back (the challenge asks one of the two at random).
FACE_YAWS = [0.0] * 5 + [10.0, 20.0, 30.0, 30.0, 30.0, 30.0, 20.0, 10.0]
# What the citizen types: the chip of this passport carries no resident ID number.
DEMO_FORM = {"id_number": synthetic_id_number(random.Random(11), born=date(1985, 3, 15)),
             "mobile": "13912345678", "travel_purpose": "tourism",
             "home_address": "杭州市上城区解放路1号", "household_size": "3"}


def _say(text: str = "") -> None:
    print(text, flush=True)


class InProcessChip:
    """The card port over the emulated chip without PC/SC (where pcscd is not installed)."""

    def __init__(self, profile: str = DEMO_PROFILE) -> None:
        self.profile = get_profile(profile)
        self._cscas = [load_test_pki().csca_cert]

    def read_identity(self, document_number: str, birth_date: str,
                      expiry_date: str) -> Any:  # noqa: ANN401 - IdentityDocument
        chip = Chip(self.profile)
        transport = type("InProcess", (), {"transmit": staticmethod(chip.process)})()
        return read_identity(transport, bac_seed(document_number, birth_date, expiry_date),
                             cscas=self._cscas)

    def read_uid(self) -> str:
        return self.profile.uid


def passport_scenes(mrz: tuple[str, ...], seed: int, frames: int) -> list[Scene]:
    """A passport data page with `mrz` printed in its zone, held still under the camera."""
    rng = random.Random(seed)
    flat = render_passport(rng)
    img = flat.image.copy()
    ppm = img.shape[1] / SIZES_MM["passport"][0]
    h, w = img.shape[:2]
    cv2.rectangle(img, (0, int(66 * ppm)), (w, h), (236, 238, 238), -1)
    from sim.camera.documents import _draw_mrz  # the renderer's own MRZ drawing

    _draw_mrz(img, ppm, mrz, left_mm=6.6, bottom_mm=83.0, line_pitch_mm=4.5)
    doc = FlatDoc("passport", img, flat.size_mm)
    spec = SceneSpec(doc="passport", counter="wood", fill=0.85, blur=0.5, noise=1.5)
    quad = _pose(doc.size_mm, spec, rng, (1280, 720))
    return [render_scene(spec, rng, doc=doc, quad=quad) for _ in range(frames)]


# The files of each feed written in this process, by (mrz, seed): the scenes are seeded, so
# a second DemoWorld gets the same bytes without rendering its 44 frames again (about 10 s
# of CPU each time; the tests start a world some twenty times).
_FEEDS: dict[tuple[tuple[str, ...], int], dict[str, bytes]] = {}


def write_camera_feed(folder: Path, mrz: tuple[str, ...] = DEMO_MRZ, seed: int = 7) -> str:
    """Frames as a camera would give them, looping: the passport, then two pages laid down
    and taken away. Returns the image-sequence glob for CameraSettings.source."""
    written = _FEEDS.get((mrz, seed))
    if written is None:
        scenes = passport_scenes(mrz, seed, 10)
        scenes += hold_sequence(seed + 1, "a4", still=10, moving=3, empty=4)
        scenes += hold_sequence(seed + 2, "id1", still=10, moving=3, empty=4)
        write_images(scenes, folder, ext="jpg")
        _FEEDS[(mrz, seed)] = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    else:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in written.items():
            (folder / name).write_bytes(data)
    return str(folder / "frame_*.jpg")


def write_face_feed(folder: Path, person: str = FACE_PERSON) -> str:
    """The face camera's frames: `person` looking straight, turning left and back, then
    right and back, looping. The warped frames take seconds to render: they are kept in
    a cache folder beside the temp files and copied. Returns the image glob."""
    import hashlib

    from sim.face import scenes

    key = hashlib.sha256(repr((person, FACE_YAWS, 1)).encode()).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / f"kiosk-face-feed-{key}"
    if not (cache / "done").exists():
        frames = [scenes.turned_frame(person, sign * yaw, seed=i)
                  for i, (sign, yaw) in enumerate((s, y) for s in (1.0, -1.0)
                                                  for y in FACE_YAWS)]
        tmp = Path(tempfile.mkdtemp(prefix="kiosk-face-feed-"))
        for i, frame in enumerate(frames):
            cv2.imwrite(str(tmp / f"frame_{i:04d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
        (tmp / "done").write_text(person)
        try:
            tmp.rename(cache)
        except OSError:  # another process was quicker: theirs is the same
            shutil.rmtree(tmp, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    for f in sorted(cache.glob("frame_*.jpg")):
        shutil.copyfile(f, folder / f.name)
    return str(folder / "frame_*.jpg")


class DemoPhotoDecoder:
    """Stands in for the vendor's WLT decoder (devices/idcard/photo.py) in the demo: every
    card's photo is sim/face's `person` as a 102x126 BMP, so the face step has a photo."""

    load_error: str | None = None

    def __init__(self, person: str = FACE_PERSON) -> None:
        from sim.face import document_photo

        self._bmp = document_photo(person, (102, 126), fmt=".bmp")

    def load(self) -> bool:
        return True

    def decode(self, wlt: bytes) -> bytes:
        return self._bmp


def write_demo_config(folder: Path, platform_url: str, printer_url: str,
                      camera_source: str | None, *, orientation: str = "landscape",
                      reader: str = "", csca_dir: Path | None = None,
                      idcard_port: int | None = None, face_source: str | None = None) -> Path:
    path = folder / "kiosk.toml"
    camera = f'[camera]\nsource = "{camera_source}"\nfps = 15\n' if camera_source else ""
    if face_source:  # a second camera facing the citizen; the model is dlib's (docs/face.md)
        camera += (f'[face_camera]\nsource = "{face_source}"\nfps = 10\n'
                   "[face]\nchallenge_timeout_s = 20\ncall_timeout_s = 6\n")
    if idcard_port is not None:
        camera += f'[idcard]\nport = "tcp://127.0.0.1:{idcard_port}"\n'

    card = f'[card]\nreader = "{reader}"\n' if reader else ""
    if csca_dir is not None and card:
        card += f'csca_dir = "{csca_dir}"\n'
    path.write_text(textwrap.dedent(f"""\
        # Demo only: plain HTTP to simulators on this machine.
        [kiosk]
        id = "K017"
        hall = "BA01"
        [platform]
        url = "{platform_url}"
        token = "dev-token"
        insecure_dev = true
        connect_timeout_s = 1
        read_timeout_s = 3
        [storage]
        data_dir = "{folder / 'data'}"
        key_file = "{folder / 'keys' / 'data.key'}"
        [sync]
        backoff_base_s = 0.2
        backoff_cap_s = 2
        poll_interval_s = 0.2
        [logging]
        dir = "{folder / 'logs'}"
        [printer]
        url = "{printer_url}"
        profile = "cn-80"
        [ui]
        orientation = "{orientation}"
        hall_name_zh = "杭州市民之家政务服务中心"
        hall_name_en = "Hangzhou Citizens' Service Center"
        """) + camera + card)
    return path


@dataclass
class DemoWorld:
    """Every simulator the kiosk talks to, started in `folder`; `close()` stops them."""

    folder: Path
    use_pcscd: bool = True
    orientation: str = "landscape"
    camera: bool = True
    idcard: bool = True  # the SAM ID card reader emulator, behind a TCP port
    face: bool = False  # a face camera (sim/face: the document holder turning her head)
    config_path: Path = field(init=False)
    reader: Any = field(init=False, default=None)  # sim.idcard.ReaderEmulator
    printer: VirtualPrinter = field(init=False)
    platform: Any = field(init=False)
    card: Any = field(init=False)
    card_kind: str = field(init=False, default="in-process")
    _stack: ExitStack = field(init=False, default_factory=ExitStack)

    def __post_init__(self) -> None:
        from sim.platform import PlatformSim

        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self.platform = self._stack.enter_context(
                PlatformSim(token="dev-token", seed=3, step_seconds=2.0))
            self.printer = VirtualPrinter().start()
            self._stack.callback(self.printer.stop)
            reader, csca = self._start_card()
            source = write_camera_feed(self.folder / "camera") if self.camera else None
            idcard_port = self._start_idcard() if self.idcard else None
            face = write_face_feed(self.folder / "face") if self.face else None
            self.config_path = write_demo_config(self.folder, self.platform.base_url,
                                                 self.printer.url, source,
                                                 orientation=self.orientation, reader=reader,
                                                 csca_dir=csca, idcard_port=idcard_port,
                                                 face_source=face)
        except BaseException:
            self._stack.close()
            raise

    @property
    def profile(self) -> str:
        """The passport's chip: with a real face in DG2 when there is a face camera."""
        return FACE_PROFILE if self.face else DEMO_PROFILE

    def attach(self, kiosk: Any) -> None:  # noqa: ANN401 - a kiosk.app.Kiosk
        """What the built kiosk needs of the world: with the face camera on, the ID card
        reader decodes every card's photo (the demo's stand-in for the vendor library)."""
        if self.face and kiosk.idcard is not None:
            kiosk.idcard.decoder = DemoPhotoDecoder()

    def _start_card(self) -> tuple[str, Path | None]:
        self.card = InProcessChip(self.profile)
        if not self.use_pcscd or shutil.which("pcscd") is None:
            return "", None
        try:
            from sim.card import CardEmulator, start_pcscd

            pcscd = start_pcscd(self.folder / "pcscd")
            self._stack.callback(pcscd.stop)
            emulator = CardEmulator(self.profile, port=pcscd.port).start()
            self._stack.callback(emulator.stop)
            if not emulator.wait_connected(10):
                raise OSError("the emulator could not reach vpcd")
            csca = self.folder / "csca"
            load_test_pki().write_csca(csca)
            self.card = None  # the kiosk's own CardService reads through pcscd
            self.card_kind = "pcscd"
            return pcscd.readers[0], csca
        except Exception as exc:  # no vpcd driver, no permission: the in-process chip serves
            log.warning("demo_pcscd_unavailable error=%s", type(exc).__name__)
            return "", None

    def _start_idcard(self) -> int:
        from sim.idcard import ReaderEmulator

        # A real reader takes about half a second for the text and the photo.
        self.reader = ReaderEmulator(read_delay_s=0.4, answer_delay_s=0.005)
        self._stack.callback(self.reader.stop)
        return int(self.reader.start_tcp(port=0))

    def lay_card_when_asked(self, flow: Any, card: str = DEMO_IDCARD,  # noqa: ANN401
                            after_s: float = 1.5) -> Callable[[], None]:
        """The demo's citizen: lays `card` on the reader when identify asks for an ID card,
        takes it back when the visit is over. Returns the unsubscribe function."""
        import threading

        from sim.idcard import sample_cards

        reader, cards = self.reader, sample_cards()
        state = {"laid": False}

        def on_state(s: Any) -> None:  # noqa: ANN401 - a FlowState
            wants = (s.screen.value == "identify" and getattr(s.view, "mode", "") == "idcard"
                     and getattr(s.view, "identity", None) is None)
            if wants and not state["laid"]:
                state["laid"] = True
                threading.Timer(after_s, reader.place, args=(cards[card],)).start()
            elif s.screen.value == "attract" and state["laid"]:
                state["laid"] = False
                reader.remove()
        return flow.subscribe(on_state) if reader is not None else (lambda: None)

    def close(self) -> None:
        self._stack.close()


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def wait_until(app_process: Callable[[], None], ok: Callable[[], bool],
               timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app_process()
        if ok():
            return True
        time.sleep(0.02)
    return False


def run_offscreen(world: DemoWorld, out: Path) -> int:
    """One scripted visit through the real QML, offscreen: screenshots and the receipt."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.config import load_config
    from kiosk.flow.state import Screen
    from ui.run import start_touchscreen
    from ui.window import application

    app = application()
    config = load_config(world.config_path)
    kiosk, ui, _poster = start_touchscreen(config, config.ui,
                                           card=world.card)
    world.attach(kiosk)
    flow = kiosk.flow
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []

    def pump() -> None:
        app.processEvents()

    def shot(name: str) -> None:
        pump()
        path = out / f"{len(shots):02d}-{name}.png"
        ui.window.grabWindow().save(str(path))
        shots.append(path)

    def idle() -> bool:
        return flow.state.busy is None

    try:
        wait_until(pump, lambda: flow.state.capability("progress").available
                   and flow.ready_to_file()
                   and (world.reader is None
                        or flow.device_line("idcard_reader").status == "ok"), 10)
        shot("attract")
        stop_laying = world.lay_card_when_asked(flow, after_s=0.8)
        flow.start_filing()
        shot("identify")
        ok = wait_until(pump, lambda: getattr(flow.state.view, "identity", None) is not None, 30)
        stop_laying()
        shot("identify-read")
        if not ok:
            _say("The camera's MRZ did not unlock the chip; typing it instead.")
            flow.use_typed_mrz()
            flow.mrz_typed("E12345678", "850315", "330314")
            wait_until(pump, idle)
        flow.confirm_identity()
        if flow.state.screen == Screen.FACE:  # 请正视摄像头: the holder looks, turns, looks back
            wait_until(pump, lambda: getattr(flow.state.view, "phase", "") == "look"
                       or flow.state.screen != Screen.FACE, 40)
            shot("face")
            wait_until(pump, lambda: getattr(flow.state.view, "phase", "") == "turn"
                       or flow.state.screen != Screen.FACE, 20)
            shot("face-turn")
            if not wait_until(pump, lambda: flow.state.screen == Screen.CHOOSE_SERVICE, 40):
                _say("The face check did not finish; going on without it.")
                flow.decline_face()
        if flow.session.face_match is not None:  # result, score, liveness: no image
            _say(f"Face match: {flow.session.face_match}")
        flow.search("hz")
        shot("choose_service")
        flow.choose_service("CR-HZ-0001")
        shot("service")
        flow.start_form()
        values = DEMO_FORM
        for _ in range(10):
            if flow.state.screen != Screen.FORM:
                break
            for f in flow.state.view.fields:
                if f.field in values and not f.prefilled:  # the card gave the rest
                    flow.set_field(f.field, values[f.field])
            shot(f"form-{flow.state.view.page + 1}")
            flow.next_page()
        for code in ("id_card_copy", "photo"):
            flow.open_material(code)
            wait_until(pump, lambda: getattr(flow.state.view, "checking", None) is not None, 30)
            shot(f"capture-{code}")
            flow.material_done()
        flow.skip_material("household_register")
        shot("materials")
        flow.materials_done()
        shot("review")
        flow.submit()
        wait_until(pump, lambda: getattr(flow.state.view, "printed", None) is not None)
        shot("receipt")
        receipt = out / "receipt.png"
        jobs = world.printer.wait_for_jobs(1, timeout_s=5)
        jobs[-1].receipt_image().save(receipt)
        tracking = flow.state.view.tracking_no
        flow.finish()
        pump()
        _say(f"Filed {tracking}; screenshots and the printed receipt are in {out}:")
        for p in [*shots, receipt]:
            _say(f"  {p}")
        return 0
    finally:
        ui.close()
        kiosk.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.demo", description=__doc__)
    p.add_argument("--keep", type=Path, help="keep data, logs and screenshots in this folder")
    p.add_argument("--portrait", action="store_true", help="1080x1920 instead of landscape")
    p.add_argument("--offscreen", action="store_true", help="scripted visit, no window")
    p.add_argument("--no-pcscd", action="store_true", help="the emulated chip in-process")
    p.add_argument("--no-face", action="store_true", help="no face camera (no face step)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    world = DemoWorld(folder, use_pcscd=not args.no_pcscd,
                      orientation="portrait" if args.portrait else "landscape",
                      face=not args.no_face)
    try:
        _say(f"Simulators up: platform {world.platform.base_url}, printer {world.printer.url}, "
             f"card {world.card_kind}; config {world.config_path}")
        if args.offscreen or not has_display():
            out = (args.keep or Path(tempfile.mkdtemp(prefix="kiosk-demo-out-"))) / "visit"
            return run_offscreen(world, out)
        from kiosk.config import load_config
        from ui.run import run

        _say("Tap through a visit. 张三's ID card is laid on the ID card reader when the "
             "screen asks for it; passport E12345678 (张伟) is on the camera and in the "
             "chip reader; the face camera shows their holder. Printed receipts: "
             + f"{folder / 'receipts'}")
        config = load_config(world.config_path)

        def started(kiosk: Any) -> None:  # noqa: ANN401 - a kiosk.app.Kiosk
            world.attach(kiosk)
            world.lay_card_when_asked(kiosk.flow)

        return run(config, config.ui, card=world.card, on_started=started)
    finally:
        world.close()
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
