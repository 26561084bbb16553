"""The outbox EventRouter: turn the change events of an outbox table into the events its rows describe
(``io.debezium.transforms.outbox.EventRouter``, Debezium 3.7).

Each insert into the outbox table becomes a record on ``outbox.event.<aggregatetype>`` (``route.by.field`` through
``route.topic.regex``/``route.topic.replacement``), keyed by ``aggregateid``, carrying the ``payload`` column (in a
``payload`` envelope when ``table.fields.additional.placement`` puts fields there), the event id as header ``id`` and
the other columns where the placement says. Deletes and tombstones are dropped; updates are unexpected.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.errors import ConfigError, ConnectError, DataError
from connect_core.api.java_objects import java_string
from connect_core.api.schema import STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._util import require_struct
from connect_core.transforms.debezium._envelope import AFTER, OPERATION, get_string, is_envelope
from connect_core.transforms.debezium._json_schema_data import JsonSchemaData, adjust_field_name, parse_json_payload
from connect_core.transforms.extract_field import ExtractField
from connect_core.transforms.regex_router import RegexRouter, compile_java_regex

if TYPE_CHECKING:
    from connect_core.api.header import Headers
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Schema

__all__ = ["EventRouter", "EventRouterConfig", "IllegalStateError"]

log = logging.getLogger(__name__)

ENVELOPE_PAYLOAD = "payload"
PLACEMENTS = ("header", "envelope", "partition")
_ENUMS = {
    "table.op.invalid.behavior": ("warn", "error", "fatal"),
    "table.field.additional.missing": ("error", "ignore"),
    "table.json.payload.null.behavior": ("ignore", "optional_bytes"),
    "table.json.payload.empty.array.behavior": ("ignore", "optional_string"),
}
_TIMESTAMP_DIVISORS = {"org.apache.kafka.connect.data.Timestamp": 1, "io.debezium.time.MicroTimestamp": 1_000,
                       "io.debezium.time.NanoTimestamp": 1_000_000}
_PAYLOAD_SCHEMA_CACHE_SIZE = 10_000


class IllegalStateError(ConnectError):
    """Debezium's ``IllegalStateException``: an update of the outbox table with ``table.op.invalid.behavior=fatal``."""


def _invalid(key: str, value: Any, reason: str) -> ConfigError:
    """Debezium's ``SmtManager.validate`` message: "Invalid value V for configuration K: The 'K' value is invalid:
    reason"."""
    return config_error(key, value, f"The '{key}' value is invalid: {reason}")


def _enum(key: str, value: Any) -> None:
    allowed = _ENUMS[key]
    if value is not None and str(value).strip().lower() not in allowed:
        raise _invalid(key, value, f"Value must be one of {', '.join(allowed)}")


def _placements(key: str, value: Any) -> None:
    mappings = [part.strip() for part in value] if value else []
    for mapping in mappings:
        if len(_java_split(mapping, ":")) not in (2, 3):
            raise _invalid(key, ",".join(value), "A comma-separated list of valid String pairs or trios is expected "
                           f"but got: [{', '.join(mappings)}]")


def _regex(key: str, value: Any) -> None:
    if value is not None:
        try:
            compile_java_regex(key, value)
        except ConfigError as error:
            reason = str(error).split(": ", 1)[-1]
            raise _invalid(key, value, f"A valid regular expressions is expected, but {reason}") from None


