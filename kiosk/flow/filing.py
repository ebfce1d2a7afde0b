"""Filing an application: choose a service, fill its form, review, and submit (commit to
the outbox; the receipt follows). The materials between form and review are
materials.py's."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from offline_queue.catalog_rules import catalog_problems
from offline_queue.outbox import (
    FiledSubmission,
    InvalidSubmission,
    NewAttachment,
    NewSubmission,
    OutboxError,
    OutboxFull,
)
from offline_queue.tracking import SequenceExhausted

from ..catalog import Service
from ..forms import check, check_all, contact_of, form_body, prefill
from ..receipt import filing_receipt
from ..session import Identity
from ..strings import table
from ..text import Text
from .receipts import Receipts
from .settings import TYPED_LIMITS
from .state import (
    ChooseServiceView,
    FieldView,
    FormView,
    Message,
    OptionItem,
    ReviewRow,
    ReviewView,
    Screen,
    ServiceItem,
    ServiceView,
    message,
)
from .steps import materials_of, pages, problems, to_form_end, to_materials, to_review
from .views import category_items, identity_summary, material_items
from .visit import ShownReceipt, Visit

log = logging.getLogger("kiosk.flow")


class Filing:
    def __init__(self, visit: Visit, receipts: Receipts) -> None:
        self.v = visit
        self.receipts = receipts
        visit.jobs("commit", self._commit_done)
        visit.screen(Screen.CHOOSE_SERVICE, self.choose_view, self._back_from_choose)
        visit.screen(Screen.SERVICE, self.service_view, lambda: visit.go(Screen.CHOOSE_SERVICE))
        visit.screen(Screen.FORM, self.form_view, self.previous_page_now)
        visit.screen(Screen.REVIEW, self.review_view, self._back_from_review)

    # ---- choose a service --------------------------------------------------------

    def choose_category(self, code: str | None) -> None:
        v = self.v

        def handle() -> None:
            v.vs.category = code
            v.vs.query = ""
            v.vs.message = None
        v.intent("choose_category", handle, allowed=(Screen.CHOOSE_SERVICE,))

    def search(self, text: str) -> None:
        v = self.v

        def handle() -> None:
            v.vs.query = text[:40]
            v.vs.category = None
            v.vs.message = None
        v.intent("search", handle, allowed=(Screen.CHOOSE_SERVICE,))

    def choose_service(self, code: str) -> None:
        v = self.v

        def handle() -> None:
            catalog = v.catalog()
            service = catalog.service(code) if catalog else None
            if service is None:
                v.say("service.unknown", "error")
                return
            if v.vs.service is not None and v.vs.service.code != code:
                self._forget_service_data()
            v.vs.service = service
            v.go(Screen.SERVICE)
        v.intent("choose_service", handle, allowed=(Screen.CHOOSE_SERVICE,))

    def _forget_service_data(self) -> None:
        v = self.v
        v.session.form.clear()
        for code in list(v.session.pages):
            v.session.clear_material(code)
        v.session.skipped.clear()
        v.session.delivery = None
        v.vs.field_messages.clear()
        v.vs.prefilled.clear()
        v.vs.return_to_review = False

    def start_form(self) -> None:
        v = self.v

        def handle() -> None:
            service = v.vs.service
            if service is None:
                return
            if not service.kiosk_filing:
                v.say("service.not_at_kiosk", "warning",
                                        department=service.department.get(v.vs.lang))
                return
            identity = v.session.identity
            if identity is not None:
                for name, value in prefill(service.form, identity, today=v.today()).items():
                    if not v.session.form.get(name):
                        v.session.form[name] = value
                        v.vs.prefilled.add(name)
            v.session.delivery = v.session.delivery or service.delivery[0]
            v.vs.form_page = 0
            if service.form:
                v.go(Screen.FORM)
            else:
                to_materials(v)
        v.intent("start_form", handle, allowed=(Screen.SERVICE,))

    def take_ticket_instead(self) -> None:
        """A service the kiosk cannot file: a ticket for the staffed windows of its kind."""
        v = self.v

        def handle() -> None:
            service = v.vs.service
            if service is None or not v.can("ticket"):
                v.say("avail.ticket.instead", "warning")
                return
            v.session.clear_citizen()
            v.vs.ticket = None
            v.vs.ticket_category = service.category
            v.go(Screen.TICKET)
        v.intent("take_ticket_instead", handle, allowed=(Screen.SERVICE,))

    def _back_from_choose(self) -> None:
        v = self.v
        if v.vs.category is not None or v.vs.query:
            v.vs.category, v.vs.query = None, ""
            v.vs.message = None
        else:
            v.go(Screen.IDENTIFY)

    # ---- the form ----------------------------------------------------------------

    def set_field(self, name: str, value: str) -> None:
        """A keystroke's worth of change: stored, and checked as-you-type."""
        v = self.v

        def handle() -> None:
            service = v.vs.service
            f = next((f for f in service.form if f.field == name), None) if service else None
            if f is None:
                return
            if name in v.vs.prefilled:
                # Taken from the chip or the ID card: a wrong value there is for staff to
                # look at, not for typing over (the application would no longer match it).
                log.info("flow_field_locked field=%s", name)
                v.say("form.from_document", "warning")
                return
            # A little over the limit, so the check can say "too long"; no more.
            limit = TYPED_LIMITS.get(f.type) or (f.max_length or 200) + 20
            v.session.form[name] = value[:limit]
            result = check(f, value, partial=True, today=v.today())
            if result.ok or result.key is None:
                v.vs.field_messages.pop(name, None)
            else:
                v.vs.field_messages[name] = Message(
                    result.key, result.params, "info" if result.incomplete else "error")
            v.vs.message = None
        v.intent("set_field", handle, allowed=(Screen.FORM,))

    def next_page(self) -> None:
        v = self.v

        def handle() -> None:
            form = pages(v)
            if not form:
                return
            page = form[v.vs.form_page]
            failures = check_all(page, v.session.form, today=v.today())
            for f in page:
                if f.field in failures:
                    r = failures[f.field]
                    v.vs.field_messages[f.field] = Message(r.key or "form.invalid", r.params,
                                                            "error")
                else:
                    v.vs.field_messages.pop(f.field, None)
            if failures:
                v.say("form.fix_errors", "error")
                return
            v.vs.message = None
            if v.vs.return_to_review:
                to_review(v)
            elif v.vs.form_page + 1 < len(form):
                v.vs.form_page += 1
            else:
                to_materials(v)
        v.intent("next_page", handle, allowed=(Screen.FORM,))

    def previous_page(self) -> None:
        self.v.intent("previous_page", self.previous_page_now, allowed=(Screen.FORM,))

    def previous_page_now(self) -> None:
        v = self.v
        v.vs.message = None
        if v.vs.return_to_review:
            to_review(v)
        elif v.vs.form_page > 0:
            v.vs.form_page -= 1
        else:
            v.go(Screen.SERVICE)

    # ---- review and submit -------------------------------------------------------

    def edit_form(self, page: int = 0) -> None:
        v = self.v

        def handle() -> None:
            form = pages(v)
            if not form:
                return
            v.vs.form_page = max(0, min(page, len(form) - 1))
            v.vs.return_to_review = True
            v.go(Screen.FORM)
        v.intent("edit_form", handle, allowed=(Screen.REVIEW,))

    def edit_field(self, name: str) -> None:
        self.v.intent("edit_field", lambda: self.edit_field_now(name), allowed=(Screen.REVIEW,))

    def edit_materials(self) -> None:
        v = self.v

        def handle() -> None:
            if materials_of(v):
                v.vs.return_to_review = True
                v.go(Screen.MATERIALS)
        v.intent("edit_materials", handle, allowed=(Screen.REVIEW,))

    def set_delivery(self, kind: str) -> None:
        v = self.v

        def handle() -> None:
            if v.vs.service is not None and kind in v.vs.service.delivery:
                v.session.delivery = kind
        v.intent("set_delivery", handle, allowed=(Screen.REVIEW,))

    def submit(self) -> None:
        v = self.v

        def handle() -> None:
            service, identity = v.vs.service, v.session.identity
            if service is None or identity is None:
                return
            fields, materials = problems(v)
            if fields:
                self.edit_field_now(fields[0])
                v.say("review.fix_field", "error")
                return
            if materials:
                v.vs.return_to_review = True
                v.go(Screen.MATERIALS, message("materials.required", "error"))
                return
            sub = self._new_submission(service, identity)
            entry = v.ports.catalog.service_entry(service.code)
            if entry is None:
                log.warning("flow_catalog_entry_missing service=%s", service.code)
                v.say("submit.invalid", "error")
                return
            # The one check the platform will make, before anything is written: what it
            # would refuse (422) is the kiosk's own mistake, said here, not a dead letter.
            refused = catalog_problems(entry, sub)
            if refused:
                first = refused[0]
                log.error("flow_catalog_refused service=%s field=%s code=%s", service.code,
                          first.field, first.code)
                self._show_problem(first.field)
                return
            received = [m.code for m in service.materials if v.session.pages.get(m.code)]
            outbox = v.ports.outbox
            v.start("commit", lambda: (outbox.commit(sub), received), "filing")
        v.intent("submit", handle, allowed=(Screen.REVIEW,))

    def _show_problem(self, field: str) -> None:
        """Take the citizen to what the catalog refused, named in the message."""
        v = self.v
        service = v.vs.service
        name = field.removeprefix("form.")
        label = next((f.label.get(v.vs.lang) for f in service.form if f.field == name),
                     None) if service else None
        if field.startswith("form.") and label is not None:
            self.edit_field_now(name)
            v.say("submit.catalog_refused", "error", field=label)
        elif field.startswith("attachments") or field.startswith("materials"):
            v.vs.return_to_review = True
            v.go(Screen.MATERIALS, message("submit.catalog_refused", "error", field=field))
        else:  # the delivery, or the service itself
            shown = table(v.vs.lang, "label.").get(field, field)
            v.say("submit.catalog_refused", "error", field=shown)

    def edit_field_now(self, name: str) -> None:
        v = self.v
        for i, page in enumerate(pages(v)):
            if any(f.field == name for f in page):
                v.vs.form_page = i
                v.vs.return_to_review = True
                v.go(Screen.FORM)
                failures = check_all(page, v.session.form, today=v.today())
                for fname, r in failures.items():
                    v.vs.field_messages[fname] = Message(r.key or "form.invalid", r.params,
                                                          "error")
                return

    def _new_submission(self, service: Service, identity: Identity) -> NewSubmission:
        v = self.v
        staff = v.session.staff
        personal = identity.personal_number
        if identity.source == "id_card":
            # The SAM authenticated the card; chip_verified is the eMRTD's passive
            # authentication by the contract, which an ID card does not have.
            verification: dict[str, Any] = {"method": "id_card_reader", "sam_verified": True}
        else:
            verification = {"method": "chip", "passive_auth": identity.passive_auth,
                            "document_number_checked": True}
        if staff:
            verification["staff_present"] = True
        # The face step's decision (face.py) as the contract's face_match; never an image.
        verification["face_match"] = dict(v.session.face_match or {"result": "not_done"})
        applicant: dict[str, Any] = {
            "id_type": identity.id_type,
            "id_number": personal or identity.document_number,
            "name": identity.display_name,
            "chip_verified": identity.chip_verified,
            "verification": verification,
        }
        if identity.birth_date is not None:
            applicant["birth_date"] = identity.birth_date.isoformat()
        if identity.expiry_date is not None:
            applicant["document_expiry"] = identity.expiry_date.isoformat()
        if re.fullmatch(r"[A-Z]{3}", identity.nationality):
            applicant["nationality"] = identity.nationality
        attachments = [
            NewAttachment(m.code, bytes(page.jpeg), "image/jpeg", pages=1)
            for m in service.materials for page in v.session.pages.get(m.code, [])
        ]
        return NewSubmission(
            service_code=service.code, applicant=applicant,
            form=form_body(service.form, v.session.form), attachments=attachments,
            contact=contact_of(service.form, v.session.form),
            delivery=v.session.delivery or service.delivery[0],
            assisted_by=staff.staff_id if staff else None)

    def _commit_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is not None:
            if isinstance(error, OutboxFull):
                v.health.report("storage", "error", "disk_full",
                                   "the outbox's disk is full")
                v.say("submit.storage_full", "error")
            elif isinstance(error, InvalidSubmission):
                v.say("submit.invalid", "error")
            elif isinstance(error, SequenceExhausted):
                # 9,999 filings today on this kiosk: the numbers come back at midnight.
                v.say("submit.numbers_used_up", "error")
            elif isinstance(error, OutboxError):
                v.say("submit.failed", "error")
            else:
                v.say("error.unexpected", "error")
            return
        filed, received = value
        assert isinstance(filed, FiledSubmission)
        service = v.vs.service
        assert service is not None
        offline = not v.platform_up()
        delivery = v.session.delivery or service.delivery[0]
        info = service.info()
        doc = filing_receipt(filed, info, v.settings.place, v.settings.receipt,
                             materials=received, offline=offline, lang=v.vs.lang,
                             delivery=delivery)
        v.vs.receipt = ShownReceipt("filing", service.name, filed.tracking_no, filed.query_code,
                                 doc, offline, about=info, delivery=delivery,
                                 filed_at=datetime.fromisoformat(filed.created_at))
        log.info("flow_filed tracking_no=%s offline=%s assisted=%s", filed.tracking_no,
                 offline, v.session.staff is not None)
        # Committed: the citizen's data now lives (encrypted) in the outbox only.
        v.session.clear_citizen()
        v.vs.service = None
        v.go(Screen.RECEIPT)
        self.receipts.print_receipt()

    def _back_from_review(self) -> None:
        v = self.v
        if v.vs.service is not None and v.vs.service.materials:
            v.go(Screen.MATERIALS)
        else:
            to_form_end(v)

    # ---- what the screens show ---------------------------------------------------

    def choose_view(self) -> ChooseServiceView:
        v = self.v
        catalog = v.catalog()
        key = (id(catalog), v.vs.query, v.vs.category)
        if v.vs.listing is None or v.vs.listing[0] != key:
            services: list[Service] = []
            if catalog is not None:
                if v.vs.query.strip():
                    services = [h.service for h in catalog.search(v.vs.query,
                                                                  v.settings.search_limit)]
                elif v.vs.category is not None:
                    services = catalog.in_category(v.vs.category)
                else:
                    # "All categories": every service, those filed at this kiosk first (an
                    # empty pane beside the categories told the citizen nothing).
                    services = sorted(catalog.services, key=lambda s: not s.kiosk_filing)
            items = tuple(ServiceItem(s.code, s.name, s.kiosk_filing, s.promised_days,
                                      s.fee_cny) for s in services)
            v.vs.listing = (key, items)  # searched once per query, not once per state
        return ChooseServiceView(category_items(catalog), v.vs.category, v.vs.query,
                                 v.vs.listing[1], catalog.version if catalog else None)

    def service_view(self) -> ServiceView:
        v = self.v
        s = v.vs.service
        assert s is not None
        catalog = v.catalog()
        category = catalog.category(s.category) if catalog else None
        return ServiceView(s.code, s.name, s.department, s.steps,
                           material_items(self.v.session, s.materials), s.fee_cny, s.promised_days,
                           s.kiosk_filing, s.delivery,
                           None if s.kiosk_filing else s.department,
                           not s.kiosk_filing and v.can("ticket"),
                           category.name if category else None)

    def form_view(self) -> FormView:
        v = self.v
        s = v.vs.service
        assert s is not None
        form = pages(v)
        page = form[v.vs.form_page] if form else ()
        fields = tuple(FieldView(
            f.field, f.label, f.type, f.required, v.session.form.get(f.field, ""),
            tuple(OptionItem(o.value, o.label) for o in f.options), f.max_length,
            v.vs.field_messages.get(f.field), f.field in v.vs.prefilled) for f in page)
        return FormView(s.name, v.vs.form_page, len(form), fields, v.vs.return_to_review)

    def review_view(self) -> ReviewView:
        v = self.v
        s = v.vs.service
        assert s is not None
        rows: list[ReviewRow] = []
        for i, page in enumerate(pages(v)):
            for f in page:
                value = v.session.form.get(f.field, "")
                option = f.option(value) if f.type == "select" else None
                rows.append(ReviewRow(f.field, f.label,
                                      option.label.get(v.vs.lang) if option else value, i,
                                      f.field in v.vs.prefilled))
        fields, materials = problems(v)
        staff = v.session.staff
        labels = {f.field: f.label for f in s.form}
        names = {m.code: m.name for m in s.materials}
        words = tuple(labels.get(x) or names.get(x) or Text(x, x) for x in fields + materials)
        return ReviewView(identity_summary(self.v.session), s.name, s.fee_cny, s.promised_days,
                          tuple(rows), material_items(self.v.session, s.materials), s.delivery,
                          v.session.delivery, staff.name if staff else None,
                          tuple(fields + materials), words)
