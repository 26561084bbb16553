"""Debezium's JDBC sink: its keys (defaults, deprecated aliases, Debezium's checks), the reading of envelopes and
flat records into table/operation/key/row, and the column types of its MySQL/MariaDB and PostgreSQL dialects."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from connect_core.api.config import config_keys, parse_config
from connect_core.api.errors import ConfigError, ConnectError, DataError
from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.debezium_jdbc._records import RecordReader
from connect_core.connectors.debezium_jdbc._types import DebeziumSqlBuilder
from connect_core.connectors.debezium_jdbc.config import DebeziumJdbcSinkConfig
from connect_core.connectors.debezium_jdbc.sink_connector import DebeziumJdbcSinkConnector
from connect_core.connectors.debezium_jdbc.sink_task import writer_config
from connect_core.connectors.jdbc._dialect import dialect_for
from connect_core.connectors.jdbc._record_fields import RecordFields
from tests.unit.connectors.debezium_jdbc._events import ROW, event, flat, row, tombstone

MYSQL_URL = "jdbc:mariadb://localhost:3306/connect"
PG_URL = "jdbc:postgresql://localhost:5432/connect"


def _config(**props: str) -> DebeziumJdbcSinkConfig:
    return parse_config(DebeziumJdbcSinkConfig, {"connection.url": PG_URL, **props})


def test_defaults_are_debeziums() -> None:
    keys = {k["name"]: k["default_value"] for k in config_keys(DebeziumJdbcSinkConfig)}
    assert keys["insert.mode"] == "insert"
    assert keys["primary.key.mode"] == "none"
    assert keys["schema.evolution"] == "none"
    assert keys["collection.name.format"] == "${topic}"
    assert keys["batch.size"] == "500"
    assert keys["use.time.zone"] == "UTC"
    assert keys["quote.identifiers"] == "false"
    assert keys["delete.enabled"] == keys["truncate.enabled"] == "false"
    assert keys["flush.max.retries"] == "5"
    assert keys["flush.retry.delay.ms"] == "1000"


def test_deprecated_aliases_apply_only_when_the_key_is_unset() -> None:
    assert _config(**{"table.name.format": "t_${topic}"}).collection_name_format == "t_${topic}"
    assert _config(**{"table.name.format": "old", "collection.name.format": "new"}).collection_name_format == "new"
    assert _config(**{"database.time_zone": "Europe/Paris"}).use_time_zone == "Europe/Paris"


def test_debeziums_checks() -> None:
    with pytest.raises(ConfigError, match="primary.key.mode' option must be set to 'record_key'"):
        _config(**{"delete.enabled": "true"})
    with pytest.raises(ConfigError, match="When using UPSERT, please define 'primary.key.mode'"):
        _config(**{"insert.mode": "upsert"})
    with pytest.raises(ConfigError, match="Cannot define both"):
        _config(**{"field.include.list": "a:b", "field.exclude.list": "c:d"})
    with pytest.raises(ConfigError, match="schema.evolution"):
        _config(**{"schema.evolution": "advanced"})
    with pytest.raises(ConfigError, match="Invalid time zone"):
        _config(**{"use.time.zone": "Mars/Olympus"})
    with pytest.raises(ConfigError, match="MySQL, MariaDB and PostgreSQL"):
        parse_config(DebeziumJdbcSinkConfig, {"connection.url": "jdbc:sqlite:x.db"})
    assert _config(**{"insert.mode": "UPSERT", "primary.key.mode": "RECORD_KEY"}).insert_mode == "upsert"
    assert _config(**{"primary.key.fields": " id , name,,id"}).key_fields == ["id", "name"]


def test_validate_reports_the_key() -> None:
    results = {r["name"]: r["errors"] for r in DebeziumJdbcSinkConnector().validate({
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "connection.url": PG_URL,
        "insert.mode": "merge"})}
    assert results["insert.mode"] and "String must be one of: insert, upsert, update" in results["insert.mode"][0]


def test_writer_config_maps_the_keys() -> None:
    config = writer_config(_config(**{"primary.key.mode": "record_value", "schema.evolution": "basic",
                                      "quote.identifiers": "true", "use.time.zone": "Europe/Paris",
                                      "batch.size": "7", "flush.max.retries": "2", "connection.username": "u"}))
    assert (config.pk_mode, config.auto_create, config.auto_evolve, config.quote_sql_identifiers) == (
        "record_key", True, True, "always")
    assert (config.db_timezone, config.batch_size, config.max_retries, config.connection_user) == (
        "Europe/Paris", 7, 2, "u")
    assert writer_config(_config()).pk_mode == "none"


def test_envelope_ops() -> None:
    reader = RecordReader(_config(**{"primary.key.mode": "record_key"}))
    created = reader.read(event("c", 0, after=row(1, "Sally", born=19000, updated=1_700_000_000_123_456,
                                                   created="2024-03-01T10:00:00.5Z", price="9.99")))
    assert created is not None
    assert (created.table, created.op, created.key.get("id") if created.key else None) == (
        "dbserver1_inventory_customers", "write", 1)
    assert created.row is not None
    assert created.row.get("born") == dt.date(2022, 1, 8)
    assert created.row.get("updated") == dt.datetime(2023, 11, 14, 22, 13, 20, 123456)
    assert created.row.get("created") == dt.datetime(2024, 3, 1, 10, 0, 0, 500000, tzinfo=dt.UTC)
    assert created.row.get("price") == decimal.Decimal("9.99")
    assert created.row.schema.field("born").schema.name == "io.debezium.time.Date"
    deleted = reader.read(event("d", 1, before=row(1, "Sally")))
    assert deleted is not None and (deleted.op, deleted.row, deleted.key.get("id") if deleted.key else None) == (
        "delete", None, 1)
    gone = reader.read(tombstone(1, 2))
    assert gone is not None and gone.op == "delete"
    truncated = reader.read(event("t", 3))
    assert truncated is not None and truncated.op == "truncate"
    updated = reader.read(event("u", 4, before=row(1, "Sally"), after=row(1, "Sal")))
    assert updated is not None and updated.row is not None and updated.row.get("first_name") == "Sal"


def test_flat_records_and_primary_key_modes() -> None:
    flat_row = flat(row(2, "George", email="g@x"), 5)
    by_value = RecordReader(_config(**{"primary.key.mode": "record_value", "primary.key.fields": "id"}))
    change = by_value.read(flat_row)
    assert change is not None and change.key is not None and change.row is not None
    assert [f.name for f in change.key.schema.fields] == ["id"] and change.row.get("email") == "g@x"
    # record_value deletes take the key from 'before'; its tombstones are skipped (Debezium's rule)
    deleted = by_value.read(event("d", 6, before=row(2, "George")))
    assert deleted is not None and deleted.key is not None and deleted.key.get("id") == 2
    skipped = by_value.read(tombstone(2, 7))
    assert skipped is not None and skipped.op == "skip"
    kafka = RecordReader(_config(**{"primary.key.mode": "kafka"})).read(flat_row)
    assert kafka is not None and kafka.key is not None
    assert kafka.key.values() == ["dbserver1.inventory.customers", 0, 5]
    none = RecordReader(_config()).read(flat_row)
    assert none is not None and none.key is None
    primitive = SinkRecord("t", 0, ROW.fields[0].schema, 3, ROW, row(3, "x"), 0)
    with pytest.raises(ConnectError, match="unsupported record key schema type"):
        RecordReader(_config(**{"primary.key.mode": "record_key"})).read(primitive)
    schemaless = SinkRecord("t", 0, None, None, None, {"id": 1}, 0)
    with pytest.raises(DataError, match="Struct value"):
        RecordReader(_config()).read(schemaless)


def test_record_header_keys_rows_by_every_header() -> None:
    """``primary.key.mode=record_header``: the headers, in order and with their schemas, are the key (Debezium's
    ``getRecordHeaders``: ``primary.key.fields`` and the field filters do not apply); no headers fails the record."""
    reader = RecordReader(_config(**{"primary.key.mode": "record_header", "primary.key.fields": "tenant",
                                     "delete.enabled": "true", "field.exclude.list": ".*:id"}))
    record = event("c", 8, after=row(5, "Ann"))
    record.headers.add("id", 5, SchemaBuilder.int16().build()).add("tenant", "acme", SchemaBuilder.string().build())
    change = reader.read(record)
    assert change is not None and change.key is not None and change.op == "write"
    assert change.key.schema.name == "dbserver1.inventory.customers$__kafka_headers"
    assert [(f.name, f.schema.type.name) for f in change.key.schema.fields] == [("id", "INT16"), ("tenant", "STRING")]
    assert change.key.values() == [5, "acme"]
    gone = tombstone(5, 9)
    gone.headers.add("id", 5, SchemaBuilder.int16().build())
    deleted = reader.read(gone)
    assert deleted is not None and deleted.op == "delete" and deleted.key is not None and deleted.key.values() == [5]
    with pytest.raises(ConnectError, match="'record_header' cannot have empty message headers"):
        reader.read(event("c", 10, after=row(6, "Bob")))
    nameless = event("c", 11, after=row(7, "Cy"))
    nameless.headers.add("id", None, None)
    with pytest.raises(DataError, match="fieldSchema for field id cannot be null"):
        reader.read(nameless)


@pytest.mark.parametrize(("quote", "columns"), [("false", ["id", "firstname", "__dbz__physicaltableidentifier"]),
                                                ("true", ["id", "firstName", "__dbz__physicalTableIdentifier"])])
def test_unquoted_column_names_are_lower_case(quote: str, columns: list[str]) -> None:
    """Debezium's ``resolveColumnName``: without ``quote.identifiers`` every column (key, value, header) is named in
    lower case, as Debezium 3.2's sink creates and writes them; quoted, as the field is named."""
    value_schema = (SchemaBuilder.struct().field("id", SchemaBuilder.int32().build())
                    .field("firstName", SchemaBuilder.string().build()).build())
    key_schema = (SchemaBuilder.struct().field("id", SchemaBuilder.int32().build())
                  .field("__dbz__physicalTableIdentifier", SchemaBuilder.string().build()).build())
    record = SinkRecord("t", 0, key_schema, Struct(key_schema).put("id", 1).put("__dbz__physicalTableIdentifier", "x"),
                        value_schema, Struct(value_schema).put("id", 1).put("firstName", "Ann"), 0)
    change = RecordReader(_config(**{"primary.key.mode": "record_key", "quote.identifiers": quote})).read(record)
    assert change is not None and change.key is not None and change.row is not None
    assert [f.name for f in change.row.schema.fields] + [change.key.schema.fields[1].name] == columns
    assert change.row.values() == [1, "Ann"]
    record.headers.add("tenantId", "acme", SchemaBuilder.string().build())
    by_header = RecordReader(_config(**{"primary.key.mode": "record_header", "quote.identifiers": quote})).read(record)
    assert by_header is not None and by_header.key is not None
    assert [f.name for f in by_header.key.schema.fields] == ["tenantid" if quote == "false" else "tenantId"]


