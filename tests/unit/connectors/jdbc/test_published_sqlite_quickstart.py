"""kafka-connect-jdbc's SQLite quickstarts as published (``jdbc:sqlite:test.db``, a relative path): validate, the
connectors and the tasks all use the one file under the worker's first file root, never the working directory."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from connect_core.api.connector import ConnectorContext
from connect_core.api.file_roots import FileRoots
from connect_core.api.record import SinkRecord
from connect_core.api.schema import INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.task import SinkTaskContext, SourceTaskContext
from connect_core.connectors.jdbc.sink_connector import JdbcSinkConnector
from connect_core.connectors.jdbc.sink_task import JdbcSinkTask
from connect_core.connectors.jdbc.source_connector import JdbcSourceConnector
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from tests.fixtures.published import published
from tests.unit.connectors._memory_offsets import MemoryOffsetReader

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

ORDER = SchemaBuilder.struct().name("orders").field("id", INT64_SCHEMA).field("product", STRING_SCHEMA).build()


def test_the_sqlite_quickstarts_write_and_read_test_db_under_the_first_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, elsewhere = tmp_path / "data", tmp_path / "cwd"
    root.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the process's working directory is not a root
    roots = FileRoots.of([str(root)])

    sink_config = published("kafka-connect-jdbc_sink-quickstart-sqlite.properties")
    sink = JdbcSinkConnector()
    sink.initialize(ConnectorContext(roots))
    assert all(not value["errors"] for value in sink.validate(sink_config))
    sink.start(sink_config)
    task = JdbcSinkTask(sleep=lambda _: None)
    task.initialize(SinkTaskContext({}, file_roots=roots))
    task.start(sink.task_configs(1)[0])
    try:
        task.put([SinkRecord("orders", 0, None, None, ORDER, Struct(ORDER).put("id", 1).put("product", "pen"), 0)])
        task.flush({})
    finally:
        task.stop()
    assert not (elsewhere / "test.db").exists()  # before the fix the sink wrote ./test.db
    with sqlite3.connect(root / "test.db") as conn:
        assert conn.execute("SELECT id, product FROM orders").fetchall() == [(1, "pen")]

    source_config = published("kafka-connect-jdbc_source-quickstart-sqlite.properties")
    source = JdbcSourceConnector()
    source.initialize(ConnectorContext(roots))
    assert all(not value["errors"] for value in source.validate(source_config))
    source.start(source_config)  # lists the tables of root/test.db
    [task_config] = source.task_configs(1)
    assert task_config["tables"]
    reader = JdbcSourceTask()
    reader.initialize(SourceTaskContext(task_config, MemoryOffsetReader(), file_roots=roots))
    reader.start(task_config)
    try:
        records = reader.poll()
    finally:
        reader.stop()
    assert [(r.topic, r.value.get("id"), r.value.get("product")) for r in records] == [
        ("test-sqlite-jdbc-orders", 1, "pen")]
    assert not (elsewhere / "test.db").exists()
