"""ReplaceField: drop, keep or rename fields (Kafka ``transforms.ReplaceField``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import ValidList, config_error, config_field, parse_config
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import (
    SchemaCache,
    StructCopier,
    ValuesStep,
    attach_variants,
    copy_schema_basics,
    java_split,
    replace_null_field,
    require_map,
    require_struct,
    struct_copier,
)

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = [
    "EXCLUDE_CONFIG",
    "INCLUDE_CONFIG",
    "RENAMES_CONFIG",
    "ReplaceField",
    "ReplaceFieldConfig",
    "parse_rename_mappings",
]

EXCLUDE_CONFIG = "exclude"
INCLUDE_CONFIG = "include"
RENAMES_CONFIG = "renames"
PURPOSE = "field replacement"


def parse_rename_mappings(mappings: list[str]) -> dict[str, str]:
    """Parse ``old:new`` pairs, raising Kafka's "Invalid rename mapping" ConfigException."""
    renames: dict[str, str] = {}
    for mapping in mappings:
        parts = java_split(mapping, ":")
        if len(parts) != 2:
            raise config_error(RENAMES_CONFIG, mappings, "Invalid rename mapping: " + mapping)
        renames[parts[0]] = parts[1]
    return renames


class ReplaceFieldConfig(BaseModel):
    """Config of ReplaceField (Kafka 4.x ``ReplaceField.CONFIG_DEF``; blacklist/whitelist were removed in 4.0)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    exclude: list[str] = config_field(
        [], alias=EXCLUDE_CONFIG, type="LIST", validator=ValidList(empty_allowed=True),
        description="Fields to exclude. This takes precedence over the fields to include.",
    )
    include: list[str] = config_field(
        [], alias=INCLUDE_CONFIG, type="LIST", validator=ValidList(empty_allowed=True),
        description="Fields to include. If specified, only these fields will be used.",
    )
    renames: list[str] = config_field(
        [], alias=RENAMES_CONFIG, type="LIST", validator=lambda key, value: parse_rename_mappings(value),
        description="Field rename mappings.",
    )
    replace_null_with_default: bool = replace_null_field()


class ReplaceField(RecordSide, Transformation["ConnectRecord"]):
    """Filter and rename fields (Kafka ``ReplaceField``); use ReplaceField.Key or ReplaceField.Value."""

    config_model: ClassVar[type[BaseModel]] = ReplaceFieldConfig
    Key: ClassVar[type[ReplaceField]]
    Value: ClassVar[type[ReplaceField]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Parse include/exclude sets and rename maps (both directions) once."""
        self.config = parse_config(ReplaceFieldConfig, configs)
        self._exclude = frozenset(self.config.exclude)
        self._include = frozenset(self.config.include)
        self._renames = parse_rename_mappings(self.config.renames)
        self._reverse = {new: old for old, new in self._renames.items()}
        self._replace_null = self.config.replace_null_with_default
        self._schema_cache = SchemaCache()

    def _keep(self, name: str) -> bool:
        return name not in self._exclude and (not self._include or name in self._include)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Rebuild the operating side; null keys/values pass through unchanged."""
        value = self._operating_value(record)
        if value is None:
            return record
        schema = self._operating_schema(record)
        if schema is None:
            renames = self._renames
            updated = {renames.get(k, k): v for k, v in require_map(value, PURPOSE).items() if self._keep(k)}
            return self._new_record(record, None, updated)
        struct = value if value.__class__ is Struct else require_struct(value, PURPOSE)
        updated_schema, copy = self._schema_cache.get_or_build(struct.schema, self._updated_plan)
        return self._new_record(record, updated_schema, copy(struct, self._replace_null))

    def _values_plan(self, schema: Schema) -> tuple[Schema, ValuesStep]:
        """(updated schema, values step) for a fused chain (``TransformationChain``)."""
        updated, _copy = self._schema_cache.get_or_build(schema, self._updated_plan)
        reverse = self._reverse
        return updated, ValuesStep(schema, updated, lambda name: reverse.get(name, name),
                                   replace_null=self._replace_null)

    def _updated_plan(self, schema: Schema) -> tuple[Schema, StructCopier]:
        updated = self._updated_schema(schema)
        reverse = self._reverse
        return updated, struct_copier(schema, updated, lambda name: reverse.get(name, name))

    def _updated_schema(self, schema: Schema) -> Schema:
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for field in schema.fields:
            if self._keep(field.name):
                builder.field(self._renames.get(field.name, field.name), field.schema)
        return builder.build()


class _Key(KeySide, ReplaceField):
    """``ReplaceField$Key``: filters and renames fields of the record key."""


class _Value(ValueSide, ReplaceField):
    """``ReplaceField$Value``: filters and renames fields of the record value."""


attach_variants(ReplaceField, _Key, _Value)
