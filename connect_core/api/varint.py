"""Base-128 varints and zig-zag encoding: one home for what Avro, Protobuf and the wire format's message indexes
share."""

from __future__ import annotations

from connect_core.api.errors import DataError

__all__ = ["read_varint", "unzigzag", "write_varint", "zigzag"]

_MASK64 = (1 << 64) - 1


def zigzag(n: int) -> int:
    """Signed -> unsigned (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...), as Avro longs and Protobuf sint64."""
    return ((n << 1) ^ (n >> 63)) & _MASK64


def unzigzag(n: int) -> int:
    """Unsigned -> signed, the inverse of ``zigzag``."""
    return (n >> 1) ^ -(n & 1)


def write_varint(out: bytearray, value: int) -> None:
    """Append ``value`` (taken as unsigned 64-bit: negative ints become ten bytes, as Protobuf's int32/int64)."""
    value &= _MASK64
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def read_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    """(value, position after it); a DataError when the data ends inside it."""
    shift = result = 0
    while True:
        if pos >= len(data):
            raise DataError("Invalid binary data: truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
