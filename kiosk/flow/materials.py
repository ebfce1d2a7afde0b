"""The materials of a filing (or of a supplement): the list, and capturing each page with
the camera (auto-capture, or the citizen's tap), checking, retaking and removing pages."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..session import Page
from ..text import Text
from .settings import JPEG_MAGIC, UNDO_S
from .state import CaptureView, MaterialsView, Screen
from .steps import current_material, materials_of, to_form_end, to_review
from .views import material_items
from .visit import Visit

log = logging.getLogger("kiosk.flow")


class Materials:
    def __init__(self, visit: Visit, send_supplement: Callable[[], None]) -> None:
        self.v = visit
        self.send_supplement = send_supplement
        visit.screen(Screen.MATERIALS, self.materials_view, self._back_from_materials)
        visit.screen(Screen.CAPTURE, self.capture_view, self._leave_capture)
        visit.on_tick(self._expire_undo)

    # ---- the list ----------------------------------------------------------------

    def open_material(self, code: str) -> None:
        v = self.v

        def handle() -> None:
            material = next((m for m in materials_of(v) if m.code == code), None)
            if material is None:
                return
            if not v.can("scan"):
                v.say("avail.scan.instead", "error")
                return
            v.vs.material = code
            v.session.skipped.discard(code)
            has_pages = bool(v.session.pages.get(code))
            v.vs.awaiting_page = not has_pages
            v.vs.replace_index = None
            v.vs.checking = None
            v.vs.capture_hint = None
            v.go(Screen.CAPTURE)
        v.intent("open_material", handle, allowed=(Screen.MATERIALS,))

    def skip_material(self, code: str | None = None) -> None:
        v = self.v

        def handle() -> None:
            target = code or v.vs.material
            material = next((m for m in materials_of(v) if m.code == target), None)
            if material is None:
                return
            if material.required:
                v.say("materials.required", "error")
                return
            v.session.clear_material(material.code)
            v.session.skipped.add(material.code)
            v.vs.material = None
            v.go(Screen.MATERIALS)
        v.intent("skip_material", handle, allowed=(Screen.MATERIALS, Screen.CAPTURE))

    def materials_done(self) -> None:
        v = self.v

        def handle() -> None:
            missing = [m for m in materials_of(v)
                       if m.required and not v.session.pages.get(m.code)]
            if missing:
                names = "、".join(m.name.get(v.vs.lang) for m in missing) \
                    if v.vs.lang == "zh" else ", ".join(m.name.get(v.vs.lang) for m in missing)
                v.say("materials.missing", "error", names=names)
                return
            if v.vs.mode == "supplement":
                self.send_supplement()
            else:
                to_review(v)
        v.intent("materials_done", handle, allowed=(Screen.MATERIALS,))

    def _back_from_materials(self) -> None:
        v = self.v
        if v.vs.mode == "supplement":
            v.go(Screen.PROGRESS)
        elif v.vs.return_to_review:
            to_review(v)
        else:
            to_form_end(v)

    # ---- capture -----------------------------------------------------------------

    def page_captured(self, jpeg: bytes, *, kind: str = "", size: tuple[int, int] | None = None,
                      dpi: int | None = None) -> None:
        """The camera auto-captured (or the citizen pressed 'capture'): one page."""
        v = self.v

        def handle() -> None:
            material = current_material(v)
            if material is None or not v.vs.awaiting_page:
                return
            if not isinstance(jpeg, bytes | bytearray) or not jpeg.startswith(JPEG_MAGIC):
                log.warning("flow_page_rejected reason=not_jpeg")
                v.say("capture.bad_image", "error")
                return
            pages = v.session.pages.get(material.code, [])
            if v.vs.replace_index is None and len(pages) >= material.max_pages:
                v.vs.awaiting_page = False
                v.say("capture.max_pages", "warning", max=material.max_pages)
                return
            index = v.session.add_page(material.code, Page(bytearray(jpeg), kind, size, dpi),
                                          v.vs.replace_index)
            v.vs.awaiting_page = False
            v.vs.replace_index = None
            v.vs.checking = index
            v.vs.capture_hint = None
            v.vs.message = None  # the instruction says "check the page" (screen.capture_check)
        v.intent("page_captured", handle, allowed=(Screen.CAPTURE,))

    def capture_hint(self, reason: str | None) -> None:
        """The camera's quality message key (hold_still, glare, ...), shown while waiting."""
        v = self.v

        def handle() -> None:
            if v.vs.awaiting_page:
                v.vs.capture_hint = reason
        v.intent("capture_hint", handle, allowed=(Screen.CAPTURE,), touch=False)

    def retake(self, index: int) -> None:
        v = self.v

        def handle() -> None:
            material = current_material(v)
            if material is None:
                return
            pages = v.session.pages.get(material.code, [])
            if not 0 <= index < len(pages):
                return
            v.session.remove_page(material.code, index)
            v.vs.replace_index = index
            v.vs.awaiting_page = True
            v.vs.checking = None
            v.vs.message = None
        v.intent("retake", handle, allowed=(Screen.CAPTURE,))

    def remove_page(self, index: int) -> None:
        """Delete a page; for UNDO_S seconds "deleted · undo" (`undo_remove`) puts it back."""
        v = self.v

        def handle() -> None:
            if v.vs.material is not None and v.session.take_page(v.vs.material, index):
                v.vs.undo_until = v.clock() + UNDO_S
                left = len(v.session.pages.get(v.vs.material, []))
                # Show a page that is left (the one after it, or the last), not an empty stage.
                v.vs.checking = min(index, left - 1) if left else None
                if not left:
                    v.vs.awaiting_page = True
        v.intent("remove_page", handle, allowed=(Screen.CAPTURE,))

    def undo_remove(self) -> None:
        v = self.v

        def handle() -> None:
            material = current_material(v)
            removed = v.session.removed
            if material is None or removed is None or removed[0] != material.code:
                return
            if len(v.session.pages.get(material.code, [])) >= material.max_pages:
                v.say("capture.max_pages", "warning", max=material.max_pages)
                return
            back = v.session.undo_remove()
            v.vs.undo_until = None
            if back is not None:
                v.vs.checking = back[1]
                v.vs.awaiting_page = False
                v.vs.replace_index = None
                v.vs.capture_hint = None
        v.intent("undo_remove", handle, allowed=(Screen.CAPTURE,))

    def shutter(self) -> None:
        """The citizen's "take photo": the camera takes the next frame as it is, without
        waiting for every quality gate (a page the automatic capture does not take)."""
        v = self.v

        def handle() -> None:
            if v.vs.awaiting_page:
                v.vs.shutter += 1
                log.info("flow_shutter_pressed")
        v.intent("shutter", handle, allowed=(Screen.CAPTURE,))

    def _expire_undo(self, now: float) -> None:
        v = self.v
        if v.vs.undo_until is not None and now >= v.vs.undo_until:
            v.vs.undo_until = None
            v.session.forget_removed()

    def add_page(self) -> None:
        v = self.v

        def handle() -> None:
            material = current_material(v)
            if material is None:
                return
            if len(v.session.pages.get(material.code, [])) >= material.max_pages:
                v.say("capture.max_pages", "warning", max=material.max_pages)
                return
            v.vs.awaiting_page = True
            v.vs.replace_index = None
            v.vs.checking = None
            v.vs.message = None
        v.intent("add_page", handle, allowed=(Screen.CAPTURE,))

    def material_done(self) -> None:
        self.v.intent("material_done", self._leave_capture, allowed=(Screen.CAPTURE,))

    def _leave_capture(self) -> None:
        v = self.v
        if v.vs.replace_index is not None:
            v.say("capture.retake_pending", "warning")
            return
        v.vs.undo_until = None
        v.session.forget_removed()  # the deleted page goes for good with the screen
        v.vs.material = None
        v.vs.awaiting_page = False
        v.vs.checking = None
        v.vs.capture_hint = None
        v.go(Screen.MATERIALS)

    # ---- what the screens show ---------------------------------------------------

    def materials_view(self) -> MaterialsView:
        v = self.v
        items = material_items(self.v.session, materials_of(v))
        ready = all(i.pages > 0 for i in items if i.required)
        name = v.vs.service.name if v.vs.service else (
            v.vs.progress_service.name if v.vs.progress_service else Text("", ""))
        missing = tuple(i.name for i in items if i.required and i.pages == 0)
        return MaterialsView(name, items, ready, v.vs.mode == "supplement",
                             v.vs.return_to_review, missing)

    def capture_view(self) -> CaptureView:
        v = self.v
        material = current_material(v)
        assert material is not None
        item = material_items(self.v.session, (material,))[0]
        removed = v.session.removed
        can_undo = (removed is not None and removed[0] == material.code
                    and v.vs.undo_until is not None)
        return CaptureView(item, item.pages, v.vs.awaiting_page, v.vs.replace_index,
                           v.vs.checking, item.pages < material.max_pages,
                           not material.required, v.vs.capture_hint, can_undo)
