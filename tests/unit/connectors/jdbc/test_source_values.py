"""The JDBC source's values path (``values_poll``, incrementing mode's lazy offsets) against its reference on SQLite:
the same records, offsets and querier offsets as the row-by-row path and as ``poll``."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import ConnectError
from connect_core.api.record import FieldOffsets
from connect_core.connectors.jdbc._offsets import Offset
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from connect_core.api.record import SourceRecord
    from connect_core.connectors.jdbc._querier import TableQuerier

ORDERS = ('CREATE TABLE orders (id INTEGER PRIMARY KEY, name VARCHAR(20), updated DATETIME NOT NULL, '
          'amount DECIMAL(10,2))')
MODES = [
    {"mode": "incrementing", "incrementing.column.name": "id"},
    {"mode": "timestamp", "timestamp.column.name": "updated"},
    {"mode": "timestamp+incrementing", "incrementing.column.name": "id", "timestamp.column.name": "updated"},
    {"mode": "bulk"},
]


def _props(url: str, mode: dict[str, str]) -> dict[str, str]:
    return {"connection.url": url, "tables": '"orders"', "table.whitelist": "orders", "topic.prefix": "db-",
            "batch.max.rows": "3", **mode}


def _seed(execute: Callable[..., None], count: int) -> None:
    execute(ORDERS)
    rows = [(i, f"n{i}" if i % 4 else None, f"2024-01-01 00:00:0{i // 3}", f"{i}.25" if i % 5 else None)
            for i in range(1, count + 1)]
    execute("INSERT INTO orders (id, name, updated, amount) VALUES (?, ?, ?, ?)", params=rows)


def _drain(task: JdbcSourceTask, *, values: bool) -> tuple[list[list[SourceRecord]], list[Offset]]:
    """Every batch of one round (``values_poll``'s as records, or ``poll``'s) and the querier offset after each."""
    batches: list[list[SourceRecord]] = []
    offsets: list[Offset] = []
    poll = task.values_poll() if values else task.poll
    assert poll is not None
    while True:
        got: Any = poll()
        if values:
            got = [] if got is None else got.records()
        if not got:
            return batches, offsets
        batches.append(got)
        offsets.append(task._queriers[0].offset)


def _started(url: str, mode: dict[str, str]) -> JdbcSourceTask:
    task = JdbcSourceTask()
    start_task(task, _props(url, mode), MemoryOffsetReader())
    return task


@contextlib.contextmanager
def _incrementing_rows(sqlite_db: tuple, count: int) -> Iterator[tuple[TableQuerier, list[tuple[Any, ...]]]]:
    """An incrementing querier over ``count`` seeded rows, its query run and schema built, and the rows."""
    url, execute = sqlite_db
    _seed(execute, count)
    task = _started(url, MODES[0])
    try:
        querier = task._queriers[0]
        querier._start(task._conn)
        rows = querier._cursor.fetchall()
        querier._build_schema(rows)
        yield querier, rows
    finally:
        task.stop()


def _reference_rows(querier: TableQuerier, rows: list[tuple[Any, ...]]) -> tuple[list[Any], list[Any]]:
    """What the reference makes of ``rows``: a Struct and ``Offset.to_map()`` row by row."""
    return [querier._struct(row) for row in rows], querier._offsets(rows)


@pytest.mark.parametrize("mode", MODES, ids=[m["mode"] for m in MODES])
def test_values_poll_stands_for_polls_records(sqlite_db: tuple, mode: dict[str, str]) -> None:
    url, execute = sqlite_db
    _seed(execute, 10)
    tasks = [_started(url, mode) for _ in range(2)]
    try:
        by_values, by_records = _drain(tasks[0], values=True), _drain(tasks[1], values=False)
    finally:
        for task in tasks:
            task.stop()
    assert by_values == by_records
    records = [r for batch in by_values[0] for r in batch]
    assert [r.value.get("id") for r in records] == list(range(1, 11))
    assert all(r.source_partition is records[0].source_partition for r in records)  # one dict per querier


def test_incrementing_offsets_equal_the_row_by_row_reference(sqlite_db: tuple) -> None:
    with _incrementing_rows(sqlite_db, 7) as (querier, rows):
        values, offsets = querier._incrementing_values(rows)
        fast_offset = querier.offset
        querier.offset = Offset()
        reference_values, reference_offsets = _reference_rows(querier, rows)
    assert isinstance(offsets, FieldOffsets)
    assert values == reference_values
    assert list(offsets) == reference_offsets == [{"incrementing": i} for i in range(1, 8)]
    assert list(reversed(offsets)) == reference_offsets[::-1] and offsets[1:3] == reference_offsets[1:3]
    assert fast_offset == querier.offset == Offset(incrementing=7)


def test_incrementing_values_check_odd_ids_in_row_order(sqlite_db: tuple) -> None:
    with _incrementing_rows(sqlite_db, 2) as (querier, rows):
        with pytest.raises(ConnectError, match="Invalid type for incrementing column: bool"):
            querier._incrementing_values([rows[0], (True, *rows[1][1:])])  # a bool is not an id
        with pytest.raises(ConnectError, match="Null value for incrementing column id"):
            querier._incrementing_values([rows[0], (None, *rows[1][1:])])


def test_a_subclass_with_its_own_poll_gets_no_values_poll() -> None:
    class Patched(JdbcSourceTask):
        def poll(self) -> list[SourceRecord]:
            return []

    assert JdbcSourceTask().values_poll() is not None
    assert Patched().values_poll() is None
