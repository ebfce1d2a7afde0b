"""The citizen's visit as a plain-Python state machine: intents in, FlowState out.

    attract -> identify -> choose service -> (service) -> form -> materials -> review
            -> [commit to the outbox, then print] -> receipt -> attract
    attract -> progress lookup -> progress -> (needs_materials) materials -> receipt
    attract -> ticket;  attract -> staff sign-in -> staff menu -> identify | maintenance

The UI calls the intent methods and shows `state`; it holds no rules of its own. All
device and platform work goes to the injected executor as jobs whose results come back
through `_job_done` (on the flow's thread). Time comes from `tick(now)`; the flow has no
threads and no timers. Personal data lives only in `self.session` and is wiped whenever
a visit ends, however it ends. No intent ever raises: bad input becomes a message key on
the current screen and a log line without personal data.

The flow is not thread-safe: call it from one thread (the UI thread in the kiosk).

One class in several files, by journey: this one holds the plumbing (intents, jobs, the
clock, service state, device status), attract, identify and leaving; flow_filing.py,
flow_progress.py (progress, supplements, tickets), flow_staff.py (sign-in, maintenance)
and flow_views.py (the snapshot) hold the rest, as mixins of `Flow`; flow_base.py what
they share.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from devices.card.errors import (
    BacFailed,
    CardError,
    CardRemoved,
    CardTimeout,
    NoCard,
    ReaderUnavailable,
)
from devices.mrz import Mrz, MrzError, bac_seed
from offline_queue.client import Progress, TransportError

from . import __version__
from .catalog import Service
from .flow_base import (
    ATTRACT_MESSAGE_S,
    EXIT_MAINTAINER,
    EXIT_RESTART,
    LANGUAGES,
    FlowSettings,
    FlowSettingsError,
    JobDone,
    _error_name,
    _local_now,
    _Receipt,
    _Ticket,
    _yymmdd,
    parse_receipt_code,
)
from .flow_filing import FilingJourney
from .flow_ports import CardReaderPort, CatalogPort, Executor, OutboxPort, PlatformPort, PrinterPort
from .flow_progress import ProgressJourney
from .flow_staff import StaffJourney
from .flow_state import Capability, FlowState, Message, QueueLine, Screen, ServiceItem, message
from .flow_views import StateViews
from .health import Counters, DeviceLine, Health
from .session import AccessKey, Identity, Session, mrz_date

log = logging.getLogger(__name__)


__all__ = ["EXIT_MAINTAINER", "EXIT_RESTART", "Flow", "FlowSettings", "FlowSettingsError",
           "JobDone", "parse_receipt_code"]


class Flow(FilingJourney, ProgressJourney, StaffJourney, StateViews):
    """The visit: intents in, `state` out (see the module's docstring)."""

    def __init__(self, settings: FlowSettings, *, catalog: CatalogPort, outbox: OutboxPort,
                 printer: PrinterPort, card: CardReaderPort, platform: PlatformPort,
                 executor: Executor, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = _local_now,
                 today: Callable[[], date] = date.today,
                 software_version: str = __version__, health: Health | None = None,
                 counters: Counters | None = None) -> None:
        self.settings = settings
        self.catalog = catalog
        self.outbox = outbox
        self.printer = printer
        self.card = card
        self.platform = platform
        self.executor = executor
        self._clock = clock
        self._wall_clock = wall_clock
        self._today = today
        self._version = software_version
        self.session = Session()
        self._listeners: list[Callable[[FlowState], None]] = []
        self.health = health or Health()
        self.counters = counters or Counters()
        self._restart_pending = False  # the platform's restart: at the next idle moment
        self._exit_code = 0
        self._visit = 0
        self._token = 0
        self._job: tuple[str, int] | None = None  # the one job whose result we await
        self._busy: str | None = None
        self._last_activity = clock()
        self._warning_left: int | None = None
        self._attract_message: Message | None = None  # when it appeared, for expiry
        self._attract_message_at = 0.0
        self._exit_requested = False
        self._reset_visit_fields()
        self._state = self._build()

    # ---- listeners and state ----------------------------------------------------------

    @property
    def state(self) -> FlowState:
        return self._state

    def subscribe(self, listener: Callable[[FlowState], None]) -> Callable[[], None]:
        """Call `listener` with the current state now and with every new one; returns the
        function that unsubscribes it."""
        self._listeners.append(listener)
        listener(self._state)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _publish(self) -> None:
        self._check_service()
        try:
            new = self._build()
        except Exception as exc:
            # A state that cannot be shown: start over rather than leave the UI stuck.
            log.error("flow_state_failed screen=%s error=%s", self._screen.value,
                      _error_name(exc))
            self._end_visit("error.unexpected")
            new = self._build()
        if new == self._state:
            return
        self._state = new
        for listener in list(self._listeners):
            try:
                listener(new)
            except Exception as exc:  # a UI bug must not stop the visit's logic
                log.error("flow_listener_failed error=%s", _error_name(exc))

    def _reset_visit_fields(self) -> None:
        self._screen = Screen.ATTRACT
        self._lang = self.settings.default_lang
        self._large_text = False
        self._high_contrast = False
        self._speech = False
        self._message: Message | None = None
        self._mode = "file"  # file | supplement
        self._identify_mode = "camera"
        self._waiting_for_card = False
        self._service: Service | None = None
        self._category: str | None = None
        self._query = ""
        self._listing: tuple[tuple[int, str, str | None], tuple[ServiceItem, ...]] | None = None
        self._form_page = 0
        self._field_messages: dict[str, Message] = {}
        self._prefilled: set[str] = set()
        self._return_to_review = False
        self._material: str | None = None
        self._awaiting_page = False
        self._replace_index: int | None = None
        self._checking: int | None = None
        self._capture_hint: str | None = None
        self._receipt: _Receipt | None = None
        self._progress: Progress | None = None
        self._progress_service: Service | None = None
        self._ticket: _Ticket | None = None
        self._ticket_category: str | None = None
        self._pin_attempts = 0
        self._queue: QueueLine | None = None
        self._visit_active = False

    # ---- the clock --------------------------------------------------------------------

    def tick(self, now: float | None = None) -> None:
        """Drive idle timeouts; the UI calls this about once a second."""
        try:
            now = self._clock() if now is None else now
            limit = self.settings.idle_limit(self._screen)
            if self._busy is not None or limit is None:
                # Waiting for us is not idling: the device calls are bounded themselves.
                self._last_activity = now
                self._warning_left = None
            else:
                idle = now - self._last_activity
                if idle >= limit:
                    log.info("flow_timeout screen=%s idle_s=%.0f", self._screen.value, idle)
                    # After the receipt the visit is simply over; elsewhere it was abandoned.
                    self._end_visit("visit.thank_you" if self._screen == Screen.RECEIPT
                                    else "visit.timed_out")
                elif idle >= limit - self.settings.warning_s:
                    self._warning_left = max(1, int(limit - idle + 0.999))
                else:
                    self._warning_left = None
            self._expire_attract_message(now)
        except Exception as exc:
            self._internal_error("tick", exc)
        self._publish()

    def _expire_attract_message(self, now: float) -> None:
        """'Thank you, your details were erased' is for the last citizen, not the next."""
        if self._screen != Screen.ATTRACT or self._message is None:
            return
        if self._message is not self._attract_message:
            self._attract_message, self._attract_message_at = self._message, now
        elif now - self._attract_message_at >= ATTRACT_MESSAGE_S:
            self._message = None

    def more_time(self) -> None:
        """The citizen answered the idle warning: 'I need more time'."""
        self._intent("more_time", lambda: None)

    def _touch(self) -> None:
        self._last_activity = self._clock()
        self._warning_left = None

    # ---- plumbing of intents and jobs ----------------------------------------------

    def _intent(self, name: str, handler: Callable[[], None], *, allowed: tuple[Screen, ...] = (),
                while_busy: bool = False, touch: bool = True) -> None:
        try:
            if allowed and self._screen not in allowed:
                log.debug("flow_intent_ignored intent=%s screen=%s", name, self._screen.value)
                return
            if self._busy is not None and not while_busy:
                log.debug("flow_intent_ignored intent=%s busy=%s", name, self._busy)
                return
            if touch:
                self._touch()
            handler()
        except Exception as exc:
            self._internal_error(name, exc)
        self._publish()

    def _internal_error(self, where: str, exc: BaseException) -> None:
        # Never leave the UI with an exception: say so and keep the visit where it is.
        log.error("flow_internal_error where=%s error=%s", where, _error_name(exc))
        self.counters.add("internal_errors")
        self._busy = None
        self._job = None
        self._message = message("error.unexpected", "error")

    def _start(self, name: str, work: Callable[[], Any], busy: str) -> None:
        """Hand `work` to the executor; its result comes back through _job_done."""
        self._token += 1
        token = self._token
        self._job = (name, token)
        self._busy = busy

        def job() -> JobDone:
            try:
                return JobDone(name, token, work())
            except Exception as exc:
                return JobDone(name, token, None, exc)

        log.debug("flow_job_started job=%s", name)
        self.executor.submit(job, self._job_done)

    def _job_done(self, done: JobDone) -> None:
        try:
            if self._job != (done.name, done.token):
                # The visit (or the screen) moved on: drop the result, personal or not.
                log.info("flow_job_result_dropped job=%s", done.name)
                return
            self._job = None
            self._busy = None
            self._touch()
            handler = getattr(self, f"_done_{done.name}")
            if done.error is not None:
                log.info("flow_job_failed job=%s error=%s", done.name, _error_name(done.error))
            # e.g. commit_ok, chip_failed, print_receipt_ok: the heartbeat's counters
            self.counters.add(f"{done.name}_{'ok' if done.error is None else 'failed'}")
            handler(done.value, done.error)
        except Exception as exc:
            self._internal_error(f"job:{done.name}", exc)
        self._publish()

    def _cancel_job(self) -> None:
        if self._job is not None:
            log.info("flow_job_abandoned job=%s", self._job[0])
        self._job = None
        self._busy = None

    def _go(self, screen: Screen, msg: Message | None = None) -> None:
        if screen != self._screen:
            log.info("flow_screen from=%s to=%s", self._screen.value, screen.value)
        self._screen = screen
        self._message = msg

    def _end_visit(self, reason: str | None) -> None:
        """However a visit ends: forget everything and show the attract screen."""
        if self._visit_active:
            self.counters.add(
                "visits_completed" if reason in (None, "visit.thank_you") else
                "visits_abandoned" if reason in ("visit.timed_out", "visit.cancelled",
                                                 "visit.card_removed") else
                "visits_ended_other")
        self._cancel_job()
        self.session.wipe()
        self._visit += 1
        self._reset_visit_fields()
        self._warning_left = None
        self._message = message(reason) if reason else None
        self._last_activity = self._clock()
        log.info("flow_visit_ended reason=%s visit=%d", reason or "done", self._visit)

    def _begin_visit(self) -> None:
        if not self._visit_active:
            self.counters.add("visits_started")
        self._visit_active = True

    # ---- in service or not, and leaving ------------------------------------------------

    def _idle_moment(self) -> bool:
        return (not self._visit_active and self._busy is None
                and self._screen in (Screen.ATTRACT, Screen.OUT_OF_SERVICE))

    def _check_service(self) -> None:
        """Between visits: out of service when nothing a citizen came for works (or the
        platform said so), back to attract when something does; a pending restart now."""
        if not self._idle_moment():
            return
        if self._restart_pending and not self._exit_requested:
            log.info("flow_restart_now")
            self._exit_requested, self._exit_code = True, EXIT_RESTART
            return
        state = self.health.service_state()
        if self._screen == Screen.ATTRACT and not state.in_service:
            log.warning("flow_out_of_service why=%s missing=%s", state.why,
                        ",".join(state.missing) or "-")
            self.counters.add("out_of_service")
            self._go(Screen.OUT_OF_SERVICE)
        elif self._screen == Screen.OUT_OF_SERVICE and state.in_service:
            log.info("flow_back_in_service")
            self._go(Screen.ATTRACT)

    def out_of_service(self, reason: str) -> None:
        """The platform's out_of_service command: takes effect between visits."""
        def handle() -> None:
            self.health.set_commanded_out(reason or "commanded")
            self._check_service()
        self._intent("out_of_service", handle, while_busy=True, touch=False)

    def in_service(self) -> None:
        def handle() -> None:
            self.health.set_commanded_out(None)
            self._check_service()
        self._intent("in_service", handle, while_busy=True, touch=False)

    def request_restart(self) -> None:
        """The platform's restart command: the process exits (code 75, the service manager
        starts it again) at the next idle moment, never in the middle of a visit."""
        def handle() -> None:
            self._restart_pending = True
            self._check_service()
        self._intent("request_restart", handle, while_busy=True, touch=False)

    # ---- status from outside ----------------------------------------------------------

    def device_status(self, device: str, status: str, code: str = "", detail: str = "") -> None:
        """A device's status changed (card_reader, camera, printer, platform, storage)."""
        def handle() -> None:
            self.health.report(device, status, code, detail)
            self._check_service()
        self._intent("device_status", handle, while_busy=True, touch=False)

    def platform_status(self, reachable: bool, detail: str = "") -> None:
        self.device_status("platform", "ok" if reachable else "offline",
                           "reachable" if reachable else "unreachable", detail)

    def _platform_up(self) -> bool:
        return self.health.line("platform").status in ("ok", "degraded")

    def _mark_platform_down(self, exc: BaseException) -> None:
        if isinstance(exc, TransportError):
            self.health.report("platform", "offline", "unreachable", _error_name(exc))

    def capabilities(self) -> tuple[Capability, ...]:
        return self.health.capabilities()

    def device_line(self, device: str) -> DeviceLine | None:
        """The last status reported for a device (card_reader, camera, printer, ...)."""
        return self.health.line(device)

    def ready_to_file(self) -> bool:
        """Filing is open and the camera has really reported in (a device never heard
        from counts as usable, but a camera still opening at start-up is not)."""
        return self._can("file") and self.health.line("camera").status == "ok"

    def _can(self, capability: str) -> bool:
        return next(c.available for c in self.capabilities() if c.name == capability)

    # ---- settings of the visit -----------------------------------------------------

    def set_language(self, lang: str) -> None:
        def handle() -> None:
            if lang in LANGUAGES:
                self._lang = lang
        self._intent("set_language", handle, while_busy=True)

    def set_large_text(self, on: bool) -> None:
        self._intent("set_large_text", lambda: setattr(self, "_large_text", bool(on)),
                     while_busy=True)

    def set_high_contrast(self, on: bool) -> None:
        self._intent("set_high_contrast", lambda: setattr(self, "_high_contrast", bool(on)),
                     while_busy=True)

    def set_speech(self, on: bool) -> None:
        self._intent("set_speech", lambda: setattr(self, "_speech", bool(on)), while_busy=True)

    def touch(self) -> None:
        """Any touch on the screen: the person is still there."""
        self._intent("touch", lambda: None, while_busy=True)

    # ---- leaving ------------------------------------------------------------------------

    def cancel(self) -> None:
        """'Cancel' / 'Start over': the visit ends and is wiped, from any screen."""
        def handle() -> None:
            if self._busy == "filing":
                # The commit is short and cannot be taken back: dropping its result would
                # file an application whose receipt nobody saw. The receipt comes first.
                log.info("flow_cancel_deferred busy=filing")
                return
            self._end_visit("visit.cancelled")
        self._intent("cancel", handle, while_busy=True)

    def back(self) -> None:
        self._intent("back", self._back, while_busy=True)

    def _back(self) -> None:
        s = self._screen
        if self._busy is not None:
            if s == Screen.REVIEW and self._busy == "filing":
                return  # a commit cannot be taken back halfway; it is short
            self._cancel_job()
            if s in (Screen.IDENTIFY, Screen.STAFF_SIGN_IN):
                self._waiting_for_card = False
            return
        if s in (Screen.ATTRACT,):
            return
        if s in (Screen.IDENTIFY, Screen.STAFF_SIGN_IN, Screen.STAFF_MENU, Screen.RECEIPT,
                 Screen.PROGRESS_LOOKUP, Screen.TICKET, Screen.MAINTENANCE):
            if s == Screen.IDENTIFY and self._identify_mode == "typed" \
                    and self.session.identity is None:
                self._identify_mode = "camera"
                self._message = None
                return
            if s == Screen.IDENTIFY and self.session.staff is not None:
                self.session.clear_citizen()
                self._go(Screen.STAFF_MENU)
                return
            self._end_visit(None)
        elif s == Screen.CHOOSE_SERVICE:
            if self._category is not None or self._query:
                self._category, self._query = None, ""
                self._message = None
            else:
                self._go(Screen.IDENTIFY)
        elif s == Screen.SERVICE:
            self._go(Screen.CHOOSE_SERVICE)
        elif s == Screen.FORM:
            self.previous_page_now()
        elif s == Screen.MATERIALS:
            if self._mode == "supplement":
                self._go(Screen.PROGRESS)
            elif self._return_to_review:
                self._to_review()
            else:
                self._to_form_end()
        elif s == Screen.CAPTURE:
            self._leave_capture()
        elif s == Screen.REVIEW:
            if self._service is not None and self._service.materials:
                self._go(Screen.MATERIALS)
            else:
                self._to_form_end()
        elif s == Screen.PROGRESS:
            self._progress = None
            self._go(Screen.PROGRESS_LOOKUP)

    def finish(self) -> None:
        """'Done' on the receipt, ticket or progress screen: the visit ends."""
        self._intent("finish", lambda: self._end_visit("visit.thank_you"))

    # ---- attract --------------------------------------------------------------------------

    def start_filing(self) -> None:
        def handle() -> None:
            if not self._can("file"):
                self._message = message("avail.file.instead", "warning")
                return
            self._begin_visit()
            self._mode = "file"
            self._identify_mode = "camera"
            self._go(Screen.IDENTIFY)
        self._intent("start_filing", handle, allowed=(Screen.ATTRACT,))

    def open_progress(self) -> None:
        def handle() -> None:
            if not self._can("progress"):
                self._message = message("avail.progress.instead", "warning")
                return
            self._begin_visit()
            self._go(Screen.PROGRESS_LOOKUP)
        self._intent("open_progress", handle, allowed=(Screen.ATTRACT,))

    def open_ticket(self, category: str | None = None) -> None:
        def handle() -> None:
            if not self._can("ticket"):
                self._message = message("avail.ticket.instead", "warning")
                return
            self._begin_visit()
            self._ticket = None
            self._ticket_category = category
            self._go(Screen.TICKET)
        self._intent("open_ticket", handle, allowed=(Screen.ATTRACT,))

    def open_staff_sign_in(self) -> None:
        def handle() -> None:
            if not self._can("staff"):
                self._message = message("avail.staff.instead", "warning")
                return
            self._begin_visit()
            self._pin_attempts = 0
            self._go(Screen.STAFF_SIGN_IN)
        self._intent("open_staff_sign_in", handle,
                     allowed=(Screen.ATTRACT, Screen.OUT_OF_SERVICE))

    # ---- card events --------------------------------------------------------------------

    def card_inserted(self) -> None:
        """A card or document arrived on the reader (from the card monitor)."""
        def handle() -> None:
            if self._busy is not None:
                return
            if self._screen == Screen.STAFF_SIGN_IN and self.session.staff_uid is None:
                self._start("staff_uid", self.card.read_uid, "reading_card")
            elif (self._screen == Screen.IDENTIFY and self._waiting_for_card
                  and self.session.access_key is not None and self.session.identity is None):
                self._read_chip()
        self._intent("card_inserted", handle, while_busy=True)

    def card_removed(self) -> None:
        """The card left the reader; it matters only while it is being read."""
        def handle() -> None:
            if self._busy == "reading_chip":
                log.info("flow_card_removed during=reading_chip")
                self._end_visit("visit.card_removed")
            elif self._busy == "reading_card" and self._screen == Screen.STAFF_SIGN_IN:
                log.info("flow_card_removed during=reading_staff_card")
                self._end_visit("visit.card_removed")
        self._intent("card_removed", handle, while_busy=True, touch=False)

    # ---- identify ---------------------------------------------------------------------------

    def mrz_read(self, mrz: Mrz) -> None:
        """The camera read the document's MRZ: unlock the chip without typing."""
        def handle() -> None:
            if self.session.identity is not None or self._busy is not None:
                return
            self.session.access_key = AccessKey(mrz.document_number, mrz.birth_date,
                                                mrz.expiry_date)
            self._read_chip()
        self._intent("mrz_read", handle, allowed=(Screen.IDENTIFY,), while_busy=True)

    def use_typed_mrz(self) -> None:
        def handle() -> None:
            self._identify_mode = "typed"
            self._message = None
        self._intent("use_typed_mrz", handle, allowed=(Screen.IDENTIFY,))

    def mrz_typed(self, document_number: str, birth_date: str, expiry_date: str) -> None:
        """The fallback: the three MRZ fields typed (dates as YYMMDD or YYYY-MM-DD)."""
        def handle() -> None:
            if self.session.identity is not None:
                return
            number = document_number.strip().upper().replace(" ", "")
            birth, expiry = _yymmdd(birth_date), _yymmdd(expiry_date)
            try:
                bac_seed(number, birth or "", expiry or "")
                # bac_seed checks the form; a typed date must also be a real one.
                if mrz_date(birth or "", birth=True, today=self._today()) is None:
                    raise MrzError("birth_date", "not a real date")
                if mrz_date(expiry or "", birth=False, today=self._today()) is None:
                    raise MrzError("expiry_date", "not a real date")
            except MrzError as exc:
                log.info("flow_mrz_typed_rejected field=%s", exc.field)
                self._message = message(f"identify.bad_{exc.field}", "error")
                return
            self.session.access_key = AccessKey(number, birth or "", expiry or "")
            self._read_chip()
        self._intent("mrz_typed", handle, allowed=(Screen.IDENTIFY,))

    def retry_chip(self) -> None:
        def handle() -> None:
            if self.session.access_key is not None and self.session.identity is None:
                self._read_chip()
        self._intent("retry_chip", handle, allowed=(Screen.IDENTIFY,))

    def _read_chip(self) -> None:
        key = self.session.access_key
        if key is None:
            return
        if not self._can("identify"):
            self._message = message("avail.identify.instead", "error")
            return
        self._waiting_for_card = False
        self._message = None
        number, birth, expiry = key.document_number, key.birth_date, key.expiry_date
        self._start("chip", lambda: self.card.read_identity(number, birth, expiry),
                    "reading_chip")

    def _done_chip(self, value: Any, error: BaseException | None) -> None:
        if error is None:
            try:
                identity = Identity.from_document(value, today=self._today())
            except (AttributeError, TypeError, ValueError) as exc:
                log.warning("flow_identity_malformed error=%s", _error_name(exc))
                self._message = message("identify.card_unreadable", "error")
                return
            self.session.set_identity(identity)
            log.info("flow_identity_read passive_auth=%s face=%s", identity.passive_auth,
                     "yes" if identity.face else "no")
            if identity.passive_auth == "failed":
                self._message = message("identify.chip_failed", "error")
            else:
                self._message = message("identify.read_ok" if identity.chip_verified
                                        else "identify.read_unverified")
            return
        if isinstance(error, CardRemoved):
            self._end_visit("visit.card_removed")
        elif isinstance(error, NoCard):
            self._waiting_for_card = True
            self._message = message("identify.place_on_reader", "warning")
        elif isinstance(error, BacFailed):
            self.session.access_key = None
            self._identify_mode = "typed"
            self._message = message("identify.bac_failed", "error")
        elif isinstance(error, ReaderUnavailable):
            self.health.report("card_reader", "offline", error.code,
                               "reader unavailable")
            self._message = message("identify.reader_unavailable", "error")
        elif isinstance(error, CardTimeout):
            self._waiting_for_card = True
            self._message = message("identify.read_timeout", "warning")
        elif isinstance(error, CardError):
            self._message = message("identify.card_unreadable", "error")
        else:
            self._message = message("error.unexpected", "error")

    def confirm_identity(self) -> None:
        def handle() -> None:
            identity = self.session.identity
            if identity is None or identity.passive_auth == "failed":
                return
            self._category, self._query = None, ""
            self._go(Screen.CHOOSE_SERVICE)
        self._intent("confirm_identity", handle, allowed=(Screen.IDENTIFY,))

    # ---- what the camera is wanted for ------------------------------------------------

    def camera_wanted(self) -> str | None:
        """What the screen showing wants of the camera: "mrz" (identify, document on the
        camera, no chip read yet), "page" (capture, a page awaited), "code" (progress
        lookup: a receipt's QR code) or None. Nothing while a job runs."""
        if self._busy is not None:
            return None
        if (self._screen == Screen.IDENTIFY and self._identify_mode == "camera"
                and self.session.identity is None):
            return "mrz"
        if self._screen == Screen.CAPTURE and self._awaiting_page:
            return "page"
        if self._screen == Screen.PROGRESS_LOOKUP:
            return "code"
        return None

    # ---- images for the UI's image provider --------------------------------------------

    def face_image(self) -> bytes | None:
        """The chip's photo while the visit lasts (a copy; the provider must not cache)."""
        identity = self.session.identity
        return bytes(identity.face) if identity is not None and identity.face else None

    def page_image(self, material: str, index: int) -> bytes | None:
        pages = self.session.pages.get(material, [])
        return bytes(pages[index].jpeg) if 0 <= index < len(pages) else None
