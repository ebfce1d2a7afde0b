"""`Flow`: the visit's intents in, `FlowState` out — the one object the UI and the
composition root talk to.

    attract -> identify -> face -> choose service -> (service) -> form -> materials -> review
            -> [commit to the outbox, then print] -> receipt -> attract
    attract -> progress lookup -> progress -> (needs_materials) materials -> receipt
    attract -> ticket;  attract -> staff sign-in -> staff menu -> identify | maintenance

Each journey is an object of its own module (identify, filing, materials, receipts,
progress, tickets, staff) sharing one `Visit` (visit.py): the visit's state, the plumbing
of intents and jobs, the clock. A journey registers the results of its jobs and the screens
it shows with the Visit by name, in its constructor. This class builds them, keeps the
visit-wide intents (the clock, the visit's settings, leaving, the kiosk's status) and hands
every other intent to its journey. All device and platform work goes to the injected
executor; time comes from `tick(now)`; the flow has no threads and no timers. Personal
data lives only in `session` and is wiped whenever a visit ends, however it ends. No
intent ever raises. Not thread-safe: call it from one thread (the UI thread).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime

from devices.mrz import Mrz

from .. import __version__
from ..runtime.assistance import Assistance
from ..runtime.health import Counters, DeviceLine, Health
from ..session import IdCardLike, Session
from ..staff_credentials import StaffCredentials
from ..strings import LANGUAGES
from .face import FaceStep
from .filing import Filing
from .identify import Identify
from .leaving import leave, leave_confirmed, leave_declined
from .materials import Materials
from .parsing import local_now
from .ports import (
    CardReaderPort,
    CatalogPort,
    Executor,
    FacePort,
    OutboxPort,
    PlatformPort,
    PrinterPort,
)
from .progress import Progress
from .receipts import Receipts
from .settings import FlowSettings
from .staff import DeviceProbe, StaffDesk
from .state import AttractView, CameraRequest, Capability, FlowState, OutOfServiceView, Screen
from .tickets import Tickets
from .views import build_state
from .visit import Ports, Visit

log = logging.getLogger("kiosk.flow")


class Flow:
    """The visit: intents in, `state` out (see the module's docstring)."""

    def __init__(self, settings: FlowSettings, *, catalog: CatalogPort, outbox: OutboxPort,
                 printer: PrinterPort, card: CardReaderPort, platform: PlatformPort,
                 executor: Executor, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = local_now,
                 today: Callable[[], date] = date.today,
                 software_version: str = __version__, health: Health | None = None,
                 counters: Counters | None = None,
                 staff_credentials: StaffCredentials | None = None,
                 device_probe: DeviceProbe | None = None,
                 assistance: Assistance | None = None, face: FacePort | None = None) -> None:
        self.ports = Ports(catalog, outbox, printer, card, platform, executor)
        v = self.visit = Visit(settings, self.ports, clock=clock, wall_clock=wall_clock,
                               today=today, version=software_version,
                               health=health or Health(), counters=counters or Counters(),
                               assistance=assistance)
        v.screen(Screen.ATTRACT, lambda: AttractView(settings.receipt.hotline))
        v.screen(Screen.OUT_OF_SERVICE, self._out_of_service_view)
        self.receipts = Receipts(v)
        self.face = FaceStep(v, face, attempts=settings.face_attempts,
                             allow_decline=settings.face_decline)
        self.identify = Identify(v, self.face.enter)
        self.filing = Filing(v, self.receipts)
        self.progress = Progress(v, self.receipts)
        self.materials = Materials(v, self.progress.send_supplement)
        self.tickets = Tickets(v)
        self.staff = StaffDesk(v, staff_credentials, device_probe,
                               face_confirmed=self.face.staff_confirmed,
                               face_back=self.face.staff_sign_in_back)
        v.build_state = lambda: build_state(v)

    # ---- what the outside sees ----------------------------------------------------------

    @property
    def state(self) -> FlowState:
        return self.visit.state

    @property
    def settings(self) -> FlowSettings:
        return self.visit.settings

    @property
    def session(self) -> Session:
        return self.visit.session

    @property
    def health(self) -> Health:
        return self.visit.health

    @property
    def counters(self) -> Counters:
        return self.visit.counters

    def subscribe(self, listener: Callable[[FlowState], None]) -> Callable[[], None]:
        """Call `listener` with the current state now and with every new one; returns the
        function that unsubscribes it."""
        return self.visit.subscribe(listener)

    def capabilities(self) -> tuple[Capability, ...]:
        return self.visit.capabilities()

    def device_line(self, device: str) -> DeviceLine | None:
        """The last status reported for a device (card_reader, camera, printer, ...)."""
        return self.visit.health.line(device)

    def ready_to_file(self) -> bool:
        """Filing is open and the camera has really reported in (a device never heard
        from counts as usable, but a camera still opening at start-up is not)."""
        return self.visit.can("file") and self.visit.health.line("camera").status == "ok"

    def camera_wanted(self) -> str | None:
        return self.visit.camera_wanted()

    def camera_request(self) -> CameraRequest:
        return self.visit.camera_request()

    def face_image(self) -> bytes | None:
        """The chip's photo while the visit lasts (a copy; the provider must not cache)."""
        identity = self.session.identity
        return bytes(identity.face) if identity is not None and identity.face else None

    def page_image(self, material: str, index: int) -> bytes | None:
        pages = self.session.pages.get(material, [])
        return bytes(pages[index].jpeg) if 0 <= index < len(pages) else None

    def _out_of_service_view(self) -> OutOfServiceView:
        v = self.visit
        state = v.health.service_state()
        return OutOfServiceView(v.settings.receipt.hotline, state.why or "nothing_useful",
                                state.missing, self.staff.sign_in_possible())

    # ---- the clock, the visit's settings, leaving ---------------------------------------

    def tick(self, now: float | None = None) -> None:
        """Drive idle timeouts; the UI calls this about once a second."""
        self.visit.tick(now)

    def more_time(self) -> None:
        """The citizen answered the idle warning: 'I need more time'."""
        self.visit.intent("more_time", lambda: None)

    def call_staff(self) -> None:
        """呼叫工作人员 from the help: a staff member is asked to come (shown while open)."""
        self.visit.intent("call_staff", lambda: self.visit.call_staff("help"), while_busy=True)

    def cancel_staff_call(self) -> None:
        self.visit.intent("cancel_staff_call", self.visit.end_staff_call, while_busy=True)

    def touch(self) -> None:
        """Any touch on the screen: the person is still there."""
        self.visit.intent("touch", lambda: None, while_busy=True)

    def set_language(self, lang: str) -> None:
        vs = self.visit

        def handle() -> None:
            if lang in LANGUAGES:
                vs.vs.lang = lang
        vs.intent("set_language", handle, while_busy=True)

    def set_large_text(self, on: bool) -> None:
        self.visit.intent("set_large_text", lambda: setattr(self.visit.vs, "large_text", bool(on)),
                          while_busy=True)

    def set_high_contrast(self, on: bool) -> None:
        self.visit.intent("set_high_contrast",
                          lambda: setattr(self.visit.vs, "high_contrast", bool(on)),
                          while_busy=True)

    def set_speech(self, on: bool) -> None:
        self.visit.intent("set_speech", lambda: setattr(self.visit.vs, "speech", bool(on)),
                          while_busy=True)

    def cancel(self) -> None:
        """'Cancel': leave the visit from any screen. With an application in it the flow
        asks first (`state.confirm_leave`; answer with leave_confirmed / leave_declined);
        with nothing in it the visit ends and is wiped at once; after the receipt or a
        ticket it is simply finished. Programs that mean "end it now" call
        `cancel()` then `leave_confirmed()` (a no-op when nothing was asked)."""
        v = self.visit

        def handle() -> None:
            if v.busy == "filing":
                # The commit is short and cannot be taken back: dropping its result would
                # file an application whose receipt nobody saw. The receipt comes first.
                log.info("flow_cancel_deferred busy=filing")
                return
            leave(v, "cancel")
        v.intent("cancel", handle, while_busy=True)

    def leave_confirmed(self) -> None:
        """The answer "Leave and erase my details" to "Leave this application?"."""
        self.visit.intent("leave_confirmed", lambda: leave_confirmed(self.visit),
                          while_busy=True)

    def leave_declined(self) -> None:
        """The answer "Continue my application": the question goes, nothing is lost."""
        self.visit.intent("leave_declined", lambda: leave_declined(self.visit),
                          while_busy=True)

    def back(self) -> None:
        self.visit.intent("back", self.visit.back, while_busy=True)

    def finish(self) -> None:
        """'Done' on the receipt, ticket or progress screen: the visit ends."""
        self.visit.intent("finish", lambda: self.visit.end_visit("visit.thank_you"))

    # ---- the kiosk's status and the platform's commands ---------------------------------

    def device_status(self, device: str, status: str, code: str = "", detail: str = "") -> None:
        """A device's status changed (card_reader, camera, printer, platform, storage)."""
        v = self.visit

        def handle() -> None:
            v.health.report(device, status, code, detail)
            v.check_service()
            self.face.device_changed(device)
        v.intent("device_status", handle, while_busy=True, touch=False)

    def platform_status(self, reachable: bool, detail: str = "") -> None:
        self.device_status("platform", "ok" if reachable else "offline",
                           "reachable" if reachable else "unreachable", detail)

    def out_of_service(self, reason: str) -> None:
        """The platform's out_of_service command: takes effect between visits."""
        v = self.visit

        def handle() -> None:
            v.health.set_commanded_out(reason or "commanded")
            v.check_service()
        v.intent("out_of_service", handle, while_busy=True, touch=False)

    def in_service(self) -> None:
        v = self.visit

        def handle() -> None:
            v.health.set_commanded_out(None)
            v.check_service()
        v.intent("in_service", handle, while_busy=True, touch=False)

    def request_restart(self) -> None:
        """The platform's restart command: the process exits (code 75, the service manager
        starts it again) at the next idle moment, never in the middle of a visit."""
        v = self.visit

        def handle() -> None:
            v.restart_pending = True
            v.check_service()
        v.intent("request_restart", handle, while_busy=True, touch=False)

    # ---- card events ---------------------------------------------------------------------

    def card_inserted(self) -> None:
        """A card or document arrived on the reader (from the card monitor)."""
        v = self.visit

        def handle() -> None:
            if v.busy is None:
                self.staff.card_arrived()
                self.identify.card_arrived()
        v.intent("card_inserted", handle, while_busy=True)

    def card_removed(self) -> None:
        """The card left the reader; it matters only while it is being read."""
        v = self.visit

        def handle() -> None:
            if v.busy == "reading_chip":
                log.info("flow_card_removed during=reading_chip")
                v.end_visit("visit.card_removed")
            elif v.busy == "reading_card" and v.vs.screen == Screen.STAFF_SIGN_IN:
                log.info("flow_card_removed during=reading_staff_card")
                v.end_visit("visit.card_removed")
        v.intent("card_removed", handle, while_busy=True, touch=False)

    # ---- identify ----------------------------------------------------------------

    def start_filing(self) -> None:
        self.identify.start_filing()

    def use_idcard(self) -> None:
        self.identify.use_idcard()

    def use_passport(self) -> None:
        self.identify.use_passport()

    def idcard_event(self, kind: str, card: IdCardLike | None = None, code: str = "") -> None:
        """From the SAM reader's monitor (through the composition root): card_placed,
        identity_read (with the card), card_refused / read_failed (a code), card_removed."""
        self.identify.idcard_event(kind, card, code)

    def mrz_read(self, mrz: Mrz) -> None:
        self.identify.mrz_read(mrz)

    def use_typed_mrz(self) -> None:
        self.identify.use_typed_mrz()

    def mrz_typed(self, document_number: str, birth_date: str, expiry_date: str) -> None:
        self.identify.mrz_typed(document_number, birth_date, expiry_date)

    def retry_chip(self) -> None:
        self.identify.retry_chip()

    def confirm_identity(self) -> None:
        self.identify.confirm_identity()

    # ---- the face step -----------------------------------------------------------

    def retry_face(self) -> None:
        self.face.retry_face()

    def decline_face(self) -> None:
        self.face.decline_face()

    def skip_face(self) -> None:
        self.face.skip_face()

    def confirm_face_in_person(self) -> None:
        self.face.confirm_face_in_person()

    # ---- filing: service, form, review -------------------------------------------

    def choose_category(self, code: str | None) -> None:
        self.filing.choose_category(code)

    def search(self, text: str) -> None:
        self.filing.search(text)

    def choose_service(self, code: str) -> None:
        self.filing.choose_service(code)

    def start_form(self) -> None:
        self.filing.start_form()

    def take_ticket_instead(self) -> None:
        self.filing.take_ticket_instead()

    def set_field(self, name: str, value: str) -> None:
        self.filing.set_field(name, value)

    def next_page(self) -> None:
        self.filing.next_page()

    def previous_page(self) -> None:
        self.filing.previous_page()

    def edit_form(self, page: int = 0) -> None:
        self.filing.edit_form(page)

    def edit_field(self, name: str) -> None:
        self.filing.edit_field(name)

    def edit_materials(self) -> None:
        self.filing.edit_materials()

    def set_delivery(self, kind: str) -> None:
        self.filing.set_delivery(kind)

    def submit(self) -> None:
        self.filing.submit()

    # ---- materials and capture ---------------------------------------------------

    def open_material(self, code: str) -> None:
        self.materials.open_material(code)

    def skip_material(self, code: str | None = None) -> None:
        self.materials.skip_material(code)

    def materials_done(self) -> None:
        self.materials.materials_done()

    def page_captured(self, jpeg: bytes, *, kind: str = "", size: tuple[int, int] | None = None,
                      dpi: int | None = None) -> None:
        self.materials.page_captured(jpeg, kind=kind, size=size, dpi=dpi)

    def capture_hint(self, reason: str | None) -> None:
        self.materials.capture_hint(reason)

    def retake(self, index: int) -> None:
        self.materials.retake(index)

    def remove_page(self, index: int) -> None:
        self.materials.remove_page(index)

    def undo_remove(self) -> None:
        self.materials.undo_remove()

    def shutter(self) -> None:
        self.materials.shutter()

    def add_page(self) -> None:
        self.materials.add_page()

    def material_done(self) -> None:
        self.materials.material_done()

    # ---- the receipt -------------------------------------------------------------

    def reprint(self) -> None:
        self.receipts.reprint()

    # ---- progress and supplements ------------------------------------------------

    def open_progress(self) -> None:
        self.progress.open_progress()

    def code_scanned(self, text: str) -> None:
        self.progress.code_scanned(text)

    def progress_typed(self, tracking_no: str, query_code: str) -> None:
        self.progress.progress_typed(tracking_no, query_code)

    def start_supplement(self) -> None:
        self.progress.start_supplement()

    # ---- queue tickets -----------------------------------------------------------

    def open_ticket(self, category: str | None = None) -> None:
        self.tickets.open_ticket(category)

    def pick_ticket_category(self, code: str) -> None:
        self.tickets.pick_ticket_category(code)

    # ---- staff and maintenance ---------------------------------------------------

    def open_staff_sign_in(self) -> None:
        self.staff.open_staff_sign_in()

    def read_staff_card(self) -> None:
        self.staff.read_staff_card()

    def pin_entered(self, pin: str) -> None:
        self.staff.pin_entered(pin)

    def staff_assist(self) -> None:
        self.staff.staff_assist()

    def staff_maintain(self) -> None:
        self.staff.staff_maintain()

    def refresh_maintenance(self) -> None:
        self.staff.refresh_maintenance()

    def retry_dead(self) -> None:
        self.staff.retry_dead()

    def test_print(self) -> None:
        self.staff.test_print()

    def reload_catalog(self) -> None:
        self.staff.reload_catalog()

    def leave_application(self) -> None:
        self.staff.leave_application()
