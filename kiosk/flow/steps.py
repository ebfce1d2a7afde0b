"""Where a filing goes next, and what it still lacks: shared by the form, the materials and
the review (and by supplements, whose materials are the ones a reviewer asked for)."""

from __future__ import annotations

from typing import Any

from ..catalog import Material
from ..forms import check_all, paginate
from ..text import Text
from .state import Screen
from .visit import Visit


def pages(v: Visit) -> list[tuple[Any, ...]]:
    """The form of the service chosen, in pages of `fields_per_page`."""
    service = v.vs.service
    return paginate(service.form, v.settings.fields_per_page) if service else []


def missing_materials(v: Visit) -> tuple[Material, ...]:
    """What the platform asks the applicant to add (a supplement)."""
    progress = v.vs.progress
    if progress is None:
        return ()
    service = v.vs.progress_service
    out: list[Material] = []
    for code in progress.missing_materials:
        known = service.material(code) if service else None
        out.append(Material(code, known.name if known else Text(code, code), True,
                            known.kind if known else "document",
                            known.max_pages if known else 5))
    return tuple(out)


def materials_of(v: Visit) -> tuple[Material, ...]:
    """The materials of this visit: the service's, or those of a supplement."""
    if v.vs.mode == "supplement":
        return missing_materials(v)
    return v.vs.service.materials if v.vs.service else ()


def current_material(v: Visit) -> Material | None:
    return next((m for m in materials_of(v) if m.code == v.vs.material), None)


def problems(v: Visit) -> tuple[list[str], list[str]]:
    """Form fields still wrong and required materials still missing."""
    service = v.vs.service
    if service is None:
        return [], []
    fields = list(check_all(service.form, v.session.form, today=v.today()))
    materials = [m.code for m in service.materials
                 if m.required and not v.session.pages.get(m.code)]
    return fields, materials


def to_review(v: Visit) -> None:
    v.vs.return_to_review = False
    v.go(Screen.REVIEW)


def to_materials(v: Visit) -> None:
    if not materials_of(v):
        to_review(v)
        return
    v.go(Screen.MATERIALS)


def to_form_end(v: Visit) -> None:
    form = pages(v)
    if form:
        v.vs.form_page = len(form) - 1
        v.go(Screen.FORM)
    else:
        v.go(Screen.SERVICE)
