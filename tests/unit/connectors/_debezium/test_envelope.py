"""The schema pieces every Debezium change event shares."""

from __future__ import annotations

from connect_core.api.schema import STRING_SCHEMA
from connect_core.connectors._debezium.envelope import SNAPSHOT_VALUES, source_builder, transaction_schema


def test_transaction_block_is_debeziums_event_block() -> None:
    schema = transaction_schema()
    assert (schema.name, schema.version, schema.optional) == ("event.block", 1, True)
    assert [f.name for f in schema.fields] == ["id", "total_order", "data_collection_order"]


def test_source_block_starts_with_the_common_fields_and_the_snapshot_enum() -> None:
    schema = source_builder("io.debezium.connector.x.Source").field("table", STRING_SCHEMA).build()
    assert (schema.name, schema.version) == ("io.debezium.connector.x.Source", 1)
    assert [f.name for f in schema.fields] == ["version", "connector", "name", "ts_ms", "snapshot", "db",
                                                 "sequence", "ts_us", "ts_ns", "table"]
    snapshot = schema.fields[4].schema
    assert (snapshot.name, snapshot.optional, snapshot.default_value) == ("io.debezium.data.Enum", True, "false")
    assert snapshot.parameters == {"allowed": ",".join(SNAPSHOT_VALUES)}
    assert SNAPSHOT_VALUES[:2] == ("true", "first") and "incremental" in SNAPSHOT_VALUES
