"""``JsonSchemaData``: Connect <-> JSON Schema as Confluent's ``io.confluent.connect.json.JsonSchemaData`` maps them.

Integers are ``{"type": "integer", "connect.type": "int32"}`` (int8..int64), floats ``number`` with float32/64,
bytes a base64 ``string`` with ``connect.type: bytes``, Decimal a ``number`` titled with the logical name, maps
with string keys objects (``additionalProperties``), other maps arrays of ``{key, value}`` objects, structs
objects whose properties carry ``connect.index``, optional schemas ``oneOf`` null; names are ``title``,
docs ``description``, versions ``connect.version`` and parameters ``connect.parameters``.
"""

from __future__ import annotations

import base64
import binascii
import decimal as _decimal
from collections import OrderedDict
from typing import Any

from connect_core.api.errors import DataError
from connect_core.api.logical import LOGICAL_NAMES, Date, Decimal, Time, Timestamp, from_logical, to_logical
from connect_core.api.schema import STRING_SCHEMA, Schema, SchemaBuilder, Type, non_optional
from connect_core.api.struct import Struct
from connect_core.converters.schema_registry.converter import remember

__all__ = ["JsonSchemaData"]

NAMESPACE = "io.confluent.connect.json"
CONNECT_TYPE_PROP = "connect.type"
CONNECT_VERSION_PROP = "connect.version"
CONNECT_PARAMETERS_PROP = "connect.parameters"
CONNECT_INDEX_PROP = "connect.index"
JSON_TYPE_ENUM = NAMESPACE + ".Enum"
JSON_TYPE_ONE_OF = NAMESPACE + ".OneOf"
_INTEGERS = {Type.INT8: "int8", Type.INT16: "int16", Type.INT32: "int32", Type.INT64: "int64"}
_NUMBERS = {Type.FLOAT32: "float32", Type.FLOAT64: "float64"}
_BY_CONNECT_TYPE = {"int8": Type.INT8, "int16": Type.INT16, "int32": Type.INT32, "int64": Type.INT64,
                    "float32": Type.FLOAT32, "float64": Type.FLOAT64, "bytes": Type.BYTES}