class EventRouterConfig(BaseModel):
    """Config of the outbox EventRouter (Debezium's ``EventRouterConfigDefinition.configDef()``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    table_field_event_id: str = config_field(
        "id", alias="table.field.event.id", group="Table", importance="LOW", width="MEDIUM",
        display_name="Event ID Field", description="The column which contains the event ID within the outbox table",
    )
    table_field_event_key: str = config_field(
        "aggregateid", alias="table.field.event.key", group="Table", importance="LOW", width="MEDIUM",
        display_name="Event Key Field", description="The column which contains the event key within the outbox table",
    )
    table_field_event_type: str = config_field(
        "type", alias="table.field.event.type", group="Table", importance="LOW", width="MEDIUM",
        display_name="Event Type Field",
        description="The column which contains the event type within the outbox table",
        no_effect="Debezium's EventRouter declares it but reads it nowhere either (place the column with "
        "table.fields.additional.placement)",
    )
    table_field_event_payload: str = config_field(
        "payload", alias="table.field.event.payload", group="Table", importance="LOW", width="MEDIUM",
        display_name="Event Payload Field",
        description="The column which contains the event payload within the outbox table",
    )
    table_field_event_timestamp: str | None = config_field(
        None, alias="table.field.event.timestamp", group="Table", importance="MEDIUM", width="MEDIUM",
        display_name="Event Timestamp Field",
        description="Optionally you can override the Kafka message timestamp with a value from a chosen column, "
        "otherwise it'll be the Debezium event processed timestamp.",
    )
    table_fields_additional_placement: list[str] | None = config_field(
        None, alias="table.fields.additional.placement", type="LIST", group="Table", importance="HIGH",
        width="MEDIUM", display_name="Settings for each additional column in the outbox table", validator=_placements,
        description="Extra fields can be added as part of the event envelope or a message header, format is a list "
        "of colon-delimited pairs or trios when you desire to have aliases, e.g. "
        "<code>id:header,field_name:envelope:alias,field_name:partition</code> ",
    )
    table_field_additional_missing: str = config_field(
        "error", alias="table.field.additional.missing", type="STRING", group="Table", width="MEDIUM",
        display_name="Behavior when an additional field is missing in the change data",
        validator=_enum,
        description="When transforming the 'table.fields.additional.placement' fields, defines the behavior when one "
        "of the configured fields is missing in the change data. 'error' (default) will throw an exception; 'ignore' "
        "will silently skip the missing field.",
    )
    table_field_event_schema_version: str | None = config_field(
        None, alias="table.field.event.schema.version", group="Table", importance="LOW", width="MEDIUM",
        display_name="Event Schema Version Field",
        description="The column which contains the event schema version within the outbox table",
    )
    table_op_invalid_behavior: str = config_field(
        "warn", alias="table.op.invalid.behavior", type="STRING", group="Table", width="MEDIUM",
        display_name="Behavior when capturing an unexpected outbox event",
        validator=_enum,
        description="While Debezium is capturing changes from the outbox table, it is expecting only to process "
        "'create' or 'delete' row events; in case something else is processed this transform can log it as warning, "
        "error or stop the process.",
    )
    table_expand_json_payload: bool = config_field(
        False, alias="table.expand.json.payload", group="Table", width="MEDIUM",
        display_name="Expand Payload escaped string as real JSON",
        description="Whether or not to try unescaping a JSON string and make it real JSON. It will infer schema "
        "information from payload and update the record schema accordingly. If content is not JSON, it just produces "
        "a warning and emits the record unchanged",
    )
    table_json_payload_null_behavior: str = config_field(
        "ignore", alias="table.json.payload.null.behavior", type="STRING", group="Table", width="MEDIUM",
        display_name="Behavior when json payload including null value",
        validator=_enum,
        description="Behavior when json payload including null value, the default will ignore null, optional_bytes "
        "will keep the null value, and treat null as optional bytes of connect.",
    )
    table_json_payload_empty_array_behavior: str = config_field(
        "ignore", alias="table.json.payload.empty.array.behavior", type="STRING", group="Table", width="MEDIUM",
        display_name="Behavior when json payload including empty array value",
        validator=_enum,
        description="Behavior when json payload including an empty array value, the default ignore will drop the "
        "empty array field, optional_string will keep the field as an optional array with an optional string element "
        "type.",
    )
    route_by_field: str = config_field(
        "aggregatetype", alias="route.by.field", group="Router", importance="HIGH", width="MEDIUM",
        display_name="Field to route events by",
        description="The column which determines how the events will be routed, the value will become part of the "
        "topic name",
    )
    route_topic_regex: str = config_field(
        "(?<routedByValue>.*)", alias="route.topic.regex", group="Router", importance="LOW", width="MEDIUM",
        display_name="The name of the routed topic", validator=_regex,
        description="The default regex to use within the RegexRouter, the default capture will allow to replace the "
        "routed field into a new topic name defined in 'route.topic.replacement'",
    )
    route_topic_replacement: str = config_field(
        "outbox.event.${routedByValue}", alias="route.topic.replacement", group="Router", importance="HIGH",
        width="MEDIUM", display_name="The name of the routed topic",
        description="The name of the topic in which the events will be routed, a replacement '${routedByValue}' is "
        "available which is the value of The column configured via 'route.by.field'",
    )
    route_tombstone_on_empty_payload: bool = config_field(
        False, alias="route.tombstone.on.empty.payload", group="Router", importance="HIGH", width="MEDIUM",
        display_name="Empty payloads cause a tombstone message",
        description="Whether or not an empty payload should cause a tombstone event.",
    )
    tracing_span_context_field: str = config_field(
        "tracingspancontext", alias="tracing.span.context.field", group="Tracing", importance="HIGH", width="MEDIUM",
        display_name="Serialized tracing span context field",
        description="The name of the field containing java.util.Properties representation of serialized span "
        "context. Defaults to 'tracingspancontext'",
        no_effect="OpenTelemetry tracing is not built in (Debezium skips it too without OpenTelemetry's jars)",
    )
    tracing_operation_name: str = config_field(
        "debezium-read", alias="tracing.operation.name", group="Tracing", importance="HIGH", width="MEDIUM",
        display_name="Tracing operation name",
        description="The operation name representing Debezium processing span. Default is 'debezium-read'",
        no_effect="OpenTelemetry tracing is not built in (Debezium skips it too without OpenTelemetry's jars)",
    )
    tracing_with_context_field_only: bool = config_field(
        False, alias="tracing.with.context.field.only", group="Tracing", importance="HIGH", width="MEDIUM",
        display_name="Trace only events with context field present",
        description="Set to `true` when only events that have serialized context field should be traced.",
        no_effect="OpenTelemetry tracing is not built in (Debezium skips it too without OpenTelemetry's jars)",
    )


def _java_split(text: str, sep: str) -> list[str]:
    """Java's ``String.split`` of a literal: trailing empty strings dropped."""
    parts = text.split(sep)
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts


