"""The snapshot the UI shows: `build_state(visit)`, and the pieces of views that several
screens share. Each screen's own view is built by the journey that owns the screen."""

from __future__ import annotations

from ..catalog import Catalog, Material, categories_with_services
from ..countries import country_name
from ..session import Session
from .state import CategoryItem, FlowState, IdentitySummary, MaterialItem
from .visit import Visit
from .wayfinding import help_topic, visit_steps

# Waits a citizen may stop (the job's late result is then dropped by its token), except
# these: a commit cannot be taken back halfway (its receipt must be seen), a receipt being
# printed is already filed, and a supplement being sent may reach the platform anyway.
UNSTOPPABLE = frozenset({"filing", "printing", "sending"})


def build_state(v: Visit) -> FlowState:
    vs = v.vs
    staff = v.session.staff
    step, steps = visit_steps(v)
    return FlowState(
        screen=vs.screen, view=v.view(), lang=vs.lang, large_text=vs.large_text,
        high_contrast=vs.high_contrast, speech=vs.speech, busy=v.busy,
        busy_stoppable=v.busy is not None and v.busy not in UNSTOPPABLE, message=vs.message,
        warning_left_s=v.warning_left, confirm_leave=vs.confirm_leave,
        capabilities=v.capabilities(), visit_active=vs.active,
        staff_signed_in=staff is not None, exit_requested=v.exit_requested,
        exit_code=v.exit_code, visit=v.number, camera=v.camera_request(),
        staff_call=v.staff_call,
        step=step, steps=steps, help_topic=help_topic(v),
        hotline=v.settings.receipt.hotline)


def identity_summary(session: Session) -> IdentitySummary | None:
    i = session.identity
    if i is None:
        return None
    return IdentitySummary(
        name=i.display_name, document_number=i.document_number,
        id_number=i.personal_number,
        birth_date=i.birth_date.isoformat() if i.birth_date else "",
        nationality=i.nationality, verified=i.verified, passive_auth=i.passive_auth,
        has_photo=bool(i.face), source=i.source, id_type=i.id_type, address=i.address,
        nation=i.nation,
        valid_until=i.expiry_date.isoformat() if i.expiry_date and not i.long_term else "",
        long_term=i.long_term, nationality_name=country_name(i.nationality),
        issuing_state=i.issuing_state, issuing_state_name=country_name(i.issuing_state))


def material_items(session: Session, materials: tuple[Material, ...]
                   ) -> tuple[MaterialItem, ...]:
    return tuple(MaterialItem(m.code, m.name, m.required, m.kind, m.max_pages,
                              len(session.pages.get(m.code, [])),
                              m.code in session.skipped) for m in materials)


def category_items(catalog: Catalog | None) -> tuple[CategoryItem, ...]:
    if catalog is None:
        return ()
    return tuple(CategoryItem(c.code, c.name, n) for c, n in categories_with_services(catalog))
