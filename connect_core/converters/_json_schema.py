"""Connect schema <-> Kafka's JSON schema format (``JsonConverter.asJsonSchema``/``asConnectSchema``).

Key order matters for byte compatibility: ``type``, then ``items``/``keys``+``values``/``fields``, then
``optional``, ``name``, ``version``, ``doc``, ``parameters``, ``default``; struct fields end with ``field``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError
from connect_core.api.java_text import jackson_string
from connect_core.api.schema import SchemaBuilder, Type

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.schema import Schema

__all__ = ["TYPE_BY_JSON_NAME", "JSON_NAME_BY_TYPE", "parse_schema", "schema_json"]

JSON_NAME_BY_TYPE: dict[Type, str] = {
    Type.BOOLEAN: "boolean",
    Type.INT8: "int8",
    Type.INT16: "int16",
    Type.INT32: "int32",
    Type.INT64: "int64",
    Type.FLOAT32: "float",
    Type.FLOAT64: "double",
    Type.BYTES: "bytes",
    Type.STRING: "string",
    Type.ARRAY: "array",
    Type.MAP: "map",
    Type.STRUCT: "struct",
}
TYPE_BY_JSON_NAME: dict[str, Type] = {v: k for k, v in JSON_NAME_BY_TYPE.items()}


def schema_json(
    schema: Schema | None, encode_default: Callable[[Schema, Any], str], field_name: str | None = None
) -> str:
    """The compact JSON text Kafka writes for ``schema``; ``encode_default`` renders a default like a payload."""
    if schema is None:
        return "null"
    parts = ['{"type":"', JSON_NAME_BY_TYPE[schema.type], '"']
    t = schema.type
    if t is Type.ARRAY:
        parts += [',"items":', schema_json(schema.value_schema, encode_default)]
    elif t is Type.MAP:
        parts += [',"keys":', schema_json(schema.key_schema, encode_default)]
        parts += [',"values":', schema_json(schema.value_schema, encode_default)]
    elif t is Type.STRUCT:
        fields = [schema_json(f.schema, encode_default, f.name) for f in schema.fields]
        parts += [',"fields":[', ",".join(fields), "]"]
    parts.append(',"optional":true' if schema.optional else ',"optional":false')
    if schema.name is not None:
        parts += [',"name":', jackson_string(schema.name)]
    if schema.version is not None:
        parts += [',"version":', str(schema.version)]
    if schema.doc is not None:
        parts += [',"doc":', jackson_string(schema.doc)]
    if schema.parameters is not None:
        params = ",".join(f"{jackson_string(k)}:{jackson_string(v)}" for k, v in schema.parameters.items())
        parts += [',"parameters":{', params, "}"]
    if schema.default_value is not None:
        parts += [',"default":', encode_default(schema, schema.default_value)]
    if field_name is not None:
        parts += [',"field":', jackson_string(field_name)]
    parts.append("}")
    return "".join(parts)


def _child(node: dict[str, Any], key: str, message: str, to_connect: Callable[[Schema, Any], Any]) -> Schema:
    child = node.get(key)
    if child is None:
        raise DataError(message)
    schema = parse_schema(child, to_connect)
    if schema is None:
        raise DataError(message)
    return schema


def _builder(node: dict[str, Any], to_connect: Callable[[Schema, Any], Any]) -> SchemaBuilder:
    type_name = node.get("type")
    if not isinstance(type_name, str):
        raise DataError("Schema must contain 'type' field")
    t = TYPE_BY_JSON_NAME.get(type_name)
    if t is None:
        raise DataError(f"Unknown schema type: {type_name}")
    if t is Type.ARRAY:
        return SchemaBuilder.array(_child(node, "items", "Array schema did not specify the element type", to_connect))
    if t is Type.MAP:
        key_schema = _child(node, "keys", "Map schema did not specify the key type", to_connect)
        value_schema = _child(node, "values", "Map schema did not specify the value type", to_connect)
        return SchemaBuilder.map(key_schema, value_schema)
    builder = SchemaBuilder(t)
    if t is Type.STRUCT:
        fields = node.get("fields")
        if not isinstance(fields, list):
            raise DataError('Struct schema\'s "fields" argument is not an array.')
        for field in fields:
            name = field.get("field") if isinstance(field, dict) else None
            if not isinstance(name, str):
                raise DataError("Struct schema's field name not specified properly")
            builder.field(name, parse_schema(field, to_connect))  # type: ignore[arg-type]
    return builder


def parse_schema(node: Any, to_connect: Callable[[Schema, Any], Any]) -> Schema | None:
    """Kafka's ``asConnectSchema``; ``to_connect`` converts a JSON default value with the partial schema."""
    if node is None:
        return None
    if not isinstance(node, dict):
        raise DataError("Schema must contain 'type' field")
    builder = _builder(node, to_connect)
    if node.get("optional") is True:
        builder.optional()
    else:
        builder.required()
    name = node.get("name")
    if isinstance(name, str):
        builder.name(name)
    version = node.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        builder.version(version)
    doc = node.get("doc")
    if isinstance(doc, str):
        builder.doc(doc)
    params = node.get("parameters")
    if params is not None:
        if not isinstance(params, dict):
            raise DataError("Schema parameters must be a JSON object.")
        for key, value in params.items():
            if not isinstance(value, str):
                raise DataError("Schema parameters must have string values.")
            builder.parameter(key, value)
    default = node.get("default")
    if default is not None:
        builder.default_value(to_connect(builder.build(), default))
    return builder.build()
