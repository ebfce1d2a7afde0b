"""After filing: progress lookups from a receipt's QR code, supplements the platform asks
for, and queue tickets for the staffed windows."""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime
from typing import Any

from offline_queue.client import Conflict, NotFound, PlatformError, Rejected, TransportError
from offline_queue.tracking import QUERY_CODE_RE, TRACKING_RE

from .flow_base import _Receipt, _Ticket, parse_receipt_code
from .flow_state import Screen, message
from .receipt import QueueTicket, ServiceInfo, queue_ticket, supplement_receipt
from .text import Text

log = logging.getLogger("kiosk.flow")


class ProgressJourney:
    """Part of `Flow` (kiosk/flow.py): progress, supplements and tickets."""

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