class JsonSchemaData:
    """Converts between Connect and JSON Schema documents; ``decimal.format`` BASE64 (default) or NUMERIC."""

    def __init__(self, *, decimal_numeric: bool = False, cache_size: int = 1000) -> None:
        """Decimals as base64 of the unscaled bytes (Confluent's default) or as JSON numbers; ``cache_size`` is
        ``schemas.cache.config`` (conversions kept each way)."""
        self.decimal_numeric = decimal_numeric
        self.cache_size = cache_size
        self._from_cache: dict[Schema, dict[str, Any]] = {}
        self._to_cache: dict[tuple[str, int | None], Schema] = {}

    # -- schemas -------------------------------------------------------------------------------------------
    def from_connect_schema(self, schema: Schema) -> dict[str, Any]:
        """The JSON Schema document of a Connect schema (cached)."""
        cached = self._from_cache.get(schema)
        if cached is None:
            cached = remember(self._from_cache, schema, self._schema(schema, None, ignore_optional=False),
                              self.cache_size)
        return cached

    def _schema(self, schema: Schema, index: int | None, *, ignore_optional: bool) -> dict[str, Any]:  # noqa: C901, PLR0912, PLR0915
        t = schema.type
        params = schema.parameters or {}
        out: dict[str, Any] = OrderedDict()
        props: dict[str, Any] = OrderedDict()
        if t in _INTEGERS:
            out["type"] = "integer"
            props[CONNECT_TYPE_PROP] = _INTEGERS[t]
        elif t in _NUMBERS:
            out["type"] = "number"
            props[CONNECT_TYPE_PROP] = _NUMBERS[t]
        elif t is Type.BOOLEAN:
            out["type"] = "boolean"
        elif t is Type.STRING:
            if JSON_TYPE_ENUM in params:
                out["enum"] = [v for k, v in params.items() if k.startswith(JSON_TYPE_ENUM + ".")]
            else:
                out["type"] = "string"
        elif t is Type.BYTES:
            out["type"] = "number" if schema.name == Decimal.LOGICAL_NAME else "string"
            props[CONNECT_TYPE_PROP] = "bytes"
        elif t is Type.ARRAY:
            out["type"] = "array"
            out["items"] = self._schema(schema.require_value_schema(), None, ignore_optional=False)
        elif t is Type.MAP:
            if schema.require_key_schema().type is Type.STRING and not schema.require_key_schema().optional:
                out["type"] = "object"
                out["additionalProperties"] = self._schema(schema.require_value_schema(), None, ignore_optional=False)
            else:
                out["type"] = "array"
                out["items"] = {"type": "object", "properties": {
                    "key": self._schema(schema.require_key_schema(), 0, ignore_optional=False),
                    "value": self._schema(schema.require_value_schema(), 1, ignore_optional=False)}}
            props[CONNECT_TYPE_PROP] = "map"
        elif t is Type.STRUCT:
            if schema.name == JSON_TYPE_ONE_OF:
                members = [{"type": "null"}] if schema.optional else []
                members += [self._schema(non_optional(f.schema), f.index, ignore_optional=True) for f in schema.fields]
                out["oneOf"] = members
                if index is not None:
                    out[CONNECT_INDEX_PROP] = index
                return out
            if schema.optional and not ignore_optional:
                out["oneOf"] = [{"type": "null"}, self._schema(non_optional(schema), None, ignore_optional=False)]
                if index is not None:
                    out[CONNECT_INDEX_PROP] = index
                return out
            out["type"] = "object"
            out["properties"] = OrderedDict(
                (f.name, self._schema(f.schema, f.index, ignore_optional=False)) for f in schema.fields)
        else:
            raise DataError(f"Unsupported type {t}")
        if schema.name is not None:
            out["title"] = schema.name
        if schema.doc is not None:
            out["description"] = schema.doc
        if schema.default_value is not None:
            out["default"] = self.from_connect_data(schema, schema.default_value)
        if schema.version is not None:
            props[CONNECT_VERSION_PROP] = schema.version
        shown = {k: v for k, v in params.items() if not k.startswith(NAMESPACE)}
        if shown:
            props[CONNECT_PARAMETERS_PROP] = shown
        if schema.optional and not ignore_optional:
            wrapped: dict[str, Any] = OrderedDict(oneOf=[{"type": "null"}, {**out, **props}])
            if index is not None:
                wrapped[CONNECT_INDEX_PROP] = index
            return wrapped
        if index is not None:
            props[CONNECT_INDEX_PROP] = index
        return {**out, **props}

    def to_connect_schema(self, document: dict[str, Any], text: str, version: int | None = None) -> Schema:
        """The Connect schema of a registered JSON Schema (cached per text and version)."""
        key = (text, version)
        cached = self._to_cache.get(key)
        if cached is None:
            cached = remember(self._to_cache, key, self._to_connect(document, document, version, force_optional=False),
                              self.cache_size)
        return cached

    def _to_connect(self, node: dict[str, Any], root: dict[str, Any], version: int | None, *,  # noqa: C901, PLR0912, PLR0915
                    force_optional: bool) -> Schema:
        if "$ref" in node:
            return self._to_connect(_resolve(root, node["$ref"]), root, version, force_optional=force_optional)
        kind = node.get("type")
        combined = node.get("oneOf") or node.get("anyOf")
        builder: SchemaBuilder
        if combined is not None:
            non_null = [m for m in combined if m.get("type") != "null"]
            if len(combined) == 2 and len(non_null) == 1:
                return self._to_connect(non_null[0], root, version, force_optional=True)
            builder = SchemaBuilder.struct().name(JSON_TYPE_ONE_OF)
            for i, member in enumerate(non_null):
                builder.field(f"{JSON_TYPE_ONE_OF}.field.{i}", self._to_connect(member, root, None,
                                                                               force_optional=True))
            if len(non_null) != len(combined):
                builder.optional()
        elif "enum" in node:
            builder = SchemaBuilder.string().parameter(JSON_TYPE_ENUM, "")
            for symbol in node["enum"]:
                builder.parameter(f"{JSON_TYPE_ENUM}.{symbol}", str(symbol))
        elif kind in ("integer", "number"):
            connect_type = node.get(CONNECT_TYPE_PROP)
            if connect_type is None:
                builder = SchemaBuilder.int64() if kind == "integer" else SchemaBuilder.float64()
            elif connect_type in _BY_CONNECT_TYPE:
                builder = SchemaBuilder.type(_BY_CONNECT_TYPE[connect_type])
            else:
                raise DataError(f"Unsupported type {connect_type}")
        elif kind == "string":
            builder = SchemaBuilder.bytes() if node.get(CONNECT_TYPE_PROP) == "bytes" else SchemaBuilder.string()
        elif kind == "boolean":
            builder = SchemaBuilder.bool()
        elif kind == "array":
            items = node.get("items")
            if not isinstance(items, dict):
                raise DataError("Array schema did not specify the items type")
            if node.get(CONNECT_TYPE_PROP) == "map" and items.get("type") == "object":
                entry = items.get("properties", {})
                builder = SchemaBuilder.map(self._to_connect(entry["key"], root, None, force_optional=False),
                                            self._to_connect(entry["value"], root, None, force_optional=False))
            else:
                builder = SchemaBuilder.array(self._to_connect(items, root, None, force_optional=False))
        elif kind == "object":
            if node.get(CONNECT_TYPE_PROP) == "map":
                values = node.get("additionalProperties")
                builder = SchemaBuilder.map(STRING_SCHEMA, self._to_connect(
                    values if isinstance(values, dict) else {}, root, None, force_optional=False))
            else:
                builder = SchemaBuilder.struct()
                ordered = sorted(enumerate((node.get("properties") or {}).items()),
                                 key=lambda item: item[1][1].get(CONNECT_INDEX_PROP, item[0]))
                for _, (name, sub) in ordered:
                    builder.field(name, self._to_connect(sub, root, None, force_optional=False))
        else:
            raise DataError(f"Unsupported schema type {kind!r}")
        if node.get("title") is not None:
            builder.name(node["title"])
        connect_version = node.get(CONNECT_VERSION_PROP)
        schema_version = connect_version if connect_version is not None else version
        if schema_version is not None:
            builder.version(schema_version)
        if node.get("description") is not None:
            builder.doc(node["description"])
        if isinstance(node.get(CONNECT_PARAMETERS_PROP), dict):
            builder.parameters(node[CONNECT_PARAMETERS_PROP])
        if node.get("default") is not None:
            builder.default_value(self.to_connect_data(builder.build(), node["default"]))
        if force_optional:
            builder.optional()
        return builder.build()

    # -- values --------------------------------------------------------------------------------------------
    def from_connect_data(self, schema: Schema, value: Any) -> Any:
        """The JSON value (Python JSON types) of a Connect value."""
        if value is None:
            if schema.default_value is not None:
                return self.from_connect_data(schema, schema.default_value)
            if schema.optional:
                return None
            raise DataError("Conversion error: null value for field that is required and has no default value")
        name = schema.name
        if name == Decimal.LOGICAL_NAME and self.decimal_numeric:
            return value
        if name in LOGICAL_NAMES:  # a Decimal's bytes go on to the BYTES rule (base64)
            value = from_logical(schema, value)
        t = schema.type
        if t is Type.BYTES:
            return base64.b64encode(bytes(value)).decode("ascii")
        if t is Type.ARRAY:
            return [self.from_connect_data(schema.require_value_schema(), v) for v in value]
        if t is Type.MAP:
            if schema.require_key_schema().type is Type.STRING and not schema.require_key_schema().optional:
                return {k: self.from_connect_data(schema.require_value_schema(), v) for k, v in value.items()}
            return [{"key": self.from_connect_data(schema.require_key_schema(), k),
                     "value": self.from_connect_data(schema.require_value_schema(), v)} for k, v in value.items()]
        if t is Type.STRUCT:
            if not isinstance(value, Struct) or value.schema != schema:
                raise DataError("Mismatching schema.")
            if name == JSON_TYPE_ONE_OF:
                for field in schema.fields:
                    member = value.get(field)
                    if member is not None:
                        return self.from_connect_data(field.schema, member)
                return None
            return {f.name: self.from_connect_data(f.schema, value.get(f)) for f in schema.fields}
        return value

    def to_connect_data(self, schema: Schema, value: Any) -> Any:  # noqa: C901, PLR0912
        """The Connect value of a parsed JSON value under ``schema`` (Confluent's lenient numeric coercions)."""
        if value is None:
            if schema.default_value is not None:
                return schema.default_value
            if schema.optional:
                return None
            raise DataError(f"Invalid null value for required {schema.type} field")
        name = schema.name
        try:
            if name == Decimal.LOGICAL_NAME:
                if isinstance(value, (int, float, _decimal.Decimal)) and not isinstance(value, bool):
                    return _decimal.Decimal(str(value))
                return Decimal.to_logical(schema, base64.b64decode(value, validate=True))
            if name in (Date.LOGICAL_NAME, Time.LOGICAL_NAME, Timestamp.LOGICAL_NAME):
                if not isinstance(value, int) or isinstance(value, bool):
                    raise DataError(f"Invalid type for {name.rsplit('.', 1)[1]}, underlying representation should "
                                    f"be integer but was {type(value).__name__}")
                return to_logical(schema, value)
            t = schema.type
            if t in _INTEGERS:
                return int(value)
            if t in _NUMBERS:
                return float(value)
            if t is Type.BOOLEAN:
                return bool(value)
            if t is Type.STRING:
                if not isinstance(value, str):
                    raise DataError(f"Invalid value for string field: {type(value).__name__}")
                return value
            if t is Type.BYTES:
                return base64.b64decode(value, validate=True)
            if t is Type.ARRAY:
                return [self.to_connect_data(schema.require_value_schema(), v) for v in value]
            if t is Type.MAP:
                if schema.require_key_schema().type is Type.STRING and not schema.require_key_schema().optional:
                    return {k: self.to_connect_data(schema.require_value_schema(), v) for k, v in value.items()}
                return {self.to_connect_data(schema.require_key_schema(), e.get("key")):
                        self.to_connect_data(schema.require_value_schema(), e.get("value")) for e in value}
            if t is Type.STRUCT:
                if name == JSON_TYPE_ONE_OF:
                    for field in schema.fields:
                        if _matches(field.schema, value):
                            return Struct(schema).put(field, self.to_connect_data(field.schema, value))
                    raise DataError(f"Did not find matching oneof field for data: {value}")
                if not isinstance(value, dict):
                    raise DataError(f"Structs should be encoded as JSON objects, but found {type(value).__name__}")
                struct = Struct(schema)
                for field in schema.fields:
                    struct.put(field, self.to_connect_data(field.schema, value.get(field.name)))
                return struct
        except (TypeError, ValueError, AttributeError, binascii.Error) as error:
            raise DataError(f"Invalid JSON value for {schema.type}: {error}") from error
        raise DataError(f"Unknown schema type: {schema.type}")


def _matches(schema: Schema, value: Any) -> bool:
    t = schema.type
    if t in _INTEGERS:
        return isinstance(value, int) and not isinstance(value, bool)
    if t in _NUMBERS:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t is Type.BOOLEAN:
        return isinstance(value, bool)
    if t in (Type.STRING, Type.BYTES):
        return isinstance(value, str)
    if t is Type.ARRAY:
        return isinstance(value, list)
    if t is Type.MAP:
        return isinstance(value, (dict, list))
    return isinstance(value, dict) and set(value) <= {f.name for f in schema.fields}


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#"):
        raise DataError(f"Unsupported $ref {ref}: only local references are resolved")
    node: Any = root
    for part in ref.lstrip("#").strip("/").split("/"):
        if part:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node

