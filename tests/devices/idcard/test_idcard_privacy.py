"""Nothing of the card in any log: each card type read (one-shot and by the monitor) with
logging at DEBUG, failures included; none of the card's values may appear."""

from __future__ import annotations

import hashlib
import logging


def card_values(card) -> list[str]:
    values = [card.name, card.english_name, card.id_number, card.address, card.birth,
              card.pass_number, card.appended_address or "",
              hashlib.sha256(card.photo).hexdigest(), card.photo[:8].hex(),
              repr(card.photo[:8])[2:-1]]
    parts = [p for v in (card.name, card.english_name) for p in v.replace(",", " ").split()]
    return [v for v in values + parts if v and len(v) >= 2]


def test_no_card_value_is_logged(emu, cards, make_service, events, caplog):
    caplog.set_level(logging.DEBUG)
    service = make_service()
    for card in cards.values():
        emu.place(card)
        try:
            identity = service.read_identity(refuse_expired=False)
            assert repr(identity).count("=") < 6  # personal fields stay out of repr
            logging.getLogger("devices.idcard.test").debug("identity %r event %r", identity,
                                                           events)
        finally:
            emu.remove()
    service.start(events)
    for n, card in enumerate(cards.values(), start=1):
        if n % 2:
            emu.fault("corrupt")  # the resend path logs too
        emu.place(card)
        events.wait_for("card_removed", n)  # read (or refused), then no longer found
        emu.remove()
    service.stop()
    assert sum(e.kind == "identity_read" for e in events.items) == len(cards) - 1
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                     if not r.name.startswith("sim."))
    assert "idcard_read frames=" in text  # the logs were captured at all
    for card in cards.values():
        for value in card_values(card):
            assert value not in text, f"a value of {card.label} is in the log"
