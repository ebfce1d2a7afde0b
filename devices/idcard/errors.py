"""The ID card reader's errors: one hierarchy, so callers catch IdCardError.

Each carries a machine `code` (device status, events, logs) and a message a technician can
act on. None of them ever holds personal data: no names, numbers, dates or photo bytes.
"""

from __future__ import annotations


class IdCardError(Exception):
    """Base of everything devices.idcard raises on purpose."""

    code = "idcard_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


# the link --------------------------------------------------------------------------------
class ReaderUnavailable(IdCardError):
    """The reader is not there: no such device, unplugged, permission denied."""

    code = "reader_missing"


class IdCardTimeout(IdCardError):
    """A call did not finish within its caller's time limit."""

    code = "idcard_timeout"


class LinkError(IdCardError):
    """An answer frame that could not be used; retried a bounded number of times."""

    code = "link_error"


class AnswerLost(LinkError):
    """No answer at all within the answer timeout."""

    code = "answer_lost"


class TruncatedAnswer(LinkError):
    """An answer started and stopped before its announced length."""

    code = "answer_truncated"


class ChecksumError(LinkError):
    """An answer whose XOR checksum does not match."""

    code = "checksum"


class GarbageAnswer(LinkError):
    """Bytes that never formed a frame (no preamble, an impossible length)."""

    code = "garbage"


# what the SAM says (SW3) -----------------------------------------------------------------
class SamStatusError(IdCardError):
    """The reader answered a frame with an SW3 other than success."""

    code = "sw3_unknown"

    def __init__(self, message: str, sw3: int, *, code: str | None = None) -> None:
        super().__init__(f"{message} (SW3 {sw3:02X})", code=code)
        self.sw3 = sw3


class NoCard(SamStatusError):
    """'find' found no card (SW3 80); also a card left on a strict reader after a read."""

    code = "no_card"


class CardRemoved(IdCardError):
    """The card left the reader during the read."""

    code = "card_removed"


class CardReadFailed(SamStatusError):
    """The card could not be selected or read, or failed mutual authentication."""

    code = "read_failed"


class SamFault(SamStatusError):
    """The SAM itself is unusable (self-test failed, not authorised): a health status."""

    code = "sam_fault"


class CommandRejected(SamStatusError):
    """The reader refused our frame (checksum, length, unknown command): often a wrong
    command profile for this vendor build."""

    code = "command_rejected"


class NoContent(SamStatusError):
    """SW3 91: nothing to return (e.g. no appended address); not a failure for callers
    that expect it."""

    code = "no_content"


# what the card holds ---------------------------------------------------------------------
class CardDataError(IdCardError):
    """The text block could not be understood (bad date, bad ID check digit, ...)."""

    code = "malformed_text"


class CardExpired(IdCardError):
    """The card is past its validity: refused for identification."""

    code = "card_expired"


class PhotoDecoderError(IdCardError):
    """The vendor's WLT decoder could not be loaded or failed on a photo."""

    code = "photo_decoder"


class IdCardConfigError(IdCardError):
    """A wrong `[idcard]` value; the message names the key."""

    code = "config"

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"idcard.{key}: {problem}")
        self.key = key
        self.problem = problem
