"""Debezium's sink record reading (``KafkaDebeziumSinkRecord``/``JdbcKafkaSinkRecord``): envelope or flat record ->
(table, operation, key struct, row struct) for the shared JDBC writer.

A value whose schema is a Debezium envelope (a name ending in ``.Envelope``, or an unnamed struct with an ``op``
field) is read by its ``op``: c/r/u write ``after``, d deletes by ``before`` (or the record key), t truncates. Any
other Struct value is a flat row (``ExtractNewRecordState`` output); a null value is a delete (a tombstone when
it has no schema either). Debezium's semantic types become Python values here (days -> date, epoch micros ->
naive datetime, ``VariableScaleDecimal`` -> float) while the field schemas keep their names, which pick the
column types (``_types``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import re
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from connect_core.api.errors import ConnectError, DataError
from connect_core.api.schema import Schema, SchemaBuilder, Type
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SinkRecord
    from connect_core.connectors.debezium_jdbc.config import DebeziumJdbcSinkConfig

__all__ = ["KAFKA_COORDINATES_SCHEMA", "Change", "RecordReader"]

log = logging.getLogger(__name__)

_EPOCH: Final = dt.datetime(1970, 1, 1)  # naive: Debezium's zone-less timestamps are wall-clock times
_EPOCH_DATE: Final = dt.date(1970, 1, 1)
VARIABLE_SCALE_DECIMAL: Final = "io.debezium.data.VariableScaleDecimal"
SCHEMA_CHANGE_VALUE: Final = "SchemaChangeValue"
KAFKA_HEADERS_SUFFIX: Final = "$__kafka_headers"
KAFKA_COORDINATES_SCHEMA: Final = (SchemaBuilder.struct().name("__kafka_coordinates")
                                   .field("__connect_topic", SchemaBuilder.string().build())
                                   .field("__connect_partition", SchemaBuilder.int32().build())
                                   .field("__connect_offset", SchemaBuilder.int64().build()).build())


def _time_of(micros: int) -> dt.time:
    micros %= 86_400_000_000
    seconds, fraction = divmod(micros, 1_000_000)
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60, fraction)


def _zoned_time(text: str) -> dt.time:
    """``ZonedTime`` text (``10:15:30.5Z``) -> the UTC time without its zone (MySQL's TIME has none)."""
    parsed = dt.time.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=None) if parsed.utcoffset() in (None, dt.timedelta(0)) else (
        dt.datetime.combine(_EPOCH_DATE, parsed).astimezone(dt.UTC).time())


def _variable_scale(value: Any) -> float | None:
    if value is None:
        return None
    unscaled = int.from_bytes(value.get("value"), "big", signed=True)
    return float(decimal.Decimal(unscaled).scaleb(-value.get("scale")))


