"""The card errors: one hierarchy, so callers catch CardError and get a clear message.

Each carries a machine `code` (for the device status and logs) and a message a technician
can act on. None of them ever holds personal data.
"""

from __future__ import annotations


class CardError(Exception):
    """Base of everything the card package raises on purpose."""

    code = "card_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class CardRemoved(CardError):
    """The card left the reader (or was reset) during a command."""

    code = "card_removed"


class NoCard(CardError):
    """The reader is there but holds no card."""

    code = "no_card"


class ReaderUnavailable(CardError):
    """The reader (or pcscd itself) is not there."""

    code = "reader_unavailable"


class CardTimeout(CardError):
    """A card operation did not finish within its time limit."""

    code = "card_timeout"


class BacFailed(CardError):
    """Basic Access Control was refused: the document number or dates are wrong."""

    code = "bac_failed"


class SecureMessagingError(CardError):
    """A protected response failed its MAC check or was malformed."""

    code = "secure_messaging"


class TlvError(CardError):
    """A BER-TLV structure is malformed (truncated, bad length, bad tag)."""

    code = "malformed_tlv"


class CardDataError(CardError):
    """A data group or EF.SOD could not be understood."""

    code = "malformed_data"


class CardProtocolError(CardError):
    """The card answered with a status word other than success."""

    code = "card_status"

    def __init__(self, message: str, sw: int) -> None:
        super().__init__(f"{message} (SW {sw:04X})")
        self.sw = sw
