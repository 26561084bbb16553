"""Connect data to JSON text, as Kafka's ``JsonConverter`` writes it with ``schemas.enable=false``.

The S3 sink may not import the converters package, so it carries this small writer: Struct -> object in field
order, bytes -> base64, Date/Time/Timestamp -> their int64/int32 wire value, Decimal -> base64 of the unscaled
bytes or a JSON number (``json.decimal.format``), maps with non-string keys -> ``[[k, v], ...]``. Schemaless values
are written as Jackson writes plain Java objects. Output is compact UTF-8 (Jackson's defaults).
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal as _decimal
import json
import math
from typing import TYPE_CHECKING, Any

from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def _b64(value: bytes | bytearray | memoryview) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _number(value: float | int | _decimal.Decimal) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):  # Jackson quotes non-numeric numbers by default
            return '"' + ("NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")) + '"'
        return repr(value)
    return str(value)


def to_json(schema: Schema | None, value: Any, *, decimal_numeric: bool = False) -> str:
    """The JSON text of one Connect value (``schema`` None: schemaless)."""
    out: list[str] = []
    if schema is None:
        _schemaless(value, out, decimal_numeric)
    else:
        _with_schema(schema, value, out, decimal_numeric)
    return "".join(out)


def _logical(schema: Schema, value: Any, out: list[str], decimal_numeric: bool) -> bool:
    name = schema.name
    if name == Decimal.LOGICAL_NAME:
        out.append(str(value) if decimal_numeric else '"' + _b64(Decimal.from_logical(schema, value)) + '"')
    elif name == Date.LOGICAL_NAME:
        out.append(str(Date.from_logical(schema, value)))
    elif name == Time.LOGICAL_NAME:
        out.append(str(Time.from_logical(schema, value)))
    elif name == Timestamp.LOGICAL_NAME:
        out.append(str(Timestamp.from_logical(schema, value)))
    else:
        return False
    return True


def _with_schema(schema: Schema, value: Any, out: list[str], dn: bool) -> None:  # noqa: C901, PLR0912
    if value is None:
        value = schema.default_value
        if value is None:
            out.append("null")
            return
    if schema.name is not None and _logical(schema, value, out, dn):
        return
    t = schema.type
    if t is Type.STRUCT:
        out.append("{")
        for i, field in enumerate(schema.fields):
            if i:
                out.append(",")
            out.append(_encode_str(field.name) + ":")
            _with_schema(field.schema, value.get(field), out, dn)
        out.append("}")
    elif t is Type.ARRAY:
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _with_schema(schema.value_schema, item, out, dn)  # type: ignore[arg-type]
        out.append("]")
    elif t is Type.MAP:
        object_mode = schema.key_schema is not None and schema.key_schema.type is Type.STRING
        out.append("{" if object_mode else "[")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            if object_mode:
                out.append(_encode_str(k) + ":")
            else:
                out.append("[")
                _with_schema(schema.key_schema, k, out, dn)  # type: ignore[arg-type]
                out.append(",")
            _with_schema(schema.value_schema, v, out, dn)  # type: ignore[arg-type]
            if not object_mode:
                out.append("]")
        out.append("}" if object_mode else "]")
    elif t is Type.BYTES:
        out.append('"' + _b64(value) + '"')
    elif t is Type.STRING:
        out.append(_encode_str(value))
    elif t is Type.BOOLEAN:
        out.append("true" if value else "false")
    else:
        out.append(_number(value))


def _schemaless(value: Any, out: list[str], dn: bool) -> None:  # noqa: C901, PLR0912
    if value is None:
        out.append("null")
    elif isinstance(value, str):
        out.append(_encode_str(value))
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, (int, float, _decimal.Decimal)):
        out.append(_number(value))
    elif isinstance(value, (bytes, bytearray, memoryview)):
        out.append('"' + _b64(value) + '"')
    elif isinstance(value, Struct):
        _with_schema(value.schema, value, out, dn)
    elif isinstance(value, dict):
        object_mode = all(isinstance(k, str) for k in value)
        out.append("{" if object_mode else "[")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            if object_mode:
                out.append(_encode_str(k) + ":")
            else:
                out.append("[")
                _schemaless(k, out, dn)
                out.append(",")
            _schemaless(v, out, dn)
            if not object_mode:
                out.append("]")
        out.append("}" if object_mode else "]")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _schemaless(item, out, dn)
        out.append("]")
    elif isinstance(value, _dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=_dt.UTC)
        out.append(str((aware - _EPOCH) // _dt.timedelta(milliseconds=1)))
    else:
        out.append(_encode_str(str(value)))
