"""Staff at the kiosk: sign-in with a staff card and PIN, assisting a citizen, and the
maintenance screen (devices, queue, dead letters, test print, catalog, leaving)."""

from __future__ import annotations

import logging
from typing import Any

from offline_queue.client import BadCredentials, TransportError

from .flow_base import EXIT_MAINTAINER, PIN_RE, _error_name
from .flow_state import QueueLine, Screen, message
from .receipt import DeviceLine as SlipLine
from .receipt import StatusSlip, status_slip
from .session import Staff

log = logging.getLogger("kiosk.flow")


class StaffJourney:
    """Part of `Flow` (kiosk/flow.py): its staff intents and their jobs' results."""

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

