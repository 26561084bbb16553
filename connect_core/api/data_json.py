"""Connect data -> plain JSON-able Python, as Kafka's ``JsonConverter`` with ``schemas.enable=false`` shapes it.

Sinks that write JSON documents (Elasticsearch, S3 JSON lines) need the same value shapes the JsonConverter
produces, but as Python objects they can still edit (add ``@timestamp``, pick an id) before serialising. The
options cover the two documented variations: ``decimal.format`` and how map entries are written when a map is
not a JSON object (Kafka writes ``[key, value]`` pairs; the Elasticsearch sink writes ``{"key", "value"}``).
"""

from __future__ import annotations

import base64
import decimal as _decimal
import json
from typing import TYPE_CHECKING, Any, Literal

from connect_core.api.errors import DataError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.schema import Schema

__all__ = ["to_json_data", "to_json_text"]

DecimalFormat = Literal["BASE64", "NUMERIC"]
MapEntry = Literal["pair", "object"]

_LOGICAL: dict[str, Callable[[Schema, Any], int]] = {
    Date.LOGICAL_NAME: Date.from_logical,
    Time.LOGICAL_NAME: Time.from_logical,
    Timestamp.LOGICAL_NAME: Timestamp.from_logical,
}


def to_json_data(
    schema: Schema | None,
    value: Any,
    *,
    decimal_format: DecimalFormat = "BASE64",
    string_maps_as_objects: bool = True,
    map_entry: MapEntry = "pair",
    replace_null_with_default: bool = True,
) -> Any:
    """Convert ``value`` (described by ``schema``, or schemaless when None) to dicts, lists and scalars.

    Args:
        schema: the value's Connect schema; None infers the shape from the Python type, as Kafka does.
        value: Connect data (Struct, dict, list, scalars, logical-type Python values).
        decimal_format: ``BASE64`` (Kafka's default: the unscaled bytes, base64) or ``NUMERIC`` (the
            ``decimal.Decimal`` itself, left for the caller's JSON encoder so no precision is lost here).
        string_maps_as_objects: write maps with STRING keys as JSON objects (Kafka always does).
        map_entry: how entries of maps that are not objects are written: ``[k, v]`` or ``{"key": k, "value": v}``.
        replace_null_with_default: use a schema's default for a null value (``replace.null.with.default``).

    Raises:
        DataError: a required value is null, or a schemaless value has no Connect type.
    """
    options = (decimal_format, string_maps_as_objects, map_entry, replace_null_with_default)
    return _convert(schema, value, options)


def _convert(schema: Schema | None, value: Any, options: tuple[Any, ...]) -> Any:
    if value is None:
        if schema is None:
            return None
        if schema.default_value is not None and options[3]:
            return _convert(schema, schema.default_value, options)
        if schema.optional:
            return None
        raise DataError("Conversion error: null value for field that is required and has no default value")
    if schema is None:
        return _schemaless(value, options)
    name = schema.name
    if name is not None:
        if name == Decimal.LOGICAL_NAME:
            if options[0] == "NUMERIC":
                return value
            return base64.b64encode(Decimal.from_logical(schema, value)).decode("ascii")
        logical = _LOGICAL.get(name)
        if logical is not None:
            return logical(schema, value)
    t = schema.type
    if t is Type.STRUCT:
        if not isinstance(value, Struct):
            raise DataError(f"Expected a Struct for schema {schema!r}, got {type(value).__name__}")
        return {f.name: _convert(f.schema, value.get_without_default(f), options) for f in schema.fields}
    if t is Type.ARRAY:
        return [_convert(schema.value_schema, v, options) for v in value]
    if t is Type.MAP:
        key_schema, value_schema = schema.key_schema, schema.value_schema
        as_object = options[1] and key_schema is not None and key_schema.type is Type.STRING
        return _map(value, key_schema, value_schema, as_object, options)
    if t is Type.BYTES:
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _map(
    value: dict[Any, Any], key_schema: Schema | None, value_schema: Schema | None, as_object: bool, options: tuple
) -> Any:
    if as_object:
        return {str(_convert(key_schema, k, options)): _convert(value_schema, v, options) for k, v in value.items()}
    entries = ((_convert(key_schema, k, options), _convert(value_schema, v, options)) for k, v in value.items())
    if options[2] == "object":
        return [{"key": k, "value": v} for k, v in entries]
    return [[k, v] for k, v in entries]


def _schemaless(value: Any, options: tuple[Any, ...]) -> Any:
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return _map(value, None, None, all(isinstance(k, str) for k in value), options)
    if isinstance(value, (list, tuple)):
        return [_schemaless(v, options) if v is not None else None for v in value]
    if isinstance(value, Struct):
        return _convert(value.schema, value, options)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    # Like Kafka, logical-type values (Decimal, dates) need a schema to be written.
    raise DataError(f"Java class {type(value).__name__} does not have corresponding schema type.")


def to_json_text(
    schema: Schema | None,
    value: Any,
    *,
    decimal_format: DecimalFormat = "BASE64",
    replace_null_with_default: bool = True,
) -> str:
    """``value`` as compact JSON text, shaped as JsonConverter writes it with ``schemas.enable=false``.

    Numeric decimals (``decimal.format=NUMERIC``) are written as exact JSON numbers; everything else goes through
    the C ``json`` encoder.
    """
    data = to_json_data(schema, value, decimal_format=decimal_format,
                        replace_null_with_default=replace_null_with_default)
    try:
        return _dumps(data)
    except TypeError:  # a decimal.Decimal: the stdlib encoder cannot write it as a number
        return _encode_exact(data)


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


def _encode_exact(data: Any) -> str:
    if isinstance(data, _decimal.Decimal):
        return str(data)
    if isinstance(data, dict):
        return "{" + ",".join(_dumps(str(k)) + ":" + _encode_exact(v) for k, v in data.items()) + "}"
    if isinstance(data, list):
        return "[" + ",".join(_encode_exact(v) for v in data) + "]"
    return _dumps(data)
