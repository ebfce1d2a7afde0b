"""Queue tickets for the staffed windows: a category, a number from the platform, printed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from offline_queue.client import TransportError

from ..receipt import QueueTicket, queue_ticket
from .state import Screen, TicketInfo, TicketView
from .views import category_items
from .visit import ShownTicket, Visit


class Tickets:
    def __init__(self, visit: Visit) -> None:
        self.v = visit
        visit.jobs("ticket", self._ticket_done)
        visit.jobs("print_ticket", self._print_ticket_done)
        visit.screen(Screen.TICKET, self.view)

    def open_ticket(self, category: str | None = None) -> None:
        v = self.v

        def handle() -> None:
            if not v.can("ticket"):
                v.say("avail.ticket.instead", "warning")
                return
            v.begin()
            v.vs.ticket = None
            v.vs.ticket_category = category
            v.go(Screen.TICKET)
        v.intent("open_ticket", handle, allowed=(Screen.ATTRACT,))

    def pick_ticket_category(self, code: str) -> None:
        v = self.v

        def handle() -> None:
            catalog = v.catalog()
            category = catalog.category(code) if catalog else None
            if category is None:
                v.say("ticket.unknown_category", "error")
                return
            if not v.platform_up():
                v.say("avail.ticket.instead", "warning")
                return
            hall = v.settings.place.hall_code
            v.start("ticket", lambda: (v.ports.platform.take_ticket(hall, code), category),
                        "taking_ticket")
        v.intent("pick_ticket_category", handle, allowed=(Screen.TICKET,))

    def _ticket_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is not None:
            v.mark_platform_down(error)
            v.say("platform.unreachable" if isinstance(error, TransportError)
                                    else "ticket.failed", "error")
            return
        ticket, category = value
        try:
            issued = datetime.fromisoformat(ticket.issued_at)
        except ValueError:
            issued = v.wall_clock()
        doc = queue_ticket(QueueTicket(ticket.ticket_no, category.name,
                                       ticket.waiting_ahead, ticket.estimated_wait_min, issued),
                           v.settings.place, lang=v.vs.lang)
        v.vs.ticket = ShownTicket(ticket.ticket_no, category.name, ticket.waiting_ahead,
                               ticket.estimated_wait_min, doc)
        if not v.can("print"):
            v.vs.ticket.printed = False
            v.say("ticket.printer_down", "warning")
            return
        v.start("print_ticket", lambda: v.ports.printer.print_document(doc), "printing")

    def _print_ticket_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if v.vs.ticket is None:
            return
        v.vs.ticket.printed = error is None
        if error is not None:
            v.say("ticket.printer_down", "warning")
        else:
            v.say("ticket.take_it")

    def view(self) -> TicketView:
        v = self.v
        t = v.vs.ticket
        info = TicketInfo(t.number, t.area, t.people_ahead, t.wait_min, t.printed) if t else None
        return TicketView(category_items(v.catalog()), v.vs.ticket_category, info)
