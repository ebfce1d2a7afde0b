"""Building the FlowState snapshot: one view dataclass per screen, from the flow's fields."""

from __future__ import annotations

import logging
from collections.abc import Callable

from .catalog import Catalog, Material, Service, categories_with_services
from .flow_base import _note
from .flow_state import (
    AttractView,
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
    OptionItem,
    OutOfServiceView,
    ProgressLookupView,
    ProgressView,
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
)
from .receipt import tracking_url
from .text import Text

log = logging.getLogger("kiosk.flow")


class StateViews:
    """Part of `Flow` (kiosk/flow.py): the snapshot the UI shows."""

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


