"""Filing an application: choose a service, the form, materials and their pages, review,
and submit (commit to the outbox, then print the receipt)."""

from __future__ import annotations

import logging
import re
from typing import Any

from devices.printer import PrinterError
from offline_queue.outbox import (
    FiledSubmission,
    InvalidSubmission,
    NewAttachment,
    NewSubmission,
    OutboxError,
    OutboxFull,
)
from offline_queue.tracking import SequenceExhausted

from .catalog import Catalog, Material, Service
from .flow_base import _TYPED_LIMITS, JPEG_MAGIC, _Receipt
from .flow_state import Message, Screen, message
from .forms import check, check_all, contact_of, form_body, paginate, prefill
from .receipt import filing_receipt
from .session import Identity, Page
from .text import Text

log = logging.getLogger("kiosk.flow")


class FilingJourney:
    """Part of `Flow` (kiosk/flow.py): the filing intents and their jobs' results."""

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
            elif isinstance(error, SequenceExhausted):
                # 9,999 filings today on this kiosk: the numbers come back at midnight.
                self._message = message("submit.numbers_used_up", "error")
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

