"""InsertField: add topic, partition, offset, timestamp or a static field (Kafka ``transforms.InsertField``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.errors import ConfigError
from connect_core.api.logical import Timestamp
from connect_core.api.schema import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT32_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaBuilder,
)
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import (
    SchemaCache,
    StructCopier,
    ValuesStep,
    attach_variants,
    copy_schema_basics,
    replace_null_field,
    require_map,
    require_sink_record,
    require_struct,
    struct_copier,
)

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["InsertField", "InsertFieldConfig", "OPTIONAL_TIMESTAMP_SCHEMA", "TIMESTAMP_SCHEMA"]

PURPOSE = "field insertion"
_OPTIONAL_SUFFIX = "?"
_REQUIRED_SUFFIX = "!"
TIMESTAMP_SCHEMA = Timestamp.schema()
OPTIONAL_TIMESTAMP_SCHEMA = Timestamp.builder().optional().build()


class InsertFieldConfig(BaseModel):
    """Config of InsertField (Kafka ``InsertField.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    topic_field: str | None = config_field(
        None, alias="topic.field",
        description="Field name for Kafka topic. Suffix with <code>!</code> to make this a required field, or "
        "<code>?</code> to keep it optional (the default).",
    )
    partition_field: str | None = config_field(
        None, alias="partition.field",
        description="Field name for Kafka partition. Suffix with <code>!</code> to make this a required field, or "
        "<code>?</code> to keep it optional (the default).",
    )
    offset_field: str | None = config_field(
        None, alias="offset.field",
        description="Field name for Kafka offset - only applicable to sink connectors.<br/>Suffix with "
        "<code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).",
    )
    timestamp_field: str | None = config_field(
        None, alias="timestamp.field",
        description="Field name for record timestamp. Suffix with <code>!</code> to make this a required field, or "
        "<code>?</code> to keep it optional (the default).",
    )
    static_field: str | None = config_field(
        None, alias="static.field",
        description="Field name for static data field. Suffix with <code>!</code> to make this a required field, or "
        "<code>?</code> to keep it optional (the default).",
    )
    static_value: str | None = config_field(
        None, alias="static.value", description="Static field value, if field name configured."
    )
    replace_null_with_default: bool = replace_null_field()


def _spec(spec: str | None) -> tuple[str, bool] | None:
    """Parse a field spec into (name, optional); Kafka's InsertionSpec.parse."""
    if spec is None:
        return None
    if spec.endswith(_OPTIONAL_SUFFIX):
        return spec[:-1], True
    if spec.endswith(_REQUIRED_SUFFIX):
        return spec[:-1], False
    return spec, True


class InsertField(RecordSide, Transformation["ConnectRecord"]):
    """Insert record metadata or a static value as fields (Kafka ``InsertField``); use .Key or .Value."""

    config_model: ClassVar[type[BaseModel]] = InsertFieldConfig
    Key: ClassVar[type[InsertField]]
    Value: ClassVar[type[InsertField]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Parse the field specs; at least one insertion must be configured."""
        cfg = self.config = parse_config(InsertFieldConfig, configs)
        self._topic = _spec(cfg.topic_field)
        self._partition = _spec(cfg.partition_field)
        self._offset = _spec(cfg.offset_field)
        self._timestamp = _spec(cfg.timestamp_field)
        self._static = _spec(cfg.static_field)
        self._static_value = cfg.static_value
        self._replace_null = cfg.replace_null_with_default
        if not any((self._topic, self._partition, self._offset, self._timestamp, self._static)):
            raise ConfigError("No field insertion configured")
        if self._static is not None and self._static_value is None:
            raise ConfigError("Invalid value null for configuration static.value: "
                              f"No value specified for static field: {self._static[0]}")
        self._schema_cache = SchemaCache()

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Insert the configured fields; null keys/values (tombstones) pass through unchanged."""
        value = self._operating_value(record)
        if value is None:
            return record
        schema = self._operating_schema(record)
        if schema is None:
            updated = dict(require_map(value, PURPOSE))
            self._insert(record, updated.__setitem__, record.timestamp)
            return self._new_record(record, None, updated)
        struct = value if value.__class__ is Struct else require_struct(value, PURPOSE)
        updated_schema, copy, fields = self._schema_cache.get_or_build(struct.schema, self._updated_plan)
        out = copy(struct, self._replace_null)
        ts = record.timestamp  # converted only when a timestamp field is inserted
        when = Timestamp.to_logical(TIMESTAMP_SCHEMA, ts) if self._timestamp is not None and ts is not None else None
        self._insert(record, out.put, when, fields)
        return self._new_record(record, updated_schema, out)

    def _insert(self, record: ConnectRecord, put: Any, timestamp: Any, fields: tuple[Any, ...] | None = None) -> None:
        """``put(key, value)`` each configured insertion; ``fields``: the keys (Field objects of the updated schema,
        or the names when None)."""
        topic, partition, offset, ts, static = fields if fields is not None else (
            spec[0] if spec is not None else None
            for spec in (self._topic, self._partition, self._offset, self._timestamp, self._static))
        if self._topic is not None:
            put(topic, record.topic)
        if self._partition is not None and record.kafka_partition is not None:
            put(partition, record.kafka_partition)
        if self._offset is not None:
            put(offset, require_sink_record(record, PURPOSE).kafka_offset)
        if self._timestamp is not None and timestamp is not None:
            put(ts, timestamp)
        if self._static is not None and self._static_value is not None:
            put(static, self._static_value)

    def _values_plan(self, schema: Schema) -> tuple[Schema, ValuesStep] | None:
        """(updated schema, values step) for a fused chain (``TransformationChain``); None where it is not fused.

        Topic and static insertions only: partition, offset and timestamp fields take the exact ``apply``.
        """
        if self._partition is not None or self._offset is not None or self._timestamp is not None:
            return None
        updated, _copy, fields = self._schema_cache.get_or_build(schema, self._updated_plan)
        names = {field.name for field in schema.fields}
        inserts: list[tuple[Any, bool, Any]] = []
        if self._topic is not None:
            inserts.append((fields[0], True, None))
        if self._static is not None:
            inserts.append((fields[4], False, self._static_value))
        return updated, ValuesStep(schema, updated, lambda name: name if name in names else None,
                                   replace_null=self._replace_null, inserts=inserts)

    def _updated_plan(self, schema: Schema) -> tuple[Schema, StructCopier, tuple[Any, ...]]:
        updated = self._updated_schema(schema)
        names = {field.name for field in schema.fields}
        fields = tuple(updated.field(spec[0]) if spec is not None else None
                       for spec in (self._topic, self._partition, self._offset, self._timestamp, self._static))
        return updated, struct_copier(schema, updated, lambda name: name if name in names else None), fields

    def _updated_schema(self, schema: Schema) -> Schema:
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for field in schema.fields:
            builder.field(field.name, field.schema)
        for spec, optional_schema, required_schema in (
            (self._topic, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA),
            (self._partition, OPTIONAL_INT32_SCHEMA, INT32_SCHEMA),
            (self._offset, OPTIONAL_INT64_SCHEMA, INT64_SCHEMA),
            (self._timestamp, OPTIONAL_TIMESTAMP_SCHEMA, TIMESTAMP_SCHEMA),
            (self._static, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA),
        ):
            if spec is not None:
                builder.field(spec[0], optional_schema if spec[1] else required_schema)
        return builder.build()


class _Key(KeySide, InsertField):
    """``InsertField$Key``: inserts fields into the record key."""


class _Value(ValueSide, InsertField):
    """``InsertField$Value``: inserts fields into the record value."""


attach_variants(InsertField, _Key, _Value)
