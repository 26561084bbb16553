"""JdbcSourceConnector / JdbcSourceTask on a file-based SQLite database: every mode once, through the connector.

SQLite has one unqualified namespace, so partitions are ``{"protocol": "1", "table": "<t>"}``; timestamps are
text in UTC (``strftime('%Y-%m-%d %H:%M:%f')``), the database clock the timestamp window closes at.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

from connect_core.api.connector import ConnectorContext
from connect_core.api.errors import ConfigError
from connect_core.api.schema import Type
from connect_core.connectors.jdbc.source_connector import JdbcSourceConnector
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from tests.unit.connectors._memory_offsets import TEMP_ROOTS, MemoryOffsetReader, drain, start_task

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

ORDERS = ("CREATE TABLE orders (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, "
          "updated DATETIME NOT NULL, amount DECIMAL(10,2), flag BOOLEAN, data BLOB)")


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, sqlite3.Connection]:
    """(connection.url, connection) of a fresh SQLite file with ``orders`` and three seeded rows."""
    path = tmp_path / "source.db"
    conn = sqlite3.connect(path, isolation_level=None)  # autocommit
    conn.execute(ORDERS)
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)", [
        (1, "a", "2024-01-01 00:00:00.000", "1.50", 1, b"\x01"),
        (2, "b", "2024-01-01 00:00:00.000", None, 0, None),
        (3, "c", "2024-01-01 00:00:01.250", "3.00", None, b"\x03")])
    return f"jdbc:sqlite:{path}", conn


def _connector() -> JdbcSourceConnector:
    """A connector whose worker allows files in the temporary directory (where the databases live)."""
    connector = JdbcSourceConnector()
    connector.initialize(ConnectorContext(TEMP_ROOTS))
    return connector


def _task_config(url: str, **extra: str) -> dict[str, str]:
    connector = _connector()
    connector.start({"connection.url": url, "table.whitelist": "orders", "topic.prefix": "lite-", **extra})
    configs = connector.task_configs(4)
    assert len(configs) == 1
    return configs[0]


def _run(config: dict[str, str], reader: MemoryOffsetReader) -> list:
    task = start_task(JdbcSourceTask(), config, reader)
    try:
        return drain(task, reader)
    finally:
        task.stop()


def test_bulk(database: tuple) -> None:
    url, _ = database
    config = _task_config(url, mode="bulk")
    assert config["tables"] == "\"orders\""
    records = _run(config, MemoryOffsetReader())
    assert [r.value.get("id") for r in records] == [1, 2, 3]
    assert records[0].source_partition == {"table": "orders"} and records[0].source_offset is None
    assert records[0].topic == "lite-orders" and records[0].value_schema.name == "orders"
    kinds = {f.name: f.schema.type for f in records[0].value_schema.fields}
    assert kinds["id"] is Type.INT64 and kinds["flag"] is Type.BOOLEAN and kinds["data"] is Type.BYTES
    assert (records[0].value.get("flag"), records[0].value.get("data")) == (True, b"\x01")
    assert str(records[0].value.get("amount")) == "1.50"


def test_incrementing_autodetects_the_rowid_alias_and_resumes(database: tuple) -> None:
    url, conn = database
    config = _task_config(url, mode="incrementing", **{"batch.max.rows": "2"})
    reader = MemoryOffsetReader()
    first = _run(config, reader)
    assert [r.source_offset for r in first] == [{"incrementing": i} for i in (1, 2, 3)]
    assert first[0].source_partition == {"protocol": "1", "table": "orders"}
    conn.execute("INSERT INTO orders (name, updated) VALUES ('d', '2024-01-02 00:00:00.000')")
    resumed = MemoryOffsetReader(reader.committed)
    assert [r.value.get("name") for r in _run(config, resumed)] == ["d"]
    assert _run(config, resumed) == []


def test_timestamp_reemits_updates(database: tuple) -> None:
    url, conn = database
    config = _task_config(url, mode="timestamp", **{"timestamp.column.name": "updated"})
    reader = MemoryOffsetReader()
    first = _run(config, reader)
    assert [r.value.get("id") for r in first] == [1, 2, 3]
    assert [r.source_offset for r in first] == [
        {},  # rows 1 and 2 share a timestamp: the (empty, as Confluent's) start offset is kept until row 3
        {"timestamp": 1704067200000, "timestamp_nanos": 0},
        {"timestamp": 1704067201250, "timestamp_nanos": 250000000}]
    conn.execute("UPDATE orders SET name = 'b!', updated = strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 second') "
                 "WHERE id = 2")
    resumed = MemoryOffsetReader(reader.committed)
    assert [(r.value.get("id"), r.value.get("name")) for r in _run(config, resumed)] == [(2, "b!")]
    assert _run(config, resumed) == []


def test_timestamp_incrementing_reemits_updates(database: tuple) -> None:
    url, conn = database
    config = _task_config(url, mode="timestamp+incrementing", **{"timestamp.column.name": "updated",
                                                                 "incrementing.column.name": "id"})
    reader = MemoryOffsetReader()
    first = _run(config, reader)
    assert [r.source_offset for r in first] == [
        {"timestamp": 1704067200000, "timestamp_nanos": 0, "incrementing": 1},
        {"timestamp": 1704067200000, "timestamp_nanos": 0, "incrementing": 2},
        {"timestamp": 1704067201250, "timestamp_nanos": 250000000, "incrementing": 3}]
    conn.execute("UPDATE orders SET name = 'a!', updated = strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 second') "
                 "WHERE id = 1")
    resumed = MemoryOffsetReader(reader.committed)
    assert [(r.value.get("id"), r.value.get("name")) for r in _run(config, resumed)] == [(1, "a!")]
    assert _run(config, resumed) == []


def test_query_mode(database: tuple) -> None:
    url, _ = database
    connector = _connector()
    props = {"connection.url": url, "mode": "incrementing", "incrementing.column.name": "id",
             "query": "SELECT * FROM (SELECT id, name FROM orders WHERE name <> 'b') t", "topic.prefix": "lite-q"}
    connector.start(props)
    (config,) = connector.task_configs(3)  # query mode is always one task
    reader = MemoryOffsetReader()
    records = _run(config, reader)
    assert [r.value.get("id") for r in records] == [1, 3]
    assert records[0].topic == "lite-q" and records[0].source_partition == {"query": "query"}
    assert records[-1].source_offset == {"incrementing": 3}
    assert _run(config, reader) == []


def test_missing_timestamp_column_names_the_setting(database: tuple) -> None:
    url, _ = database
    config = _task_config(url, mode="timestamp", **{"timestamp.column.name": "nope"})
    with pytest.raises(ConfigError, match="timestamp.column.name"):
        start_task(JdbcSourceTask(), config, MemoryOffsetReader())


def test_table_types_view_captures_a_view(database: tuple) -> None:
    """``table.types`` (default TABLE): a view is captured only when VIEW is listed."""
    url, conn = database
    conn.execute("CREATE VIEW named AS SELECT id, name FROM orders WHERE name <> 'b'")
    connector = _connector()
    connector.start({"connection.url": url, "table.whitelist": "named", "topic.prefix": "lite-", "mode": "bulk"})
    assert [c["tables"] for c in connector.task_configs(1)] == [""]  # a view is not a TABLE: nothing to read
    config = _task_config(url, mode="bulk", **{"table.whitelist": "named", "table.types": "VIEW"})
    assert [r.value.get("id") for r in _run(config, MemoryOffsetReader())] == [1, 3]


def test_timestamp_initial_skips_older_rows(database: tuple) -> None:
    """``timestamp.initial``: a new task starts at that timestamp (ms), not at the beginning."""
    url, _ = database
    config = _task_config(url, mode="timestamp", **{"timestamp.column.name": "updated",
                                                    "timestamp.initial": "1704067201000"})
    assert [r.value.get("id") for r in _run(config, MemoryOffsetReader())] == [3]


def test_column_mappings_pick_the_columns_per_table(database: tuple) -> None:
    """``timestamp.columns.mapping`` and ``incrementing.column.mapping``: columns chosen per table by regex."""
    url, conn = database
    conn.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, at DATETIME NOT NULL)")
    conn.executemany("INSERT INTO events VALUES (?, ?)", [(10, "2024-01-01 00:00:00.000"),
                                                          (11, "2024-01-02 00:00:00.000")])
    connector = _connector()
    connector.start({"connection.url": url, "table.include.list": "orders,events", "topic.prefix": "lite-",
                     "mode": "timestamp+incrementing", "timestamp.columns.mapping": "orders:[updated],events:[at]",
                     "incrementing.column.mapping": "orders:id,events:seq", "timestamp.initial": "1704067201000"})
    (config,) = connector.task_configs(1)
    records = _run(config, MemoryOffsetReader())
    by_topic = {(r.topic, r.source_offset["incrementing"]) for r in records}
    assert by_topic == {("lite-orders", 3), ("lite-events", 11)}  # each table by its own columns


def test_timestamp_granularity_changes_how_timestamps_are_written(database: tuple) -> None:
    """``timestamp.granularity``: Connect's Timestamp (default) or an ISO string with nanoseconds, as Confluent's."""
    url, _ = database
    default = _run(_task_config(url, mode="bulk"), MemoryOffsetReader())
    iso = _run(_task_config(url, mode="bulk", **{"timestamp.granularity": "nanos_iso_datetime_string"}),
               MemoryOffsetReader())
    field = {f.name: f.schema for f in default[2].value_schema.fields}["updated"]
    assert field.name == "org.apache.kafka.connect.data.Timestamp"
    assert iso[2].value.get("updated") == "2024-01-01T00:00:01.250000000"


def test_dialect_name_forces_a_dialect_and_refuses_an_unknown_one(database: tuple) -> None:
    """``dialect.name``: the named dialect instead of the URL's; an unknown name is refused naming the key."""
    url, _ = database
    forced = _task_config(url, mode="bulk", **{"dialect.name": "SqliteDatabaseDialect"})
    assert [r.value.get("id") for r in _run(forced, MemoryOffsetReader())] == [1, 2, 3]
    with pytest.raises(Exception, match="information_schema"):  # the generic dialect's catalog query: it is used
        _task_config(url, mode="bulk", **{"dialect.name": "GenericDatabaseDialect"})
    with pytest.raises(ConfigError, match="dialect.name"):
        _task_config(url, mode="bulk", **{"dialect.name": "OracleDatabaseDialect"})


def test_query_masked_runs_the_query_and_keeps_it_out_of_the_task_config_shown(database: tuple) -> None:
    """``query.masked``: runs as ``query`` does; the value is a password-type key (hidden by the REST API)."""
    url, _ = database
    connector = _connector()
    connector.start({"connection.url": url, "mode": "incrementing", "incrementing.column.name": "id",
                     "query.masked": "SELECT * FROM (SELECT id, name FROM orders WHERE name <> 'b') t",
                     "topic.prefix": "lite-m"})
    (config,) = connector.task_configs(1)
    assert [r.value.get("id") for r in _run(config, MemoryOffsetReader())] == [1, 3]
    from connect_core.api.config import validate_config
    from connect_core.connectors.jdbc.source_config import JdbcSourceConfig

    shown = {v["name"]: v for v in validate_config(JdbcSourceConfig, {"query.masked": "SELECT 1"})}
    assert shown["query.masked"]["value"] != "SELECT 1"
