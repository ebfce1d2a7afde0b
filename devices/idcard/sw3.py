"""SW3, the SAM's status byte: every documented value mapped to a typed error with a
machine code. 90 (ok) and 9F (card found) are success; the rest raise."""

from __future__ import annotations

from devices.idcard.errors import (
    CardReadFailed,
    CommandRejected,
    NoCard,
    NoContent,
    SamFault,
    SamStatusError,
)

SW3_OK = 0x90
SW3_FOUND = 0x9F
SW3_NO_CONTENT = 0x91
SW3_CHECKSUM = 0x10  # the reader saw a bad checksum in OUR frame: worth resending

# sw3 -> (error class, machine code, message)
SW3_ERRORS: dict[int, tuple[type[SamStatusError], str, str]] = {
    0x91: (NoContent, "no_content", "nothing to return"),
    0x10: (CommandRejected, "request_checksum", "the reader saw a bad checksum in the request"),
    0x11: (CommandRejected, "request_length", "the reader rejected the request's length"),
    0x21: (CommandRejected, "command_unknown", "the reader does not know this command "
           "(check the command profile)"),
    0x23: (CommandRejected, "command_unauthorised", "the command is not authorised"),
    0x24: (CommandRejected, "command_unrecognised", "the command was not recognised"),
    0x31: (CardReadFailed, "card_auth_failed", "the card failed the SAM's authentication"),
    0x32: (CardReadFailed, "sam_auth_failed", "the SAM failed the card's authentication"),
    0x33: (CardReadFailed, "info_check_failed", "the card's information failed its check"),
    0x40: (CardReadFailed, "unknown_card_type", "the card is of an unknown type"),
    0x41: (CardReadFailed, "read_failed", "the card could not be read"),
    0x47: (CardReadFailed, "random_failed", "the card's random number could not be taken"),
    0x60: (SamFault, "sam_self_test_failed", "the SAM failed its self-test"),
    0x66: (SamFault, "sam_not_authorised", "the SAM is not authorised"),
    0x80: (NoCard, "no_card", "no card found"),
    0x81: (CardReadFailed, "select_failed", "the card could not be selected"),
}


def sw3_error(sw3: int, what: str) -> SamStatusError:
    """The typed error for a failing SW3, its message naming the command (`what`)."""
    entry = SW3_ERRORS.get(sw3)
    if entry is None:
        return SamStatusError(f"{what}: the reader answered an undocumented status", sw3)
    cls, code, message = entry
    return cls(f"{what}: {message}", sw3, code=code)
