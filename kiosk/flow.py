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
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote

from devices.card.errors import (
    BacFailed,
    CardError,
    CardRemoved,
    CardTimeout,
    NoCard,
    ReaderUnavailable,
)
from devices.mrz import Mrz, MrzError, bac_seed
from devices.printer import Document, PrinterError
from offline_queue.client import (
    BadCredentials,
    Conflict,
    NotFound,
    PlatformError,
    Progress,
    Rejected,
    TransportError,
)
from offline_queue.outbox import (
    FiledSubmission,
    InvalidSubmission,
    NewAttachment,
    NewSubmission,
    OutboxError,
    OutboxFull,
)
from offline_queue.tracking import QUERY_CODE_RE, TRACKING_RE

from . import __version__
from .catalog import Catalog, Material, Service, categories_with_services
from .config import ReceiptSettings
from .flow_ports import CardReaderPort, CatalogPort, Executor, OutboxPort, PlatformPort, PrinterPort
from .flow_state import (
    AttractView,
    Capability,
    CaptureView,
    CategoryItem,
    ChooseServiceView,
    FieldView,
    FlowState,
    FormView,
    IdentifyView,
    IdentitySummary,
    MaintenanceView,
    MaterialItem,
    MaterialsView,
    Message,
    OptionItem,
    OutOfServiceView,
    ProgressLookupView,
    ProgressView,
    QueueLine,
    ReceiptView,
    ReviewRow,
    ReviewView,
    Screen,
    ServiceItem,
    ServiceView,
    StaffMenuView,
    StaffSignInView,
    TicketInfo,
    TicketView,
    TimelineItem,
    View,
    message,
)
from .forms import check, check_all, contact_of, form_body, paginate, prefill
from .health import Counters, DeviceLine, Health
from .receipt import DeviceLine as SlipLine
from .receipt import (
    Place,
    QueueTicket,
    ServiceInfo,
    StatusSlip,
    filing_receipt,
    queue_ticket,
    status_slip,
    supplement_receipt,
    tracking_url,
)
from .session import AccessKey, Identity, Page, Session, Staff, mrz_date
from .text import Text

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
MIN_WARNING_S = 20.0
EXIT_RESTART = 75  # EX_TEMPFAIL: start me again (the platform's restart command)
EXIT_MAINTAINER = 77  # a maintainer left on purpose: the service manager leaves it stopped
ATTRACT_MESSAGE_S = 15.0  # how long the attract screen shows why the last visit ended
PIN_RE = re.compile(r"^[0-9]{6}$")
MAX_CODE_PAYLOAD = 512
JPEG_MAGIC = b"\xff\xd8\xff"
_TYPED_LIMITS = {"phone": 20, "id_number": 24, "date": 12, "number": 20, "select": 64}

DEFAULT_IDLE_S: dict[Screen, float | None] = {
    Screen.ATTRACT: None,  # nobody is there: nothing to abandon
    Screen.IDENTIFY: 90.0,
    Screen.STAFF_SIGN_IN: 60.0,
    Screen.STAFF_MENU: 60.0,
    Screen.CHOOSE_SERVICE: 120.0,
    Screen.SERVICE: 120.0,
    Screen.FORM: 120.0,
    Screen.MATERIALS: 120.0,
    Screen.CAPTURE: 120.0,
    Screen.REVIEW: 120.0,
    Screen.RECEIPT: 60.0,
    Screen.PROGRESS_LOOKUP: 60.0,
    Screen.PROGRESS: 90.0,
    Screen.TICKET: 60.0,
    Screen.MAINTENANCE: 120.0,
    Screen.OUT_OF_SERVICE: None,  # nobody is there either
}


class FlowSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class FlowSettings:
    place: Place
    receipt: ReceiptSettings
    default_lang: str = "zh"
    idle_s: Mapping[Screen, float | None] = field(default_factory=lambda: dict(DEFAULT_IDLE_S))
    warning_s: float = 30.0  # the "I need more time" prompt shows this long before the end
    fields_per_page: int = 4
    staff_pin_attempts: int = 3
    search_limit: int = 50

    def __post_init__(self) -> None:
        if self.default_lang not in LANGUAGES:
            raise FlowSettingsError(f"default_lang must be one of {LANGUAGES}")
        if self.warning_s < MIN_WARNING_S:
            raise FlowSettingsError(f"warning_s must be at least {MIN_WARNING_S:.0f} s: "
                                    "people need time to read and answer")
        for screen, limit in self.idle_s.items():
            if limit is not None and limit < self.warning_s + 10:
                raise FlowSettingsError(f"idle time of {screen.value} must be at least "
                                        f"warning_s + 10 s")

    def idle_limit(self, screen: Screen) -> float | None:
        if screen in self.idle_s:
            return self.idle_s[screen]
        return DEFAULT_IDLE_S.get(screen)


@dataclass(frozen=True)
class JobDone:
    """A job's outcome, delivered back to the flow as an intent."""

    name: str
    token: int
    value: Any = None
    error: BaseException | None = None


@dataclass
class _Receipt:
    kind: str
    service: Text
    tracking_no: str
    query_code: str
    document: Document
    offline: bool
    printed: bool | None = None


@dataclass
class _Ticket:
    number: str
    area: Text
    people_ahead: int
    wait_min: int
    document: Document
    printed: bool | None = None


def _local_now() -> datetime:
    return datetime.now().astimezone()


def _error_name(exc: BaseException) -> str:
    code = getattr(exc, "code", "")
    return f"{type(exc).__name__}({code})" if code else type(exc).__name__


