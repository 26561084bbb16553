"""Index mapping inferred from a Connect schema (Confluent ``Mapping.inferMapping``), put once per index.

An explicit mapping keeps Elasticsearch from guessing types from the first document (a string that looks like
a date, an int64 that first arrives small); ``schema.ignore=true`` skips it and relies on dynamic mapping.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

__all__ = ["infer_mapping"]

_PRIMITIVE = {
    Type.BOOLEAN: "boolean",
    Type.INT8: "byte",
    Type.INT16: "short",
    Type.INT32: "integer",
    Type.INT64: "long",
    Type.FLOAT32: "float",
    Type.FLOAT64: "double",
    Type.STRING: "text",
    Type.BYTES: "binary",
}
_LOGICAL = {
    Date.LOGICAL_NAME: "date",
    Time.LOGICAL_NAME: "date",
    Timestamp.LOGICAL_NAME: "date",
    Decimal.LOGICAL_NAME: "double",
}
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def infer_mapping(schema: Schema | None) -> dict[str, Any]:
    """The mapping of ``schema``: structs and maps become ``properties``, arrays map as their elements."""
    if schema is None:
        raise DataError("Cannot infer mapping without schema.")
    logical = _LOGICAL.get(schema.name or "")
    if logical is not None:
        return _primitive(logical, schema.default_value)
    t = schema.type
    if t is Type.ARRAY:
        return infer_mapping(schema.value_schema)
    if t is Type.MAP:
        return {"properties": {"key": infer_mapping(schema.key_schema), "value": infer_mapping(schema.value_schema)}}
    if t is Type.STRUCT:
        return {"properties": {f.name: infer_mapping(f.schema) for f in schema.fields}}
    return _primitive(_PRIMITIVE[t], schema.default_value)


def _primitive(es_type: str, default: Any) -> dict[str, Any]:
    mapping: dict[str, Any] = {"type": es_type}
    if es_type == "text":
        mapping["fields"] = {"keyword": {"type": "keyword", "ignore_above": 256}}
    elif default is not None and es_type != "binary":
        # Elasticsearch has no null_value for text and binary; Confluent skips them too.
        null_value = _null_value(es_type, default)
        if null_value is not None:
            mapping["null_value"] = null_value
    return mapping


def _null_value(es_type: str, default: Any) -> Any:
    if es_type == "date":
        if isinstance(default, _dt.datetime):
            moment = default if default.tzinfo else default.replace(tzinfo=_dt.UTC)
            return (moment - _EPOCH) // _dt.timedelta(milliseconds=1)
        if isinstance(default, _dt.date):
            return (default - _EPOCH.date()).days * 86_400_000
        return None
    if es_type == "double":
        return float(default)
    return default
