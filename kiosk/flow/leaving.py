"""Leaving a visit: nothing the citizen gave is thrown away without asking.

`cancel()` and a `back()` that would end the visit both come here. A visit that holds an
application (a document read, a service chosen, a form or pages begun) asks first
("Leave this application?"): `VisitState.confirm_leave` is set, and the UI shows the
question until `leave_confirmed()` (the visit ends and is wiped) or `leave_declined()`
(the citizen carries on, everything kept). A visit with nothing in it leaves at once. A
finished visit (the receipt shown, a ticket taken) simply ends with "thank you", never
"cancelled". The idle timeout does not come here: it ends the visit without asking.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .state import Screen

if TYPE_CHECKING:
    from .visit import Visit

log = logging.getLogger("kiosk.flow")

# Where a citizen's application is being built; staff screens, progress and tickets hold
# nothing the citizen would lose by leaving.
APPLICATION_SCREENS = frozenset({
    Screen.IDENTIFY, Screen.FACE, Screen.CHOOSE_SERVICE, Screen.SERVICE, Screen.FORM,
    Screen.MATERIALS, Screen.CAPTURE, Screen.REVIEW,
})


def finished(v: Visit) -> bool:
    """The visit got what it came for: a receipt on screen, or a ticket taken."""
    return (v.vs.screen == Screen.RECEIPT
            or (v.vs.screen == Screen.TICKET and v.vs.ticket is not None))


def has_something_to_lose(v: Visit) -> bool:
    """An application in the making: a document read or typed, a service chosen, a form
    or pages begun. The staff member's own sign-in is not the citizen's to lose."""
    if v.vs.screen not in APPLICATION_SCREENS and v.vs.staff_for is None:
        return False  # (staff signing in to confirm a citizen's face: theirs to lose)
    s = v.session
    return bool(s.identity or s.access_key or s.form or s.pages or s.skipped or s.delivery
                or v.vs.service is not None)


def leave(v: Visit, how: str) -> None:
    """`how` is "cancel" or "back": ask when there is something to lose, else end."""
    if finished(v):
        v.end_visit("visit.thank_you")
    elif has_something_to_lose(v):
        if not v.vs.confirm_leave:
            log.info("flow_leave_asked how=%s screen=%s", how, v.vs.screen.value)
        v.vs.confirm_leave = True
    else:
        v.end_visit("visit.cancelled" if how == "cancel" else None)


def leave_confirmed(v: Visit) -> None:
    """"Leave and erase my details": the visit ends and is wiped. Nothing when not asked."""
    if v.vs.confirm_leave:
        log.info("flow_leave_confirmed screen=%s", v.vs.screen.value)
        v.end_visit("visit.cancelled")


def leave_declined(v: Visit) -> None:
    """"Continue my application": the question goes, everything stays."""
    if v.vs.confirm_leave:
        log.info("flow_leave_declined screen=%s", v.vs.screen.value)
    v.vs.confirm_leave = False
