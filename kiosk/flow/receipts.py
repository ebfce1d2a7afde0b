"""The receipt of a filing or a supplement: printed when it can be, reprinted on request,
and shown on screen either way."""

from __future__ import annotations

from typing import Any

from devices.printer import PrinterError

from ..receipt import tracking_url
from .state import ReceiptView, Screen
from .visit import Visit


class Receipts:
    def __init__(self, visit: Visit) -> None:
        self.v = visit
        visit.jobs("print_receipt", self._print_receipt_done)
        visit.screen(Screen.RECEIPT, self.view)

    def print_receipt(self) -> None:
        v = self.v
        receipt = v.vs.receipt
        if receipt is None:
            return
        receipt.printed = None
        if not v.can("print"):
            receipt.printed = False
            v.say("receipt.printer_down", "warning")
            return
        doc = receipt.document
        v.start("print_receipt", lambda: v.ports.printer.print_document(doc), "printing")

    def _print_receipt_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        receipt = v.vs.receipt
        if receipt is None:
            return
        receipt.printed = error is None
        if error is None:
            v.say("receipt.take_it")
        else:
            if isinstance(error, PrinterError):
                v.health.report("printer", "error", error.code,
                                   "the last print failed")
                v.say("receipt.print_failed", "warning")

    def reprint(self) -> None:
        v = self.v

        def handle() -> None:
            if v.vs.receipt is not None:
                v.vs.message = None
                doc = v.vs.receipt.document
                v.start("print_receipt", lambda: v.ports.printer.print_document(doc),
                            "printing")
        v.intent("reprint", handle, allowed=(Screen.RECEIPT,))

    def view(self) -> ReceiptView:
        v = self.v
        r = v.vs.receipt
        assert r is not None
        return ReceiptView(r.kind, r.service, r.tracking_no, r.query_code,
                           tracking_url(v.settings.receipt, r.tracking_no, r.query_code),
                           r.printed, r.offline, r.printed is False, r.next_steps)
