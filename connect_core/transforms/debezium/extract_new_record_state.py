"""ExtractNewRecordState: unwrap a Debezium change event to its row state (``io.debezium.transforms``, 3.7).

Debezium builds it from Kafka's SMTs (``ExtractField$Value`` for ``after``/``before``, ``InsertField$Value`` for the
``__deleted`` field, ``ReplaceField`` for dropped fields); so does this module, with ours, so each step behaves as
Kafka's does. Records that are not change events (no ``.Envelope`` value schema, schemaless maps) pass unchanged;
tombstones follow ``delete.tombstone.handling.mode``.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.errors import ConfigError, ConnectError
from connect_core.api.log_once import warning_once
from connect_core.api.schema import STRING_SCHEMA, SchemaBuilder, Type
from connect_core.api.struct import Struct, StructLists
from connect_core.api.transformation import Transformation
from connect_core.transforms._util import copy_schema_basics, require_struct
from connect_core.transforms.debezium._envelope import (
    AFTER,
    BEFORE,
    ENVELOPE_SUFFIX,
    OPERATION,
    field_references,
    get_string,
    is_envelope,
)
from connect_core.transforms.extract_field import ExtractField
from connect_core.transforms.insert_field import InsertField
from connect_core.transforms.replace_field import ReplaceField

if TYPE_CHECKING:
    from connect_core.api.header import Headers
    from connect_core.api.record import ConnectRecord, SourceKeyedValues
    from connect_core.api.schema import Schema

__all__ = [
    "DELETED_FIELD", "DELETE_TOMBSTONE_HANDLING_MODES", "ExtractNewRecordState", "ExtractNewRecordStateConfig",
    "LEGACY_KEYS", "REPLACE_NULL_WITH_DEFAULT_CONFIG",
]

log = logging.getLogger(__name__)

PURPOSE = "source field insertion"
DELETED_FIELD = "__deleted"
METADATA_FIELD_PREFIX = "__"
SCHEMA_CACHE_SIZE = 64
#: Read by Debezium (default true) but not in its ConfigDef, so a worker does not list it among the SMT's keys.
REPLACE_NULL_WITH_DEFAULT_CONFIG = "replace.null.with.default"
DELETE_TOMBSTONE_HANDLING_MODES = ("drop", "tombstone", "rewrite", "rewrite-with-tombstone", "delete-to-tombstone")
#: Removed in Debezium 3.0 (DBZ-6068); a 3.x worker ignores them, and so do we (with a warning).
LEGACY_KEYS = ("delete.handling.mode", "drop.tombstones")
Mode = Literal["drop", "tombstone", "rewrite", "rewrite-with-tombstone", "delete-to-tombstone"]


def _mode(key: str, value: Any) -> None:
    if value is not None and str(value).strip().lower() not in DELETE_TOMBSTONE_HANDLING_MODES:
        raise ConfigError(f"Invalid value {value} for configuration {key}: Value must be one of "
                          f"{', '.join(DELETE_TOMBSTONE_HANDLING_MODES)}")


class ExtractNewRecordStateConfig(BaseModel):
    """Config of ExtractNewRecordState (Debezium's ``ExtractNewRecordStateConfigDefinition`` plus drop fields)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    delete_tombstone_handling_mode: str = config_field(
        "tombstone", alias="delete.tombstone.handling.mode", type="STRING", validator=_mode,
        display_name="Handle delete and tombstone records", width="MEDIUM",
        description="How to handle delete records. Options are: drop - Remove the delete event and tombstone from "
        "the stream.tombstone (default) - For each delete event, leave only a tombstone in the stream.rewrite - "
        "Remove tombstone from the record, and add a `__deleted` field with the value `true`.rewrite-with-tombstone "
        "- Retain tombstone in record and add a `__deleted` field with the value `true`.delete-to-tombstone - "
        "Convert delete events to tombstone events and drop tombstone events.",
    )
    route_by_field: str = config_field(
        "", alias="route.by.field", importance="LOW", width="LONG", display_name="Route by field name",
        description="The column which determines how the events will be routed, the value will replace the topic "
        "name.",
    )
    add_fields_prefix: str = config_field(
        METADATA_FIELD_PREFIX, alias="add.fields.prefix", importance="LOW", width="SHORT",
        display_name="Field prefix to be added to each field.", description="Adds this prefix to each field listed.",
    )
    add_fields: list[str] = config_field(
        [], alias="add.fields", type="LIST", importance="LOW", width="LONG",
        display_name="Adds the specified field(s) to the message if they exist.",
        description="Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified). Example: "
        "'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. Optionally one "
        "can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP.Please "
        "note that the new field name is case-sensitive.",
    )
    add_headers_prefix: str = config_field(
        METADATA_FIELD_PREFIX, alias="add.headers.prefix", importance="LOW", width="SHORT",
        display_name="Header prefix to be added to each header.", description="Adds this prefix listed to each header.",
    )
    add_headers: list[str] = config_field(
        [], alias="add.headers", type="LIST", importance="LOW", width="LONG",
        display_name="Adds the specified fields to the header if they exist.",
        description="Adds each field listed to the header,  __ (or __<struct>_ if the struct is specified). Example: "
        "'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. Optionally one "
        "can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP.Please "
        "note that the new field name is case-sensitive.",
    )
    drop_fields_header_name: str | None = config_field(
        None, alias="drop.fields.header.name", importance="LOW", width="SHORT",
        display_name="Specifies a header that contains a list of field names to be removed",
        description="Specifies the name of a header that contains a list of fields to be removed from the event "
        "value.",
    )
    drop_fields_from_key: bool = config_field(
        False, alias="drop.fields.from.key", importance="LOW", width="SHORT",
        display_name="Specifies whether the fields to be dropped should also be omitted from the key",
        description="Specifies whether to apply the drop fields behavior to the event key as well as the value. "
        "Default behavior is to only remove fields from the event value, not the key.",
    )
    drop_fields_keep_schema_compatible: bool = config_field(
        True, alias="drop.fields.keep.schema.compatible", importance="LOW", width="SHORT",
        display_name="Specifies if fields are dropped, will the event's schemas be compatible",
        description="Controls the output event's schema compatibility when using the drop fields feature. `true`: "
        "dropped fields are removed if the schema indicates its optional leaving the schemas unchanged, `false`: "
        "dropped fields are removed from the key/value schemas, regardless of optionality.",
    )
    # Removed in Debezium 3.0 (and ignored there); accepted so that older configs keep working, with a validate
    # warning and one log line per deploy (docs/differences.md).
    delete_handling_mode: str | None = config_field(
        None, alias="delete.handling.mode", type="STRING", description="Removed in Debezium 3.0; ignored.",
        no_effect="removed in Debezium 3.0; use delete.tombstone.handling.mode")
    drop_tombstones: str | None = config_field(
        None, alias="drop.tombstones", type="STRING", description="Removed in Debezium 3.0; ignored.",
        no_effect="removed in Debezium 3.0; use delete.tombstone.handling.mode")


