"""One card read: find -> select -> read base message -> (appended address) -> Identity.

The pieces the service's poll uses separately (find and select to tell a new placement
from a card left on the reader; the read only for a new one) are here too.
"""

from __future__ import annotations

import logging
import time

from devices.idcard.client import SamClient
from devices.idcard.errors import (
    CardDataError,
    CardReadFailed,
    CardRemoved,
    CommandRejected,
    NoCard,
    PhotoDecoderError,
)
from devices.idcard.photo import WLT_LEN, PhotoDecoder
from devices.idcard.port import Identity
from devices.idcard.textblock import decode_text

log = logging.getLogger(__name__)


def find_and_select(client: SamClient) -> bytes:
    """The card's 8 select bytes (what tells two placements apart); NoCard if none."""
    client.find()
    return client.select()


def read_selected(client: SamClient, *, fingerprint: bool = False,
                  decoder: PhotoDecoder | None = None, frames_before: int = 0,
                  started: float | None = None) -> Identity:
    """Read the card that find_and_select just selected."""
    started = time.monotonic() if started is None else started
    try:
        base = client.read_base(fingerprint=fingerprint)
    except CardReadFailed as exc:
        if client.last_resent:
            # The SAM read the card but its answer was lost: strict readers refuse a second
            # read (and a find) until the card is lifted, so say that, not "removed".
            raise CardReadFailed("the read's answer was lost; the card must be placed again",
                                 exc.sw3, code="read_answer_lost") from exc
        _raise_if_removed(client, exc)
        raise
    if len(base.photo) != WLT_LEN:
        raise CardDataError(f"the photo is {len(base.photo)} bytes, not {WLT_LEN}",
                            code="malformed_read")
    text = decode_text(base.text)
    appended = None
    if text.address is not None:
        try:
            appended = client.appended_address()
        except CommandRejected as exc:  # a build without 30 03: the base address stands
            log.warning("idcard_appended_address_unsupported code=%s", exc.code)
    photo_bmp = None
    if decoder is not None:
        try:
            photo_bmp = decoder.decode(base.photo)
        except PhotoDecoderError as exc:
            log.warning("idcard_photo_unavailable code=%s", exc.code)
    ms = (time.monotonic() - started) * 1000
    frames = client.frames - frames_before
    log.info("idcard_read frames=%d ms=%.0f layout=%s photo=%s", frames, ms, text.layout,
             "decoded" if photo_bmp else "wlt")
    return Identity(
        card_type=text.card_type, layout=text.layout, name=text.name, name_en=text.name_en,
        sex=text.sex, nation=text.nation, birth_date=text.birth_date, address=text.address,
        appended_address=appended, id_number=text.id_number, issuer=text.issuer,
        valid_from=text.valid_from, valid_until=text.valid_until,
        nationality=text.nationality, pass_number=text.pass_number,
        issue_count=text.issue_count, photo_wlt=base.photo, photo_bmp=photo_bmp,
        fingerprint=base.fingerprint, frames=frames, read_ms=ms)


def read_card(client: SamClient, *, fingerprint: bool = False,
              decoder: PhotoDecoder | None = None) -> Identity:
    """The whole sequence, for one-shot reads (the technician's CLI)."""
    started, before = time.monotonic(), client.frames
    find_and_select(client)
    return read_selected(client, fingerprint=fingerprint, decoder=decoder,
                         frames_before=before, started=started)


def _raise_if_removed(client: SamClient, exc: Exception) -> None:
    """After a failed read, one 'find' tells a card taken away from a card that failed."""
    try:
        client.find()
    except NoCard:
        raise CardRemoved("the card was taken away during the read") from exc
    except Exception:  # the original failure is the one worth reporting
        return