def test_table_names_and_field_filters() -> None:
    by_source = RecordReader(_config(**{"collection.name.format": "${source.schema}.${source.table}_copy"}))
    change = by_source.read(event("c", 0, after=row(1, "Sally")))
    assert change is not None and change.table == "inventory.customers_copy"
    # Debezium skips (with a warning) what has no source block to name its table: flat rows and tombstones
    assert by_source.read(flat(row(1, "Sally"), 1)) is None
    assert by_source.read(tombstone(1, 2)) is None
    prefixed = RecordReader(_config(**{"table.name.format": "sink_${topic}"})).read(flat(row(1, "S"), 0))
    assert prefixed is not None and prefixed.table == "sink_dbserver1_inventory_customers"
    excluded = RecordReader(_config(**{"field.exclude.list": r"dbserver1\.inventory\.customers:(email|born)"}))
    change = excluded.read(flat(row(1, "S", email="e"), 0))
    assert change is not None and change.row is not None
    assert [f.name for f in change.row.schema.fields] == ["id", "first_name", "updated", "created", "price",
                                                           "active"]
    included = RecordReader(_config(**{"field.include.list": ".*:(id|email)"})).read(flat(row(1, "S"), 0))
    assert included is not None and included.row is not None
    assert [f.name for f in included.row.schema.fields] == ["id", "email"]


