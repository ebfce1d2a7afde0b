"""The simulator's test staff accounts (card UID + PIN), as plain data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StaffAccount:
    card_uid: str
    pin: str
    staff_id: str
    name: str
    roles: tuple[str, ...]


STAFF: tuple[StaffAccount, ...] = (
    StaffAccount("04A1B2C3D4E5F6", "123456", "S1001", "王芳", ("assist",)),
    StaffAccount("04112233445566", "654321", "S2001", "李强", ("assist", "maintain")),
    StaffAccount("0499AABBCCDDEE", "111111", "S3001", "Technician Zhao", ("maintain",)),
)

STAFF_BY_CARD: dict[str, StaffAccount] = {account.card_uid: account for account in STAFF}
