"""BER-TLV (ISO/IEC 7816-4, ICAO 9303 Part 10) for the LDS files and secure messaging.

Every malformed input raises TlvError and nothing else, whatever the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.card.errors import TlvError

MAX_DEPTH = 16


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes
    constructed: bool

    def children(self) -> list[Tlv]:
        if not self.constructed:
            raise TlvError(f"tag {self.tag:X} is primitive")
        return parse_all(self.value)

    def find(self, tag: int) -> Tlv | None:
        """The first descendant (depth first) with this tag, or None."""
        return _find(self, tag, 0)


def _find(node: Tlv, tag: int, depth: int) -> Tlv | None:
    if depth > MAX_DEPTH or not node.constructed:
        return None
    for child in node.children():
        if child.tag == tag:
            return child
        hit = _find(child, tag, depth + 1)
        if hit is not None:
            return hit
    return None


def read_tag(data: bytes, pos: int) -> tuple[int, bool, int]:
    """(tag, constructed, next position)."""
    if pos >= len(data):
        raise TlvError("truncated: tag missing")
    first = data[pos]
    constructed = bool(first & 0x20)
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:  # multi-byte tag: continuation bytes have bit 8 set
        for _ in range(3):
            if pos >= len(data):
                raise TlvError("truncated inside a tag")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
        else:
            raise TlvError("tag longer than four bytes")
    if tag == 0:
        raise TlvError("tag 00 is not allowed")
    return tag, constructed, pos


def read_length(data: bytes, pos: int) -> tuple[int, int]:
    """(length, next position); definite lengths only, up to four length bytes."""
    if pos >= len(data):
        raise TlvError("truncated: length missing")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0 or count > 4:
        raise TlvError(f"length form {first:02X} is not supported")
    if pos + count > len(data):
        raise TlvError("truncated inside a length")
    return int.from_bytes(data[pos:pos + count], "big"), pos + count


def parse_one(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    tag, constructed, pos = read_tag(data, pos)
    length, pos = read_length(data, pos)
    end = pos + length
    if end > len(data):
        raise TlvError(f"tag {tag:X}: value runs past the end ({length} bytes declared)")
    return Tlv(tag, bytes(data[pos:end]), constructed), end


def parse_all(data: bytes) -> list[Tlv]:
    out: list[Tlv] = []
    pos = 0
    while pos < len(data):
        node, pos = parse_one(data, pos)
        out.append(node)
    return out


def parse_single(data: bytes, expected_tag: int | None = None) -> Tlv:
    """One TLV object; trailing bytes after it are ignored (files may be padded)."""
    node, _ = parse_one(data)
    if expected_tag is not None and node.tag != expected_tag:
        raise TlvError(f"expected tag {expected_tag:X}, found {node.tag:X}")
    return node


def header_length(data: bytes) -> int:
    """Total length (header + value) of the TLV object that starts `data`."""
    _, _, pos = read_tag(data, 0)
    length, pos = read_length(data, pos)
    return pos + length


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def encode(tag: int, value: bytes) -> bytes:
    return tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big") + encode_length(len(value)) + value