def test_schema_change_events_are_skipped() -> None:
    from connect_core.api.schema import SchemaBuilder
    from connect_core.api.struct import Struct

    schema = SchemaBuilder.struct().name("io.debezium.connector.mysql.SchemaChangeValue").field(
        "ddl", SchemaBuilder.string().build()).build()
    record = SinkRecord("dbserver1", 0, None, None, schema, Struct(schema).put("ddl", "CREATE TABLE t"), 0)
    assert RecordReader(_config()).read(record) is None


@pytest.mark.parametrize(("family", "url", "expected"), [
    ("mysql", MYSQL_URL, "CREATE TABLE `t` (\n`id` int NOT NULL,\n`first_name` longtext NOT NULL,\n"
     "`email` longtext NULL,\n`born` date NULL,\n`updated` datetime(6) NULL,\n`created` timestamp(6) NULL,\n"
     "`price` decimal(38,2) NULL,\n`active` boolean NULL,\nPRIMARY KEY(`id`))"),
    ("postgresql", PG_URL, 'CREATE TABLE "t" (\n"id" integer NOT NULL,\n"first_name" text NOT NULL,\n'
     '"email" text NULL,\n"born" date NULL,\n"updated" timestamp(6) NULL,\n'
     '"created" timestamp(6) with time zone NULL,\n"price" numeric(38,2) NULL,\n"active" boolean NULL,\n'
     'PRIMARY KEY("id"))'),
])
def test_column_types(family: str, url: str, expected: str) -> None:
    config = writer_config(_config(**{"connection.url": url, "primary.key.mode": "record_key"}))
    builder = DebeziumSqlBuilder(dialect_for(family, "", "always"))
    fields = RecordFields(config, lambda _topic: None)
    change = RecordReader(_config(**{"primary.key.mode": "record_key"})).read(flat(row(1, "S"), 0))
    assert change is not None and change.key is not None and change.row is not None
    record = SinkRecord("t", 0, change.key.schema, change.key, change.row.schema, change.row, 0)
    mapped = fields.row(record)
    assert builder.create_table(dialect_for(family, "", "always").parse_table_identifier("t"), mapped.keys,
                                mapped.values) == expected
    assert builder.sql_type(mapped.values[0], is_key=True) == ("varchar(255)" if family == "mysql" else "text")


