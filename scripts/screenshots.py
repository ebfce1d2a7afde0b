"""Screenshots of every screen of the touchscreen, in zh and en, landscape and portrait.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only landscape]

Runs the real QML offscreen around a kiosk built by kiosk.app against the demo's
simulators (platform simulator, virtual printer, camera feed from sim/camera scenes, the
emulated chip in-process) and drives one visit per language through every screen,
including the degraded ones (platform down, printer out, receipt on screen), staff
sign-in (online, and offline from the out-of-service screen), maintenance, progress with
needs_materials, the ticket and the idle warning;
then "Leave this application?", high contrast and the frame's help and staff call
(`--changes`: only those); then the
main screens of a filing in large text and in high contrast (`--variants`: only those).
Saves `<orientation>-<lang>-<nn>-<screen>.png` (full size, maximum PNG compression).
`--face`: only the face step's screens, in `<out>/face/` (look, turn, a failed try, the
staff call, the camera away, the staff sign-in to confirm), from a scripted face check
over sim/face frames (the model's real run is `make demo`'s).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from harness.demo import DEMO_FORM, DemoWorld  # noqa: E402
from harness.probe import find_item, tap  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.flow.state import Screen  # noqa: E402
from sim.card import get_profile  # noqa: E402
from sim.idcard import sample_cards  # noqa: E402
from ui.run import start_touchscreen  # noqa: E402
from ui.window import application  # noqa: E402

log = logging.getLogger("screenshots")

SERVICE = "CR-HZ-0001"  # 护照首次申领: found by "hz"
BAD_ID = "110101198503150012"  # a wrong GB 11643 check digit: the message beside the field


def optimise(path: Path) -> None:
    """256 colours, no dithering, strongest deflate: a screen of flat colours and text loses
    nothing visible and shrinks to a third; the camera previews keep a usable look."""
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(256, Image.Quantize.MEDIANCUT,
                                            dither=Image.Dither.NONE)
    small.save(path, optimize=True)


class ScriptedCheck:
    """A face check that shows `states` one job at a time, then decides `outcome`."""

    def __init__(self, states: list, outcome: object) -> None:
        self.states, self.outcome, self.shown = list(states), outcome, states[0]

    @property
    def finished(self) -> bool:
        return not self.states

    def step(self, timeout_s: float = 0.5) -> object:
        self.shown = self.states.pop(0) if self.states else self.shown
        return self.shown

    def state(self) -> object:
        return self.shown

    def result(self) -> object:
        return self.outcome

    def close(self) -> None:
        self.states = []


class ScriptedFace:
    """The flow's FacePort for the screenshots: every check looks, turns left, looks back
    and does not match (so that the retry and the staff call can be shot too)."""

    def begin(self, document_photo: bytes | None) -> ScriptedCheck:
        from devices.face import ChallengeState, FaceMatch, Phase

        def at(phase: Phase, progress: float, hint: str | None, left: float) -> object:
            return ChallengeState(phase, "left", progress, hint, left)

        return ScriptedCheck([at(Phase.LOOK, 0.2, None, 11.2),
                              at(Phase.TURN, 0.55, "turn_left", 9.6),
                              at(Phase.BACK, 0.9, None, 7.1)],
                             FaceMatch("no_match", 0.31, 0.5, "passed", "dlib"))

    def status(self) -> object:
        raise NotImplementedError


def face_shots(orientation: str, out: Path, work: Path, langs: tuple[str, ...]) -> list[Path]:
    """The face step's screens through the real QML around a Flow with a scripted check;
    the preview is sim/face's astronaut, straight and turned."""
    import json

    from kiosk.catalog import CatalogStore
    from kiosk.config import ReceiptSettings
    from kiosk.flow import Flow, FlowSettings
    from kiosk.flow.ports import ManualExecutor
    from kiosk.receipt import Place
    from kiosk.text import Text
    from offline_queue.outbox import Outbox
    from offline_queue.settings import load_queue_settings
    from sim.face import scenes
    from sim.platform.catalog import build_catalog
    from ui.metrics import ScreenMetrics
    from ui.window import load_ui

    app = application()
    folder = out / "face"
    folder.mkdir(parents=True, exist_ok=True)
    world = DemoWorld(work / f"face-{orientation}", use_pcscd=False, camera=False,
                      idcard=False, face=False)
    queue = load_queue_settings(world.config_path)
    outbox = Outbox(queue.storage, queue.kiosk)
    (work / "catalog.json").write_text(json.dumps(
        {"etag": "t", "fetched_at": 0, "catalog": build_catalog(3)}), encoding="utf-8")
    jobs = ManualExecutor()
    flow = Flow(FlowSettings(Place(Text("杭州市民之家政务服务中心",
                                        "Hangzhou Citizens' Service Center"), "BA01", "K017"),
                             ReceiptSettings("https://zwfw.example.gov/t?no={tracking_no}"
                                             "&code={query_code}", "12345")),
                catalog=CatalogStore(work / "catalog.json", None), outbox=outbox,
                printer=None, card=world.card, platform=None,  # type: ignore[arg-type]
                executor=jobs, face=ScriptedFace())  # type: ignore[arg-type]
    straight = scenes.turned_frame("astronaut")
    turned = scenes.turned_frame("astronaut", 25)
    frame = {"now": straight}
    ui = load_ui(flow, ScreenMetrics.for_orientation(orientation),
                 face_preview=lambda: frame["now"], tick_ms=0)
    saved: list[Path] = []

    def shot(lang: str, name: str) -> None:
        if flow.state.lang != lang:
            flow.set_language(lang)
        end = time.monotonic() + 0.4
        while time.monotonic() < end:  # the preview's timer asks for a few frames
            app.processEvents()
            time.sleep(0.02)
        path = folder / f"{orientation}-{lang}-{name}.png"
        ui.window.grabWindow().save(str(path), "PNG")
        optimise(path)
        saved.append(path)

    try:
        for device in ("idcard_reader", "platform"):
            flow.device_status(device, "offline", "not_configured")
        flow.device_status("face_camera", "ok", "ready")
        for lang in langs:
            flow.set_language(lang)
            flow.start_filing()
            flow.use_passport()
            flow.mrz_typed("E12345678", "850315", "330314")
            jobs.run_next()  # the chip: 张伟's passport, its DG2
            flow.confirm_identity()
            jobs.run_next()  # the document's photo through the (scripted) model
            frame["now"] = straight
            jobs.run_next()
            shot(lang, "1-look")
            frame["now"] = turned
            jobs.run_next()
            shot(lang, "2-turn")
            frame["now"] = straight
            jobs.run_all()
            shot(lang, "3-retry")
            for _ in range(2):
                flow.retry_face()
                jobs.run_all()
            shot(lang, "4-staff")
            flow.confirm_face_in_person()
            shot(lang, "5-staff_sign_in")
            flow.back()
            flow.cancel()
            flow.leave_confirmed()
            # The face camera goes away in the middle of a check.
            flow.start_filing()
            flow.use_passport()
            flow.mrz_typed("E12345678", "850315", "330314")
            jobs.run_next()
            flow.confirm_identity()
            jobs.run_next()
            jobs.run_next()
            flow.device_status("face_camera", "offline", "device_lost")
            jobs.drop_all()
            shot(lang, "6-camera_offline")
            flow.device_status("face_camera", "ok", "ready")
            jobs.drop_all()
            flow.cancel()
            flow.leave_confirmed()
    finally:
        ui.close()
        outbox.close()
        world.close()
    return saved


