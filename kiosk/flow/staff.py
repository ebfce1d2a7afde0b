"""Staff at the kiosk: sign-in with a staff card and PIN, assisting a citizen, and the
maintenance screen (devices, queue, dead letters, test print, catalog, leaving).

While the platform is unreachable (no answer, 5xx, 503) the maintain role still signs in,
against the kiosk's own credentials (kiosk/staff_credentials.py: a hash of card + PIN kept
after each online sign-in, or the config's local technician); assist never does. The
out-of-service screen lets staff in, by its discreet button or a staff card laid on the
reader, whenever someone could sign in."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from offline_queue.client import (
    BadCredentials,
    RetryLater,
    ServerError,
    StaffSession,
    TransportError,
)

from ..receipt import DeviceLine as SlipLine
from ..receipt import StatusSlip, status_slip
from ..session import Staff
from ..staff_credentials import OfflineSignIn, StaffCredentials
from ..strings import STRINGS
from ..text import Text
from .leaving import leave
from .parsing import error_name
from .settings import EXIT_MAINTAINER, PIN_RE
from .state import (
    DeadLine,
    DeviceReport,
    MaintenanceView,
    QueueLine,
    Screen,
    StaffMenuView,
    StaffSignInView,
)
from .visit import Visit

log = logging.getLogger("kiosk.flow")

DEAD_SHOWN = 5  # the newest dead letters maintenance lists
# No answer the platform could stand behind: the kiosk's own credentials may decide.
PLATFORM_DOWN = (TransportError, ServerError, RetryLater)


@dataclass(frozen=True)
class SignIn:
    """The sign-in job's outcome: the platform's answer, or the local check's (with why
    the platform was not asked or did not answer)."""

    online: StaffSession | None = None
    local: OfflineSignIn | None = None
    platform_error: BaseException | None = None


# Every device asked now (kiosk/runtime/probe.py): (device, status, code, detail) each.
DeviceProbe = Callable[[], Sequence[tuple[str, str, str, str]]]


@dataclass(frozen=True)
class MaintenanceCheck:
    queue: QueueLine
    devices: Sequence[tuple[str, str, str, str]] = ()


class StaffDesk:
    def __init__(self, visit: Visit, credentials: StaffCredentials | None = None,
                 probe: DeviceProbe | None = None, *,
                 face_confirmed: Callable[[], None] = lambda: None,
                 face_back: Callable[[], None] = lambda: None) -> None:
        self.v = visit
        self.credentials = credentials  # None: no offline sign-in (online only)
        self.probe = probe  # None: maintenance shows what the watches last said
        # A staff member signing in to confirm a citizen's face (vs.staff_for == "face"):
        # what follows their sign-in, and their back.
        self.face_confirmed, self.face_back = face_confirmed, face_back
        for name, handler in (("staff_uid", self._staff_uid_done),
                              ("staff_login", self._staff_login_done),
                              ("queue_status", self._queue_status_done),
                              ("maintenance_check", self._maintenance_check_done),
                              ("retry_dead", self._retry_dead_done),
                              ("test_print", self._test_print_done),
                              ("reload_catalog", self._reload_catalog_done)):
            visit.jobs(name, handler)
        visit.screen(Screen.STAFF_SIGN_IN, self.sign_in_view, self._sign_in_back)
        visit.screen(Screen.STAFF_MENU, self.menu_view)
        visit.screen(Screen.MAINTENANCE, self.maintenance_view)

    # ---- sign-in -----------------------------------------------------------------

    def open_staff_sign_in(self) -> None:
        v = self.v

        def handle() -> None:
            if not self.sign_in_possible():
                v.say("avail.staff.instead", "warning")
                return
            self._open()
        v.intent("open_staff_sign_in", handle, allowed=(Screen.ATTRACT, Screen.OUT_OF_SERVICE))

    def _sign_in_back(self) -> None:
        if self.v.vs.staff_for == "face":
            self.face_back()
        else:
            leave(self.v, "back")

    def _open(self) -> None:
        v = self.v
        v.begin()
        v.vs.pin_attempts = 0
        v.go(Screen.STAFF_SIGN_IN)

    def sign_in_possible(self) -> bool:
        """Staff can sign in: the card reader works and the platform answers, or someone
        could sign in without it (a maintainer remembered here, or the local technician)."""
        v = self.v
        if v.can("staff"):
            return True
        return (v.health.line("card_reader").usable and self.credentials is not None
                and self.credentials.available())

    def card_arrived(self) -> None:
        """A staff card on the reader while sign-in waits for it, or on the out-of-service
        screen (the technician's way in at night); the caller checks busy."""
        v = self.v
        if v.vs.screen == Screen.OUT_OF_SERVICE and self.sign_in_possible():
            log.info("flow_staff_card_on_out_of_service")
            self._open()
        if v.vs.screen == Screen.STAFF_SIGN_IN and v.session.staff_uid is None:
            v.start("staff_uid", v.ports.card.read_uid, "reading_card")

    def read_staff_card(self) -> None:
        """'My card is on the reader' (when it was there before the screen opened)."""
        v = self.v

        def handle() -> None:
            if v.session.staff_uid is None:
                v.start("staff_uid", v.ports.card.read_uid, "reading_card")
        v.intent("read_staff_card", handle, allowed=(Screen.STAFF_SIGN_IN,))

    def pin_entered(self, pin: str) -> None:
        v = self.v

        def handle() -> None:
            uid = v.session.staff_uid
            if uid is None:
                v.say("staff.present_card", "warning")
                return
            if not PIN_RE.match(pin):
                v.say("staff.pin_format", "error")
                return
            v.start("staff_login", lambda: self._sign_in(uid, pin), "signing_in")
        v.intent("pin_entered", handle, allowed=(Screen.STAFF_SIGN_IN,))

    def _sign_in(self, uid: str, pin: str) -> SignIn:
        """On the executor: the local technician here; everyone else at the platform, and
        against the kiosk's credentials only when the platform cannot answer."""
        creds = self.credentials
        if creds is not None and creds.is_technician(uid):
            return SignIn(local=creds.check(uid, pin))
        try:
            answer = self.v.ports.platform.staff_login(uid, pin)
        except BadCredentials:
            if creds is not None:
                creds.forget(uid, "bad_credentials")
            raise
        except PLATFORM_DOWN as exc:
            if creds is None:
                raise
            return SignIn(local=creds.check(uid, pin), platform_error=exc)
        if creds is not None:
            creds.remember(uid, pin, answer.staff_id, tuple(answer.roles))
        return SignIn(online=answer)

    def _staff_uid_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is not None or not isinstance(value, str) or not value:
            v.say("staff.card_unreadable", "error")
            return
        # The reader just worked: maintenance must not call it "unknown" a minute later.
        v.health.report("card_reader", "ok", "ready", "staff card read")
        v.session.staff_uid = value.upper()
        v.say("staff.enter_pin")

    def _staff_login_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if isinstance(error, BadCredentials):
            v.vs.pin_attempts += 1
            if v.vs.pin_attempts >= v.settings.staff_pin_attempts:
                log.warning("flow_staff_sign_in_refused attempts=%d", v.vs.pin_attempts)
                v.end_visit("staff.too_many_attempts")
                return
            v.say("staff.bad_credentials", "error",
                                    left=v.settings.staff_pin_attempts - v.vs.pin_attempts)
            return
        if error is not None:
            v.mark_platform_down(error)
            v.say("platform.unreachable" if isinstance(error, TransportError)
                                    else "staff.sign_in_failed", "error")
            return
        result: SignIn = value
        if result.platform_error is not None:
            v.mark_platform_down(result.platform_error)
        if result.local is not None:
            self._local_done(result.local)
            return
        assert result.online is not None
        answer = result.online
        roles = tuple(r for r in answer.roles if r in ("assist", "maintain"))
        if v.vs.staff_for == "face" and "assist" not in roles:
            self.face_back()  # only an assisting member may vouch; the citizen stays
            v.say("staff.no_role", "error")
            return
        if not roles:
            v.end_visit("staff.no_role")
            return
        v.session.staff = Staff(answer.staff_id, answer.name, roles)
        v.session.staff_uid = None
        log.info("flow_staff_signed_in staff_id=%s roles=%s via=platform", answer.staff_id,
                 ",".join(roles))
        v.end_staff_call()  # whoever was called has come
        if v.vs.staff_for == "face":
            self.face_confirmed()
            return
        v.go(Screen.STAFF_MENU)

    def _local_done(self, r: OfflineSignIn) -> None:
        v = self.v
        if r.outcome == "ok" and v.vs.staff_for == "face":
            # Signed in without the platform means maintenance only: no one to vouch.
            log.info("flow_staff_offline_refused reason=face_needs_assist")
            self.face_back()
            v.say("staff.no_role", "error")
            return
        if r.outcome == "ok":
            v.session.staff = Staff(r.staff_id, "", r.roles, via=r.via)
            v.session.staff_uid = None
            log.info("flow_staff_signed_in staff_id=%s roles=%s via=%s", r.staff_id,
                     ",".join(r.roles), r.via)
            v.end_staff_call()
            # Maintenance is all an offline sign-in may do: straight there (it says so).
            self._enter_maintenance()
        elif r.outcome == "wrong_pin":
            v.vs.pin_attempts += 1
            left = min(v.settings.staff_pin_attempts - v.vs.pin_attempts, r.tries_left)
            log.info("flow_staff_offline_refused reason=wrong_pin")
            if left <= 0:
                v.end_visit("staff.too_many_attempts")
                return
            v.say("staff.bad_credentials", "error", left=left)
        elif r.outcome == "locked":
            log.info("flow_staff_offline_refused reason=locked wait_s=%d", r.wait_s)
            v.say("staff.offline_locked", "error", seconds=r.wait_s)
        else:  # unknown_card: another card may be tried
            log.info("flow_staff_offline_refused reason=unknown_card")
            v.session.staff_uid = None
            v.say("staff.offline_unknown_card", "error")

    def staff_assist(self) -> None:
        """A staff member files for the citizen beside them (recorded as assisted_by)."""
        v = self.v

        def handle() -> None:
            staff = v.session.staff
            if staff is None or "assist" not in staff.roles:
                return
            v.session.clear_citizen()
            v.vs.mode = "file"
            v.vs.identify_mode = v.identify_way()
            v.go(Screen.IDENTIFY)
        v.intent("staff_assist", handle, allowed=(Screen.STAFF_MENU,))

    def staff_maintain(self) -> None:
        v = self.v

        def handle() -> None:
            staff = v.session.staff
            if staff is None or "maintain" not in staff.roles:
                return
            self._enter_maintenance()
        v.intent("staff_maintain", handle, allowed=(Screen.STAFF_MENU,))

    def _enter_maintenance(self) -> None:
        self.v.go(Screen.MAINTENANCE)
        self._check()

    def _check(self) -> None:
        """The queue, and every device asked now (so the times shown are of this check)."""
        probe = self.probe

        def work() -> MaintenanceCheck:
            return MaintenanceCheck(self._queue_line(), tuple(probe()) if probe else ())
        self.v.start("maintenance_check", work, "checking")

    def _maintenance_check_done(self, value: Any, error: BaseException | None) -> None:
        if error is not None:
            self._queue_status_done(None, error)
            return
        for device, status, code, detail in value.devices:
            self.v.health.report(device, status, code, detail)
        self._queue_status_done(value.queue, None)

    # ---- maintenance -------------------------------------------------------------

    def _maintainer(self) -> bool:
        staff = self.v.session.staff
        return staff is not None and "maintain" in staff.roles

    def refresh_maintenance(self) -> None:
        v = self.v

        def handle() -> None:
            if self._maintainer():
                self._check()
        v.intent("refresh_maintenance", handle, allowed=(Screen.MAINTENANCE,))

    def _queue_line(self) -> QueueLine:
        """On the executor: the queue's counts and its newest dead letters with the reason
        the platform gave (a 422 is the kiosk's defect to see, not a silent count)."""
        outbox = self.v.ports.outbox
        st = outbox.status()
        dead = tuple(DeadLine(d.tracking_no, d.service_code, d.error,
                              ", ".join(f"{f}: {p}" for f, p in d.fields), d.message)
                     for d in outbox.dead_letters(DEAD_SHOWN)) if st.dead else ()
        return QueueLine(st.pending, st.dead, st.acknowledged, st.oldest_pending_age_s, dead)

    def _queue_status_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is not None:
            v.say("maintenance.queue_unreadable", "error")
            return
        v.vs.queue = value

    def retry_dead(self) -> None:
        v = self.v

        def handle() -> None:
            if not self._maintainer():
                return
            outbox = v.ports.outbox

            def work() -> tuple[int, QueueLine]:
                dead = list(outbox.items("dead"))
                for item in dead:
                    outbox.retry(item.submission_id)
                return len(dead), self._queue_line()

            v.start("retry_dead", work, "working")
        v.intent("retry_dead", handle, allowed=(Screen.MAINTENANCE,))

    def _retry_dead_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is not None:
            v.say("maintenance.retry_failed", "error")
            return
        count, line = value
        self._queue_status_done(line, None)
        v.say("maintenance.retried", count=count)

    def test_print(self) -> None:
        v = self.v

        def handle() -> None:
            if not self._maintainer():
                return
            catalog = v.catalog()
            lines = [SlipLine(d.device, d.status, d.code or "-", d.detail)
                     for d in v.health.lines()]
            q = v.vs.queue
            slip = StatusSlip(printed_at=v.wall_clock(), software_version=v.version,
                              devices=lines, outbox_pending=q.pending if q else 0,
                              outbox_dead=q.dead if q else 0,
                              oldest_pending_age_s=q.oldest_pending_age_s if q else None,
                              catalog_version=catalog.version if catalog else None)
            doc = status_slip(slip, v.settings.place, lang=v.vs.lang)
            v.start("test_print", lambda: v.ports.printer.print_document(doc), "printing")
        v.intent("test_print", handle, allowed=(Screen.MAINTENANCE,))

    def _test_print_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is None:
            v.health.report("printer", "ok", "ready", "")
            v.say("maintenance.printed")
        else:
            v.health.report("printer", "error",
                               getattr(error, "code", "error"),
                               error_name(error))
            v.say("maintenance.print_failed", "error")

    def reload_catalog(self) -> None:
        v = self.v

        def handle() -> None:
            if self._maintainer():
                v.start("reload_catalog", v.ports.catalog.refresh, "loading")
        v.intent("reload_catalog", handle, allowed=(Screen.MAINTENANCE,))

    def _reload_catalog_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is not None or value.error is not None:
            v.say("maintenance.catalog_failed", "error")
        elif value.changed:
            v.say("maintenance.catalog_reloaded")
        else:
            v.say("maintenance.catalog_unchanged")

    def leave_application(self) -> None:
        v = self.v

        def handle() -> None:
            if self._maintainer():
                log.info("flow_exit_requested")
                v.end_visit(None)
                v.exit_requested, v.exit_code = True, EXIT_MAINTAINER
        v.intent("leave_application", handle, allowed=(Screen.MAINTENANCE,))

    # ---- what the screens show ---------------------------------------------------

    def sign_in_view(self) -> StaffSignInView:
        v = self.v
        return StaffSignInView(v.session.staff_uid is not None,
                               v.settings.staff_pin_attempts - v.vs.pin_attempts,
                               offline=v.health.line("platform").status in ("offline",
                                                                            "error"))

    def menu_view(self) -> StaffMenuView:
        staff = self.v.session.staff
        roles = staff.roles if staff else ()
        return StaffMenuView(staff.name if staff else "", "assist" in roles,
                             "maintain" in roles, staff.staff_id if staff else "",
                             staff.via if staff else "platform")

    def maintenance_view(self) -> MaintenanceView:
        v = self.v
        catalog = v.catalog()
        staff = v.session.staff
        place = v.settings.place
        return MaintenanceView(staff.name if staff else "", self._device_reports(),
                               v.vs.queue, catalog.version if catalog else None,
                               len(catalog.services) if catalog else 0,
                               staff.staff_id if staff else "",
                               staff.via if staff else "platform",
                               f"{place.kiosk_id} · {place.hall_code}", v.version)

    def _device_reports(self) -> tuple[DeviceReport, ...]:
        """Each device in words (by its code where the catalog has words for it, else by
        its status) and the time it was last heard of, in the kiosk's time zone."""
        v = self.v
        tz = v.wall_clock().tzinfo
        out = []
        for line in v.health.lines():
            key = ("devcode.not_heard" if line.status == "unknown" and not line.code
                   else f"devcode.{line.code}")
            known = key in STRINGS["zh"]
            words = Text(*(STRINGS[lang].get(key) or STRINGS[lang][f"devstate.{line.status}"]
                           for lang in ("zh", "en")))
            heard = v.health.heard_at(line.device)
            checked = (datetime.fromtimestamp(heard, tz).strftime("%H:%M:%S")
                       if heard is not None else "")
            level = ("none" if line.status == "unknown" or line.code == "not_configured"
                     else "ok" if line.status == "ok"
                     else "warn" if line.status == "degraded" else "bad")
            out.append(DeviceReport(line.device, line.status, words, checked,
                                    "" if known else line.code, level))
        return tuple(out)