def test_listed_as_a_worker_lists_it() -> None:
    from connect_core.runtime import registry

    infos = [p.info() for p in registry.plugins() if p.class_name == "io.debezium.connector.jdbc.JdbcSinkConnector"]
    assert infos == [{"class": "io.debezium.connector.jdbc.JdbcSinkConnector", "type": "sink",
                      "version": "3.7.0.Final"}]
    assert DebeziumJdbcSinkConnector().version() == "3.7.0.Final"
    loaded = registry.load("io.debezium.connector.jdbc.JdbcSinkConnector")
    assert loaded is DebeziumJdbcSinkConnector
    # the simple names stay Confluent's (listed first), and the Debezium class lists no alias it does not own
    assert registry.describe("JdbcSinkConnector").class_name == "io.confluent.connect.jdbc.JdbcSinkConnector"
    assert registry.describe("io.debezium.connector.jdbc.JdbcSinkConnector").aliases == ()


@pytest.mark.parametrize(("pattern", "name", "reads_data"), [
    (None, "io.debezium.connector.postgresql.CloudEvents.Envelope", True),  # Debezium's default pattern
    (None, "my.CloudEvents.Envelope.v2", False),
    (".*\\.ce$", "orders.ce", True),
])
def test_a_cloudevents_value_is_read_from_its_data_field(pattern: str | None, name: str, reads_data: bool) -> None:
    from connect_core.api.schema import SchemaBuilder
    from connect_core.api.struct import Struct

    change = event("c", 0, after=row(7, "Ann"))
    wrapper = (SchemaBuilder.struct().name(name).field("id", SchemaBuilder.string().build())
               .field("data", change.value_schema).build())
    wrapped = SinkRecord(change.topic, 0, change.key_schema, change.key, wrapper,
                         Struct(wrapper).put("id", "e-1").put("data", change.value), 0)
    props = {"primary.key.mode": "record_key"}
    if pattern is not None:
        props["cloud.events.schema.name.pattern"] = pattern
    read = RecordReader(_config(**props)).read(wrapped)
    assert read is not None and read.op == "write" and read.row is not None
    fields = [f.name for f in read.row.schema.fields]
    if reads_data:
        assert read.row.get("first_name") == "Ann"
    else:  # a name the pattern does not match: the value is a flat row of its own fields
        assert fields == ["id", "data"]


