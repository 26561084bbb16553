"""JDBC sink statements run beside the encoding of the next, against the real MariaDB slowed by a trigger.

A ``BEFORE INSERT`` trigger sleeps per row, so each statement takes a while on the server; the test records when the
writer encodes a statement and when the connection runs one, and judges overlap by that order (an encoding while a
statement runs), never by a timing threshold.
"""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from connect_core.api import ConnectError, SinkRecord
from connect_core.api.schema import INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.connectors.jdbc import _mysql_literals
from connect_core.connectors.jdbc.sink_task import JdbcSinkTask
from tests.integration.connectors.jdbc._helpers import sink_props

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

KEY = SchemaBuilder.struct().field("order_id", STRING_SCHEMA).build()
VALUE = SchemaBuilder.struct().field("order_id", STRING_SCHEMA).field("n", INT64_SCHEMA).build()


def _connect(settings: dict[str, str]) -> pymysql.Connection:
    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=settings["database"], autocommit=True)


def _sql(settings: dict[str, str], statement: str) -> list[tuple[Any, ...]]:
    with _connect(settings) as conn, conn.cursor() as cur:
        cur.execute(statement)
        return [tuple(r) for r in cur.fetchall()]


@pytest.fixture
def table(mariadb_settings: dict[str, str]) -> Iterator[str]:
    """A table whose inserts sleep 20 ms per row, and refuse the row with n = 13 once ``@refuse`` is set."""
    name = f"it_overlap_{uuid.uuid4().hex[:10]}"
    _sql(mariadb_settings, f"CREATE TABLE `{name}` (order_id VARCHAR(64) PRIMARY KEY, n BIGINT NOT NULL)")
    _sql(mariadb_settings, f"CREATE TRIGGER `{name}_slow` BEFORE INSERT ON `{name}` FOR EACH ROW BEGIN "
                           "DO SLEEP(0.02); IF NEW.n = 13 AND NEW.order_id = 'refused' THEN "
                           "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test trigger'; END IF; END")
    yield name
    _sql(mariadb_settings, f"DROP TABLE IF EXISTS `{name}`")


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """("encode", thread) when the writer writes a statement's text; ("run"/"ran", thread) around each statement."""
    from sqlalchemy.engine import Connection

    recorded: list[tuple[str, str]] = []
    lock = threading.Lock()

    def note(kind: str) -> None:
        with lock:
            recorded.append((kind, threading.current_thread().name))

    join, execute = _mysql_literals.MultiRowInsert.join, Connection.exec_driver_sql

    def joining(self: Any, *args: Any) -> Any:
        note("encode")
        return join(self, *args)

    def executing(self: Any, statement: str, *args: Any, **kwargs: Any) -> Any:
        insert = statement.lstrip().upper().startswith("INSERT")
        if insert:
            note("run")
        try:
            return execute(self, statement, *args, **kwargs)
        finally:
            if insert:
                note("ran")

    monkeypatch.setattr(_mysql_literals.MultiRowInsert, "join", joining)
    monkeypatch.setattr(Connection, "exec_driver_sql", executing)
    return recorded


def _records(count: int, refused: bool = False, schemaless: bool = False) -> list[SinkRecord]:
    """Upserts of seven keys over and over: the final row of each key is its last record only if the statements ran
    in order. ``schemaless``: map values, which take the bound rows' path instead of the structs' one."""
    records = []
    for offset in range(count):
        order_id = "refused" if refused and offset == 13 else f"o{offset % 7}"
        value: Any = {"order_id": order_id, "n": offset} if schemaless else Struct(VALUE).put(
            "order_id", order_id).put("n", offset)
        records.append(SinkRecord("orders", 0, KEY, Struct(KEY).put("order_id", order_id),
                                  None if schemaless else VALUE, value, offset))
    return records


def _task(settings: dict[str, str], table: str, **extra: str) -> JdbcSinkTask:
    task = JdbcSinkTask(sleep=lambda _: None)
    task.start(sink_props(settings, table, **{"insert.mode": "upsert", "pk.mode": "record_key", "batch.size": "5",
                                              "max.retries": "0", **extra}))
    return task


@pytest.mark.parametrize("struct_rows", [True, False], ids=["struct-rows", "bound-rows"])
def test_the_next_statement_is_encoded_while_the_database_runs_one(mariadb_settings: dict[str, str], table: str,
                                                                  events: list[tuple[str, str]],
                                                                  struct_rows: bool) -> None:
    task = _task(mariadb_settings, table)
    try:
        task.put(_records(30, schemaless=not struct_rows))  # six statements of five rows
        assert task.pre_commit({}) == {}
    finally:
        task.stop()
    kinds = [kind for kind, _ in events]
    runs = [i for i, kind in enumerate(kinds) if kind == "run"]
    assert len(runs) == 6
    assert kinds.count("ran") == 6
    # one statement at a time on the connection, in order: run, ran, run, ran, ...
    assert [k for k in kinds if k != "encode"] == ["run", "ran"] * 6
    # a statement was encoded while the one before it ran on the server
    assert any(kinds[i + 1:kinds.index("ran", i)].count("encode") for i in runs)
    encoder = {thread for kind, thread in events if kind == "encode"}
    assert encoder == {threading.current_thread().name}  # encoding in the caller, statements on the writer thread
    assert task.network_wait_seconds > 0
    rows = dict(_sql(mariadb_settings, f"SELECT order_id, n FROM `{table}`"))
    assert rows == {f"o{k}": max(o for o in range(30) if o % 7 == k) for k in range(7)}


def test_one_statement_at_a_time_when_configured(mariadb_settings: dict[str, str], table: str,
                                                 events: list[tuple[str, str]]) -> None:
    task = _task(mariadb_settings, table, **{"lambda.connect.max.in.flight.statements": "1"})
    try:
        task.put(_records(15))
        task.flush({})
    finally:
        task.stop()
    kinds = [kind for kind, _ in events]
    assert kinds == ["encode", "run", "ran"] * 3  # each statement encoded once the one before was answered


def test_a_statement_failing_in_flight_fails_the_flush_and_writes_nothing(mariadb_settings: dict[str, str],
                                                                         table: str,
                                                                         events: list[tuple[str, str]]) -> None:
    task = _task(mariadb_settings, table)
    try:
        task.put(_records(30, refused=True))  # the third statement's row 13 is refused
        with pytest.raises(ConnectError, match="refused by the test trigger"):
            task.pre_commit({})
    finally:
        task.stop()
    assert _sql(mariadb_settings, f"SELECT COUNT(*) FROM `{table}`") == [(0,)]  # the batch's transaction rolled back
