"""Protobuf's binary wire format for messages described by ``proto_schema`` (no generated classes needed).

Decoded messages are dicts: every field by name (proto3 defaults for absent scalars, None for absent messages,
[] for repeated, dicts for maps), plus ``"__oneofs__"``: oneof index -> name of the member that was set.
Encoding writes fields in number order, skips proto3 defaults, and packs repeated scalars.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError
from connect_core.api.varint import read_varint, unzigzag, write_varint, zigzag

if TYPE_CHECKING:
    from connect_core.converters.proto_schema import FieldDesc, MessageType

__all__ = ["ONEOFS", "decode_message", "encode_message"]

ONEOFS = "__oneofs__"
_VARINT = frozenset({"int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool", "enum"})
_FIXED64 = {"fixed64": "<Q", "sfixed64": "<q", "double": "<d"}
_FIXED32 = {"fixed32": "<I", "sfixed32": "<i", "float": "<f"}
_DEFAULTS = {"string": "", "bytes": b"", "bool": False, "double": 0.0, "float": 0.0}


def _kind(desc: FieldDesc) -> str:
    return "enum" if desc.kind == "enum" else ("message" if desc.kind == "message" else desc.type_name)


def _default(desc: FieldDesc) -> Any:
    kind = _kind(desc)
    if kind == "message":
        return None
    if kind == "enum":
        return desc.resolved.values[0][0] if desc.resolved.values else ""
    return _DEFAULTS.get(kind, 0)


# -- decoding ---------------------------------------------------------------------------------------------
def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _scalar_from_varint(kind: str, value: int, desc: FieldDesc) -> Any:
    if kind == "bool":
        return value != 0
    if kind == "int32":
        return _signed(value, 32)
    if kind == "int64":
        return _signed(value, 64)
    if kind == "uint32":
        return value & 0xFFFFFFFF
    if kind in ("sint32", "sint64"):
        return unzigzag(value)
    if kind == "enum":
        number = _signed(value, 32)
        for symbol, n in desc.resolved.values:
            if n == number:
                return symbol
        return str(number)
    return value


def decode_message(message: MessageType, data: memoryview | bytes) -> dict[str, Any]:  # noqa: PLR0912
    """Decode one message (see the module doc for the shape)."""
    view = memoryview(data)
    by_number = {d.number: d for d in message.fields}
    out: dict[str, Any] = {}
    oneofs: dict[int, str] = {}
    pos = 0
    while pos < len(view):
        key, pos = read_varint(view, pos)
        number, wire = key >> 3, key & 7
        desc = by_number.get(number)
        if wire == 0:
            raw, pos = read_varint(view, pos)
            value: Any = raw
        elif wire == 1:
            value, pos = bytes(view[pos:pos + 8]), pos + 8
        elif wire == 5:
            value, pos = bytes(view[pos:pos + 4]), pos + 4
        elif wire == 2:
            length, pos = read_varint(view, pos)
            value, pos = view[pos:pos + length], pos + length
        else:
            raise DataError(f"Invalid Protobuf data: wire type {wire}")
        if desc is None:
            continue  # unknown field
        values = _field_values(desc, wire, value)
        if desc.label == "repeated":
            out.setdefault(desc.name, []).extend(values)
        else:
            out[desc.name] = values[-1]
            if desc.oneof is not None:
                oneofs[desc.oneof] = desc.name
    for desc in message.fields:
        if desc.name in out:
            continue
        if desc.label == "repeated":
            out[desc.name] = []
        elif desc.oneof is None:
            out[desc.name] = None if desc.presence else _default(desc)
    for desc in message.fields:
        if desc.label == "repeated" and desc.kind == "message" and desc.resolved.map_entry:
            out[desc.name] = {entry["key"]: entry["value"] for entry in out[desc.name]}
    out[ONEOFS] = oneofs
    return out


def _field_values(desc: FieldDesc, wire: int, value: Any) -> list[Any]:
    kind = _kind(desc)
    if kind == "message":
        return [decode_message(desc.resolved, value)]
    if kind == "string":
        return [bytes(value).decode("utf-8")]
    if kind == "bytes":
        return [bytes(value)]
    if wire == 2:  # packed repeated scalars
        items: list[Any] = []
        pos = 0
        while pos < len(value):
            if kind in _VARINT:
                raw, pos = read_varint(value, pos)
                items.append(_scalar_from_varint(kind, raw, desc))
            else:
                size = 8 if kind in _FIXED64 else 4
                items.append(_fixed(kind, bytes(value[pos:pos + size])))
                pos += size
        return items
    if wire == 0:
        return [_scalar_from_varint(kind, value, desc)]
    return [_fixed(kind, value)]


def _fixed(kind: str, raw: bytes) -> Any:
    fmt = _FIXED64.get(kind) or _FIXED32.get(kind)
    if fmt is None:
        raise DataError(f"Invalid Protobuf data: fixed-width value for {kind}")
    return struct.unpack(fmt, raw)[0]


# -- encoding ---------------------------------------------------------------------------------------------
def encode_message(message: MessageType, values: dict[str, Any]) -> bytes:
    """Encode a dict of field values (missing or None = absent)."""
    out = bytearray()
    for desc in sorted(message.fields, key=lambda d: d.number):
        value = values.get(desc.name)
        if value is None:
            continue
        if desc.label == "repeated":
            if desc.kind == "message" and desc.resolved.map_entry:
                value = [{"key": k, "value": v} for k, v in value.items()]
            _encode_repeated(out, desc, value)
        elif desc.oneof is not None or desc.kind == "message" or value != _default(desc):
            _encode_one(out, desc, value)
    return bytes(out)


def _encode_repeated(out: bytearray, desc: FieldDesc, values: list[Any]) -> None:
    kind = _kind(desc)
    if not values:
        return
    if kind in _VARINT or kind in _FIXED32 or kind in _FIXED64:
        body = bytearray()
        for value in values:
            _scalar(body, kind, value, desc)
        write_varint(out, desc.number << 3 | 2)
        write_varint(out, len(body))
        out += body
        return
    for value in values:
        _encode_one(out, desc, value)


def _encode_one(out: bytearray, desc: FieldDesc, value: Any) -> None:
    kind = _kind(desc)
    if kind == "message":
        body = encode_message(desc.resolved, value)
    elif kind == "string":
        body = value.encode("utf-8")
    elif kind == "bytes":
        body = bytes(value)
    else:
        wire = 0 if kind in _VARINT else (1 if kind in _FIXED64 else 5)
        write_varint(out, desc.number << 3 | wire)
        _scalar(out, kind, value, desc)
        return
    write_varint(out, desc.number << 3 | 2)
    write_varint(out, len(body))
    out += body


def _scalar(out: bytearray, kind: str, value: Any, desc: FieldDesc) -> None:
    if kind in _FIXED64:
        out += struct.pack(_FIXED64[kind], value)
    elif kind in _FIXED32:
        out += struct.pack(_FIXED32[kind], value)
    elif kind == "enum":
        numbers = dict(desc.resolved.values)
        if value not in numbers:
            raise DataError(f"Unknown symbol {value!r} for Protobuf enum {desc.resolved.full_name}")
        write_varint(out, numbers[value])
    elif kind in ("sint32", "sint64"):
        write_varint(out, zigzag(value))
    else:
        write_varint(out, int(value))
