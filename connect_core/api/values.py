"""Kafka's ``org.apache.kafka.connect.data.Values``: the text form of Connect values, both ways.

``convert_to_string`` renders a value as Kafka's header text; ``parse_string`` infers schema and value back
from such text (booleans, the smallest integer type, float/double/Decimal, ISO dates, arrays and maps).
``SimpleHeaderConverter`` uses both; ``InsertHeader`` types its literal with ``parse_string``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal as _decimal
import re
from typing import TYPE_CHECKING, Any

from connect_core.api.java_text import java_double_str, java_float_str, to_float32
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import (
    BOOLEAN_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    Type,
)
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["convert_to_string", "parse_string"]

MILLIS_PER_DAY = 86_400_000
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_RE = re.compile(r"\d{2}:\d{2}:\d{2}\.\d{3}Z")
_TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INT_SCHEMAS = ((INT8_SCHEMA, 2**7), (INT16_SCHEMA, 2**15), (INT32_SCHEMA, 2**31), (INT64_SCHEMA, 2**63))


# -- value -> text --------------------------------------------------------------------------------
def _millis(schema: Schema | None, value: Any) -> int | None:
    name = schema.name if schema is not None else None
    if name == Timestamp.LOGICAL_NAME or isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        return (value - _EPOCH) // _dt.timedelta(milliseconds=1)
    if name == Date.LOGICAL_NAME or isinstance(value, _dt.date):
        return (value - _EPOCH.date()).days * MILLIS_PER_DAY
    if name == Time.LOGICAL_NAME or isinstance(value, _dt.time):
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000
    return None


def _format_millis(ms: int) -> str:
    # Values.dateFormatFor: under one day -> time, whole days -> date, else timestamp (all UTC).
    instant = _EPOCH + _dt.timedelta(milliseconds=ms)
    if ms < MILLIS_PER_DAY:
        return instant.strftime("%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
    if ms % MILLIS_PER_DAY == 0:
        return instant.strftime("%Y-%m-%d")
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def _append(schema: Schema | None, value: Any, out: list[str], embedded: bool) -> None:  # noqa: C901, PLR0912
    if value is None:
        out.append("null")
    elif isinstance(value, str):
        out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' if embedded else value)
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        is_float32 = schema is not None and schema.type is Type.FLOAT32
        out.append(java_float_str(value) if is_float32 else java_double_str(value))
    elif isinstance(value, (bytes, bytearray, memoryview)):
        text = base64.b64encode(value).decode("ascii")
        out.append(f'"{text}"' if embedded else text)  # Kafka quotes base64 inside a list or map, as a string
    elif isinstance(value, _decimal.Decimal):
        out.append(str(abs(value)) if value.is_zero() else str(value))
    elif isinstance(value, (_dt.date, _dt.time)):
        out.append(_format_millis(_millis(schema, value) or 0))
    elif isinstance(value, (list, tuple)):
        element_schema = schema.value_schema if schema is not None else None
        out.append("[")
        for i, element in enumerate(value):
            if i:
                out.append(",")
            _append(element_schema, element, out, True)
        out.append("]")
    elif isinstance(value, dict):
        key_schema = schema.key_schema if schema is not None else None
        value_schema = schema.value_schema if schema is not None else None
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            _append(key_schema, k, out, True)
            out.append(":")
            _append(value_schema, v, out, True)
        out.append("}")
    elif isinstance(value, Struct):
        out.append("{")
        for i, field in enumerate(value.schema.fields):
            if i:
                out.append(",")
            _append(STRING_SCHEMA, field.name, out, True)
            out.append(":")
            _append(field.schema, value.get(field), out, True)
        out.append("}")
    else:
        out.append(str(value))


def convert_to_string(schema: Schema | None, value: Any) -> str | None:
    """Kafka ``Values.convertToString``: strings unquoted at top level, containers JSON-like."""
    if value is None:
        return None
    out: list[str] = []
    _append(schema, value, out, False)
    return "".join(out)


# -- text -> value --------------------------------------------------------------------------------
def _number(token: str) -> SchemaAndValue | None:
    if not _NUMBER_RE.fullmatch(token):
        return None
    value = _decimal.Decimal(token)
    scale = -value.as_tuple().exponent  # type: ignore[operator]
    if value == value.to_integral_value():
        n = int(value)
        for schema, bound in _INT_SCHEMAS:
            if -bound <= n < bound:
                return SchemaAndValue(schema, n)
        if scale == 0:  # too big for a long and no fraction: Kafka keeps the BigDecimal
            return SchemaAndValue(Decimal.schema(scale), value)
    f = float(value)
    if abs(to_float32(f)) != float("inf"):
        return SchemaAndValue(FLOAT32_SCHEMA, to_float32(f))
    if abs(f) != float("inf"):
        return SchemaAndValue(FLOAT64_SCHEMA, f)
    return SchemaAndValue(Decimal.schema(scale), value)


def _temporal(token: str) -> SchemaAndValue | None:
    try:
        if _DATE_RE.fullmatch(token):
            return SchemaAndValue(Date.schema(), _dt.date.fromisoformat(token))
        if _TIME_RE.fullmatch(token):
            return SchemaAndValue(Time.schema(), _dt.time.fromisoformat(token[:-1]))
        if _TIMESTAMP_RE.fullmatch(token):
            parsed = _dt.datetime.fromisoformat(token[:-1]).replace(tzinfo=_dt.UTC)
            return SchemaAndValue(Timestamp.schema(), parsed)
    except ValueError:
        return None
    return None


def _split_top_level(body: str) -> list[str] | None:
    """Split at commas outside quotes/brackets; None when quotes or brackets do not balance."""
    parts: list[str] = []
    depth, start, quoted, escaped = 0, 0, False, False
    for i, ch in enumerate(body):
        if quoted:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    if quoted or depth != 0:
        return None
    parts.append(body[start:])
    return parts if body.strip() else []


def _common_schema(schemas: list[Schema | None]) -> Schema | None:
    present = {s for s in schemas if s is not None}
    return present.pop() if len(present) == 1 else None


def _embedded(token: str) -> SchemaAndValue | None:
    token = token.strip()
    if len(token) >= 2 and token[0] == '"' and token[-1] == '"':
        return SchemaAndValue(STRING_SCHEMA, re.sub(r"\\(.)", r"\1", token[1:-1]))
    if token == "null":
        return SchemaAndValue(None, None)
    return _parse(token, embedded=True)


def _container(text: str, parse_entry: Callable[[str], tuple[Any, ...] | None]) -> list[tuple[Any, ...]] | None:
    parts = _split_top_level(text[1:-1])
    if parts is None:
        return None
    entries = [parse_entry(p) for p in parts]
    return None if any(e is None for e in entries) else entries  # type: ignore[return-value]


def _map_entry(part: str) -> tuple[SchemaAndValue, SchemaAndValue] | None:
    key_text, sep, value_text = part.partition(":")
    if not sep:
        return None
    key, value = _embedded(key_text), _embedded(value_text)
    return None if key is None or value is None else (key, value)


def _parse(text: str, embedded: bool) -> SchemaAndValue | None:
    token = text.strip()
    if token in ("true", "false"):
        return SchemaAndValue(BOOLEAN_SCHEMA, token == "true")
    if token.startswith("[") and token.endswith("]"):
        items = _container(token, lambda p: (_embedded(p),) if _embedded(p) is not None else None)
        if items is None:
            return None
        values = [i[0] for i in items]
        schema = Schema(Type.ARRAY, value_schema=_common_schema([v.schema for v in values]))
        return SchemaAndValue(schema, [v.value for v in values])
    if token.startswith("{") and token.endswith("}"):
        entries = _container(token, _map_entry)
        if entries is None:
            return None
        key_schema = _common_schema([k.schema for k, _ in entries])
        value_schema = _common_schema([v.schema for _, v in entries])
        schema = Schema(Type.MAP, key_schema=key_schema, value_schema=value_schema)
        return SchemaAndValue(schema, {k.value: v.value for k, v in entries})
    temporal = _temporal(token)
    if temporal is not None:
        return temporal
    number = _number(token if embedded else token.split(",", 1)[0].strip())
    if number is not None:
        return number
    if embedded and token and not any(c in token for c in '[]{}":,'):
        return SchemaAndValue(STRING_SCHEMA, token)
    return None


def parse_string(text: str) -> SchemaAndValue:
    """Kafka ``Values.parseString``: infer the schema of header text; unparseable text stays a STRING."""
    if not text:
        return SchemaAndValue(STRING_SCHEMA, text)
    if text.strip() == "null":
        return SchemaAndValue(None, None)
    parsed = _parse(text, embedded=False)
    return parsed if parsed is not None else SchemaAndValue(STRING_SCHEMA, text)