class Shooter:
    def __init__(self, orientation: str, out: Path, work: Path) -> None:
        self.orientation = orientation
        self.out = out
        self.app = application()
        self.world = DemoWorld(work / orientation, use_pcscd=False, orientation=orientation)
        config = load_config(self.world.config_path)
        self.kiosk, self.ui, _ = start_touchscreen(
            config, config.ui, card=self.world.card, tick_ms=0)
        self.flow = self.kiosk.flow
        self.lang = "zh"
        self.n = 0
        self.changes_only = False
        self.night_only = False
        self.variants_only = False
        self.end_only = False
        self.saved: list[Path] = []

    def close(self) -> None:
        self.ui.close()
        self.kiosk.stop()
        self.world.close()

    # ---- helpers ------------------------------------------------------------------------

    def pump(self, seconds: float = 0.0) -> None:
        end = time.monotonic() + seconds
        while True:
            self.app.processEvents()
            if time.monotonic() >= end:
                return
            time.sleep(0.02)

    def wait(self, ok: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.app.processEvents()
            if ok():
                return
            time.sleep(0.02)
        raise TimeoutError(f"{self.orientation}/{self.lang}: waited for {what}")

    def idle(self) -> bool:
        return self.flow.state.busy is None

    def speak(self) -> None:
        """Keep the visit in this run's language (a finished visit resets it)."""
        if self.flow.state.lang != self.lang:
            self.flow.set_language(self.lang)

    def shot(self, name: str, *, pump: bool = True) -> None:
        self.speak()
        if pump:
            self.pump(0.15)
        self.n += 1
        path = self.out / f"{self.orientation}-{self.lang}-{self.n:02d}-{name}.png"
        image = self.ui.window.grabWindow()
        if not image.save(str(path), "PNG"):
            raise OSError(f"could not save {path}")
        optimise(path)
        self.saved.append(path)

    def qml(self, name: str) -> object:
        return find_item(self.ui.window, name)

    # ---- the screens --------------------------------------------------------------------

    def run(self, lang: str) -> None:
        self.lang, self.n = lang, 0
        f = self.flow
        self.wait(lambda: f.state.capability("progress").available
                  and f.state.capability("file").available, "platform and devices")
        # The last run's "thank you, your details were erased" is for its citizen: let it
        # expire, as it does for the next one (tick() with a later time, once noted now).
        f.tick()
        f.tick(f.visit.clock() + 3600)
        self.shot("attract")
        # What is unavailable and what to do instead: platform down, printer out.
        f.platform_status(False)
        f.device_status("printer", "offline", "paper_out", "paper out")
        self.shot("attract-degraded")
        f.platform_status(True)
        f.device_status("printer", "ok", "ok", "")

        if self.changes_only:
            self.changes()
            self.frame()
            return
        if self.night_only:
            self.staff()
            self.night()
            return
        if self.variants_only:
            self.variants()
            return
        if self.end_only:
            self.end()
            return
        self.staff()
        self.night()
        self.visit()
        self.ticket()
        self.changes()
        self.frame()
        self.variants()

    def receipt_shots(self) -> tuple[str, str]:
        """The receipt once it printed, then on screen only (the printer runs out of paper:
        the receipt stays there as a QR code); the printer back. Its tracking number and
        query code."""
        f, world = self.flow, self.world
        self.wait(lambda: f.state.screen == Screen.RECEIPT and self.idle()
                  and f.state.view.printed is not None, "the receipt")
        self.shot("receipt")
        tracking, code = f.state.view.tracking_no, f.state.view.query_code
        world.printer.set_state(paper="out")
        f.reprint()
        self.wait(lambda: self.idle() and f.state.view.printed is False, "a failed print")
        self.shot("receipt-on_screen")
        world.printer.set_state(paper="ok")
        f.device_status("printer", "ok", "ok", "")
        return tracking, code

    def staff(self) -> None:
        f, world = self.flow, self.world
        chip = world.card.profile
        world.card.profile = get_profile("staff")  # 李强: roles assist + maintain
        try:
            f.open_staff_sign_in()
            self.shot("staff_sign_in")
            f.read_staff_card()
            self.wait(lambda: self.idle() and f.state.view.card_read, "staff card")
            self.pump(0.1)
            for digit in "6543":  # tapped on the pad: the dots fill
                tap(self.ui.window, "pin_" + digit)
            self.shot("staff_sign_in-pin")
            f.pin_entered("654321")
            self.wait(lambda: f.state.screen == Screen.STAFF_MENU, "staff menu")
            self.shot("staff_menu")
            f.staff_maintain()
            self.wait(lambda: self.idle() and f.state.view.queue is not None, "queue status")
            self.shot("maintenance")
            f.cancel()
        finally:
            world.card.profile = chip

    def night(self) -> None:
        """The technician at night: the platform unreachable and the camera gone, so out
        of service; 李强 (signed in online just before, so remembered here) signs in
        offline with the staff card on the reader, straight into maintenance; leaving the
        application asks first."""
        f, world = self.flow, self.world
        chip = world.card.profile
        world.card.profile = get_profile("staff")
        world.platform.set_faults([{"kind": "drop"}])
        try:
            f.platform_status(False, "night")
            f.device_status("camera", "offline", "source_lost", "camera unplugged")
            self.wait(lambda: f.state.screen == Screen.OUT_OF_SERVICE
                      and f.state.view.staff_possible, "out of service")
            self.shot("out_of_service-staff")
            f.card_inserted()  # the staff card laid on the reader
            self.wait(lambda: self.idle() and f.state.view.card_read, "staff card")
            self.pump(0.1)
            for digit in "65":
                tap(self.ui.window, "pin_" + digit)
            self.shot("staff_sign_in-offline")
            f.pin_entered("654321")  # offline: maintenance is all it may do, straight there
            self.wait(lambda: self.idle() and f.state.screen == Screen.MAINTENANCE
                      and f.state.view.queue is not None, "maintenance")
            self.shot("maintenance-offline")
            tap(self.ui.window, "leaveApp")
            self.shot("maintenance-leave-question")
            tap(self.ui.window, "leaveAppNo")
            f.cancel()
        finally:
            world.card.profile = chip
            world.platform.clear_faults()
            f.platform_status(True)
            f.device_status("camera", "ok", "streaming", "")
        self.wait(lambda: f.state.screen == Screen.ATTRACT, "back in service")

    def idcard(self) -> None:
        """The resident ID card on the SAM reader (docs/screenshots/idcard/): the picture
        of where it goes, then what the card says."""
        f, reader = self.flow, self.world.reader
        folder = self.out / "idcard"
        folder.mkdir(exist_ok=True)

        def save(name: str) -> None:
            self.speak()
            self.pump(0.5)  # the card's little slide onto the reader
            path = folder / f"{self.orientation}-{self.lang}-{name}.png"
            self.ui.window.grabWindow().save(str(path), "PNG")
            optimise(path)
            self.saved.append(path)

        self.wait(lambda: f.device_line("idcard_reader").status == "ok", "the ID card reader")
        f.start_filing()
        save("identify-idcard")
        reader.place(sample_cards()["resident_long_term"])
        self.wait(lambda: f.state.view.identity is not None, "the ID card read")
        save("identify-idcard-read")
        reader.remove()
        f.cancel()
        f.leave_confirmed()  # "Leave this application?": the card's details are erased
        f.start_filing()
        reader.place(sample_cards()["resident_expired"])
        self.wait(lambda: f.state.message is not None
                  and f.state.message.key == "identify.card_expired", "the refusal")
        save("identify-idcard-expired")
        reader.remove()
        f.cancel()

    def visit(self) -> None:
        f, world = self.flow, self.world
        self.idcard()
        # Typed first, in the same event-loop turn as start_filing: the camera has not yet
        # seen the passport lying under it (it would unlock the chip by itself).
        f.start_filing()
        f.use_passport()
        f.use_typed_mrz()
        for name, value in (("mrzNumber", "E12345678"), ("mrzBirth", "850315"),
                            ("mrzExpiry", "330314")):
            self.qml(name).setProperty("text", value)
        self.shot("identify-typed", pump=False)
        f.mrz_typed("E12345678", "850315", "330314")
        self.shot("identify-reading", pump=False)
        f.cancel()
        f.leave_confirmed()  # "Leave this application?": the typed fields are erased
        # The camera way: the MRZ read from the preview unlocks the chip. (The ID card
        # reader comes first when it is up; the demo's card lies on it: the passport way.)
        f.start_filing()
        if f.state.view.mode == "idcard":
            f.use_passport()
        served = self.ui.images.requests
        self.wait(lambda: self.ui.images.requests >= served + 2
                  or f.state.view.identity is not None, "the preview", 10)
        if f.state.view.identity is None:
            self.shot("identify-camera", pump=False)
        else:  # the camera was quicker than the screenshot: keep the numbering stable
            self.n += 1
        self.wait(lambda: self.idle() and f.state.view.identity is not None, "the chip")
        self.shot("identify-chip")
        f.confirm_identity()
        self.shot("choose_service")
        f.search("hz")
        self.shot("choose_service-search")
        window_only = next(s for s in self.kiosk.store.catalog.services if not s.kiosk_filing)
        f.choose_service(window_only.code)
        self.shot("service-window_only")
        f.back()
        f.choose_service(SERVICE)
        self.shot("service")
        f.start_form()
        first = True
        while f.state.screen == Screen.FORM:
            for fld in f.state.view.fields:
                if fld.field == "id_number" and first:
                    f.set_field("id_number", BAD_ID)
                elif fld.field in DEMO_FORM and not fld.prefilled:  # the chip's: read-only
                    f.set_field(fld.field, DEMO_FORM[fld.field])
            if first and any(x.field == "id_number" for x in f.state.view.fields):
                self.shot("form-check")
                f.set_field("id_number", DEMO_FORM["id_number"])
                first = False
            page = f.state.view.page
            self.shot(f"form-{page + 1}")
            f.next_page()
            if f.state.screen == Screen.FORM and f.state.view.page == page:
                raise RuntimeError("the form did not accept its page")
        self.shot("materials")
        for i, code in enumerate(("id_card_copy", "photo")):
            f.open_material(code)
            self.wait(lambda: f.state.view.checking is not None, "a captured page", 40)
            if i == 0:
                self.shot("capture-check")
                # Retake: the live preview with the outline and the quality message again.
                f.retake(0)
                served = self.ui.images.requests
                self.wait(lambda served=served: (self.ui.images.requests >= served + 3
                                   and f.state.view.hint is not None)
                          or f.state.view.checking is not None, "the live preview", 20)
                if f.state.view.awaiting_page:
                    self.shot("capture-live")
                else:
                    self.n += 1
                self.wait(lambda: f.state.view.checking is not None, "a retaken page", 40)
            f.material_done()
        self.shot("materials-done")
        f.materials_done()
        self.shot("review")
        f.submit()
        self.shot("submitting", pump=False)
        tracking, code = self.receipt_shots()
        f.finish()
        self.shot("attract-thank_you")
        # Progress: the application reached the platform; the office asks for a material.
        self.wait(lambda: self._delivered(tracking), "delivery to the platform")
        world.platform.force_status(tracking, "needs_materials", ["photo"])
        f.open_progress()
        self.shot("progress_lookup")
        f.progress_typed(tracking, code)
        self.wait(lambda: self.idle() and f.state.screen == Screen.PROGRESS, "the progress")
        self.shot("progress-needs_materials")
        f.cancel()
        # The idle warning, on the service list of a fresh visit.
        f.start_filing()
        f.use_typed_mrz()
        limit = f.settings.idle_limit(Screen.IDENTIFY) or 90.0
        self.speak()  # first: changing the language is a touch, and would clear the warning
        self.pump(0.15)
        f.tick(f.visit.clock() + limit - f.settings.warning_s + 5)
        self.shot("idle_warning", pump=False)
        f.cancel()

    def changes(self) -> None:
        """Issue 15: "Leave this application?" over the document just read and over a
        form, and the same in high contrast (the verified badge, the text boxes' edges)."""
        f = self.flow
        f.start_filing()
        if f.state.view.mode == "idcard":
            f.use_passport()
        self.wait(lambda: self.idle() and f.state.view.identity is not None, "the chip")
        f.cancel()
        self.wait(lambda: f.state.confirm_leave, "the leave question")
        self.shot("leave-question-identify")
        f.set_high_contrast(True)
        self.shot("contrast-leave-question")
        f.leave_declined()
        self.shot("contrast-identify-verified")
        f.confirm_identity()
        f.choose_service(SERVICE)
        f.start_form()
        self.shot("contrast-form")
        f.set_high_contrast(False)
        self.shot("form-inputs")
        f.set_field("mobile", DEMO_FORM["mobile"])
        f.cancel()
        self.shot("leave-question-form")
        f.leave_confirmed()
        self.shot("attract-left")

    def frame(self) -> None:
        """Issue 15: the frame's help over the identify screen (its picture), then
        呼叫工作人员 answered, and the open call on the screen behind."""
        f, window = self.flow, self.ui.window
        f.start_filing()
        tap(window, "help")
        self.shot("help-identify")
        tap(window, "callStaff")
        self.shot("help-staff_called")
        tap(window, "helpClose")
        self.shot("frame-staff_called")
        f.cancel_staff_call()
        f.cancel()
        f.leave_confirmed()

    def variants(self) -> None:
        """The main screens of a filing in large text, then in high contrast (file names
        with `large` / `contrast`): what an older citizen or one who sees poorly gets."""
        f = self.flow
        for variant in ("large", "contrast"):
            def setting(on: bool, variant: str = variant) -> None:
                (f.set_large_text if variant == "large" else f.set_high_contrast)(on)

            setting(True)
            self.shot(f"{variant}-attract")
            f.start_filing()
            setting(True)  # on attract it was a setting for the next visit: kept, or set
            if f.state.view.mode == "idcard":
                f.use_passport()
            self.wait(lambda: self.idle() and f.state.view.identity is not None, "the chip")
            self.shot(f"{variant}-identify-chip")
            f.confirm_identity()
            self.shot(f"{variant}-choose_service")
            f.choose_service(SERVICE)
            self.shot(f"{variant}-service")
            f.start_form()
            self.shot(f"{variant}-form")
            while f.state.screen == Screen.FORM:
                for fld in f.state.view.fields:
                    if fld.field in DEMO_FORM and not fld.prefilled:
                        f.set_field(fld.field, DEMO_FORM[fld.field])
                page = f.state.view.page
                f.next_page()
                if f.state.screen == Screen.FORM and f.state.view.page == page:
                    raise RuntimeError("the form did not accept its page")
            self.shot(f"{variant}-materials")
            for i, code in enumerate(("id_card_copy", "photo")):
                f.open_material(code)
                if i == 0:
                    self.shot(f"{variant}-capture-live")
                self.wait(lambda: f.state.view.checking is not None, "a captured page", 40)
                if i == 0:
                    self.shot(f"{variant}-capture-check")
                f.material_done()
            f.materials_done()
            self.shot(f"{variant}-review")
            f.submit()
            self.wait(lambda: f.state.screen == Screen.RECEIPT and self.idle()
                      and f.state.view.printed is not None, "the receipt")
            self.shot(f"{variant}-receipt")
            f.finish()
            setting(False)

    def end(self) -> None:
        """Issue 15 item 3: the end of a visit. A window-only service (the words and the
        ticket button agree), one visit filed straight through the flow, its receipt with
        what comes next (printed, then on screen only, then in large text), its progress
        and a queue ticket."""
        f, world = self.flow, self.world
        f.start_filing()
        if f.state.view.mode == "idcard":
            f.use_passport()
        self.wait(lambda: self.idle() and f.state.view.identity is not None, "the chip")
        f.confirm_identity()
        window_only = next(s for s in self.kiosk.store.catalog.services if not s.kiosk_filing)
        f.choose_service(window_only.code)
        self.shot("service-window_only")
        f.back()
        f.choose_service(SERVICE)
        f.start_form()
        while f.state.screen == Screen.FORM:
            for fld in f.state.view.fields:
                if fld.field in DEMO_FORM:
                    f.set_field(fld.field, DEMO_FORM[fld.field])
            f.next_page()
        for code in ("id_card_copy", "photo"):
            f.open_material(code)
            self.wait(lambda: f.state.view.checking is not None, "a captured page", 40)
            f.material_done()
        f.materials_done()
        f.submit()
        tracking, code = self.receipt_shots()
        f.set_large_text(True)
        self.shot("receipt-large")
        f.set_large_text(False)
        f.finish()
        self.wait(lambda: self._delivered(tracking), "delivery to the platform")
        f.open_progress()
        f.progress_typed(tracking, code)
        self.wait(lambda: self.idle() and f.state.screen == Screen.PROGRESS, "the progress")
        self.shot("progress")
        f.cancel()
        world.platform.force_status(tracking, "needs_materials", ["photo"])
        f.open_progress()
        f.progress_typed(tracking, code)
        self.wait(lambda: self.idle() and f.state.screen == Screen.PROGRESS, "the progress")
        self.shot("progress-needs_materials")
        f.cancel()
        self.ticket()

    def _delivered(self, tracking: str) -> bool:
        subs = self.world.platform.audit()["submissions"].values()
        return any(s["tracking_no"] == tracking and s["commits"] for s in subs)

    def ticket(self) -> None:
        f = self.flow
        f.open_ticket()
        self.shot("ticket")
        category = f.state.view.categories[0].code
        f.pick_ticket_category(category)
        self.wait(lambda: self.idle() and f.state.view.ticket is not None, "a ticket")
        self.shot("ticket-taken")
        f.finish()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    p.add_argument("--only", choices=("landscape", "portrait"))
    p.add_argument("--lang", choices=("zh", "en"))
    p.add_argument("--changes", action="store_true",
                   help="only issue 15's screens: the leave question, high contrast, help")
    p.add_argument("--night", action="store_true",
                   help="only staff sign-in online and offline, out of service, maintenance")
    p.add_argument("--variants", action="store_true",
                   help="only the main screens in large text and in high contrast")
    p.add_argument("--face", action="store_true",
                   help="only the face step's screens (issue 16), in <out>/face/")
    p.add_argument("--end", action="store_true",
                   help="only issue 15's end of a visit: receipt, progress, ticket")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-shots-") as work:
        for orientation in (args.only,) if args.only else ("landscape", "portrait"):
            if args.face:
                saved += face_shots(orientation, args.out, Path(work),
                                    (args.lang,) if args.lang else ("zh", "en"))
                continue
            shooter = Shooter(orientation, args.out, Path(work))
            shooter.changes_only = args.changes
            shooter.night_only = args.night
            shooter.variants_only = args.variants
            shooter.end_only = args.end
            try:
                for lang in (args.lang,) if args.lang else ("zh", "en"):
                    shooter.run(lang)
            finally:
                shooter.close()
            saved += shooter.saved
    total = sum(p.stat().st_size for p in saved)
    print(f"{len(saved)} screenshots, {total / 1e6:.1f} MB, in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