def _false(value: Any) -> bool:
    """Debezium reads ``replace.null.with.default`` outside its ConfigDef: only "false" turns it off."""
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def _configured(cls: type[Transformation[Any]], configs: dict[str, Any]) -> Any:
    smt = cls()
    smt.configure(configs)
    return smt


class ExtractNewRecordState(Transformation["ConnectRecord"]):
    """Debezium's ``io.debezium.transforms.ExtractNewRecordState``: the ``after`` state of a change event."""

    config_model: ClassVar[type[BaseModel]] = ExtractNewRecordStateConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Parse the config; an invalid value fails as Debezium's does ("Unable to validate config.")."""
        try:
            cfg = parse_config(ExtractNewRecordStateConfig, configs)
        except ConfigError as error:
            log.error("%s", error)
            raise ConnectError("Unable to validate config.") from error
        for key in LEGACY_KEYS:
            if key in configs:
                warning_once(log, "%s was removed in Debezium 3.0 and is ignored; use delete.tombstone.handling.mode",
                             key)  # once per container: the task starts again at every retried batch
        self.config = cfg
        self._mode: Mode = cfg.delete_tombstone_handling_mode.strip().lower()  # type: ignore[assignment]
        self._route_by = cfg.route_by_field or None
        self._fields = field_references(cfg.add_fields_prefix, cfg.add_fields)
        self._headers = field_references(cfg.add_headers_prefix, cfg.add_headers)
        self._drop_header = cfg.drop_fields_header_name
        self._drop_from_key = cfg.drop_fields_from_key
        self._drop_compatible = cfg.drop_fields_keep_schema_compatible
        self._after = _configured(ExtractField.Value, {"field": AFTER})
        self._before = _configured(ExtractField.Value, {"field": BEFORE})
        replace = "false" if _false(configs.get(REPLACE_NULL_WITH_DEFAULT_CONFIG)) else "true"
        self._removed = _configured(InsertField.Value, {"static.field": DELETED_FIELD, "static.value": "true",
                                                        "replace.null.with.default": replace})
        self._updated = _configured(InsertField.Value, {"static.field": DELETED_FIELD, "static.value": "false",
                                                        "replace.null.with.default": replace})
        self._schemas: OrderedDict[tuple[Schema, Any], Schema] = OrderedDict()

    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        """Unwrap a change event; tombstones, deletes and truncates as the mode says; anything else unchanged."""
        tombstone = record.value is None
        envelope = is_envelope(record)
        if (envelope or tombstone) and self._headers:
            record = record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key,
                                       record.value_schema, record.value, record.timestamp,
                                       self._with_headers(record.headers.duplicate(), record.value))
        if tombstone:
            return record if self._mode == "rewrite-with-tombstone" else None
        if not envelope:
            return record
        new = self._after.apply(record)
        if new.value is None and self._before.apply(record).value is None:
            return None  # a truncate event
        if new.value is None:
            return self._delete(record)
        if self._mode in ("rewrite", "rewrite-with-tombstone") and isinstance(new.value, Struct):
            new = self._updated.apply(new)
        if self._route_by is not None:
            value = require_struct(new.value, "Read record to set topic routing for CREATE / UPDATE")
            new = _set_topic(get_string(value, self._route_by), new)
        new = self._add_fields(record, new)
        if self._drop_header:
            new = self._drop_fields(new)
        return new

    def apply_keyed(self, run: SourceKeyedValues) -> SourceKeyedValues | None:
        """A run of change events with an ``after`` state each (creates, reads, updates), given as lists: the run of
        their rows, each row's list as it is, with the value schema ``apply`` gives them. None for anything else
        (deletes, truncates, tombstones, structs, ``add.fields``, ``add.headers``, routing, dropped fields, the
        ``__deleted`` field of the rewrite modes): those go through ``apply``."""
        values, envelope = run.values, run.value_schema
        if (self._fields or self._headers or self._route_by is not None or self._drop_header
                or self._mode in ("rewrite", "rewrite-with-tombstone") or not isinstance(values, StructLists)
                or envelope is None or envelope.name is None or not envelope.name.endswith(ENVELOPE_SUFFIX)):
            return None
        after, operation = envelope.field(AFTER), envelope.field(OPERATION)
        if after is None or operation is None or after.schema.type is not Type.STRUCT or not values.lists:
            return None
        at, op_at = after.index, operation.index
        rows: list[list[Any] | None] = []
        ops: set[Any] = set()
        for event in values.lists:
            row = None if event is None else event[at]
            if row is None:
                return None  # a tombstone, a delete or a truncate
            rows.append(row)
            ops.add(event[op_at])  # type: ignore[index]
        schemas = {self._schema_for(after.schema, envelope, op) for op in ops}
        if len(schemas) != 1:
            return None
        [schema] = schemas
        if schema.fields != after.schema.fields:
            return None  # not the row's own fields, in order
        return run._replace(value_schema=schema, values=StructLists(schema, rows))

    def _delete(self, record: ConnectRecord) -> ConnectRecord | None:
        mode = self._mode
        if mode == "drop":
            return None
        if mode == "tombstone":
            new = self._after.apply(record)
        elif mode == "delete-to-tombstone":
            new = record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key, None, None,
                                    record.timestamp)
        else:
            new = self._before.apply(record)
            if isinstance(new.value, Struct):
                new = self._removed.apply(new)
        if self._route_by is not None:
            envelope = require_struct(record.value, "Read record to set topic routing for DELETE")
            new = _set_topic(get_string(envelope.get(BEFORE), self._route_by), new)
        if self._drop_header and self._drop_header.strip():
            new = self._drop_fields(new)
        if new.value is not None:
            new = self._add_fields(record, new)
        return new

    def _with_headers(self, headers: Headers, envelope: Struct | None) -> Headers:
        """``makeHeaders``: each ``add.headers`` entry that the envelope has; a tombstone gets only ``op`` = d."""
        for ref in self._headers:
            if envelope is None:
                if ref.field == OPERATION:
                    headers.add(ref.new_field, "d", STRING_SCHEMA)
                continue
            schema = ref.schema(envelope.schema)
            if schema is not None:
                headers.add(ref.new_field, ref.value(envelope), schema)
        return headers

    def _add_fields(self, original: ConnectRecord, unwrapped: ConnectRecord) -> ConnectRecord:
        value = require_struct(unwrapped.value, PURPOSE)
        envelope: Struct = original.value
        schema = self._schema_for(value.schema, envelope.schema, get_string(envelope, OPERATION))
        out = Struct(schema)
        for field in value.schema.fields:
            out.put(field.name, value.get_without_default(field))
        for ref in self._fields:
            if ref.schema(envelope.schema) is not None:
                out.put(ref.new_field, ref.value(envelope))
        return unwrapped.new_record(unwrapped.topic, unwrapped.kafka_partition, unwrapped.key_schema, unwrapped.key,
                                    schema, out, unwrapped.timestamp)

    def _schema_for(self, schema: Schema, envelope_schema: Schema, operation: Any) -> Schema:
        """The unwrapped value's schema with the added fields (``_updated_schema``), cached per row schema and
        operation as Debezium caches it."""
        key = (schema, operation)
        updated = self._schemas.get(key)
        if updated is None:
            updated = self._schemas[key] = self._updated_schema(schema, envelope_schema)
            if len(self._schemas) > SCHEMA_CACHE_SIZE:
                self._schemas.popitem(last=False)
        return updated

    def _updated_schema(self, schema: Schema, envelope_schema: Schema) -> Schema:
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for field in schema.fields:
            builder.field(field.name, field.schema)
        for ref in self._fields:
            field_schema = ref.schema(envelope_schema)
            if field_schema is not None:
                builder.field(ref.new_field, field_schema)
        return builder.build()

    def _drop_fields(self, record: ConnectRecord) -> ConnectRecord:
        """Remove the fields the ``drop.fields.header.name`` header lists (from the key too when configured)."""
        header = next((h for h in record.headers if h.key == self._drop_header), None)  # the first, as Debezium
        if header is None or header.value is None or not header.value:
            return record
        names: list[str] = header.value
        if self._drop_from_key and record.key is not None:
            drop = self._droppable(record.key_schema, names)
            if drop:
                record = _configured(ReplaceField.Key, {"exclude": ",".join(drop)}).apply(record)
        drop = self._droppable(record.value_schema, names)
        if drop:
            record = _configured(ReplaceField.Value, {"exclude": ",".join(drop)}).apply(record)
        return record

    def _droppable(self, schema: Schema | None, names: list[str]) -> list[str]:
        if not self._drop_compatible:
            return names
        if schema is None:
            raise ConnectError("Cannot drop fields of a record without a schema")  # Debezium: NullPointerException
        return [field.name for field in schema.fields if field.schema.optional and field.name in names]


def _set_topic(topic: str | None, record: ConnectRecord) -> ConnectRecord:
    """Route to ``topic`` unless it is null or blank."""
    if topic is None or not topic.strip():
        return record
    return record.new_record(topic, record.kafka_partition, record.key_schema, record.key, record.value_schema,
                             record.value, record.timestamp)

