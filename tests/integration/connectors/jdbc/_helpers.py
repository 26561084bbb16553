"""What the JDBC integration tests on MariaDB, PostgreSQL and SQLite share: SQL set-up and one-shot task runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.connectors.jdbc.sink_task import JdbcSinkTask
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from tests.unit.connectors._memory_offsets import drain, start_task

if TYPE_CHECKING:
    from connect_core.api.record import SinkRecord, SourceRecord
    from tests.unit.connectors._memory_offsets import MemoryOffsetReader


def sql(conn: Any, *statements: str, params: list[tuple] | None = None) -> None:
    """Run statements (with ``params``: each statement once per parameter tuple) on a DB-API connection."""
    with conn.cursor() as cursor:
        for statement in statements:
            if params is None:
                cursor.execute(statement)
            else:
                cursor.executemany(statement, params)


def run_source(props: dict[str, str], reader: MemoryOffsetReader) -> list[SourceRecord]:
    """Start a source task on ``reader``'s offsets, poll until it is caught up, stop it."""
    task = start_task(JdbcSourceTask(), props, reader)
    try:
        return drain(task, reader)
    finally:
        task.stop()


def run_sink(props: dict[str, str], records: list[SinkRecord]) -> None:
    """One sink invocation: start, put, flush, stop."""
    task = JdbcSinkTask()
    task.start(props)
    try:
        task.put(records)
        task.flush({})
    finally:
        task.stop()


def sink_props(settings: dict[str, str], table: str, **extra: str) -> dict[str, str]:
    """A JDBC sink config writing into ``table`` (auto-created) on the database of ``settings``."""
    return {"connection.url": settings["connection.url"], "connection.user": settings["user"],
            "connection.password": settings["password"], "table.name.format": table, "auto.create": "true",
            **extra}
