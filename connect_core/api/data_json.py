"""Connect data -> plain JSON-able Python, as Kafka's ``JsonConverter`` with ``schemas.enable=false`` shapes it.

Sinks that write JSON documents (Elasticsearch, S3 JSON lines) need the same value shapes the JsonConverter
produces, but as Python objects they can still edit (add ``@timestamp``, pick an id) before serialising. The
options cover the two documented variations: ``decimal.format`` and how map entries are written when a map is
not a JSON object (Kafka writes ``[key, value]`` pairs; the Elasticsearch sink writes ``{"key", "value"}``).
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal as _decimal
from typing import TYPE_CHECKING, Any, Literal

from connect_core.api.errors import DataError
from connect_core.api.jackson_json import JavaFloat, jackson_json, jackson_json_readable
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from connect_core.api.schema import Schema

__all__ = ["to_json_array", "to_json_data", "to_json_text"]

DecimalFormat = Literal["BASE64", "NUMERIC"]
MapEntry = Literal["pair", "object"]

_LOGICAL: dict[str, Callable[[Schema, Any], int]] = {
    Date.LOGICAL_NAME: Date.from_logical,
    Time.LOGICAL_NAME: Time.from_logical,
    Timestamp.LOGICAL_NAME: Timestamp.from_logical,
}
_LOGICAL_NAMES = frozenset({*_LOGICAL, Decimal.LOGICAL_NAME})


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
    options = (decimal_format, string_maps_as_objects, map_entry, replace_null_with_default, False)
    return _convert(schema, value, options)


# Per STRUCT schema (by identity): each field's name, the Python class its value has when _convert returns it as it
# is (a plain primitive), and its converter (the common field skips the call; logical ones take an inline path)
_Plan = list[tuple[str, "type | None", "Callable[[Any, tuple[Any, ...]], Any]"]]
_PLANS: dict[int, tuple[Schema, _Plan]] = {}
_MAX_PLANS = 1000
_AS_IS = {Type.STRING: str, Type.BOOLEAN: bool, Type.FLOAT64: float,
          Type.INT8: int, Type.INT16: int, Type.INT32: int, Type.INT64: int}
_EPOCH_UTC = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_EPOCH_NAIVE = _dt.datetime(1970, 1, 1)  # naive datetimes are UTC (Timestamp.from_logical)
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_ONE_MS = _dt.timedelta(milliseconds=1)


def _plan(schema: Schema) -> _Plan:
    cached = _PLANS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    plan = [(f.name, _AS_IS.get(f.schema.type) if f.schema.name is None else None, _field_converter(f.schema))
            for f in schema.fields]
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[id(schema)] = (schema, plan)
    return plan


def _field_converter(schema: Schema) -> Callable[[Any, tuple[Any, ...]], Any]:
    """``_convert`` of one field schema, with Timestamp, Date and base64 Decimal values of the exact class inline."""
    name = schema.name

    def generic(value: Any, options: tuple[Any, ...]) -> Any:
        return _convert(schema, value, options)

    if name == Timestamp.LOGICAL_NAME:
        def timestamp(value: Any, options: tuple[Any, ...]) -> Any:
            if value.__class__ is _dt.datetime:
                return (value - (_EPOCH_NAIVE if value.tzinfo is None else _EPOCH_UTC)) // _ONE_MS
            return _convert(schema, value, options)
        return timestamp
    if name == Date.LOGICAL_NAME:
        def date(value: Any, options: tuple[Any, ...]) -> Any:
            if value.__class__ is _dt.date:
                return value.toordinal() - _EPOCH_ORDINAL
            return _convert(schema, value, options)
        return date
    if name == Decimal.LOGICAL_NAME:
        try:
            scale = Decimal.scale(schema)
        except DataError:
            return generic  # the error, per value
        at_scale = Decimal.base64_at_scale

        def decimal(value: Any, options: tuple[Any, ...]) -> Any:
            if value.__class__ is _decimal.Decimal and options[0] != "NUMERIC" and scale >= 0:
                text = at_scale(value, scale)
                if text is not None:
                    return text
            return _convert(schema, value, options)
        return decimal
    return generic


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
    if schema.name is not None and schema.name in _LOGICAL_NAMES:
        return _logical(schema, value, options)
    t = schema.type
    if t is Type.STRUCT:
        return _struct(schema, value, options)
    if t is Type.ARRAY:
        return [_convert(schema.value_schema, v, options) for v in value]
    if t is Type.MAP:
        key_schema, value_schema = schema.key_schema, schema.value_schema
        as_object = options[1] and key_schema is not None and key_schema.type is Type.STRING
        return _map(value, key_schema, value_schema, as_object, options)
    if t is Type.BYTES:
        return base64.b64encode(bytes(value)).decode("ascii")
    if options[4] and isinstance(value, (int, float)) and not isinstance(value, bool):  # the number Jackson writes
        if t is Type.FLOAT32:
            return JavaFloat(value)
        if t is Type.FLOAT64:
            return float(value)
    return value


def _logical(schema: Schema, value: Any, options: tuple[Any, ...]) -> Any:
    if schema.name == Decimal.LOGICAL_NAME:
        if options[0] == "NUMERIC":
            return value
        return base64.b64encode(Decimal.from_logical(schema, value)).decode("ascii")
    return _LOGICAL[schema.name](schema, value)  # type: ignore[index]


def _struct(schema: Schema, value: Any, options: tuple[Any, ...]) -> dict[str, Any]:
    if value.__class__ is Struct and value.schema is schema:  # the common case: its values by position
        return {name: item if item.__class__ is as_is else convert(item, options)
                for (name, as_is, convert), item in zip(_plan(schema), value._values, strict=True)}
    if not isinstance(value, Struct):
        raise DataError(f"Expected a Struct for schema {schema!r}, got {type(value).__name__}")
    return {f.name: _convert(f.schema, value.get_without_default(f), options) for f in schema.fields}


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
    """``value`` as compact JSON text, byte for byte what JsonConverter writes with ``schemas.enable=false`` (Jackson's
    text: ``1.0E10`` doubles, quoted ``"NaN"``, ``Float.toString`` for FLOAT32, ``\\u001F`` and surrogate-pair
    escapes, exact NUMERIC decimals)."""
    return _text(_convert(schema, value, _text_options(decimal_format, replace_null_with_default)))


def to_json_array(
    items: Iterable[tuple[Schema | None, Any]],
    *,
    decimal_format: DecimalFormat = "BASE64",
    replace_null_with_default: bool = True,
) -> str:
    """The ``(schema, value)`` items' :func:`to_json_text` as one JSON array (``[`` the texts joined by ``,`` ``]``),
    written in one pass."""
    options = _text_options(decimal_format, replace_null_with_default)
    return _text([_convert(schema, value, options) for schema, value in items])


def _text_options(decimal_format: DecimalFormat, replace_null_with_default: bool) -> tuple[Any, ...]:
    return (decimal_format, True, "pair", replace_null_with_default, True)


def _text(data: Any) -> str:
    """Jackson's text of ``_convert``'s text-mode output: orjson where it is certain, else value by value."""
    text = jackson_json(data, data=True)
    return jackson_json_readable(data) if text is None else text.decode("utf-8")