# Debezium semantic type name -> conversion of its Connect value to the value bound to the column
CONVERSIONS: Final[dict[str, Callable[[Any], Any]]] = {
    "io.debezium.time.Date": lambda v: _EPOCH_DATE + dt.timedelta(days=v),
    "io.debezium.time.Time": lambda v: _time_of(v * 1000),
    "io.debezium.time.MicroTime": _time_of,
    "io.debezium.time.NanoTime": lambda v: _time_of(v // 1000),
    "io.debezium.time.Timestamp": lambda v: _EPOCH + dt.timedelta(milliseconds=v),
    "io.debezium.time.MicroTimestamp": lambda v: _EPOCH + dt.timedelta(microseconds=v),
    "io.debezium.time.NanoTimestamp": lambda v: _EPOCH + dt.timedelta(microseconds=v // 1000),
    "io.debezium.time.ZonedTimestamp": lambda v: dt.datetime.fromisoformat(v.replace("Z", "+00:00")),
    "io.debezium.time.ZonedTime": _zoned_time,
    VARIABLE_SCALE_DECIMAL: _variable_scale,
}
# Semantic types whose values are wall-clock times: bound as they are, whatever use.time.zone says (Debezium's
# AbstractDebeziumTimestampType binds the LocalDateTime unchanged)
ZONELESS: Final = frozenset({"io.debezium.time.Timestamp", "io.debezium.time.MicroTimestamp",
                             "io.debezium.time.NanoTimestamp"})


class Change(NamedTuple):
    """One record as the writer takes it: ``op`` is "write", "delete" or "truncate"; ``row`` None for deletes."""

    table: str
    op: str
    key: Struct | None
    row: Struct | None


class _Plan(NamedTuple):
    schema: Schema
    columns: tuple[tuple[int, Callable[[Any], Any] | None], ...]  # source field position, conversion
    whole: bool = False  # every field of the source, in order, none converted: the values list as it is
    project: Callable[[list[Any]], list[Any]] | None = None  # ``columns`` as one generated function (``_projector``)


class RecordReader:
    """Reads records with one connector's keys: table naming, primary key mode and fields, field filters."""

    def __init__(self, config: DebeziumJdbcSinkConfig) -> None:
        """Bind to ``config``; plans are cached per source schema (and topic, for the field filters)."""
        self._config = config
        self._mode = config.primary_key_mode
        self._pk_fields = config.key_fields
        self._format = config.collection_name_format
        self._cloud_events = re.compile(config.cloud_events_schema_name_pattern)
        self._include = [re.compile(p) for p in config.field_include_list or []]
        self._exclude = [re.compile(p) for p in config.field_exclude_list or []]
        # GeneralDatabaseDialect.resolveColumnName: unquoted column names are lower case (MySQL, PostgreSQL)
        self._column: Callable[[str], str] = (lambda name: name) if config.quote_identifiers else str.lower
        self._plans: dict[tuple[str, int, str], tuple[Schema, _Plan]] = {}

    def read(self, record: SinkRecord) -> Change | None:
        """The change of ``record``, or None for a record Debezium skips (a schema change event, a record whose
        table name cannot be resolved)."""
        value, schema = record.value, record.value_schema
        if schema is not None and schema.name and SCHEMA_CHANGE_VALUE in schema.name:
            return None
        if value is not None and not isinstance(value, Struct):
            raise DataError(f"Debezium's JDBC sink needs records with a Struct value and schema, but the record at "
                            f"{_where(record)} has a {type(value).__name__} value (use a converter with schemas)")
        if isinstance(value, Struct) and self._cloud_events.fullmatch(value.schema.name or ""):
            value = value.get("data")
        table = self._table(record, value)
        if table is None:
            log.warning("Ignored to write record from topic '%s' partition '%s' offset '%s'. No resolvable table "
                        "name", record.topic, record.kafka_partition, record.kafka_offset)
            return None
        if value is None:
            tombstone = schema is None
            if tombstone and self._mode == "record_value":
                return Change(table, "skip", None, None)  # Debezium skips tombstones in record_value mode
            return Change(table, "delete", self._key(record, None), None)
        if _is_envelope(value.schema):
            op = value.get("op")
            if op == "t":
                return Change(table, "truncate", None, None)
            if op == "d":
                before = value.get("before")
                return Change(table, "delete", self._key(record, before), None)
            payload = value.get("after")
            if payload is None:
                raise DataError(f"The change event at {_where(record)} (op '{op}') has no 'after' state")
        else:
            payload = value
        row = self._project(record.topic, "v", payload, None)
        return Change(table, "write", self._key(record, payload), row)

    def _table(self, record: SinkRecord, value: Struct | None) -> str | None:
        """``DefaultCollectionNamingStrategy``: ``${topic}`` with dots as underscores, ``${source.x}`` from the
        envelope's source block; None (the record is skipped) when a record without one (a tombstone, a flat row)
        meets a ``${source.`` format."""
        name = self._format.replace("${topic}", record.topic.replace(".", "_"))
        if "${source." in name:
            if value is None or not _is_envelope(value.schema):
                log.warning("Ignore this record because it isn't a Debezium record, then cannot resolve a collection "
                            "name in topic '%s', partition '%s', offset '%s'", record.topic, record.kafka_partition,
                            record.kafka_offset)
                return None
            source = value.get("source")
            name = re.sub(r"\$\{source\.(.*?)}", lambda m: str(source.get(m.group(1))), name)
        return name

    def _key(self, record: SinkRecord, payload: Struct | None) -> Struct | None:
        mode = self._mode
        if mode == "none":
            return None
        if mode == "kafka":
            return Struct.from_validated(KAFKA_COORDINATES_SCHEMA,
                                         [record.topic, record.kafka_partition, record.kafka_offset])
        if mode == "record_key":
            if record.key_schema is None:
                raise ConnectError("Configured primary key mode 'record_key' cannot have null schema")
            if not isinstance(record.key, Struct):
                raise ConnectError(f"An unsupported record key schema type detected: {record.key_schema.type} "
                                   f"(record at {_where(record)})")
            return self._project(record.topic, "k", record.key, self._pk_fields)
        if mode == "record_header":
            return self._headers(record)
        if payload is None:
            raise ConnectError(f"Cannot extract primary key from a null record value (record at {_where(record)})")
        return self._project(record.topic, "k", payload, self._pk_fields)

    def _headers(self, record: SinkRecord) -> Struct:
        """``KafkaDebeziumSinkRecord.getRecordHeaders``: every header a key column of its header schema, in order,
        in a struct named ``<topic>$__kafka_headers`` (``primary.key.fields`` and the field filters do not apply)."""
        headers = list(record.headers)
        if not headers:
            raise ConnectError("Configured primary key mode 'record_header' cannot have empty message headers")
        builder = SchemaBuilder.struct().name(record.topic + KAFKA_HEADERS_SUFFIX)
        for header in headers:
            builder.field(self._column(header.key), header.schema)  # type: ignore[arg-type]  # None: Kafka's error
        struct = Struct(builder.build())
        for field, header in zip(struct.schema.fields, headers, strict=True):
            struct.put(field, header.value)
        return struct

    def _project(self, topic: str, part: str, struct: Struct, only: list[str] | None) -> Struct:
        """``struct`` with the wanted fields (``only`` when given, else the field filters), values converted."""
        cache_key = (part, id(struct.schema), topic)
        cached = self._plans.get(cache_key)
        if cached is None or cached[0] is not struct.schema:
            cached = self._plans[cache_key] = (struct.schema, self._plan(topic, struct.schema, only))
        plan = cached[1]
        values = struct.values()
        if plan.whole:
            return Struct.from_validated(plan.schema, values.copy())
        if plan.project is not None:
            return Struct.from_validated(plan.schema, plan.project(values))
        return Struct.from_validated(plan.schema, [values[i] if convert is None or values[i] is None
                                                   else convert(values[i]) for i, convert in plan.columns])

    def _plan(self, topic: str, schema: Schema, only: list[str] | None) -> _Plan:
        if only:
            fields = [f for f in schema.fields if f.name in only]
        else:
            fields = [f for f in schema.fields if self._wanted(topic, f.name)]
        builder = SchemaBuilder.struct()
        if schema.name:
            builder.name(schema.name)
        columns = []
        for field in fields:
            builder.field(self._column(field.name), _sink_schema(field.schema))
            columns.append((field.index, CONVERSIONS.get(field.schema.name or "")))
        whole = [index for index, convert in columns if convert is None] == list(range(len(schema.fields)))
        return _Plan(builder.build(), tuple(columns), whole, _projector(columns))

    def _wanted(self, topic: str, name: str) -> bool:
        qualified = f"{topic}:{name}"
        if self._include:
            return any(p.fullmatch(qualified) for p in self._include)
        return not any(p.fullmatch(qualified) for p in self._exclude)


def _projector(columns: list[tuple[int, Callable[[Any], Any] | None]]) -> Callable[[list[Any]], list[Any]]:
    """``_project``'s list of a plan's values as one generated function: each column's value, converted unless
    None (the comprehension in ``_project`` is the reference)."""
    env: dict[str, Any] = {}
    items = []
    for n, (index, convert) in enumerate(columns):
        if convert is None:
            items.append(f"v[{index}]")
        else:
            env[f"c{n}"] = convert
            items.append(f"(None if v[{index}] is None else c{n}(v[{index}]))")
    exec(compile(f"def project(v):\n    return [{', '.join(items)}]", "<debezium jdbc columns>", "exec"), env)
    project: Callable[[list[Any]], list[Any]] = env["project"]
    return project


def _sink_schema(schema: Schema) -> Schema:
    """The column's schema: a ``VariableScaleDecimal`` struct becomes a named FLOAT64 (Debezium writes DOUBLE)."""
    if schema.name == VARIABLE_SCALE_DECIMAL:
        builder = SchemaBuilder.float64().name(VARIABLE_SCALE_DECIMAL)
        return (builder.optional() if schema.optional else builder).build()
    return schema


def _is_envelope(schema: Schema) -> bool:
    """Debezium's ``Envelope.isEnvelopeSchema`` or an unnamed struct with an ``op`` field."""
    if schema.type is not Type.STRUCT:
        return False
    if schema.name:
        return schema.name.endswith(".Envelope")
    return schema.field("op") is not None


def _where(record: SinkRecord) -> str:
    return f"{record.topic}-{record.kafka_partition}@{record.kafka_offset}"
