"""Identify: a resident ID card (or foreign permanent resident card, or residence permit)
on the SAM reader, which reads it by itself and tells us; or a passport's MRZ (from the
camera, or typed), then its chip read through the PC/SC reader. The citizen confirms what
the document says. Also where a filing visit begins (a card laid on the reader on the
home screen begins one too)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from devices.card.errors import (
    BacFailed,
    CardError,
    CardRemoved,
    CardTimeout,
    NoCard,
    ReaderUnavailable,
)
from devices.mrz import Mrz, MrzError, bac_seed

from ..session import AccessKey, IdCardLike, Identity, mrz_date
from .leaving import leave
from .parsing import error_name, yymmdd
from .state import IdentifyView, Screen
from .views import identity_summary
from .visit import Visit

log = logging.getLogger("kiosk.flow")


class Identify:
    def __init__(self, visit: Visit, confirmed: Callable[[], None]) -> None:
        self.v = visit
        self.confirmed = confirmed  # what follows the confirmed document: the face step
        visit.jobs("chip", self._chip_done)
        visit.screen(Screen.IDENTIFY, self.view, self.back)

    # ---- from attract, and back --------------------------------------------------------

    def start_filing(self) -> None:
        v = self.v

        def handle() -> None:
            if not v.can("file"):
                v.say("avail.file.instead", "warning")
                return
            self._begin_filing()
        v.intent("start_filing", handle, allowed=(Screen.ATTRACT,))

    def _begin_filing(self) -> None:
        v = self.v
        v.begin()
        v.vs.mode = "file"
        v.vs.identify_mode = v.identify_way()
        v.go(Screen.IDENTIFY)

    def back(self) -> None:
        v = self.v
        if v.vs.identify_mode == "typed" and v.session.identity is None:
            v.vs.identify_mode = "camera"
            v.vs.message = None
        elif (v.vs.identify_mode == "camera" and v.session.identity is None
              and v.identify_way() == "idcard"):
            v.vs.identify_mode = "idcard"
            v.vs.message = None
        elif v.session.staff is not None:
            v.session.clear_citizen()
            v.go(Screen.STAFF_MENU)
        else:
            leave(v, "back")  # asks first when a document was read

    # ---- the ID card on the SAM reader ---------------------------------------------------

    def use_idcard(self) -> None:
        v = self.v

        def handle() -> None:
            v.vs.identify_mode = "idcard"
            v.vs.message = None
        v.intent("use_idcard", handle, allowed=(Screen.IDENTIFY,))

    def use_passport(self) -> None:
        v = self.v

        def handle() -> None:
            v.vs.identify_mode = "camera"
            v.vs.message = None
        v.intent("use_passport", handle, allowed=(Screen.IDENTIFY,))

    def idcard_event(self, kind: str, card: IdCardLike | None = None, code: str = "") -> None:
        """What the SAM reader's own monitor saw (it reads a placed card by itself)."""
        v = self.v

        def handle() -> None:
            screen = v.vs.screen
            if kind == "identity_read" and card is not None and screen == Screen.ATTRACT \
                    and v.busy is None and v.can("file"):
                self._begin_filing()  # the card laid on the reader begins the visit
                screen = v.vs.screen
            if screen != Screen.IDENTIFY or v.session.identity is not None:
                if kind == "identity_read":
                    log.info("flow_idcard_ignored screen=%s", screen.value)
                return
            if kind == "card_placed":
                v.vs.idcard_reading = True
                v.vs.identify_mode = "idcard"
                v.say("identify.idcard_reading")
            elif kind == "identity_read" and card is not None:
                v.vs.idcard_reading = False
                self._idcard_read(card)
            elif kind == "card_refused":
                v.vs.idcard_reading = False
                log.info("flow_idcard_refused code=%s", code)
                v.say("identify.card_expired" if code == "card_expired"
                      else "identify.idcard_read_failed", "error")
            elif kind == "read_failed":
                v.vs.idcard_reading = False
                v.say("identify.idcard_read_failed", "warning")
            elif kind == "card_removed" and v.vs.idcard_reading:
                v.vs.idcard_reading = False
                v.vs.message = None
        v.intent("idcard_event", handle, while_busy=True, touch=kind != "card_removed")

    def _idcard_read(self, card: IdCardLike) -> None:
        v = self.v
        if card.valid_until is not None and card.valid_until < v.today():
            # The reader refuses an expired card already; this guards a lenient one.
            log.info("flow_idcard_refused code=card_expired")
            v.say("identify.card_expired", "error")
            return
        try:
            identity = Identity.from_id_card(card)
        except (AttributeError, TypeError, ValueError) as exc:
            log.warning("flow_identity_malformed source=id_card error=%s", error_name(exc))
            v.say("identify.idcard_read_failed", "error")
            return
        v.session.set_identity(identity)
        log.info("flow_identity_read source=id_card id_type=%s photo=%s", identity.id_type,
                 "yes" if identity.face else "no")
        # The instruction says "check the details" and the photo box says when there is no
        # photo: a message saying both again would be the third time.
        v.vs.message = None

    # ---- a passport: the MRZ, then the chip --------------------------------------------

    def card_arrived(self) -> None:
        """A document on the reader while identify waits for it (the caller checks busy)."""
        v = self.v
        if (v.vs.screen == Screen.IDENTIFY and v.vs.waiting_for_card
                and v.session.access_key is not None and v.session.identity is None):
            self._read_chip()

    def mrz_read(self, mrz: Mrz) -> None:
        """The camera read the document's MRZ: unlock the chip without typing."""
        v = self.v

        def handle() -> None:
            if v.session.identity is not None or v.busy is not None:
                return
            v.session.access_key = AccessKey(mrz.document_number, mrz.birth_date,
                                             mrz.expiry_date)
            self._read_chip()
        v.intent("mrz_read", handle, allowed=(Screen.IDENTIFY,), while_busy=True)

    def use_typed_mrz(self) -> None:
        v = self.v

        def handle() -> None:
            v.vs.identify_mode = "typed"
            v.vs.message = None
        v.intent("use_typed_mrz", handle, allowed=(Screen.IDENTIFY,))

    def mrz_typed(self, document_number: str, birth_date: str, expiry_date: str) -> None:
        """The fallback: the three MRZ fields typed (dates as YYMMDD or YYYY-MM-DD)."""
        v = self.v

        def handle() -> None:
            if v.session.identity is not None:
                return
            number = document_number.strip().upper().replace(" ", "")
            birth, expiry = yymmdd(birth_date), yymmdd(expiry_date)
            try:
                bac_seed(number, birth or "", expiry or "")
                # bac_seed checks the form; a typed date must also be a real one.
                if mrz_date(birth or "", birth=True, today=v.today()) is None:
                    raise MrzError("birth_date", "not a real date")
                if mrz_date(expiry or "", birth=False, today=v.today()) is None:
                    raise MrzError("expiry_date", "not a real date")
            except MrzError as exc:
                log.info("flow_mrz_typed_rejected field=%s", exc.field)
                v.say(f"identify.bad_{exc.field}", "error")
                return
            v.session.access_key = AccessKey(number, birth or "", expiry or "")
            self._read_chip()
        v.intent("mrz_typed", handle, allowed=(Screen.IDENTIFY,))

    def retry_chip(self) -> None:
        v = self.v

        def handle() -> None:
            if v.session.access_key is not None and v.session.identity is None:
                self._read_chip()
        v.intent("retry_chip", handle, allowed=(Screen.IDENTIFY,))

    def _read_chip(self) -> None:
        v = self.v
        key = v.session.access_key
        if key is None:
            return
        if not v.can("identify"):
            v.say("avail.identify.instead", "error")
            return
        v.vs.waiting_for_card = False
        v.vs.message = None
        number, birth, expiry = key.document_number, key.birth_date, key.expiry_date
        card = v.ports.card
        v.start("chip", lambda: card.read_identity(number, birth, expiry), "reading_chip")

    def _chip_done(self, value: Any, error: BaseException | None) -> None:
        v = self.v
        if error is None:
            try:
                identity = Identity.from_document(value, today=v.today())
            except (AttributeError, TypeError, ValueError) as exc:
                log.warning("flow_identity_malformed error=%s", error_name(exc))
                v.say("identify.card_unreadable", "error")
                return
            v.session.set_identity(identity)
            log.info("flow_identity_read passive_auth=%s face=%s", identity.passive_auth,
                     "yes" if identity.face else "no")
            if identity.passive_auth == "failed":
                v.say("identify.chip_failed", "error")
            elif identity.chip_verified:
                v.vs.message = None  # the badge says "verified": not a message as well
            else:
                v.say("identify.read_unverified")
            return
        if isinstance(error, CardRemoved):
            v.end_visit("visit.card_removed")
        elif isinstance(error, NoCard):
            v.vs.waiting_for_card = True
            v.say("identify.place_on_reader", "warning")
        elif isinstance(error, BacFailed):
            v.session.access_key = None
            v.vs.identify_mode = "typed"
            v.say("identify.bac_failed", "error")
        elif isinstance(error, ReaderUnavailable):
            v.health.report("card_reader", "offline", error.code, "reader unavailable")
            v.say("identify.reader_unavailable", "error")
        elif isinstance(error, CardTimeout):
            v.vs.waiting_for_card = True
            v.say("identify.read_timeout", "warning")
        elif isinstance(error, CardError):
            v.say("identify.card_unreadable", "error")
        else:
            v.say("error.unexpected", "error")

    def confirm_identity(self) -> None:
        v = self.v

        def handle() -> None:
            identity = v.session.identity
            if identity is None or identity.passive_auth == "failed":
                return
            self.confirmed()
        v.intent("confirm_identity", handle, allowed=(Screen.IDENTIFY,))

    # ---- what the screen shows ------------------------------------------------------------

    def view(self) -> IdentifyView:
        v = self.v
        summary = identity_summary(v.session)
        staff = v.session.staff
        idcard = v.identify_way() == "idcard" and v.can("identify_idcard")
        ways = tuple(w for w, open_ in (("idcard", idcard),
                                        ("camera", v.can("identify") and v.can("scan")),
                                        ("typed", v.can("identify"))) if open_)
        return IdentifyView(v.vs.identify_mode, v.busy == "reading_chip",
                            v.vs.waiting_for_card, summary,
                            summary is not None and summary.passive_auth != "failed",
                            staff.name if staff else None, ways, v.vs.idcard_reading)
