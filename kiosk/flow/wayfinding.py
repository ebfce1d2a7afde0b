"""Where the citizen is in their visit, for the frame around every screen: the steps of
this visit ("第 2 步 / 共 6 步" with the names of the steps) and the help topic of the
screen showing (what it needs, and the picture that goes with it).

The steps depend on what the visit is: a filing (identify ... receipt), a progress lookup
(with the supplement's steps when the platform asks for papers) or a queue ticket. Staff
screens and the home screen have none. A screen this module does not know (a journey
added later) takes the step of the screen it belongs to by its name, else none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .state import Screen

if TYPE_CHECKING:
    from .visit import Visit

FILING_STEPS = ("identify", "service", "form", "materials", "review", "receipt")
LOOKUP_STEPS = ("lookup", "progress")
SUPPLEMENT_STEPS = LOOKUP_STEPS + ("materials", "receipt")
TICKET_STEPS = ("ticket_category", "ticket")

# Screen value -> its step in a filing. "face" (the face check after the document is
# read) belongs to proving who you are, so it is the identify step.
FILING_STEP_OF = {
    "identify": "identify", "face": "identify",
    "choose_service": "service", "service": "service",
    "form": "form", "materials": "materials", "capture": "materials",
    "review": "review", "receipt": "receipt",
}
SUPPLEMENT_STEP_OF = {
    "progress_lookup": "lookup", "progress": "progress",
    "materials": "materials", "capture": "materials", "receipt": "receipt",
}

# The help overlay's topics (kiosk.strings "help.<topic>"); others show "help.default".
HELP_TOPICS = frozenset({
    "identify_idcard", "identify_camera", "identify_typed", "identify_confirm", "face",
    "choose_service", "service", "form", "materials", "capture", "review", "receipt",
    "progress_lookup", "progress", "ticket", "staff_sign_in",
})


def visit_steps(v: Visit) -> tuple[int, tuple[str, ...]]:
    """(the current step, 1-based, and the step names of this visit), or (0, ())."""
    vs = v.vs
    screen = vs.screen.value
    if vs.screen == Screen.TICKET:
        return (2 if vs.ticket is not None else 1), TICKET_STEPS
    if vs.mode == "supplement" or vs.screen in (Screen.PROGRESS_LOOKUP, Screen.PROGRESS):
        progress = vs.progress
        asks_papers = vs.mode == "supplement" or (
            progress is not None and progress.status == "needs_materials")
        steps = SUPPLEMENT_STEPS if asks_papers else LOOKUP_STEPS
        step = SUPPLEMENT_STEP_OF.get(screen)
        return (steps.index(step) + 1, steps) if step in steps else (0, ())
    step = FILING_STEP_OF.get(screen)
    if step is None:
        return 0, ()
    return FILING_STEPS.index(step) + 1, FILING_STEPS


def help_topic(v: Visit) -> str:
    """What the help overlay explains on the screen showing."""
    vs = v.vs
    if vs.screen == Screen.IDENTIFY:
        if v.session.identity is not None:
            topic = "identify_confirm"
        else:
            topic = f"identify_{vs.identify_mode}"
    else:
        topic = vs.screen.value
    return topic if topic in HELP_TOPICS else "default"
