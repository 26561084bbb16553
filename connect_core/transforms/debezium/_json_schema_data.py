"""The outbox router's ``table.expand.json.payload``: a JSON text to a Connect schema and value inferred from it
(Debezium's ``JsonSchemaData``, with Jackson's number kinds: int32, int64, else float64)."""

from __future__ import annotations

import json
from typing import Any

from connect_core.api.errors import ConnectError
from connect_core.api.schema import (
    OPTIONAL_BOOLEAN_SCHEMA,
    OPTIONAL_BYTES_SCHEMA,
    OPTIONAL_FLOAT64_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    Schema,
    SchemaBuilder,
    Type,
)
from connect_core.api.struct import Struct
from connect_core.transforms._util import copy_schema_basics

__all__ = ["JsonSchemaData", "adjust_field_name", "parse_json_payload"]

_INT32 = (-(1 << 31), (1 << 31) - 1)
_INT64 = (-(1 << 63), (1 << 63) - 1)


def _reject(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")


_DECODER = json.JSONDecoder(parse_constant=_reject)


def parse_json_payload(text: str) -> Any:
    """Jackson's ``readTree`` of a text starting with ``{`` or ``[`` (the first value; what follows is ignored)."""
    if text.startswith(("{", "[")):
        return _DECODER.raw_decode(text)[0]
    raise ValueError(f"Unable to parse payload starting with '{text[:1]}'")


def adjust_field_name(name: str, mode: str) -> str:
    """Debezium's field namers (``field.name.adjustment.mode``): ``avro`` replaces characters outside
    ``[A-Za-z0-9_]`` (and a leading non-letter) with ``_``, ``avro_unicode`` with ``_uXXXX``; ``none`` keeps it."""
    if mode not in ("avro", "avro_unicode") or not name:
        return name
    unicode = mode == "avro_unicode"

    def letter(c: str) -> bool:
        return c.isascii() and (c.isalpha() or (c == "_" and not unicode))

    def replace(c: str) -> str:
        if not unicode:
            return "_"
        code = f"{ord(c):x}"
        return "_u" + ("00" + code if len(code) <= 2 else code)

    head = name[0] if letter(name[0]) else replace(name[0]) + (name[0] if name[0].isdigit() and not unicode else "")
    return head + "".join(c if letter(c) or "0" <= c <= "9" else replace(c) for c in name[1:])


def _number_schema(value: Any) -> Schema:
    if isinstance(value, int):
        if _INT32[0] <= value <= _INT32[1]:
            return OPTIONAL_INT32_SCHEMA
        if _INT64[0] <= value <= _INT64[1]:
            return OPTIONAL_INT64_SCHEMA
    return OPTIONAL_FLOAT64_SCHEMA


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    """Jackson's JsonNodeType name of a parsed value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if _is_number(value):
        return "NUMBER"
    if isinstance(value, str):
        return "STRING"
    return "ARRAY" if isinstance(value, list) else "OBJECT"


class JsonSchemaData:
    """Infer a schema from parsed JSON and build the matching value (``null.behavior``: ignore or optional_bytes;
    ``empty.array.behavior``: ignore or optional_string)."""

    def __init__(self, null_behavior: str = "ignore", empty_array_behavior: str = "ignore",
                 field_name: Any = None) -> None:
        """``field_name`` adjusts object keys into field names (identity by default)."""
        self.null_behavior = null_behavior
        self.empty_array_behavior = empty_array_behavior
        self.field_name = field_name or (lambda name: name)

    def to_connect_schema(self, key: str | None, node: Any) -> Schema | None:
        """The schema of ``node``; None for what is left out (nulls, empty arrays by default)."""
        if isinstance(node, bool):
            return OPTIONAL_BOOLEAN_SCHEMA
        if _is_number(node):
            return _number_schema(node)
        if isinstance(node, str):
            return OPTIONAL_STRING_SCHEMA
        if isinstance(node, list):
            if not node:
                if self.empty_array_behavior == "optional_string":
                    return SchemaBuilder.array(OPTIONAL_STRING_SCHEMA).optional().build()
                return None
            return SchemaBuilder.array(self._element_schema(key, node)).optional().build()
        if isinstance(node, dict):
            builder = SchemaBuilder.struct().name(key).optional()  # type: ignore[arg-type]
            for name, value in node.items():
                field_name = self.field_name(name)
                field_key = ("" if key is None or not key.strip() else key + ".") + field_name
                schema = self.to_connect_schema(field_key, value)
                if schema is not None and not any(f.name == field_name for f in builder.fields):
                    builder.field(field_name, schema)
            return builder.build()
        return OPTIONAL_BYTES_SCHEMA if self.null_behavior == "optional_bytes" else None

    def _element_schema(self, key: str | None, array: list[Any]) -> Schema:
        sample = _first_element(array, self)
        if isinstance(sample, dict):
            schemas: list[Schema] = []
            for element in array:
                if isinstance(element, dict):
                    schema = self.to_connect_schema(key, element)
                    if schema is not None and schema not in schemas:
                        schemas.append(schema)
            merged: Schema | None = None
            for schema in schemas:
                merged = _merge(merged, schema)
            return merged  # type: ignore[return-value]
        schema = self.to_connect_schema(None, sample)
        if schema is None:
            raise ConnectError(f"Array '{_as_text(array)}' has unrecognized member schema.")
        return schema

    def to_connect_data(self, document: Any, schema: Schema) -> Any:
        """The value of ``document`` under ``schema`` (a struct: Debezium converts objects only)."""
        if document is None:
            return None
        return self._struct(document, schema)

    def _struct(self, document: Any, schema: Schema) -> Struct:
        struct = Struct(schema)
        for field in schema.fields:
            if isinstance(document, dict) and field.name in document:
                struct.put(field, self._value(document[field.name], field.schema))
        return struct

    def _value(self, node: Any, schema: Schema) -> Any:
        if isinstance(node, list):
            return [self._value(element, schema.value_schema) for element in node]  # type: ignore[arg-type]
        if isinstance(node, dict):
            return self._struct(node, schema)
        return node


def _as_text(node: Any) -> str:
    """Jackson's ``asText`` of a container node: empty."""
    return "" if isinstance(node, (list, dict)) else str(node)


def _first_element(array: list[Any], data: JsonSchemaData) -> Any:
    """The first non-null element; every other must be of its kind (and of its number schema)."""
    ref: Any = None
    ref_schema: Schema | None = None
    for element in array:
        if element is None:
            continue
        if ref is None:
            ref = element
        if _kind(element) != _kind(ref):
            raise ConnectError(f"Field is not a homogenous array ({_as_text(ref)} x {_kind(element)}).")
        if _kind(ref) == "NUMBER":
            if ref_schema is None:
                ref_schema = data.to_connect_schema(None, ref)
            element_schema = data.to_connect_schema(None, element)
            if ref_schema is not element_schema:
                raise ConnectError("Field is not a homogenous array, different number types")
    return ref


def _merge(left: Schema | None, right: Schema) -> Schema:
    """Union of two struct schemas' fields; a bytes field (a null's) gives way to a typed one."""
    if left is None:
        return right
    fields = {field.name: field for field in left.fields}
    for field in right.fields:
        old = fields.get(field.name)
        if old is None or (old.schema != field.schema and old.schema.type is Type.BYTES
                           and field.schema.type is not Type.BYTES):
            fields[field.name] = field
    builder = copy_schema_basics(left, SchemaBuilder.struct())
    for name, field in fields.items():
        builder.field(name, field.schema)
    return builder.build()