class Flow:
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

    # ---- staff -------------------------------------------------------------------------------

    def read_staff_card(self) -> None:
        """'My card is on the reader' (when it was there before the screen opened)."""
        def handle() -> None:
            if self.session.staff_uid is None:
                self._start("staff_uid", self.card.read_uid, "reading_card")
        self._intent("read_staff_card", handle, allowed=(Screen.STAFF_SIGN_IN,))

    def pin_entered(self, pin: str) -> None:
        def handle() -> None:
            uid = self.session.staff_uid
            if uid is None:
                self._message = message("staff.present_card", "warning")
                return
            if not PIN_RE.match(pin):
                self._message = message("staff.pin_format", "error")
                return
            self._start("staff_login", lambda: self.platform.staff_login(uid, pin), "signing_in")
        self._intent("pin_entered", handle, allowed=(Screen.STAFF_SIGN_IN,))

    def _done_staff_uid(self, value: Any, error: BaseException | None) -> None:
        if error is not None or not isinstance(value, str) or not value:
            self._message = message("staff.card_unreadable", "error")
            return
        self.session.staff_uid = value.upper()
        self._message = message("staff.enter_pin")

    def _done_staff_login(self, value: Any, error: BaseException | None) -> None:
        if isinstance(error, BadCredentials):
            self._pin_attempts += 1
            if self._pin_attempts >= self.settings.staff_pin_attempts:
                log.warning("flow_staff_sign_in_refused attempts=%d", self._pin_attempts)
                self._end_visit("staff.too_many_attempts")
                return
            self._message = message("staff.bad_credentials", "error",
                                    left=self.settings.staff_pin_attempts - self._pin_attempts)
            return
        if error is not None:
            self._mark_platform_down(error)
            self._message = message("platform.unreachable" if isinstance(error, TransportError)
                                    else "staff.sign_in_failed", "error")
            return
        roles = tuple(r for r in value.roles if r in ("assist", "maintain"))
        if not roles:
            self._end_visit("staff.no_role")
            return
        self.session.staff = Staff(value.staff_id, value.name, roles)
        self.session.staff_uid = None
        log.info("flow_staff_signed_in roles=%s", ",".join(roles))
        self._go(Screen.STAFF_MENU)

    def staff_assist(self) -> None:
        """A staff member files for the citizen beside them (recorded as assisted_by)."""
        def handle() -> None:
            staff = self.session.staff
            if staff is None or "assist" not in staff.roles:
                return
            self.session.clear_citizen()
            self._mode = "file"
            self._identify_mode = "camera"
            self._go(Screen.IDENTIFY)
        self._intent("staff_assist", handle, allowed=(Screen.STAFF_MENU,))

    def staff_maintain(self) -> None:
        def handle() -> None:
            staff = self.session.staff
            if staff is None or "maintain" not in staff.roles:
                return
            self._go(Screen.MAINTENANCE)
            self._start("queue_status", self.outbox.status, "loading")
        self._intent("staff_maintain", handle, allowed=(Screen.STAFF_MENU,))

    # ---- choose a service -------------------------------------------------------------

    def _catalog(self) -> Catalog | None:
        return self.catalog.catalog

    def choose_category(self, code: str | None) -> None:
        def handle() -> None:
            self._category = code
            self._query = ""
            self._message = None
        self._intent("choose_category", handle, allowed=(Screen.CHOOSE_SERVICE,))

    def search(self, text: str) -> None:
        def handle() -> None:
            self._query = text[:40]
            self._category = None
            self._message = None
        self._intent("search", handle, allowed=(Screen.CHOOSE_SERVICE,))

    def choose_service(self, code: str) -> None:
        def handle() -> None:
            catalog = self._catalog()
            service = catalog.service(code) if catalog else None
            if service is None:
                self._message = message("service.unknown", "error")
                return
            if self._service is not None and self._service.code != code:
                self._forget_service_data()
            self._service = service
            self._go(Screen.SERVICE)
        self._intent("choose_service", handle, allowed=(Screen.CHOOSE_SERVICE,))

    def _forget_service_data(self) -> None:
        self.session.form.clear()
        for code in list(self.session.pages):
            self.session.clear_material(code)
        self.session.skipped.clear()
        self.session.delivery = None
        self._field_messages.clear()
        self._prefilled.clear()
        self._return_to_review = False

    def start_form(self) -> None:
        def handle() -> None:
            service = self._service
            if service is None:
                return
            if not service.kiosk_filing:
                self._message = message("service.not_at_kiosk", "warning",
                                        department=service.department.get(self._lang))
                return
            identity = self.session.identity
            if identity is not None:
                for name, value in prefill(service.form, identity, today=self._today()).items():
                    if not self.session.form.get(name):
                        self.session.form[name] = value
                        self._prefilled.add(name)
            self.session.delivery = self.session.delivery or service.delivery[0]
            self._form_page = 0
            if service.form:
                self._go(Screen.FORM)
            else:
                self._to_materials()
        self._intent("start_form", handle, allowed=(Screen.SERVICE,))

    def take_ticket_instead(self) -> None:
        """A service the kiosk cannot file: a ticket for the staffed windows of its kind."""
        def handle() -> None:
            service = self._service
            if service is None or not self._can("ticket"):
                self._message = message("avail.ticket.instead", "warning")
                return
            self.session.clear_citizen()
            self._ticket = None
            self._ticket_category = service.category
            self._go(Screen.TICKET)
        self._intent("take_ticket_instead", handle, allowed=(Screen.SERVICE,))

    # ---- form -------------------------------------------------------------------------------

    def _pages(self) -> list[tuple[Any, ...]]:
        return paginate(self._service.form, self.settings.fields_per_page) \
            if self._service else []

    def set_field(self, name: str, value: str) -> None:
        """A keystroke's worth of change: stored, and checked as-you-type."""
        def handle() -> None:
            service = self._service
            f = next((f for f in service.form if f.field == name), None) if service else None
            if f is None:
                return
            # A little over the limit, so the check can say "too long"; no more.
            limit = _TYPED_LIMITS.get(f.type) or (f.max_length or 200) + 20
            self.session.form[name] = value[:limit]
            self._prefilled.discard(name)
            result = check(f, value, partial=True, today=self._today())
            if result.ok or result.key is None:
                self._field_messages.pop(name, None)
            else:
                self._field_messages[name] = Message(
                    result.key, result.params, "info" if result.incomplete else "error")
            self._message = None
        self._intent("set_field", handle, allowed=(Screen.FORM,))

    def next_page(self) -> None:
        def handle() -> None:
            pages = self._pages()
            if not pages:
                return
            page = pages[self._form_page]
            failures = check_all(page, self.session.form, today=self._today())
            for f in page:
                if f.field in failures:
                    r = failures[f.field]
                    self._field_messages[f.field] = Message(r.key or "form.invalid", r.params,
                                                            "error")
                else:
                    self._field_messages.pop(f.field, None)
            if failures:
                self._message = message("form.fix_errors", "error")
                return
            self._message = None
            if self._return_to_review:
                self._to_review()
            elif self._form_page + 1 < len(pages):
                self._form_page += 1
            else:
                self._to_materials()
        self._intent("next_page", handle, allowed=(Screen.FORM,))

    def previous_page(self) -> None:
        self._intent("previous_page", self.previous_page_now, allowed=(Screen.FORM,))

    def previous_page_now(self) -> None:
        self._message = None
        if self._return_to_review:
            self._to_review()
        elif self._form_page > 0:
            self._form_page -= 1
        else:
            self._go(Screen.SERVICE)

    def _to_form_end(self) -> None:
        pages = self._pages()
        if pages:
            self._form_page = len(pages) - 1
            self._go(Screen.FORM)
        else:
            self._go(Screen.SERVICE)

    # ---- materials ---------------------------------------------------------------------

    def _materials(self) -> tuple[Material, ...]:
        if self._mode == "supplement":
            return self._missing_materials()
        return self._service.materials if self._service else ()

    def _missing_materials(self) -> tuple[Material, ...]:
        progress = self._progress
        if progress is None:
            return ()
        service = self._progress_service
        out: list[Material] = []
        for code in progress.missing_materials:
            known = service.material(code) if service else None
            out.append(Material(code, known.name if known else Text(code, code), True,
                                known.kind if known else "document",
                                known.max_pages if known else 5))
        return tuple(out)

    def _to_materials(self) -> None:
        if not self._materials():
            self._to_review()
            return
        self._go(Screen.MATERIALS)

    def open_material(self, code: str) -> None:
        def handle() -> None:
            material = next((m for m in self._materials() if m.code == code), None)
            if material is None:
                return
            if not self._can("scan"):
                self._message = message("avail.scan.instead", "error")
                return
            self._material = code
            self.session.skipped.discard(code)
            has_pages = bool(self.session.pages.get(code))
            self._awaiting_page = not has_pages
            self._replace_index = None
            self._checking = None
            self._capture_hint = None
            self._go(Screen.CAPTURE)
        self._intent("open_material", handle, allowed=(Screen.MATERIALS,))

    def skip_material(self, code: str | None = None) -> None:
        def handle() -> None:
            target = code or self._material
            material = next((m for m in self._materials() if m.code == target), None)
            if material is None:
                return
            if material.required:
                self._message = message("materials.required", "error")
                return
            self.session.clear_material(material.code)
            self.session.skipped.add(material.code)
            self._material = None
            self._go(Screen.MATERIALS)
        self._intent("skip_material", handle, allowed=(Screen.MATERIALS, Screen.CAPTURE))

    def materials_done(self) -> None:
        def handle() -> None:
            missing = [m for m in self._materials()
                       if m.required and not self.session.pages.get(m.code)]
            if missing:
                names = "、".join(m.name.get(self._lang) for m in missing) \
                    if self._lang == "zh" else ", ".join(m.name.get(self._lang) for m in missing)
                self._message = message("materials.missing", "error", names=names)
                return
            if self._mode == "supplement":
                self._submit_supplement()
            else:
                self._to_review()
        self._intent("materials_done", handle, allowed=(Screen.MATERIALS,))

    # ---- capture --------------------------------------------------------------------------

    def _current_material(self) -> Material | None:
        return next((m for m in self._materials() if m.code == self._material), None)

    def page_captured(self, jpeg: bytes, *, kind: str = "", size: tuple[int, int] | None = None,
                      dpi: int | None = None) -> None:
        """The camera auto-captured (or the citizen pressed 'capture'): one page."""
        def handle() -> None:
            material = self._current_material()
            if material is None or not self._awaiting_page:
                return
            if not isinstance(jpeg, bytes | bytearray) or not jpeg.startswith(JPEG_MAGIC):
                log.warning("flow_page_rejected reason=not_jpeg")
                self._message = message("capture.bad_image", "error")
                return
            pages = self.session.pages.get(material.code, [])
            if self._replace_index is None and len(pages) >= material.max_pages:
                self._awaiting_page = False
                self._message = message("capture.max_pages", "warning", max=material.max_pages)
                return
            index = self.session.add_page(material.code, Page(bytearray(jpeg), kind, size, dpi),
                                          self._replace_index)
            self._awaiting_page = False
            self._replace_index = None
            self._checking = index
            self._capture_hint = None
            self._message = message("capture.check_page")
        self._intent("page_captured", handle, allowed=(Screen.CAPTURE,))

    def capture_hint(self, reason: str | None) -> None:
        """The camera's quality message key (hold_still, glare, ...), shown while waiting."""
        def handle() -> None:
            if self._awaiting_page:
                self._capture_hint = reason
        self._intent("capture_hint", handle, allowed=(Screen.CAPTURE,), touch=False)

    def retake(self, index: int) -> None:
        def handle() -> None:
            material = self._current_material()
            if material is None:
                return
            pages = self.session.pages.get(material.code, [])
            if not 0 <= index < len(pages):
                return
            self.session.remove_page(material.code, index)
            self._replace_index = index
            self._awaiting_page = True
            self._checking = None
            self._message = None
        self._intent("retake", handle, allowed=(Screen.CAPTURE,))

    def remove_page(self, index: int) -> None:
        def handle() -> None:
            if self._material is not None:
                self.session.remove_page(self._material, index)
                self._checking = None
                if not self.session.pages.get(self._material):
                    self._awaiting_page = True
        self._intent("remove_page", handle, allowed=(Screen.CAPTURE,))

    def add_page(self) -> None:
        def handle() -> None:
            material = self._current_material()
            if material is None:
                return
            if len(self.session.pages.get(material.code, [])) >= material.max_pages:
                self._message = message("capture.max_pages", "warning", max=material.max_pages)
                return
            self._awaiting_page = True
            self._replace_index = None
            self._checking = None
            self._message = None
        self._intent("add_page", handle, allowed=(Screen.CAPTURE,))

    def material_done(self) -> None:
        self._intent("material_done", self._leave_capture, allowed=(Screen.CAPTURE,))

    def _leave_capture(self) -> None:
        if self._replace_index is not None:
            self._message = message("capture.retake_pending", "warning")
            return
        self._material = None
        self._awaiting_page = False
        self._checking = None
        self._capture_hint = None
        self._go(Screen.MATERIALS)

    # ---- review and submit -----------------------------------------------------------------

    def _to_review(self) -> None:
        self._return_to_review = False
        self._go(Screen.REVIEW)

    def edit_form(self, page: int = 0) -> None:
        def handle() -> None:
            pages = self._pages()
            if not pages:
                return
            self._form_page = max(0, min(page, len(pages) - 1))
            self._return_to_review = True
            self._go(Screen.FORM)
        self._intent("edit_form", handle, allowed=(Screen.REVIEW,))

    def edit_field(self, name: str) -> None:
        self._intent("edit_field", lambda: self.edit_field_now(name), allowed=(Screen.REVIEW,))

    def edit_materials(self) -> None:
        def handle() -> None:
            if self._materials():
                self._return_to_review = True
                self._go(Screen.MATERIALS)
        self._intent("edit_materials", handle, allowed=(Screen.REVIEW,))

    def set_delivery(self, kind: str) -> None:
        def handle() -> None:
            if self._service is not None and kind in self._service.delivery:
                self.session.delivery = kind
        self._intent("set_delivery", handle, allowed=(Screen.REVIEW,))

    def _problems(self) -> tuple[list[str], list[str]]:
        service = self._service
        if service is None:
            return [], []
        fields = list(check_all(service.form, self.session.form, today=self._today()))
        materials = [m.code for m in service.materials
                     if m.required and not self.session.pages.get(m.code)]
        return fields, materials

    def submit(self) -> None:
        def handle() -> None:
            service, identity = self._service, self.session.identity
            if service is None or identity is None:
                return
            fields, materials = self._problems()
            if fields:
                self.edit_field_now(fields[0])
                self._message = message("review.fix_field", "error")
                return
            if materials:
                self._return_to_review = True
                self._go(Screen.MATERIALS, message("materials.required", "error"))
                return
            sub = self._new_submission(service, identity)
            received = [m.code for m in service.materials if self.session.pages.get(m.code)]
            self._start("commit", lambda: (self.outbox.commit(sub), received), "filing")
        self._intent("submit", handle, allowed=(Screen.REVIEW,))

    def edit_field_now(self, name: str) -> None:
        for i, page in enumerate(self._pages()):
            if any(f.field == name for f in page):
                self._form_page = i
                self._return_to_review = True
                self._go(Screen.FORM)
                failures = check_all(page, self.session.form, today=self._today())
                for fname, r in failures.items():
                    self._field_messages[fname] = Message(r.key or "form.invalid", r.params,
                                                          "error")
                return

    def _new_submission(self, service: Service, identity: Identity) -> NewSubmission:
        staff = self.session.staff
        personal = identity.personal_number
        applicant: dict[str, Any] = {
            "id_type": "emrtd",
            "id_number": personal or identity.document_number,
            "name": identity.display_name,
            "chip_verified": identity.chip_verified,
            "verification": {"method": "chip", "passive_auth": identity.passive_auth,
                             "document_number_checked": True,
                             **({"staff_present": True} if staff else {})},
        }
        if identity.birth_date is not None:
            applicant["birth_date"] = identity.birth_date.isoformat()
        if identity.expiry_date is not None:
            applicant["document_expiry"] = identity.expiry_date.isoformat()
        if re.fullmatch(r"[A-Z]{3}", identity.nationality):
            applicant["nationality"] = identity.nationality
        attachments = [
            NewAttachment(m.code, bytes(page.jpeg), "image/jpeg", pages=1)
            for m in service.materials for page in self.session.pages.get(m.code, [])
        ]
        return NewSubmission(
            service_code=service.code, applicant=applicant,
            form=form_body(service.form, self.session.form), attachments=attachments,
            contact=contact_of(service.form, self.session.form),
            delivery=self.session.delivery or service.delivery[0],
            assisted_by=staff.staff_id if staff else None)

    def _done_commit(self, value: Any, error: BaseException | None) -> None:
        if error is not None:
            if isinstance(error, OutboxFull):
                self.health.report("storage", "error", "disk_full",
                                                      "the outbox's disk is full")
                self._message = message("submit.storage_full", "error")
            elif isinstance(error, InvalidSubmission):
                self._message = message("submit.invalid", "error")
            elif isinstance(error, OutboxError):
                self._message = message("submit.failed", "error")
            else:
                self._message = message("error.unexpected", "error")
            return
        filed, received = value
        assert isinstance(filed, FiledSubmission)
        service = self._service
        assert service is not None
        offline = not self._platform_up()
        doc = filing_receipt(filed, service.info(), self.settings.place, self.settings.receipt,
                             materials=received, offline=offline, lang=self._lang)
        self._receipt = _Receipt("filing", service.name, filed.tracking_no, filed.query_code,
                                 doc, offline)
        log.info("flow_filed tracking_no=%s offline=%s assisted=%s", filed.tracking_no,
                 offline, self.session.staff is not None)
        # Committed: the citizen's data now lives (encrypted) in the outbox only.
        self.session.clear_citizen()
        self._service = None
        self._go(Screen.RECEIPT)
        self._print_receipt()

    def _print_receipt(self) -> None:
        receipt = self._receipt
        if receipt is None:
            return
        receipt.printed = None
        if not self._can("print"):
            receipt.printed = False
            self._message = message("receipt.printer_down", "warning")
            return
        doc = receipt.document
        self._start("print_receipt", lambda: self.printer.print_document(doc), "printing")

    def _done_print_receipt(self, value: Any, error: BaseException | None) -> None:
        receipt = self._receipt
        if receipt is None:
            return
        receipt.printed = error is None
        if error is None:
            self._message = message("receipt.take_it")
        else:
            if isinstance(error, PrinterError):
                self.health.report("printer", "error", error.code,
                                                      "the last print failed")
            self._message = message("receipt.print_failed", "warning")

    def reprint(self) -> None:
        def handle() -> None:
            if self._receipt is not None:
                self._message = None
                doc = self._receipt.document
                self._start("print_receipt", lambda: self.printer.print_document(doc),
                            "printing")
        self._intent("reprint", handle, allowed=(Screen.RECEIPT,))

    # ---- progress and supplements ---------------------------------------------------------

    def code_scanned(self, text: str) -> None:
        """The camera read a QR code or barcode on the progress screen."""
        def handle() -> None:
            parsed = parse_receipt_code(text, self.settings.receipt.tracking_url)
            if parsed is None:
                log.info("flow_code_rejected length=%d", len(text) if isinstance(text, str)
                         else -1)
                self._message = message("progress.bad_code", "error")
                return
            self._lookup(*parsed)
        self._intent("code_scanned", handle, allowed=(Screen.PROGRESS_LOOKUP,))

    def progress_typed(self, tracking_no: str, query_code: str) -> None:
        def handle() -> None:
            number = tracking_no.strip().upper()
            code = query_code.strip().upper()
            if not TRACKING_RE.match(number):
                self._message = message("progress.bad_tracking_no", "error")
                return
            if not QUERY_CODE_RE.match(code):
                self._message = message("progress.bad_query_code", "error")
                return
            self._lookup(number, code)
        self._intent("progress_typed", handle, allowed=(Screen.PROGRESS_LOOKUP,))

    def _lookup(self, tracking_no: str, query_code: str) -> None:
        self.session.lookup = (tracking_no, query_code)
        self._start("progress", lambda: self.platform.progress(tracking_no, query_code),
                    "looking_up")

    def _done_progress(self, value: Any, error: BaseException | None) -> None:
        if error is not None:
            self.session.lookup = None
            self._mark_platform_down(error)
            if isinstance(error, NotFound):
                self._message = message("progress.not_found", "error")
            elif isinstance(error, TransportError):
                self._message = message("platform.unreachable", "error")
            else:
                self._message = message("platform.bad_answer", "error")
            return
        self._progress = value
        catalog = self._catalog()
        self._progress_service = catalog.service(value.service_code) if catalog else None
        self._go(Screen.PROGRESS)

    def start_supplement(self) -> None:
        def handle() -> None:
            if self._progress is None or self._progress.status != "needs_materials":
                return
            if not self._progress.missing_materials:
                self._message = message("supplement.nothing_missing", "warning")
                return
            self._mode = "supplement"
            self._go(Screen.MATERIALS)
        self._intent("start_supplement", handle, allowed=(Screen.PROGRESS,))

    def _submit_supplement(self) -> None:
        lookup, progress = self.session.lookup, self._progress
        if lookup is None or progress is None:
            return
        tracking_no = lookup[0]
        pages = [(m.code, bytes(p.jpeg)) for m in self._materials()
                 for p in self.session.pages.get(m.code, [])]
        received = [m.code for m in self._materials() if self.session.pages.get(m.code)]
        supplement_id = str(uuid.uuid4())
        platform = self.platform

        def work() -> list[str]:
            attachments: list[dict[str, Any]] = []
            for code, data in pages:
                sha = hashlib.sha256(data).hexdigest()
                platform.put_blob(sha, data, "image/jpeg")
                attachments.append({"material_code": code, "sha256": sha,
                                    "media_type": "image/jpeg", "bytes": len(data), "pages": 1})
            platform.add_supplement(tracking_no, supplement_id, attachments)
            return received

        self._start("supplement", work, "sending")

    def _done_supplement(self, value: Any, error: BaseException | None) -> None:
        if error is not None:
            self._mark_platform_down(error)
            if isinstance(error, Conflict | NotFound):
                self._message = message("supplement.not_awaiting", "error")
            elif isinstance(error, TransportError):
                self._message = message("platform.unreachable", "error")
            elif isinstance(error, Rejected):
                self._message = message("supplement.rejected", "error")
            elif isinstance(error, PlatformError):
                self._message = message("platform.bad_answer", "error")
            else:
                self._message = message("error.unexpected", "error")
            return
        lookup, progress = self.session.lookup, self._progress
        assert lookup is not None and progress is not None
        service = self._progress_service
        name = service.name if service else Text(progress.service_code, progress.service_code)
        info = service.info() if service else None
        if info is None:
            info = ServiceInfo(progress.service_code, name, 0, {})
        doc = supplement_receipt(lookup[0], lookup[1], info, self.settings.place,
                                 self.settings.receipt, materials=list(value),
                                 received_at=self._wall_clock(), offline=False, lang=self._lang)
        self._receipt = _Receipt("supplement", name, lookup[0], lookup[1], doc, False)
        log.info("flow_supplement_sent tracking_no=%s materials=%d", lookup[0], len(value))
        self.session.clear_citizen()
        self._progress = None
        self._go(Screen.RECEIPT)
        self._print_receipt()

    # ---- queue tickets ---------------------------------------------------------------------

    def pick_ticket_category(self, code: str) -> None:
        def handle() -> None:
            catalog = self._catalog()
            category = catalog.category(code) if catalog else None
            if category is None:
                self._message = message("ticket.unknown_category", "error")
                return
            if not self._platform_up():
                self._message = message("avail.ticket.instead", "warning")
                return
            hall = self.settings.place.hall_code
            self._start("ticket", lambda: (self.platform.take_ticket(hall, code), category),
                        "taking_ticket")
        self._intent("pick_ticket_category", handle, allowed=(Screen.TICKET,))

    def _done_ticket(self, value: Any, error: BaseException | None) -> None:
        if error is not None:
            self._mark_platform_down(error)
            self._message = message("platform.unreachable" if isinstance(error, TransportError)
                                    else "ticket.failed", "error")
            return
        ticket, category = value
        try:
            issued = datetime.fromisoformat(ticket.issued_at)
        except ValueError:
            issued = self._wall_clock()
        doc = queue_ticket(QueueTicket(ticket.ticket_no, category.name,
                                       ticket.waiting_ahead, ticket.estimated_wait_min, issued),
                           self.settings.place, lang=self._lang)
        self._ticket = _Ticket(ticket.ticket_no, category.name, ticket.waiting_ahead,
                               ticket.estimated_wait_min, doc)
        if not self._can("print"):
            self._ticket.printed = False
            self._message = message("ticket.printer_down", "warning")
            return
        self._start("print_ticket", lambda: self.printer.print_document(doc), "printing")

    def _done_print_ticket(self, value: Any, error: BaseException | None) -> None:
        if self._ticket is None:
            return
        self._ticket.printed = error is None
        if error is not None:
            self._message = message("ticket.printer_down", "warning")
        else:
            self._message = message("ticket.take_it")

    # ---- maintenance ----------------------------------------------------------------------

    def _maintainer(self) -> bool:
        staff = self.session.staff
        return staff is not None and "maintain" in staff.roles

    def refresh_maintenance(self) -> None:
        def handle() -> None:
            if self._maintainer():
                self._start("queue_status", self.outbox.status, "loading")
        self._intent("refresh_maintenance", handle, allowed=(Screen.MAINTENANCE,))

    def _done_queue_status(self, value: Any, error: BaseException | None) -> None:
        if error is not None:
            self._message = message("maintenance.queue_unreadable", "error")
            return
        self._queue = QueueLine(value.pending, value.dead, value.acknowledged,
                                value.oldest_pending_age_s)

    def retry_dead(self) -> None:
        def handle() -> None:
            if not self._maintainer():
                return
            outbox = self.outbox

            def work() -> tuple[int, Any]:
                dead = list(outbox.items("dead"))
                for item in dead:
                    outbox.retry(item.submission_id)
                return len(dead), outbox.status()

            self._start("retry_dead", work, "working")
        self._intent("retry_dead", handle, allowed=(Screen.MAINTENANCE,))

    def _done_retry_dead(self, value: Any, error: BaseException | None) -> None:
        if error is not None:
            self._message = message("maintenance.retry_failed", "error")
            return
        count, status = value
        self._done_queue_status(status, None)
        self._message = message("maintenance.retried", count=count)

    def test_print(self) -> None:
        def handle() -> None:
            if not self._maintainer():
                return
            catalog = self._catalog()
            lines = [SlipLine(d.device, d.status, d.code or "-", d.detail)
                     for d in self.health.lines()]
            q = self._queue
            slip = StatusSlip(printed_at=self._wall_clock(), software_version=self._version,
                              devices=lines, outbox_pending=q.pending if q else 0,
                              outbox_dead=q.dead if q else 0,
                              oldest_pending_age_s=q.oldest_pending_age_s if q else None,
                              catalog_version=catalog.version if catalog else None)
            doc = status_slip(slip, self.settings.place, lang=self._lang)
            self._start("test_print", lambda: self.printer.print_document(doc), "printing")
        self._intent("test_print", handle, allowed=(Screen.MAINTENANCE,))

    def _done_test_print(self, value: Any, error: BaseException | None) -> None:
        if error is None:
            self.health.report("printer", "ok", "ready", "")
            self._message = message("maintenance.printed")
        else:
            self.health.report("printer", "error",
                                                  getattr(error, "code", "error"),
                                                  _error_name(error))
            self._message = message("maintenance.print_failed", "error")

    def reload_catalog(self) -> None:
        def handle() -> None:
            if self._maintainer():
                self._start("reload_catalog", self.catalog.refresh, "loading")
        self._intent("reload_catalog", handle, allowed=(Screen.MAINTENANCE,))

    def _done_reload_catalog(self, value: Any, error: BaseException | None) -> None:
        if error is not None or value.error is not None:
            self._message = message("maintenance.catalog_failed", "error")
        elif value.changed:
            self._message = message("maintenance.catalog_reloaded")
        else:
            self._message = message("maintenance.catalog_unchanged")

    def leave_application(self) -> None:
        def handle() -> None:
            if self._maintainer():
                log.info("flow_exit_requested")
                self._end_visit(None)
                self._exit_requested, self._exit_code = True, EXIT_MAINTAINER
        self._intent("leave_application", handle, allowed=(Screen.MAINTENANCE,))

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

    # ---- building the state -------------------------------------------------------------

    def _build(self) -> FlowState:
        staff = self.session.staff
        return FlowState(
            screen=self._screen, view=self._view(), lang=self._lang,
            large_text=self._large_text, high_contrast=self._high_contrast,
            speech=self._speech, busy=self._busy, message=self._message,
            warning_left_s=self._warning_left, capabilities=self.capabilities(),
            visit_active=self._visit_active, staff_signed_in=staff is not None,
            exit_requested=self._exit_requested, exit_code=self._exit_code, visit=self._visit)

    def _view(self) -> View:
        builders: dict[Screen, Callable[[], View]] = {
            Screen.ATTRACT: lambda: AttractView(self.settings.receipt.hotline),
            Screen.OUT_OF_SERVICE: self._out_of_service_view,
            Screen.IDENTIFY: self._identify_view,
            Screen.STAFF_SIGN_IN: lambda: StaffSignInView(
                self.session.staff_uid is not None,
                self.settings.staff_pin_attempts - self._pin_attempts),
            Screen.STAFF_MENU: self._staff_menu_view,
            Screen.CHOOSE_SERVICE: self._choose_view,
            Screen.SERVICE: self._service_view,
            Screen.FORM: self._form_view,
            Screen.MATERIALS: self._materials_view,
            Screen.CAPTURE: self._capture_view,
            Screen.REVIEW: self._review_view,
            Screen.RECEIPT: self._receipt_view,
            Screen.PROGRESS_LOOKUP: lambda: ProgressLookupView(self._can("scan")),
            Screen.PROGRESS: self._progress_view,
            Screen.TICKET: self._ticket_view,
            Screen.MAINTENANCE: self._maintenance_view,
        }
        return builders[self._screen]()

    def _identity_summary(self) -> IdentitySummary | None:
        i = self.session.identity
        if i is None:
            return None
        return IdentitySummary(
            name=i.display_name, document_number=i.document_number,
            id_number=i.personal_number,
            birth_date=i.birth_date.isoformat() if i.birth_date else "",
            nationality=i.nationality, verified=i.chip_verified, passive_auth=i.passive_auth,
            has_photo=bool(i.face))

    def _identify_view(self) -> IdentifyView:
        summary = self._identity_summary()
        staff = self.session.staff
        return IdentifyView(self._identify_mode, self._busy == "reading_chip",
                            self._waiting_for_card, summary,
                            summary is not None and summary.passive_auth != "failed",
                            staff.name if staff else None)

    def _staff_menu_view(self) -> StaffMenuView:
        staff = self.session.staff
        roles = staff.roles if staff else ()
        return StaffMenuView(staff.name if staff else "", "assist" in roles,
                             "maintain" in roles)

    def _category_items(self, catalog: Catalog | None) -> tuple[CategoryItem, ...]:
        if catalog is None:
            return ()
        return tuple(CategoryItem(c.code, c.name, n) for c, n in categories_with_services(catalog))

    def _choose_view(self) -> ChooseServiceView:
        catalog = self._catalog()
        key = (id(catalog), self._query, self._category)
        if self._listing is None or self._listing[0] != key:
            services: list[Service] = []
            if catalog is not None:
                if self._query.strip():
                    services = [h.service for h in catalog.search(self._query,
                                                                  self.settings.search_limit)]
                elif self._category is not None:
                    services = catalog.in_category(self._category)
            items = tuple(ServiceItem(s.code, s.name, s.kiosk_filing, s.promised_days,
                                      s.fee_cny) for s in services)
            self._listing = (key, items)  # searched once per query, not once per state
        return ChooseServiceView(self._category_items(catalog), self._category, self._query,
                                 self._listing[1], catalog.version if catalog else None)

    def _material_items(self, materials: tuple[Material, ...]) -> tuple[MaterialItem, ...]:
        return tuple(MaterialItem(m.code, m.name, m.required, m.kind, m.max_pages,
                                  len(self.session.pages.get(m.code, [])),
                                  m.code in self.session.skipped) for m in materials)

    def _service_view(self) -> ServiceView:
        s = self._service
        assert s is not None
        return ServiceView(s.code, s.name, s.department, s.steps,
                           self._material_items(s.materials), s.fee_cny, s.promised_days,
                           s.kiosk_filing, s.delivery,
                           None if s.kiosk_filing else s.department,
                           not s.kiosk_filing and self._can("ticket"))

    def _form_view(self) -> FormView:
        s = self._service
        assert s is not None
        pages = self._pages()
        page = pages[self._form_page] if pages else ()
        fields = tuple(FieldView(
            f.field, f.label, f.type, f.required, self.session.form.get(f.field, ""),
            tuple(OptionItem(o.value, o.label) for o in f.options), f.max_length,
            self._field_messages.get(f.field), f.field in self._prefilled) for f in page)
        return FormView(s.name, self._form_page, len(pages), fields, self._return_to_review)

    def _materials_view(self) -> MaterialsView:
        items = self._material_items(self._materials())
        ready = all(i.pages > 0 for i in items if i.required)
        name = self._service.name if self._service else (
            self._progress_service.name if self._progress_service else Text("", ""))
        return MaterialsView(name, items, ready, self._mode == "supplement",
                             self._return_to_review)

    def _capture_view(self) -> CaptureView:
        material = self._current_material()
        assert material is not None
        item = self._material_items((material,))[0]
        return CaptureView(item, item.pages, self._awaiting_page, self._replace_index,
                           self._checking, item.pages < material.max_pages,
                           not material.required, self._capture_hint)

    def _review_view(self) -> ReviewView:
        s = self._service
        assert s is not None
        rows: list[ReviewRow] = []
        for i, page in enumerate(self._pages()):
            for f in page:
                value = self.session.form.get(f.field, "")
                option = f.option(value) if f.type == "select" else None
                rows.append(ReviewRow(f.field, f.label,
                                      option.label.get(self._lang) if option else value, i))
        fields, materials = self._problems()
        staff = self.session.staff
        return ReviewView(self._identity_summary(), s.name, s.fee_cny, s.promised_days,
                          tuple(rows), self._material_items(s.materials), s.delivery,
                          self.session.delivery, staff.name if staff else None,
                          tuple(fields + materials))

    def _receipt_view(self) -> ReceiptView:
        r = self._receipt
        assert r is not None
        return ReceiptView(r.kind, r.service, r.tracking_no, r.query_code,
                           tracking_url(self.settings.receipt, r.tracking_no, r.query_code),
                           r.printed, r.offline, r.printed is False)

    def _progress_view(self) -> ProgressView:
        p = self._progress
        assert p is not None
        timeline = tuple(TimelineItem(e.at, e.status, _note(e.note)) for e in p.timeline)
        missing = self._material_items(self._missing_materials()) \
            if p.status == "needs_materials" else ()
        return ProgressView(p.tracking_no,
                            self._progress_service.name if self._progress_service else None,
                            p.status, p.promised_by, timeline, missing,
                            p.status == "needs_materials" and bool(missing) and self._can("scan"))

    def _ticket_view(self) -> TicketView:
        t = self._ticket
        info = TicketInfo(t.number, t.area, t.people_ahead, t.wait_min, t.printed) if t else None
        return TicketView(self._category_items(self._catalog()), self._ticket_category, info)

    def _out_of_service_view(self) -> OutOfServiceView:
        state = self.health.service_state()
        return OutOfServiceView(self.settings.receipt.hotline, state.why or "nothing_useful",
                                state.missing, self._can("staff"))

    def _maintenance_view(self) -> MaintenanceView:
        catalog = self._catalog()
        staff = self.session.staff
        return MaintenanceView(staff.name if staff else "", tuple(self.health.lines()),
                               self._queue, catalog.version if catalog else None,
                               len(catalog.services) if catalog else 0)


