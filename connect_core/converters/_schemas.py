"""Schema helpers the registry data mappings share."""

from __future__ import annotations

from connect_core.api.schema import Schema, Type

__all__ = ["non_optional"]


def non_optional(schema: Schema) -> Schema:
    """The same schema, required (Confluent's ``nonOptional``): optional schemas map to unions with null."""
    if not schema.optional:
        return schema
    return Schema(schema.type, False, schema.default_value, schema.name, schema.version, schema.doc,
                  schema.parameters, schema.fields if schema.type is Type.STRUCT else None,
                  schema.key_schema, schema.value_schema)
