"""A database of its own per test on the shared MariaDB (binlog on), and one-shot runs of the binlog task."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from connect_core.connectors.binlog import _stream
from connect_core.connectors.binlog.source_task import FLAVOUR_CONFIG, BinlogSourceTask
from connect_core.storage.offset_state import validate_offset_format
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task

if TYPE_CHECKING:
    from collections.abc import Iterator

    from connect_core.api.record import SourceRecord


class CdcDb:
    """A throwaway database, a connection to it, and the connector props that capture it."""

    def __init__(self, settings: dict[str, str]) -> None:
        self.settings = settings
        self.name = f"cdc_{uuid.uuid4().hex[:10]}"
        self.prefix = f"it-{uuid.uuid4().hex[:8]}"
        self.conn = pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                                    password=settings["password"], autocommit=True)
        self.sql(f"CREATE DATABASE `{self.name}`")
        self.conn.select_db(self.name)

    def sql(self, *statements: str) -> None:
        with self.conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def props(self, **extra: str) -> dict[str, str]:
        return {"name": self.prefix, "connector.class": "io.debezium.connector.mariadb.MariaDbConnector",
                "database.hostname": self.settings["host"], "database.port": self.settings["port"],
                "database.user": self.settings["user"], "database.password": self.settings["password"],
                "topic.prefix": self.prefix, "database.include.list": self.name, FLAVOUR_CONFIG: "mariadb",
                **extra}

    def run(self, reader: MemoryOffsetReader, **extra: str) -> list[SourceRecord]:
        """One invocation: start a task on ``reader``'s offsets, poll until caught up, stop."""
        return self.run_polls(reader, 1000, **extra)

    def run_polls(self, reader: MemoryOffsetReader, polls: int, **extra: str) -> list[SourceRecord]:
        """An invocation of at most ``polls`` polls, each committed (one killed after them when it had more)."""
        task = start_task(BinlogSourceTask(), self.props(**extra), reader)
        out: list[SourceRecord] = []
        try:
            for _ in range(polls):
                batch = task.poll()
                if not batch:
                    break
                out.extend(batch)
                for record in batch:  # what the runtime checks before it writes connect-offsets
                    validate_offset_format(record.source_offset)
                reader.commit(batch)
                task.commit()  # as the runner after each transaction: the task closes its connections
        finally:
            task.stop()
        return out

    def drop(self) -> None:
        self.sql(f"DROP DATABASE IF EXISTS `{self.name}`")
        self.conn.close()


@pytest.fixture(autouse=True)
def _reads_to_the_binlogs_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-shot invocation here reads to the binlog's end, as these tests assume, however much other workers
    wrote to the shared binlog meanwhile (past the poll's time limit a poll would end early with an offset-only
    record, and the next invocation would go on: ``test_a_busy_binlog_of_uncaptured_changes_ends_each_poll_in_time``
    sets the limit itself)."""
    monkeypatch.setattr(_stream, "POLL_TIME_LIMIT_S", 60.0)


@pytest.fixture
def cdc_db(mariadb_settings: dict[str, str]) -> Iterator[CdcDb]:
    """A database of this test's own, dropped afterwards."""
    db = CdcDb(mariadb_settings)
    try:
        yield db
    finally:
        db.drop()


def rows(records: list[SourceRecord]) -> list[tuple[str, Any, Any, Any]]:
    """(op or "tombstone", key dict, before dict, after dict) of each record."""
    out = []
    for r in records:
        key = None if r.key is None else {f.name: r.key.get(f.name) for f in r.key.schema.fields}
        if r.value is None:
            out.append(("tombstone", key, None, None))
            continue
        before, after = r.value.get("before"), r.value.get("after")
        as_dict = lambda s: None if s is None else {f.name: s.get(f.name) for f in s.schema.fields}  # noqa: E731
        out.append((r.value.get("op"), key, as_dict(before), as_dict(after)))
    return out


__all__ = ["CdcDb", "MemoryOffsetReader", "rows"]
