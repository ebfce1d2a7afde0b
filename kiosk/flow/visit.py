"""The plumbing every journey of the visit shares: the visit's state, intents, jobs, the
clock, the service state, and leaving.

    visit = Visit(settings, ports, ...)
    visit.jobs("chip", self._chip_done)              # a journey registers its results by name
    visit.screen(Screen.IDENTIFY, self.view, self.back)  # ... and the screens it shows
    visit.intent("mrz_typed", handle, allowed=(Screen.IDENTIFY,))
    visit.start("chip", work, busy="reading_chip")   # work on the executor; result to _chip_done

`VisitState` holds what one visit knows (its screen, language, message, the service
chosen, ...); `Visit.reset()` replaces it whole when the visit ends. Personal data lives
only in `visit.session`, wiped at the same moment. No intent ever raises: an exception in
a handler becomes "error.unexpected" on the current screen and a log line without
personal data. Not thread-safe: one thread (the UI thread in the kiosk) drives it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from devices.printer import Document
from offline_queue.client import Progress, TransportError

from ..catalog import Catalog, Service
from ..receipt import ServiceInfo
from ..runtime.assistance import Assistance, StaffCall
from ..runtime.health import Counters, Health
from ..session import Session
from ..text import Text
from .leaving import leave
from .parsing import error_name
from .ports import CardReaderPort, CatalogPort, Executor, OutboxPort, PlatformPort, PrinterPort
from .settings import ATTRACT_MESSAGE_S, EXIT_RESTART, FlowSettings
from .state import (
    CameraRequest,
    Capability,
    FlowState,
    Message,
    QueueLine,
    Screen,
    ServiceItem,
    View,
    message,
)

log = logging.getLogger("kiosk.flow")

JobHandler = Callable[[Any, BaseException | None], None]


@dataclass
class Ports:
    """Everything outside the flow that it talks to, each through its narrow port."""

    catalog: CatalogPort
    outbox: OutboxPort
    printer: PrinterPort
    card: CardReaderPort
    platform: PlatformPort
    executor: Executor


@dataclass(frozen=True)
class JobDone:
    """A job's outcome, delivered back to the flow as an intent."""

    name: str
    token: int
    value: Any = None
    error: BaseException | None = None


@dataclass
class ShownReceipt:
    """The filing or supplement receipt of this visit (on screen, and printed or not)."""

    kind: str
    service: Text
    tracking_no: str
    query_code: str
    document: Document
    offline: bool
    printed: bool | None = None
    # What comes next (kiosk.receipt.next_steps), shown in the visit's language: the
    # service's catalog facts, the delivery chosen, when it was filed.
    about: ServiceInfo | None = None
    delivery: str | None = None
    filed_at: datetime | None = None
    outbox_state: str | None = None  # acknowledged | dead, once the outbox says so
    received_at: str = ""  # the platform's SubmissionAck.received_at


@dataclass
class ShownTicket:
    number: str
    area: Text
    people_ahead: int
    wait_min: int
    document: Document
    printed: bool | None = None


@dataclass
class VisitState:
    """What one visit knows, shared by its journeys; replaced whole when it ends."""

    lang: str
    screen: Screen = Screen.ATTRACT
    large_text: bool = False
    high_contrast: bool = False
    speech: bool = False
    message: Message | None = None
    active: bool = False  # a citizen (or staff) started something
    confirm_leave: bool = False  # "Leave this application?" is asked (leaving.py)
    mode: str = "file"  # file | supplement
    # identify
    identify_mode: str = "camera"  # idcard | camera | typed
    waiting_for_card: bool = False
    idcard_reading: bool = False  # an ID card is on the reader and being read
    # face match (face.py)
    face_phase: str = "preparing"  # preparing | checking | retry | staff | camera_offline
    face_challenge: Any = None  # devices.face.ChallengeState of the newest frame, or None
    face_tries: int = 0  # tries that did not match
    staff_for: str | None = None  # "face": a staff member signs in to confirm the face
    # filing
    service: Service | None = None
    category: str | None = None
    query: str = ""
    listing: tuple[tuple[int, str, str | None], tuple[ServiceItem, ...]] | None = None
    form_page: int = 0
    field_messages: dict[str, Message] = field(default_factory=dict)
    prefilled: set[str] = field(default_factory=set)
    return_to_review: bool = False
    # materials and capture
    material: str | None = None
    awaiting_page: bool = False
    replace_index: int | None = None
    checking: int | None = None
    capture_hint: str | None = None
    undo_until: float | None = None  # "deleted · undo" is offered until then (clock)
    shutter: int = 0  # the citizen's taps on "take photo" (the camera feed counts them)
    # after filing, progress, tickets, staff
    receipt: ShownReceipt | None = None
    progress: Progress | None = None
    progress_service: Service | None = None
    ticket: ShownTicket | None = None
    ticket_category: str | None = None
    pin_attempts: int = 0
    queue: QueueLine | None = None


