"""One-shot runs of Debezium's JDBC sink task and reads of what it wrote, on MariaDB and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.connectors.debezium_jdbc.sink_task import DebeziumJdbcSinkTask

if TYPE_CHECKING:
    from connect_core.api.record import SinkRecord


def run_sink(props: dict[str, str], *batches: list[SinkRecord]) -> None:
    """One task: start, then each batch as one invocation's put and flush, stop."""
    task = DebeziumJdbcSinkTask()
    task.start(props)
    try:
        for records in batches:
            task.put(records)
            task.flush({})
    finally:
        task.stop()


def sink_props(settings: dict[str, str], table: str, **extra: str) -> dict[str, str]:
    """Debezium JDBC sink keys writing into ``table`` (created by schema.evolution=basic) on ``settings``' database."""
    return {"connection.url": settings["connection.url"], "connection.username": settings["user"],
            "connection.password": settings["password"], "collection.name.format": table,
            "schema.evolution": "basic", **extra}
