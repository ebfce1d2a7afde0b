"""After filing: progress lookups from a receipt's QR code (or typed), and supplements
the platform asks for."""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from offline_queue.client import Conflict, NotFound, PlatformError, Rejected, TransportError
from offline_queue.tracking import QUERY_CODE_RE, TRACKING_RE

from ..receipt import ServiceInfo, supplement_receipt
from ..text import Text
from .parsing import note_text, parse_receipt_code
from .receipts import Receipts
from .state import ProgressLookupView, ProgressView, Screen, TimelineItem
from .steps import materials_of, missing_materials
from .views import material_items
from .visit import ShownReceipt, Visit

log = logging.getLogger("kiosk.flow")


class Progress:
    def __init__(self, visit: Visit, receipts: Receipts) -> None:
        self.v = visit
        self.receipts = receipts
        visit.jobs("progress", self._progress_done)
        visit.jobs("supplement", self._supplement_done)
        visit.screen(Screen.PROGRESS_LOOKUP, lambda: ProgressLookupView(visit.can("scan")))
        visit.screen(Screen.PROGRESS, self.view, self._back_from_progress)

    def open_progress(self) -> None:
        v = self.v

        def handle() -> None:
            if not v.can("progress"):
                v.say("avail.progress.instead", "warning")
                return
            v.begin()
            v.go(Screen.PROGRESS_LOOKUP)
        v.intent("open_progress", handle, allowed=(Screen.ATTRACT,))

    # ---- the lookup --------------------------------------------------------------

    def code_scanned(self, text: str) -> None:
        """The camera read a QR code or barcode on the progress screen."""
        v = self.v

        def handle() -> None:
            parsed = parse_receipt_code(text, v.settings.receipt.tracking_url)
            if parsed is None:
                log.info("flow_code_rejected length=%d", len(text) if isinstance(text, str)
                         else -1)
                v.say("progress.bad_code", "error")
                return
            self._lookup(*parsed)
        v.intent("code_scanned", handle, allowed=(Screen.PROGRESS_LOOKUP,))

    def progress_typed(self, tracking_no: str, query_code: str) -> None:
        v = self.v

        def handle() -> None:
            number = tracking_no.strip().upper()
            code = query_code.strip().upper()
            if not TRACKING_RE.match(number):
                v.say("progress.bad_tracking_no", "error")
                return
            if not QUERY_CODE_RE.match(code):
                v.say("progress.bad_query_code", "error")
                return
            self._lookup(number, code)
        v.intent("progress_typed", handle, allowed=(Screen.PROGRESS_LOOKUP,))

    def _lookup(self, tracking_no: str, query_code: str) -> None:
        v = self.v
        v.session.lookup = (tracking_no, query_code)
        v.start("progress", lambda: v.ports.platform.progress(tracking_no, query_code),
                    "looking_up")

    def _progress_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is not None:
            v.session.lookup = None
            v.mark_platform_down(error)
            if isinstance(error, NotFound):
                v.say("progress.not_found", "error")
            elif isinstance(error, TransportError):
                v.say("platform.unreachable", "error")
            else:
                v.say("platform.bad_answer", "error")
            return
        v.vs.progress = value
        catalog = v.catalog()
        v.vs.progress_service = catalog.service(value.service_code) if catalog else None
        v.go(Screen.PROGRESS)

    def _back_from_progress(self) -> None:
        self.v.vs.progress = None
        self.v.go(Screen.PROGRESS_LOOKUP)

    # ---- supplements -------------------------------------------------------------

    def start_supplement(self) -> None:
        v = self.v

        def handle() -> None:
            if v.vs.progress is None or v.vs.progress.status != "needs_materials":
                return
            if not v.vs.progress.missing_materials:
                v.say("supplement.nothing_missing", "warning")
                return
            v.vs.mode = "supplement"
            v.go(Screen.MATERIALS)
        v.intent("start_supplement", handle, allowed=(Screen.PROGRESS,))

    def send_supplement(self) -> None:
        v = self.v
        lookup, progress = v.session.lookup, v.vs.progress
        if lookup is None or progress is None:
            return
        tracking_no = lookup[0]
        pages = [(m.code, bytes(p.jpeg)) for m in materials_of(v)
                 for p in v.session.pages.get(m.code, [])]
        received = [m.code for m in materials_of(v) if v.session.pages.get(m.code)]
        supplement_id = str(uuid.uuid4())
        platform = v.ports.platform

        def work() -> list[str]:
            attachments: list[dict[str, Any]] = []
            for code, data in pages:
                sha = hashlib.sha256(data).hexdigest()
                platform.put_blob(sha, data, "image/jpeg")
                attachments.append({"material_code": code, "sha256": sha,
                                    "media_type": "image/jpeg", "bytes": len(data), "pages": 1})
            platform.add_supplement(tracking_no, supplement_id, attachments)
            return received

        v.start("supplement", work, "sending")

    def _supplement_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is not None:
            v.mark_platform_down(error)
            if isinstance(error, Conflict | NotFound):
                v.say("supplement.not_awaiting", "error")
            elif isinstance(error, TransportError):
                v.say("platform.unreachable", "error")
            elif isinstance(error, Rejected):
                v.say("supplement.rejected", "error")
            elif isinstance(error, PlatformError):
                v.say("platform.bad_answer", "error")
            else:
                v.say("error.unexpected", "error")
            return
        lookup, progress = v.session.lookup, v.vs.progress
        assert lookup is not None and progress is not None
        service = v.vs.progress_service
        name = service.name if service else Text(progress.service_code, progress.service_code)
        info = service.info() if service else None
        if info is None:
            info = ServiceInfo(progress.service_code, name, 0, {})
        doc = supplement_receipt(lookup[0], lookup[1], info, v.settings.place,
                                 v.settings.receipt, materials=list(value),
                                 received_at=v.wall_clock(), offline=False, lang=v.vs.lang)
        v.vs.receipt = ShownReceipt("supplement", name, lookup[0], lookup[1], doc, False)
        log.info("flow_supplement_sent tracking_no=%s materials=%d", lookup[0], len(value))
        v.session.clear_citizen()
        v.vs.progress = None
        v.go(Screen.RECEIPT)
        self.receipts.print_receipt()

    # ---- what the screen shows ---------------------------------------------------

    def view(self) -> ProgressView:
        v = self.v
        p = v.vs.progress
        assert p is not None
        timeline = tuple(TimelineItem(e.at, e.status, note_text(e.note)) for e in p.timeline)
        missing = material_items(self.v.session, missing_materials(v)) \
            if p.status == "needs_materials" else ()
        return ProgressView(p.tracking_no,
                            v.vs.progress_service.name if v.vs.progress_service else None,
                            p.status, p.promised_by, timeline, missing,
                            p.status == "needs_materials" and bool(missing) and v.can("scan"))
