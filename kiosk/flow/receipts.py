"""The receipt of a filing or a supplement: printed when it can be, reprinted on request,
and shown on screen either way."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from devices.printer import PrinterError
from offline_queue.outbox import OutboxError

from ..receipt import NextStep, next_steps, tracking_url
from ..strings import table
from .state import ReceiptView, Screen
from .visit import ShownReceipt, Visit

log = logging.getLogger("kiosk.flow")


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
            v.vs.message = None  # the instruction and "回执已打印" say it: not a third time
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
                           r.printed, r.offline, r.printed is False, self._steps_now(r))

    def _steps_now(self, r: ShownReceipt) -> tuple[NextStep, ...]:
        """What comes next, as printed, in the visit's language now, with the status
        brought up to date while the receipt is on screen: once the platform received the
        application (its SubmissionAck), 已接收 and when, the timeline's first word."""
        if r.kind != "filing" or r.about is None or r.filed_at is None:
            return ()
        lang = self.v.vs.lang
        steps = next_steps(r.about, delivery=r.delivery, filed_at=r.filed_at,
                           offline=r.offline, lang=lang)
        if r.outbox_state is None:
            try:
                item = self.v.ports.outbox.find(r.tracking_no)
            except OutboxError as exc:
                log.warning("flow_receipt_status_unknown reason=%s", type(exc).__name__)
                return steps
            if item.state == "acknowledged" and item.received_at:
                r.outbox_state, r.received_at = item.state, item.received_at
            elif item.state == "dead":
                r.outbox_state = item.state
            else:
                return steps
        w = table(lang, "paper.")
        if r.outbox_state == "dead":
            text = w["status_dead"]
        else:
            at = r.received_at  # RFC 3339: the minute is what a citizen reads
            text = w["status_received"].format(status=table(lang, "label.ps.")["received"],
                                               time=at[11:16] if len(at) >= 16 else at)
        return tuple(dataclasses.replace(s, text=text) if s.key == "status" else s
                     for s in steps)
