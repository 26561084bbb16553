"""Avro schemas and Avro's binary encoding, in pure Python (spec 1.11), for the registry converters and S3.

A parsed schema is a tree of plain dicts (``{"type": "record", "fields": [...]}``, primitives as ``{"type":
"int"}``) whose named-type references are resolved to the same dict object, so recursive schemas work. Datums:
records are dicts (decoding) or lists/dicts (encoding), unions are ``(branch index, value)`` tuples so that the
caller (``data.AvroData``) always knows the branch, enums are symbols, bytes/fixed are ``bytes``. Logical types are
left to the caller: the wire holds only the physical value.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from connect_core.api.errors import DataError
from connect_core.api.varint import read_varint, unzigzag, write_varint, zigzag

__all__ = ["AvroSchemaError", "decode", "decode_sequence", "encode", "encode_into", "encode_long", "full_name",
           "parse_schema", "schema_json"]

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_FLOAT = struct.Struct("<f")
_DOUBLE = struct.Struct("<d")


class AvroSchemaError(DataError):
    """An Avro schema text that cannot be parsed."""


def full_name(name: str, namespace: str | None) -> str:
    """Avro's full name: a dotted name stands alone, otherwise the enclosing namespace applies."""
    if "." in name or not namespace:
        return name
    return f"{namespace}.{name}"