class _Additional:
    """One ``table.fields.additional.placement`` entry: ``field:placement[:alias]``."""

    __slots__ = ("alias", "field", "placement")

    def __init__(self, mapping: str) -> None:
        parts = _java_split(mapping, ":")
        self.field = parts[0].strip()
        placement = parts[1].strip().lower()
        self.placement = placement if placement in PLACEMENTS else None
        self.alias = parts[2].strip() if len(parts) == 3 else self.field


class EventRouter(Transformation["ConnectRecord"]):
    """Debezium's outbox ``io.debezium.transforms.outbox.EventRouter``."""

    config_model: ClassVar[type[BaseModel]] = EventRouterConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Parse the config; the first invalid key fails with Debezium's ConfigException message."""
        cfg = parse_config(EventRouterConfig, configs)
        self.config = cfg
        self._invalid_op = cfg.table_op_invalid_behavior.strip().lower()
        self._expand = cfg.table_expand_json_payload
        if self._expand:
            mode = str(configs.get("field.name.adjustment.mode") or "none").strip().lower()
            self._json = JsonSchemaData(cfg.table_json_payload_null_behavior.strip().lower(),
                                        cfg.table_json_payload_empty_array_behavior.strip().lower(),
                                        lambda name: adjust_field_name(name, mode))
        self._schema_version = cfg.table_field_event_schema_version
        self._tombstone_on_empty = cfg.route_tombstone_on_empty_payload
        self._router = RegexRouter()
        self._router.configure({"regex": cfg.route_topic_regex, "replacement": cfg.route_topic_replacement})
        self._after = ExtractField.Value()
        self._after.configure({"field": AFTER})
        self._additional = [_Additional(mapping) for mapping in cfg.table_fields_additional_placement or []]
        self._ignore_missing = cfg.table_field_additional_missing.strip().lower() == "ignore"
        self._only_headers = not any(a.placement == "envelope" for a in self._additional)
        self._payload_schemas: OrderedDict[Schema, Schema] = OrderedDict()
        self._versioned: dict[int | None, Schema] = {}

    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        """Route an outbox insert as its event; drop deletes and tombstones; pass records that are not change
        events."""
        if record.value is None:
            log.debug("Tombstone message ignored")
            return None
        if not is_envelope(record):
            return record
        envelope = require_struct(record.value, "Detect Debezium Operation")
        op = get_string(envelope, OPERATION)
        if op == "d":
            return None
        if op == "u":
            self._unexpected(record)
            return None
        after = self._after.apply(record)
        event = require_struct(after.value, "Read Outbox Event")
        event_schema: Schema = after.value_schema  # type: ignore[assignment]
        require_struct(record.value, "Outbox converter")
        cfg = self.config
        payload_field = event_schema.field(cfg.table_field_event_payload)
        if payload_field is None:
            raise ConnectError(f"Unable to find payload field {cfg.table_field_event_payload} in event")
        payload_schema: Schema | None = payload_field.schema
        timestamp = self._timestamp(envelope, event)
        event_id = event.get(cfg.table_field_event_id)
        headers = record.headers.duplicate()
        headers.add("id", event_id, event_schema.require_field(cfg.table_field_event_id).schema)
        payload = event.get(cfg.table_field_event_payload)
        if self._expand:
            payload_schema, payload = self._expanded(payload_schema, payload)
        value_schema: Schema | None = None
        value: Struct | None = None
        if not self._only_headers:
            routed = get_string(event, cfg.route_by_field)
            value_schema = self._value_schema(payload_schema, event_schema, event, routed)
            value = Struct(value_schema).put(ENVELOPE_PAYLOAD, payload)
        partition = self._place(event, headers, value)
        deleted = payload is None or not _java_trim(java_string(payload))
        out_schema: Schema | None
        out_value: Any
        if deleted and self._tombstone_on_empty:
            out_schema, out_value = None, None
        elif self._only_headers:
            out_schema, out_value = payload_schema, payload
        else:
            out_schema, out_value = value_schema, value
        key_field = event_schema.field(cfg.table_field_event_key)
        key_schema = key_field.schema if key_field is not None else STRING_SCHEMA
        key = event.get(cfg.table_field_event_key)
        routed_record = record.new_record(get_string(event, cfg.route_by_field), partition, key_schema, key,  # type: ignore[arg-type]
                                          out_schema, out_value, timestamp, headers)
        return self._router.apply(routed_record)

    def _place(self, event: Struct, headers: Headers, value: Struct | None) -> int | None:
        """Put each additional field where its placement says; the partition, when one is placed."""
        partition: int | None = None
        for extra in self._additional:
            if self._ignore_missing and event.schema.field(extra.field) is None:
                continue
            if extra.placement == "envelope":
                value.put(extra.alias, event.get(extra.field))  # type: ignore[union-attr]
            elif extra.placement == "header":
                headers.add(extra.alias, event.get(extra.field), event.schema.require_field(extra.field).schema)
            elif extra.placement == "partition":
                partition = _get_int32(event, extra.field)
        return partition

    def _unexpected(self, record: ConnectRecord) -> None:
        if self._invalid_op == "fatal":
            raise IllegalStateError(f"Unexpected update message received {java_string(record.key)}, fail.")
        level = logging.ERROR if self._invalid_op == "error" else logging.WARNING
        log.log(level, "Unexpected update message received %s and ignored", java_string(record.key))

    def _timestamp(self, envelope: Struct, event: Struct) -> int | None:
        name = self.config.table_field_event_timestamp
        if name is None:
            return _get_int64(envelope, "ts_ms")
        field = event.schema.field(name)
        if field is None:
            raise ConnectError(f"Unable to find timestamp field {name} in event")
        value = _get_int64(event, name)
        if value is None:
            return _get_int64(envelope, "ts_ms")
        schema_name = field.schema.name
        if schema_name is None:
            raise ConnectError(f"Unsupported field type {field.schema.type.name} (without logical schema name) for "
                               "event timestamp")
        divisor = _TIMESTAMP_DIVISORS.get(schema_name)
        if divisor is None:
            raise ConnectError(f"Unsupported field type {schema_name} for event timestamp")
        quotient = abs(value) // divisor  # Java's long division truncates toward zero
        return quotient if value >= 0 else -quotient

    def _expanded(self, schema: Schema | None, payload: Any) -> tuple[Schema | None, Any]:
        if isinstance(payload, str):
            try:
                node = parse_json_payload(payload)
                schema = self._json.to_connect_schema(self.config.table_field_event_payload, node)
                payload = self._json.to_connect_data(node, schema)  # type: ignore[arg-type]
            except Exception:  # Debezium logs any failure and keeps the text
                log.warning("JSON expansion failed", exc_info=True)
        elif payload is not None:
            log.warning("Expand JSON payload is turned on but payload is not a string")
        return schema, payload

    def _value_schema(self, payload_schema: Schema | None, event_schema: Schema, event: Struct,
                      routed: str | None) -> Schema:
        """The ``payload`` envelope's schema: cached by payload schema (or by schema version), as Debezium does."""
        if self._schema_version is None:
            cached = self._payload_schemas.get(payload_schema)  # type: ignore[arg-type]
            if cached is None:
                cached = self._builder(payload_schema, event_schema, routed).build()
                self._payload_schemas[payload_schema] = cached  # type: ignore[index]
                if len(self._payload_schemas) > _PAYLOAD_SCHEMA_CACHE_SIZE:
                    self._payload_schemas.popitem(last=False)
            return cached
        version = _get_int32(event, self._schema_version)
        if version not in self._versioned:
            builder = self._builder(payload_schema, event_schema, routed)
            if version is not None:
                builder.version(version)
            self._versioned[version] = builder.build()
        return self._versioned[version]

    def _builder(self, payload_schema: Schema | None, event_schema: Schema, routed: str | None) -> SchemaBuilder:
        if payload_schema is None:
            raise ConnectError(f"fieldSchema for field {ENVELOPE_PAYLOAD} cannot be null.")
        builder = SchemaBuilder.struct().name(_schema_name(event_schema, routed))
        builder.field(ENVELOPE_PAYLOAD, payload_schema)
        for extra in self._additional:
            if extra.placement == "envelope":
                field = event_schema.field(extra.field)
                if field is None:
                    if not self._ignore_missing:
                        raise ConnectError(f"Unable to find field {extra.field} in event")
                    continue
                builder.field(extra.alias, field.schema)
        return builder


def _schema_name(event_schema: Schema, routed: str | None) -> str:
    """``<namespace>.<routed>.<name>`` from the outbox row's schema name (``....outboxevent.Value``)."""
    original = event_schema.name
    topic = "null" if routed is None else routed
    if original is None:
        return topic
    namespace, dot, last = original.rpartition(".")
    return f"{namespace}.{topic}.{last}" if dot else f"{topic}.{original}"


def _get_int32(struct: Struct, name: str) -> int | None:
    return _typed(struct, name, "INT32")


def _get_int64(struct: Struct, name: str) -> int | None:
    return _typed(struct, name, "INT64")


def _typed(struct: Struct, name: str, type_name: str) -> Any:
    """Kafka's ``Struct.getInt32``/``getInt64``: the value (or default), DataError for a missing or mistyped
    field."""
    field = struct.schema.field(name)
    if field is None:
        raise DataError(f"{name} is not a valid field name")
    if field.schema.type.name != type_name:
        raise DataError(f"Field '{name}' is not of type {type_name}")
    return struct.get(field)


def _java_trim(text: str) -> str:
    """Java's ``String.trim``: strips characters up to U+0020."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]

