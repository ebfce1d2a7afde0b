"""The command bytes (CMD, PARA) a reader model speaks. The common set is the default;
some vendor builds differ, so `[idcard] profile` may override any of them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from devices.idcard.errors import IdCardConfigError

Command = tuple[int, int]
_HEX_PAIR = re.compile(r"^\s*([0-9A-Fa-f]{2})\s*([0-9A-Fa-f]{2})\s*$")


@dataclass(frozen=True)
class CommandProfile:
    reset_sam: Command = (0x10, 0xFF)
    sam_status: Command = (0x11, 0xFF)
    sam_id: Command = (0x12, 0xFF)
    find: Command = (0x20, 0x01)
    select: Command = (0x20, 0x02)
    read: Command = (0x30, 0x01)  # text + photo
    read_fingerprint: Command = (0x30, 0x10)  # text + photo + fingerprint
    appended_address: Command = (0x30, 0x03)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def with_overrides(self, overrides: Mapping[str, object]) -> CommandProfile:
        """`{find = "20 01", read = "30 01"}` -> a profile; unknown names are refused so a
        typo does not silently leave the default in place."""
        changes: dict[str, Command] = {}
        for name, value in overrides.items():
            if name not in self.names():
                raise IdCardConfigError(f"profile.{name}", "unknown command; known: "
                                        + ", ".join(self.names()))
            match = _HEX_PAIR.match(value) if isinstance(value, str) else None
            if match is None:
                raise IdCardConfigError(f"profile.{name}",
                                        f'must be two hex bytes like "20 01", got {value!r}')
            changes[name] = (int(match[1], 16), int(match[2], 16))
        return replace(self, **changes)  # type: ignore[arg-type]