@dataclass(frozen=True)
class ScreenParts:
    view: Callable[[], View]
    back: Callable[[], None] | None = None  # None: "back" ends the visit


class Visit:
    def __init__(self, settings: FlowSettings, ports: Ports, *, clock: Callable[[], float],
                 wall_clock: Callable[[], datetime], today: Callable[[], date],
                 version: str, health: Health, counters: Counters,
                 assistance: Assistance | None = None) -> None:
        self.settings = settings
        self.ports = ports
        self.clock = clock
        self.wall_clock = wall_clock
        self.today = today
        self.version = version
        self.health = health
        self.counters = counters
        self.assistance = assistance or Assistance(clock)
        self.session = Session()
        self.vs = VisitState(settings.default_lang)
        self.number = 0  # counts visits; the UI drops caches when it changes
        self.busy: str | None = None
        self.restart_pending = False  # the platform's restart: at the next idle moment
        self.exit_requested = False
        self.exit_code = 0
        self._token = 0
        self._job: tuple[str, int] | None = None  # the one job whose result we await
        self._jobs: dict[str, JobHandler] = {}
        self._dropped: dict[str, Callable[[Any], None]] = {}
        self._screens: dict[Screen, ScreenParts] = {}
        self._listeners: list[Callable[[FlowState], None]] = []
        self._last_activity = clock()
        self.warning_left: int | None = None
        self._attract_message: Message | None = None  # when it appeared, for expiry
        self._attract_message_at = 0.0
        self._state: FlowState | None = None
        self.build_state: Callable[[], FlowState] = self._no_state
        self._tick_hooks: list[Callable[[float], None]] = []

    # ---- what the journeys register -----------------------------------------------------

    def jobs(self, name: str, handler: JobHandler, *,
             dropped: Callable[[Any], None] | None = None) -> None:
        """`handler(value, error)` gets the result of every job started under `name`;
        `dropped(value)` a result that came after the visit moved on (to wipe it)."""
        if name in self._jobs:
            raise ValueError(f"job {name!r} is registered twice")
        self._jobs[name] = handler
        if dropped is not None:
            self._dropped[name] = dropped

    def screen(self, screen: Screen, view: Callable[[], View],
               back: Callable[[], None] | None = None) -> None:
        self._screens[screen] = ScreenParts(view, back)

    def on_tick(self, hook: Callable[[float], None]) -> None:
        """`hook(now)` on every tick (a journey's own short-lived offers expire there)."""
        self._tick_hooks.append(hook)

    def view(self) -> View:
        return self._screens[self.vs.screen].view()

    def _no_state(self) -> FlowState:
        raise RuntimeError("the flow's state builder is not set")

    # ---- state and listeners ------------------------------------------------------------

    @property
    def state(self) -> FlowState:
        if self._state is None:
            self._state = self.build_state()
        return self._state

    def subscribe(self, listener: Callable[[FlowState], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        listener(self.state)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def publish(self) -> None:
        self.check_service()
        try:
            new = self.build_state()
        except Exception as exc:
            # A state that cannot be shown: start over rather than leave the UI stuck.
            log.error("flow_state_failed screen=%s error=%s", self.vs.screen.value,
                      error_name(exc))
            self.end_visit("error.unexpected")
            new = self.build_state()
        if new == self._state:
            return
        self._state = new
        for listener in list(self._listeners):
            try:
                listener(new)
            except Exception as exc:  # a UI bug must not stop the visit's logic
                log.error("flow_listener_failed error=%s", error_name(exc))

    # ---- intents and jobs -----------------------------------------------------------------

    def intent(self, name: str, handler: Callable[[], None], *,
               allowed: tuple[Screen, ...] = (), while_busy: bool = False,
               touch: bool = True) -> None:
        try:
            if allowed and self.vs.screen not in allowed:
                log.debug("flow_intent_ignored intent=%s screen=%s", name, self.vs.screen.value)
                return
            if self.busy is not None and not while_busy:
                log.debug("flow_intent_ignored intent=%s busy=%s", name, self.busy)
                return
            if touch:
                self.touch()
            handler()
        except Exception as exc:
            self.internal_error(name, exc)
        self.publish()

    def internal_error(self, where: str, exc: BaseException) -> None:
        # Never leave the UI with an exception: say so and keep the visit where it is.
        log.error("flow_internal_error where=%s error=%s", where, error_name(exc))
        self.counters.add("internal_errors")
        self.busy = None
        self._job = None
        self.vs.message = message("error.unexpected", "error")

    def start(self, name: str, work: Callable[[], Any], busy: str | None) -> None:
        """Hand `work` to the executor; its result goes to the handler registered as `name`.
        `busy` None: a job the screen goes on around (the face check's frames), no veil and
        no intent held back; starting another job drops its result."""
        if name not in self._jobs:
            raise KeyError(f"no handler registered for job {name!r}")
        self._token += 1
        token = self._token
        self._job = (name, token)
        self.busy = busy

        def job() -> JobDone:
            try:
                return JobDone(name, token, work())
            except Exception as exc:
                return JobDone(name, token, None, exc)

        log.debug("flow_job_started job=%s", name)
        self.ports.executor.submit(job, self.job_done)

    def job_done(self, done: JobDone) -> None:
        try:
            if self._job != (done.name, done.token):
                # The visit (or the screen) moved on: drop the result, personal or not.
                log.info("flow_job_result_dropped job=%s", done.name)
                if done.name in self._dropped:
                    self._dropped[done.name](done.value)
                return
            self._job = None
            self.busy = None
            self.touch()
            if done.error is not None:
                log.info("flow_job_failed job=%s error=%s", done.name, error_name(done.error))
            # e.g. commit_ok, chip_failed, print_receipt_ok: the heartbeat's counters
            self.counters.add(f"{done.name}_{'ok' if done.error is None else 'failed'}")
            self._jobs[done.name](done.value, done.error)
        except Exception as exc:
            self.internal_error(f"job:{done.name}", exc)
        self.publish()

    def cancel_job(self) -> None:
        if self._job is not None:
            log.info("flow_job_abandoned job=%s", self._job[0])
        self._job = None
        self.busy = None

    # ---- calling staff ------------------------------------------------------------------

    def call_staff(self, reason: str) -> None:
        """Ask for a staff member (the heartbeat carries it to the hall at once)."""
        if self.assistance.open is None:
            self.counters.add("staff_calls")
        self.assistance.call(reason)

    def end_staff_call(self) -> None:
        self.assistance.end()

    @property
    def staff_call(self) -> StaffCall | None:
        return self.assistance.open

    # ---- screens, the clock, beginning and ending ---------------------------------------

    def go(self, screen: Screen, msg: Message | None = None) -> None:
        if screen != self.vs.screen:
            log.info("flow_screen from=%s to=%s", self.vs.screen.value, screen.value)
        self.vs.screen = screen
        self.vs.message = msg

    def say(self, key: str, level: str = "info", **params: object) -> None:
        self.vs.message = message(key, level, **params)

    def touch(self) -> None:
        self._last_activity = self.clock()
        self.warning_left = None

    def tick(self, now: float | None = None) -> None:
        try:
            now = self.clock() if now is None else now
            limit = self.settings.idle_limit(self.vs.screen)
            if self.busy is not None or limit is None:
                # Waiting for us is not idling: the device calls are bounded themselves.
                self._last_activity = now
                self.warning_left = None
            else:
                idle = now - self._last_activity
                if idle >= limit:
                    log.info("flow_timeout screen=%s idle_s=%.0f", self.vs.screen.value, idle)
                    # After the receipt the visit is simply over; elsewhere it was abandoned.
                    self.end_visit("visit.thank_you" if self.vs.screen == Screen.RECEIPT
                                   else "visit.timed_out")
                elif idle >= limit - self.settings.warning_s:
                    self.warning_left = max(1, int(limit - idle + 0.999))
                else:
                    self.warning_left = None
            self._expire_attract_message(now)
            for hook in self._tick_hooks:
                hook(now)
        except Exception as exc:
            self.internal_error("tick", exc)
        self.publish()

    def _expire_attract_message(self, now: float) -> None:
        """'Thank you, your details were erased' is for the last citizen, not the next."""
        if self.vs.screen != Screen.ATTRACT or self.vs.message is None:
            return
        if self.vs.message is not self._attract_message:
            self._attract_message, self._attract_message_at = self.vs.message, now
        elif now - self._attract_message_at >= ATTRACT_MESSAGE_S:
            self.vs.message = None

    def begin(self) -> None:
        if not self.vs.active:
            self.counters.add("visits_started")
        self.vs.active = True

    def end_visit(self, reason: str | None) -> None:
        """However a visit ends: forget everything and show the attract screen."""
        if self.vs.active:
            self.counters.add(
                "visits_completed" if reason in (None, "visit.thank_you") else
                "visits_abandoned" if reason in ("visit.timed_out", "visit.cancelled",
                                                 "visit.card_removed") else
                "visits_ended_other")
        self.cancel_job()
        self.end_staff_call()  # whoever was called is not needed by the next citizen
        self.session.wipe()
        self.number += 1
        self.vs = VisitState(self.settings.default_lang)
        self.warning_left = None
        self.vs.message = message(reason) if reason else None
        self._last_activity = self.clock()
        log.info("flow_visit_ended reason=%s visit=%d", reason or "done", self.number)

    def back(self) -> None:
        """'Back': a job in flight is abandoned; else the screen's own back, or leaving
        (which asks first when there is an application to lose)."""
        screen = self.vs.screen
        if self.busy is not None:
            if screen == Screen.REVIEW and self.busy == "filing":
                return  # a commit cannot be taken back halfway; it is short
            self.cancel_job()
            if screen in (Screen.IDENTIFY, Screen.STAFF_SIGN_IN):
                self.vs.waiting_for_card = False
            if screen != Screen.FACE:
                return  # back drops the job; on the face screen it leaves the step too
        if screen in (Screen.ATTRACT, Screen.OUT_OF_SERVICE):
            return
        parts = self._screens.get(screen)
        if parts is not None and parts.back is not None:
            parts.back()
        else:
            leave(self, "back")

    # ---- availability and service -------------------------------------------------------

    def capabilities(self) -> tuple[Capability, ...]:
        return self.health.capabilities()

    def can(self, capability: str) -> bool:
        return next(c.available for c in self.capabilities() if c.name == capability)

    def platform_up(self) -> bool:
        return self.health.line("platform").status in ("ok", "degraded")

    def mark_platform_down(self, exc: BaseException) -> None:
        if isinstance(exc, TransportError):
            self.health.report("platform", "offline", "unreachable", error_name(exc))

    def identify_way(self) -> str:
        """How identify opens: the ID card reader once it has answered, else the camera."""
        reader = self.health.line("idcard_reader")
        return "idcard" if reader.status in ("ok", "degraded") else "camera"

    def catalog(self) -> Catalog | None:
        return self.ports.catalog.catalog

    def idle_moment(self) -> bool:
        return (not self.vs.active and self.busy is None
                and self.vs.screen in (Screen.ATTRACT, Screen.OUT_OF_SERVICE))

    def check_service(self) -> None:
        """Between visits: out of service when nothing a citizen came for works (or the
        platform said so), back to attract when something does; a pending restart now."""
        if not self.idle_moment():
            return
        if self.restart_pending and not self.exit_requested:
            log.info("flow_restart_now")
            self.exit_requested, self.exit_code = True, EXIT_RESTART
            return
        state = self.health.service_state()
        if self.vs.screen == Screen.ATTRACT and not state.in_service:
            log.warning("flow_out_of_service why=%s missing=%s", state.why,
                        ",".join(state.missing) or "-")
            self.counters.add("out_of_service")
            self.go(Screen.OUT_OF_SERVICE)
        elif self.vs.screen == Screen.OUT_OF_SERVICE and state.in_service:
            log.info("flow_back_in_service")
            self.go(Screen.ATTRACT)

    # ---- what the camera is wanted for ------------------------------------------------

    def camera_wanted(self) -> str | None:
        """What the screen showing wants of the camera: "mrz" (identify, document on the
        camera, no chip read yet), "page" (capture, a page awaited), "code" (progress
        lookup: a receipt's QR code), "face" (the face check runs: the face camera's
        preview) or None. Nothing while a job with a veil runs."""
        if self.busy is not None or self.vs.confirm_leave:
            return None  # nor while "Leave this application?" is asked
        vs = self.vs
        if (vs.screen == Screen.IDENTIFY and vs.identify_mode == "camera"
                and self.session.identity is None):
            return "mrz"
        if vs.screen == Screen.CAPTURE and vs.awaiting_page:
            return "page"
        if vs.screen == Screen.PROGRESS_LOOKUP:
            return "code"
        if vs.screen == Screen.FACE and vs.face_phase == "checking":
            return "face"
        return None

    def camera_request(self) -> CameraRequest:
        """The wish and the key of the screen visit asking it. The key names the page
        awaited, not only whether one is: "done with this material" and "scan the next"
        can come within one frame."""
        vs = self.vs
        if vs.screen == Screen.CAPTURE:
            pages = len(self.session.pages.get(vs.material or "", []))
            key: tuple[object, ...] = (self.number, vs.screen.value, vs.awaiting_page,
                                       vs.material or "", pages, vs.replace_index)
        else:
            key = (self.number, vs.screen.value, False, "", 0, None)
        return CameraRequest(self.camera_wanted(), key, vs.shutter)

