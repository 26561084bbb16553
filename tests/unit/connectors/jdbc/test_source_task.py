"""JdbcSourceTask on SQLite: every mode, exact query shapes and offsets, resume without duplicates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, drain, start_task

if TYPE_CHECKING:
    from collections.abc import Callable

ORDERS = ("CREATE TABLE orders (id INTEGER PRIMARY KEY, name VARCHAR(20), "
          "updated DATETIME NOT NULL, amount DECIMAL(10,2))")


def _props(url: str, **extra: str) -> dict[str, str]:
    return {"connection.url": url, "tables": '"orders"', "table.whitelist": "orders", "topic.prefix": "db-",
            **extra}


def _seed(execute: Callable[..., None], rows: list[tuple]) -> None:
    execute("INSERT INTO orders (id, name, updated, amount) VALUES (?, ?, ?, ?)", params=rows)


def _run(url: str, reader: MemoryOffsetReader | None = None, **extra: str) -> list:
    reader = reader if reader is not None else MemoryOffsetReader()
    task = start_task(JdbcSourceTask(), _props(url, **extra), reader)
    try:
        return drain(task, reader)
    finally:
        task.stop()


def test_bulk_reads_every_row_each_time_with_table_named_struct(sqlite_db: tuple) -> None:
    url, execute = sqlite_db
    execute(ORDERS)
    _seed(execute, [(1, "a", "2024-01-01 00:00:00", "1.50"), (2, None, "2024-01-01 00:00:01", None)])
    records = _run(url, mode="bulk")
    assert [r.value.get("id") for r in records] == [1, 2]
    assert records[0].topic == "db-orders"
    assert records[0].source_partition == {"table": "orders"}
    assert records[0].source_offset is None
    assert records[0].key is None and records[0].value_schema.name == "orders"
    assert str(records[0].value.get("amount")) == "1.50"
    assert len(_run(url, mode="bulk")) == 2


def test_incrementing_offsets_and_resume_without_duplicates(sqlite_db: tuple) -> None:
    url, execute = sqlite_db
    execute(ORDERS)
    _seed(execute, [(i, f"n{i}", "2024-01-01 00:00:00", "1.00") for i in range(1, 6)])
    reader = MemoryOffsetReader()
    first = _run(url, reader, mode="incrementing", **{"incrementing.column.name": "id", "batch.max.rows": "2"})
    assert [r.value.get("id") for r in first] == [1, 2, 3, 4, 5]
    assert first[-1].source_partition == {"protocol": "1", "table": "orders"}
    assert list(first[-1].source_partition) == ["protocol", "table"]  # Java HashMap order: same key bytes
    assert first[-1].source_offset == {"incrementing": 5}
    _seed(execute, [(6, "n6", "2024-01-01 00:00:00", "1.00")])
    second = _run(url, reader, mode="incrementing", **{"incrementing.column.name": "id"})
    assert [r.value.get("id") for r in second] == [6]


def test_incrementing_column_is_autodetected(sqlite_db: tuple) -> None:
    url, execute = sqlite_db
    execute(ORDERS)
    _seed(execute, [(7, "x", "2024-01-01 00:00:00", "1.00")])
    records = _run(url, mode="incrementing")
    assert records[0].source_offset == {"incrementing": 7}


def test_legacy_protocol_zero_offsets_are_picked_up(sqlite_db: tuple) -> None:
    url, execute = sqlite_db
    execute(ORDERS)
    _seed(execute, [(i, "n", "2024-01-01 00:00:00", "1.00") for i in range(1, 4)])
    reader = MemoryOffsetReader()
    reader.set({"table": "orders"}, {"incrementing": 2})
    records = _run(url, reader, mode="incrementing", **{"incrementing.column.name": "id"})
    assert [r.value.get("id") for r in records] == [3]


def test_timestamp_mode_holds_offset_until_equal_timestamps_are_complete(sqlite_db: tuple) -> None:
    url, execute = sqlite_db
    execute(ORDERS)
    t = ["2024-01-01 00:00:01", "2024-01-01 00:00:01", "2024-01-01 00:00:02", "2024-01-01 00:00:02",
         "2024-01-01 00:00:03"]
    _seed(execute, [(i + 1, "n", ts, "1.00") for i, ts in enumerate(t)])
    records = _run(url, mode="timestamp", **{"timestamp.column.name": "updated", "batch.max.rows": "2"})
    secs = [None if not r.source_offset else r.source_offset["timestamp"] // 1000 - 1704067200
            for r in records]
    assert secs == [None, 1, 1, 2, 3]  # the first row's offset is still the (empty) starting offset
    assert list(records[-1].source_offset) == ["timestamp_nanos", "timestamp"]
    assert records[-1].source_offset["timestamp_nanos"] == 0


def test_timestamp_incrementing_picks_up_updates_once(sqlite_db: tuple) -> None:
    url, execute = sqlite_db
    execute(ORDERS)
    _seed(execute, [(1, "a", "2024-01-01 00:00:01", "1.00"), (2, "b", "2024-01-01 00:00:01", "1.00")])
    reader = MemoryOffsetReader()
    props = {"mode": "timestamp+incrementing", "timestamp.column.name": "updated", "incrementing.column.name": "id"}
    first = _run(url, reader, **props)
    assert [r.value.get("id") for r in first] == [1, 2]
    assert first[-1].source_offset == {"timestamp_nanos": 0, "incrementing": 2, "timestamp": 1704067201000}
    execute("UPDATE orders SET name = 'a2', updated = '2024-01-01 00:00:05' WHERE id = 1")
    second = _run(url, reader, **props)
    assert [(r.value.get("id"), r.value.get("name")) for r in second] == [(1, "a2")]
    assert _run(url, reader, **props) == []


def test_query_mode_uses_prefix_as_topic_and_query_partition(sqlite_db: tuple) -> None:
    url, execute = sqlite_db
    execute(ORDERS)
    _seed(execute, [(1, "a", "2024-01-01 00:00:00", "1.00"), (2, "b", "2024-01-01 00:00:00", "2.00")])
    props = {"connection.url": url, "mode": "incrementing", "incrementing.column.name": "id",
             "query": "SELECT id, name FROM orders", "topic.prefix": "q-out", "tables": ""}
    reader = MemoryOffsetReader()
    task = start_task(JdbcSourceTask(), props, reader)
    records = drain(task, reader)
    task.stop()
    assert [r.value.get("name") for r in records] == ["a", "b"]
    assert records[0].topic == "q-out"
    assert records[0].source_partition == {"query": "query"}
    assert records[0].value_schema.name is None


def test_missing_column_names_the_setting(sqlite_db: tuple) -> None:
    url, execute = sqlite_db
    execute(ORDERS)
    with pytest.raises(ConfigError, match="incrementing.column.name"):
        _run(url, mode="incrementing", **{"incrementing.column.name": "nope"})


def test_nullable_timestamp_column_is_refused_unless_validation_is_off(sqlite_db: tuple) -> None:
    url, execute = sqlite_db
    execute(ORDERS)
    with pytest.raises(ConnectError, match="because all of these columns are nullable"):
        _run(url, mode="timestamp", **{"timestamp.column.name": "name"})
    assert _run(url, mode="timestamp", **{"timestamp.column.name": "name", "validate.non.null": "false"}) == []


def test_bad_url_names_connection_url() -> None:
    with pytest.raises(ConfigError, match="connection.url"):
        start_task(JdbcSourceTask(), _props("jdbc:oracle:thin:@x:1521:db", mode="bulk"), MemoryOffsetReader())
