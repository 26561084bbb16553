"""Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian int, (Protobuf: the message
indexes as zig-zag varints, ``[0]`` shortened to one 0 byte), then the payload."""

from __future__ import annotations

import struct

from connect_core.api.errors import DataError
from connect_core.api.varint import read_varint, unzigzag, write_varint, zigzag

__all__ = ["MAGIC_BYTE", "frame", "read_message_indexes", "unframe", "write_message_indexes"]

MAGIC_BYTE = 0
_HEADER = struct.Struct(">bI")


def frame(schema_id: int, payload: bytes, prefix: bytes = b"") -> bytes:
    """Header + optional Protobuf index prefix + payload."""
    return _HEADER.pack(MAGIC_BYTE, schema_id) + prefix + payload


def unframe(data: bytes) -> tuple[int, memoryview]:
    """(schema id, the rest); a DataError for anything that is not the wire format."""
    if len(data) < _HEADER.size:
        raise DataError(f"Unknown magic byte! (record of {len(data)} bytes is too short for the wire format)")
    magic, schema_id = _HEADER.unpack_from(data)
    if magic != MAGIC_BYTE:
        raise DataError("Unknown magic byte!")
    return schema_id, memoryview(data)[_HEADER.size:]


def write_message_indexes(indexes: list[int]) -> bytes:
    """The Protobuf message-index list (``[0]`` is the single byte 0)."""
    if indexes == [0]:
        return b"\x00"
    out = bytearray()
    write_varint(out, zigzag(len(indexes)))
    for index in indexes:
        write_varint(out, zigzag(index))
    return bytes(out)


def read_message_indexes(data: memoryview) -> tuple[list[int], memoryview]:
    """(indexes, rest of the data)."""
    pos = 0

    def varint() -> int:
        nonlocal pos
        value, pos = read_varint(data, pos)
        return unzigzag(value)

    count = varint()
    indexes = [0] if count == 0 else [varint() for _ in range(count)]
    return indexes, data[pos:]
