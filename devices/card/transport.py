"""PC/SC transport over pyscard's low-level API (smartcard.scard) and pcscd.

One PcscConnection is used from one thread (the hardware worker). PC/SC error codes
become our errors: a card gone mid-command is CardRemoved, pcscd or the reader gone is
ReaderUnavailable. A response under two bytes means the card left (vpcd answers an
empty buffer before pcscd notices the removal).
"""

from __future__ import annotations

import logging
from typing import Protocol

from smartcard import scard

from devices.card.apdu import CommandApdu, ResponseApdu
from devices.card.errors import CardError, CardRemoved, NoCard, ReaderUnavailable

log = logging.getLogger(__name__)

_REMOVED = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD,
            scard.SCARD_W_UNPOWERED_CARD, scard.SCARD_W_UNRESPONSIVE_CARD,
            scard.SCARD_E_NOT_TRANSACTED}
_NO_SERVICE = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED,
               scard.SCARD_E_INVALID_HANDLE, scard.SCARD_E_NO_READERS_AVAILABLE,
               scard.SCARD_E_READER_UNAVAILABLE, scard.SCARD_E_UNKNOWN_READER}
PNP_NOTIFICATION = "\\\\?PnP?\\Notification"


def _u32(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def pcsc_message(hresult: int) -> str:
    try:
        return f"{scard.SCardGetErrorMessage(hresult)} (0x{_u32(hresult):08X})"
    except Exception:  # pyscard may not know a vendor code
        return f"PC/SC error 0x{_u32(hresult):08X}"


def raise_for(hresult: int, what: str) -> None:
    if hresult == scard.SCARD_S_SUCCESS:
        return
    code = _u32(hresult)
    if code in {_u32(c) for c in _REMOVED}:
        raise CardRemoved(f"{what}: the card was removed ({pcsc_message(hresult)})")
    if code in {_u32(c) for c in _NO_SERVICE}:
        raise ReaderUnavailable(f"{what}: {pcsc_message(hresult)}")
    raise CardError(f"{what}: {pcsc_message(hresult)}", code="pcsc_error")


class ApduTransport(Protocol):
    def transmit(self, apdu: bytes) -> bytes: ...


def establish_context() -> int:
    try:
        hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    except scard.error as exc:  # pyscard raises when libpcsclite cannot be used at all
        raise ReaderUnavailable(f"PC/SC is not usable: {exc}") from exc
    if hresult != scard.SCARD_S_SUCCESS:
        raise ReaderUnavailable(f"pcscd is not available: {pcsc_message(hresult)}")
    return int(ctx)


def release_context(ctx: int) -> None:
    try:
        scard.SCardReleaseContext(ctx)
    except Exception:  # the daemon may already be gone; nothing left to release
        log.debug("card_release_context_failed", exc_info=True)


def list_readers(ctx: int) -> list[str]:
    hresult, readers = scard.SCardListReaders(ctx, [])
    if _u32(hresult) in (_u32(scard.SCARD_E_NO_READERS_AVAILABLE),):
        return []
    raise_for(hresult, "list readers")
    return list(readers)


def card_present(reader: str) -> bool | None:
    """What pcscd says about the reader's slot right now; None when pcscd or the reader is
    not there. One bounded call (timeout 0), no connection to the card."""
    try:
        ctx = establish_context()
    except ReaderUnavailable:
        return None
    try:
        hr, states = scard.SCardGetStatusChange(ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        if hr != scard.SCARD_S_SUCCESS:
            return None
        return bool(states[0][1] & scard.SCARD_STATE_PRESENT)
    finally:
        release_context(ctx)


def resolve_reader(name: str, available: list[str]) -> str:
    """The exact name, or the one reader whose name starts with `name`."""
    if name in available:
        return name
    matches = [r for r in available if r.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(repr(r) for r in available) or "none"
    if not matches:
        raise ReaderUnavailable(f"reader {name!r} is not connected (readers: {known})")
    raise ReaderUnavailable(f"reader name {name!r} is ambiguous (readers: {known})")


class PcscConnection:
    """A card connection; counts APDUs and bytes for the read statistics."""

    def __init__(self, reader: str) -> None:
        self.requested = reader
        self.reader = ""
        self._ctx: int | None = None
        self._card: int | None = None
        self._protocol = 0
        self.atr = b""
        self.apdu_count = 0
        self.bytes_sent = 0
        self.bytes_received = 0

    def open(self) -> PcscConnection:
        self._ctx = establish_context()
        try:
            self.reader = resolve_reader(self.requested, list_readers(self._ctx))
            hresult, card, protocol = scard.SCardConnect(
                self._ctx, self.reader, scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            if _u32(hresult) in {_u32(c) for c in _REMOVED}:
                raise NoCard(f"no card in reader {self.reader!r}")
            raise_for(hresult, f"connect to {self.reader!r}")
            self._card, self._protocol = card, protocol
            hresult, _reader, _state, _proto, atr = scard.SCardStatus(card)
            if hresult == scard.SCARD_S_SUCCESS:
                self.atr = bytes(atr)
        except BaseException:
            self.close()
            raise
        return self

    def transmit(self, apdu: bytes) -> bytes:
        if self._card is None:
            raise CardRemoved("not connected to a card")
        self.apdu_count += 1
        self.bytes_sent += len(apdu)
        hresult, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
        raise_for(hresult, "transmit")
        if len(response) < 2:
            raise CardRemoved("the card stopped answering (it was probably removed)")
        data = bytes(response)
        self.bytes_received += len(data)
        return data

    def send(self, cmd: CommandApdu) -> ResponseApdu:
        return ResponseApdu.from_bytes(self.transmit(cmd.encode()))

    def close(self, *, reset: bool = True) -> None:
        """Reset the card on the way out: it drops the secure-messaging session keys."""
        card, self._card = self._card, None
        if card is not None:
            disposition = scard.SCARD_RESET_CARD if reset else scard.SCARD_LEAVE_CARD
            try:
                scard.SCardDisconnect(card, disposition)
            except Exception:  # card or daemon gone: the handle is dead anyway
                log.debug("card_disconnect_failed", exc_info=True)
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            release_context(ctx)

    def __enter__(self) -> PcscConnection:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_uid(conn: PcscConnection) -> str:
    """PC/SC GET DATA (FF CA 00 00 00): the card's UID as upper-case hex."""
    answer = conn.send(CommandApdu(0xFF, 0xCA, 0x00, 0x00, le=256))
    uid = answer.check("GET DATA (UID)")
    if not uid:
        raise CardError("the reader returned an empty UID", code="no_uid")
    return uid.hex().upper()