def _note(note: object) -> Text | None:
    if isinstance(note, Mapping) and isinstance(note.get("zh"), str):
        en = note.get("en")
        return Text(note["zh"], en if isinstance(en, str) else "")
    return None


def _yymmdd(text: str) -> str | None:
    """A typed date as the MRZ writes it: YYMMDD from YYMMDD, YYYYMMDD or YYYY-MM-DD."""
    digits = re.sub(r"[-/. ]", "", text.strip())
    if re.fullmatch(r"\d{8}", digits):
        return digits[2:]
    if re.fullmatch(r"\d{6}", digits):
        return digits
    return None


def parse_receipt_code(text: object, template: str) -> tuple[str, str] | None:
    """Tracking number and query code from a receipt's QR payload, or None if it is not one.

    The payload is the configured tracking URL; a bare "TRACKING_NO QUERY_CODE" is taken
    too (some staff print it). Anything else, or anything odd, is refused.
    """
    if not isinstance(text, str) or not text or len(text) > MAX_CODE_PAYLOAD:
        return None
    text = text.strip()
    pattern = re.escape(template)
    pattern = pattern.replace(re.escape("{tracking_no}"), r"(?P<no>[^&#/?\s]+)")
    pattern = pattern.replace(re.escape("{query_code}"), r"(?P<code>[^&#/?\s]+)")
    found = re.fullmatch(pattern, text)
    if found is not None:
        number, code = unquote(found["no"]).upper(), unquote(found["code"]).upper()
    else:
        parts = text.upper().split()
        if len(parts) != 2:
            return None
        number, code = parts
    if TRACKING_RE.match(number) and QUERY_CODE_RE.match(code):
        return number, code
    return None
