"""A schema, slot and publication of their own per test on the shared PostgreSQL, and one-shot runs of the task."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.connectors.postgres.source_task import PostgresSourceTask
from connect_core.storage.offset_state import validate_offset_format
from tests.integration.connectors.postgres.session import PgSession
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task

if TYPE_CHECKING:
    from collections.abc import Iterator

    from connect_core.api.record import SourceRecord


class PgDb(PgSession):
    """A throwaway schema and slot, and the connector props that capture the schema with that slot."""

    def __init__(self, settings: dict[str, str]) -> None:
        super().__init__(settings, "it")
        self.prefix = f"it-{uuid.uuid4().hex[:8]}"

    def props(self, **extra: str) -> dict[str, str]:
        return {"name": self.prefix, "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                "database.hostname": self.settings["host"], "database.port": self.settings["port"],
                "database.user": self.settings["user"], "database.password": self.settings["password"],
                "database.dbname": self.settings["database"], "topic.prefix": self.prefix,
                "plugin.name": "pgoutput", "slot.name": self.slot, "publication.name": f"pub_{self.slot}",
                "publication.autocreate.mode": "filtered", "schema.include.list": self.schema, **extra}

    def run(self, reader: MemoryOffsetReader, **extra: str) -> list[SourceRecord]:
        """One invocation: start a task on ``reader``'s offsets, poll until caught up, stop."""
        return self.run_polls(reader, 1000, **extra)

    def run_polls(self, reader: MemoryOffsetReader, polls: int, *, commit: bool = True,
                  **extra: str) -> list[SourceRecord]:
        """An invocation of at most ``polls`` polls, each committed (one killed after them when it had more);
        ``commit=False``: the last poll's records are returned but never committed (killed before the commit)."""
        task = start_task(PostgresSourceTask(), self.props(**extra), reader)
        out: list[SourceRecord] = []
        try:
            for index in range(polls):
                batch = task.poll()
                if not batch:
                    task.commit()
                    break
                out.extend(batch)
                for record in batch:  # what the runtime checks before it writes connect-offsets
                    validate_offset_format(record.source_offset)
                if not commit and index == polls - 1:
                    break
                reader.commit(batch)
                task.commit()
        finally:
            task.stop()
        return out


@pytest.fixture
def pg_db(postgres_settings: dict[str, str]) -> Iterator[PgDb]:
    db = PgDb(postgres_settings)
    try:
        yield db
    finally:
        db.close()


def ops(records: list[SourceRecord]) -> list[tuple[str, Any]]:
    """(op or "tombstone", id) per change event record (heartbeats left out)."""
    out = []
    for r in records:
        if r.topic is None or r.topic.startswith("__debezium-heartbeat."):  # an offset alone, a heartbeat
            continue
        key = r.key.get("id") if r.key is not None else None
        out.append(("tombstone", key) if r.value is None else (r.value.get("op"), key))
    return out