def parse_schema(schema: Any, named: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Parse Avro JSON (text or loaded) into the resolved dict tree; named types may be passed in (references)."""
    if isinstance(schema, str):
        text = schema.strip()
        if text.startswith(("{", "[", '"')):
            try:
                schema = json.loads(text)
            except ValueError as error:
                raise AvroSchemaError(f"Invalid Avro schema: {error}") from error
    return _parse(schema, named if named is not None else {}, None)


def _parse(node: Any, named: dict[str, dict[str, Any]], namespace: str | None) -> dict[str, Any]:
    if isinstance(node, str):
        if node in PRIMITIVES:
            return {"type": node}
        resolved = named.get(full_name(node, namespace)) or named.get(node)
        if resolved is None:
            raise AvroSchemaError(f"Undefined Avro name: {node}")
        return resolved
    if isinstance(node, list):
        return {"type": "union", "types": [_parse(member, named, namespace) for member in node]}
    if not isinstance(node, dict) or "type" not in node:
        raise AvroSchemaError(f"Invalid Avro schema: {node!r}")
    kind = node["type"]
    if isinstance(kind, (dict, list)) or (isinstance(kind, str) and kind not in PRIMITIVES
                                           and kind not in ("record", "error", "enum", "array", "map", "fixed")):
        return _parse(kind, named, namespace)  # {"type": "SomeName"} or {"type": {...}}
    out: dict[str, Any] = {k: v for k, v in node.items() if k not in ("fields", "items", "values")}
    if kind in ("record", "error", "enum", "fixed"):
        if "name" not in node:
            raise AvroSchemaError(f"Avro {kind} without a name: {node!r}")
        ns = node.get("namespace", namespace) if "." not in node["name"] else node["name"].rpartition(".")[0]
        out["type"] = "record" if kind == "error" else kind
        out["fullname"] = full_name(node["name"], ns)
        named[out["fullname"]] = out
        if kind in ("record", "error"):
            out["fields"] = [
                {**{k: v for k, v in field.items() if k != "type"}, "type": _parse(field["type"], named, ns)}
                for field in node.get("fields", [])
            ]
    elif kind == "array":
        out["items"] = _parse(node["items"], named, namespace)
    elif kind == "map":
        out["values"] = _parse(node["values"], named, namespace)
    return out


def schema_json(schema: Any) -> str:
    """Compact JSON text of an (unparsed, JSON-shaped) Avro schema, as Avro Java prints it (no spaces)."""
    return json.dumps(schema, separators=(",", ":"), ensure_ascii=False)


# -- encoding -------------------------------------------------------------------------------------------
def _long(out: bytearray, n: int) -> None:
    write_varint(out, zigzag(n))


def encode(schema: dict[str, Any], datum: Any) -> bytes:
    """Avro binary of ``datum`` under the parsed ``schema``."""
    out = bytearray()
    _write(schema, datum, out)
    return bytes(out)


def encode_into(schema: dict[str, Any], datum: Any, out: bytearray) -> None:
    """Append the Avro binary of ``datum`` to ``out``."""
    _write(schema, datum, out)


encode_long = _long


def _write(schema: dict[str, Any], datum: Any, out: bytearray) -> None:  # noqa: C901, PLR0912, PLR0915
    kind = schema["type"]
    try:
        if kind == "record":
            if isinstance(datum, dict):
                for field in schema["fields"]:
                    _write(field["type"], datum.get(field["name"]), out)
            else:
                for field, value in zip(schema["fields"], datum, strict=True):
                    _write(field["type"], value, out)
        elif kind == "string":
            data = datum.encode("utf-8")
            _long(out, len(data))
            out += data
        elif kind in ("int", "long"):
            if isinstance(datum, bool) or not isinstance(datum, int):
                raise TypeError
            _long(out, datum)
        elif kind == "union":
            index, value = datum
            _long(out, index)
            _write(schema["types"][index], value, out)
        elif kind == "null":
            if datum is not None:
                raise TypeError
        elif kind == "boolean":
            out.append(1 if datum else 0)
        elif kind == "double":
            out += _DOUBLE.pack(datum)
        elif kind == "float":
            out += _FLOAT.pack(datum)
        elif kind == "bytes":
            _long(out, len(datum))
            out += datum
        elif kind == "array":
            if datum:
                _long(out, len(datum))
                items = schema["items"]
                for item in datum:
                    _write(items, item, out)
            out.append(0)
        elif kind == "map":
            if datum:
                _long(out, len(datum))
                values = schema["values"]
                for key, value in datum.items():
                    data = key.encode("utf-8")
                    _long(out, len(data))
                    out += data
                    _write(values, value, out)
            out.append(0)
        elif kind == "enum":
            _long(out, schema["symbols"].index(datum))
        elif kind == "fixed":
            if len(datum) != schema["size"]:
                raise DataError(f"Fixed {schema['fullname']} needs {schema['size']} bytes, got {len(datum)}")
            out += datum
        else:
            raise AvroSchemaError(f"Unknown Avro type {kind}")
    except (TypeError, AttributeError, ValueError, struct.error) as error:
        raise DataError(f"Invalid value for Avro type {kind}: {type(datum).__name__}") from error


# -- decoding -------------------------------------------------------------------------------------------
def decode(schema: dict[str, Any], data: bytes | memoryview, offset: int = 0) -> Any:
    """The datum encoded in ``data[offset:]`` (records as dicts, unions as ``(index, value)``)."""
    try:
        return _read(schema, _Cursor(memoryview(data), offset))
    except (IndexError, struct.error, UnicodeDecodeError, EOFError) as error:
        raise DataError(f"Invalid Avro binary data: {error}") from error


def decode_sequence(schema: dict[str, Any], data: bytes | memoryview, count: int) -> list[Any]:
    """``count`` datums written one after another in ``data`` (an Avro container file's data block)."""
    cursor = _Cursor(memoryview(data), 0)
    try:
        return [_read(schema, cursor) for _ in range(count)]
    except (IndexError, struct.error, UnicodeDecodeError, EOFError) as error:
        raise DataError(f"Invalid Avro binary data: {error}") from error


class _Cursor:
    __slots__ = ("data", "pos")

    def __init__(self, data: memoryview, pos: int) -> None:
        self.data = data
        self.pos = pos

    def long(self) -> int:
        value, self.pos = read_varint(self.data, self.pos)
        return unzigzag(value)

    def read(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise EOFError("truncated data")
        chunk = bytes(self.data[self.pos:end])
        self.pos = end
        return chunk


def _read(schema: dict[str, Any], stream: _Cursor) -> Any:  # noqa: C901, PLR0912
    kind = schema["type"]
    if kind == "record":
        return {field["name"]: _read(field["type"], stream) for field in schema["fields"]}
    if kind in ("int", "long"):
        return stream.long()
    if kind == "string":
        return stream.read(stream.long()).decode("utf-8")
    if kind == "union":
        index = stream.long()
        return index, _read(schema["types"][index], stream)
    if kind == "null":
        return None
    if kind == "boolean":
        return stream.read(1) != b"\x00"
    if kind == "double":
        return _DOUBLE.unpack(stream.read(8))[0]
    if kind == "float":
        return _FLOAT.unpack(stream.read(4))[0]
    if kind == "bytes":
        return stream.read(stream.long())
    if kind in ("array", "map"):
        out: Any = [] if kind == "array" else {}
        while True:
            count = stream.long()
            if count == 0:
                return out
            if count < 0:
                count = -count
                stream.long()  # block size in bytes
            for _ in range(count):
                if kind == "array":
                    out.append(_read(schema["items"], stream))
                else:
                    key = stream.read(stream.long()).decode("utf-8")
                    out[key] = _read(schema["values"], stream)
    if kind == "enum":
        return schema["symbols"][stream.long()]
    if kind == "fixed":
        return stream.read(schema["size"])
    raise AvroSchemaError(f"Unknown Avro type {kind}")