@pytest.mark.parametrize(("family", "precision", "scale", "expected"), [
    ("mysql", "12", 2, "decimal(12,2)"), ("postgresql", "12", 2, "numeric(12,2)"),
    ("mysql", "65", 4, "decimal(38,4)"),  # the dialect's default precision bounds the source's
    ("mysql", None, 2, "decimal(38,2)"), ("postgresql", None, 3, "numeric(38,3)"),
])
def test_a_decimal_column_takes_the_sources_precision_as_debeziums_connect_decimal_type(
        family: str, precision: str | None, scale: int, expected: str) -> None:
    from connect_core.api.logical import Decimal
    from connect_core.connectors.jdbc._record_fields import _spec

    builder = Decimal.builder(scale)
    if precision is not None:
        builder = builder.parameter("connect.decimal.precision", precision)
    column = _spec("price", builder.optional().build())
    assert DebeziumSqlBuilder(dialect_for(family, "", "always")).sql_type(column) == expected


def test_the_generated_projection_is_the_reference_comprehension() -> None:
    """``_projector``'s function over random values (nulls, every conversion) gives ``_project``'s reference
    list."""
    import random

    from connect_core.connectors.debezium_jdbc._records import CONVERSIONS, _projector

    rng = random.Random(7)
    samples = {"io.debezium.time.Date": [0, 19000, -3], "io.debezium.time.Time": [0, 3_600_000],
               "io.debezium.time.MicroTime": [1_000_000], "io.debezium.time.NanoTime": [5_000_000_000],
               "io.debezium.time.Timestamp": [1_700_000_000_000], "io.debezium.time.MicroTimestamp": [1, 2**40],
               "io.debezium.time.NanoTimestamp": [10**18], "io.debezium.time.ZonedTimestamp": ["2024-01-02T03:04:05Z"]}
    names = list(samples)
    for _ in range(200):
        width = rng.randint(1, 8)
        columns = [(i, CONVERSIONS[rng.choice(names)] if rng.random() < 0.5 else None) for i in range(width)]
        rng.shuffle(columns)
        columns = columns[:rng.randint(1, width)]
        values: list[object] = []
        for i in range(width):
            convert = next((c for index, c in columns if index == i), None)
            name = next((n for n in names if CONVERSIONS[n] is convert), None)
            values.append(None if rng.random() < 0.2 else rng.choice(samples[name]) if name else f"s{i}")
        reference = [values[i] if convert is None or values[i] is None else convert(values[i])
                     for i, convert in columns]
        assert _projector(columns)(values) == reference
