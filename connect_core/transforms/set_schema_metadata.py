"""SetSchemaMetadata: set the schema name and/or version (Kafka ``transforms.SetSchemaMetadata``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.errors import ConfigError, DataError
from connect_core.api.schema import Schema, Type
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import (
    SchemaCache,
    attach_variants,
    field_value,
    replace_null_field,
)

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["SCHEMA_NAME_CONFIG", "SCHEMA_VERSION_CONFIG", "SetSchemaMetadata", "SetSchemaMetadataConfig"]

SCHEMA_NAME_CONFIG = "schema.name"
SCHEMA_VERSION_CONFIG = "schema.version"


class SetSchemaMetadataConfig(BaseModel):
    """Config of SetSchemaMetadata (Kafka ``SetSchemaMetadata.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    schema_name: str | None = config_field(
        None, alias=SCHEMA_NAME_CONFIG, importance="HIGH", description="Schema name to set."
    )
    schema_version: int | None = config_field(
        None, alias=SCHEMA_VERSION_CONFIG, importance="HIGH", type="INT", description="Schema version to set."
    )
    replace_null_with_default: bool = replace_null_field()


class SetSchemaMetadata(RecordSide, Transformation["ConnectRecord"]):
    """Rename/re-version the key or value schema (Kafka ``SetSchemaMetadata``); use .Key or .Value."""

    config_model: ClassVar[type[BaseModel]] = SetSchemaMetadataConfig
    Key: ClassVar[type[SetSchemaMetadata]]
    Value: ClassVar[type[SetSchemaMetadata]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Require a name or a version."""
        self.config = parse_config(SetSchemaMetadataConfig, configs)
        if self.config.schema_name is None and self.config.schema_version is None:
            raise ConfigError("Neither schema name nor version configured")
        self._replace_null = self.config.replace_null_with_default
        self._schema_cache = SchemaCache()

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Swap in the updated schema; Struct values are rebuilt against it (their schema must match)."""
        schema = self._operating_schema(record)
        value = self._operating_value(record)
        if schema is None:
            if value is None:
                return record
            raise DataError("Schema required for [updating schema metadata]")
        updated = self._schema_cache.get_or_build(schema, self._updated_schema)
        if isinstance(value, Struct):
            out = Struct(updated)
            for field in updated.fields:
                out.put(field, field_value(value, field.name, self._replace_null))
            value = out
        return self._new_record(record, updated, value)

    def _updated_schema(self, schema: Schema) -> Schema:
        cfg = self.config
        is_map, is_array = schema.type is Type.MAP, schema.type is Type.ARRAY
        default = schema.default_value
        if isinstance(default, Struct):
            default = None  # deviation: a Struct default cannot be re-validated against the renamed schema
        new = Schema(
            schema.type, optional=schema.optional, default_value=default,
            name=cfg.schema_name if cfg.schema_name is not None else schema.name,
            version=cfg.schema_version if cfg.schema_version is not None else schema.version,
            doc=schema.doc, parameters=schema.parameters,
            fields=schema.fields if schema.type is Type.STRUCT else None,
            key_schema=schema.key_schema if is_map else None,
            value_schema=schema.value_schema if is_map or is_array else None,
        )
        return new


class _Key(KeySide, SetSchemaMetadata):
    """``SetSchemaMetadata$Key``: sets schema metadata of the record key."""


class _Value(ValueSide, SetSchemaMetadata):
    """``SetSchemaMetadata$Value``: sets schema metadata of the record value."""


attach_variants(SetSchemaMetadata, _Key, _Value)
