"""JdbcSourceConnector / JdbcSourceTask against the real MariaDB: modes, offsets, types, delay and time zones."""

from __future__ import annotations

import datetime as dt
import decimal
import gc
import logging
import sys
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.connectors.jdbc.source_connector import JdbcSourceConnector
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task

if TYPE_CHECKING:
    from collections.abc import Iterator

from tests.integration.connectors.jdbc._helpers import run_source as _run
from tests.integration.connectors.jdbc._helpers import sql as _sql

pytestmark = pytest.mark.integration


def _connect(settings: dict[str, str], *, autocommit: bool = True) -> pymysql.Connection:
    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=settings["database"], autocommit=autocommit)


@pytest.fixture
def db(mariadb_settings: dict[str, str]) -> Iterator[tuple[pymysql.Connection, str]]:
    """A connection and a unique table name, dropped afterwards."""
    conn = _connect(mariadb_settings)
    name = f"src_{uuid.uuid4().hex[:10]}"
    try:
        yield conn, name
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        conn.close()




def _props(settings: dict[str, str], table: str, **extra: str) -> dict[str, str]:
    return {"connection.url": settings["connection.url"], "connection.user": settings["user"],
            "connection.password": settings["password"], "table.whitelist": table,
            "tables": f"`{settings['database']}`.`{table}`", "topic.prefix": "mdb-", **extra}




def test_incrementing_mode_exact_offsets_and_resume(mariadb_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    _sql(conn, f"CREATE TABLE {table} (id BIGINT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20) NOT NULL)")
    _sql(conn, f"INSERT INTO {table} (name) VALUES (%s)", params=[(f"n{i}",) for i in range(5)])
    reader = MemoryOffsetReader()
    props = _props(mariadb_settings, table, mode="incrementing", **{"batch.max.rows": "2"})
    first = _run(props, reader)
    assert [r.value.get("name") for r in first] == [f"n{i}" for i in range(5)]
    assert first[0].topic == f"mdb-{table}"
    assert first[0].source_partition == {"protocol": "1", "table": f"{mariadb_settings['database']}.{table}"}
    assert first[-1].source_offset == {"incrementing": 5}
    _sql(conn, f"INSERT INTO {table} (name) VALUES ('n5')")
    resumed = MemoryOffsetReader(reader.committed)  # a new task reading the offsets the first one left
    second = _run(props, resumed)
    assert [r.value.get("name") for r in second] == ["n5"]
    assert _run(props, resumed) == []


def test_timestamp_and_timestamp_incrementing_reemit_updates(mariadb_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    _sql(conn, f"CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR(10), "
               "updated DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))")
    _sql(conn, f"INSERT INTO {table} (id, v) VALUES (%s, %s)", params=[(1, "a"), (2, "b")])
    time.sleep(0.01)
    for mode, extra in (("timestamp", {}), ("timestamp+incrementing", {"incrementing.column.name": "id"})):
        reader = MemoryOffsetReader()
        props = _props(mariadb_settings, table, mode=mode, **{"timestamp.column.name": "updated"}, **extra)
        assert sorted(r.value.get("id") for r in _run(props, reader)) == [1, 2]
        offset = next(iter(reader.committed.values()))
        assert set(offset) == ({"timestamp", "timestamp_nanos"} | ({"incrementing"} if extra else set()))
        _sql(conn, f"UPDATE {table} SET v = CONCAT(v, '!') WHERE id = 1")
        time.sleep(0.01)
        again = _run(props, reader)
        assert [(r.value.get("id"), r.value.get("v")) for r in again] == [(1, again[0].value.get("v"))]
        assert again[0].value.get("v").endswith("!")
        assert _run(props, reader) == []


def test_bulk_and_query_modes(mariadb_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    _sql(conn, f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(10))",
         f"INSERT INTO {table} VALUES (1, 'x'), (2, 'y%')")
    bulk = _run(_props(mariadb_settings, table, mode="bulk"), MemoryOffsetReader())
    assert [r.value.get("id") for r in bulk] == [1, 2]
    assert bulk[0].source_partition == {"table": table} and bulk[0].source_offset is None
    props = _props(mariadb_settings, table, mode="incrementing", query=f"SELECT id, name FROM {table} "
                   "WHERE name LIKE '%'", **{"incrementing.column.name": "id", "query.suffix": "LIMIT 1"})
    props.pop("table.whitelist")
    props["tables"] = ""
    props["query"] = f"SELECT * FROM (SELECT id, name FROM {table} WHERE name LIKE '%') t"
    reader = MemoryOffsetReader()
    first = _run(props, reader)
    assert [r.value.get("id") for r in first] == [1]  # LIMIT 1 from query.suffix
    assert first[0].topic == "mdb-" and first[0].source_partition == {"query": "query"}
    assert [r.value.get("id") for r in _run(props, reader)] == [2]


TYPES = """CREATE TABLE {t} (
  id INT PRIMARY KEY AUTO_INCREMENT,
  ti TINYINT NOT NULL, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, i INT,
  iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
  d_int DECIMAL(5,0), d_small DECIMAL(10,2), d_big DECIMAL(30,4),
  f FLOAT, db DOUBLE,
  dt_date DATE, dt_time TIME(3), dt_datetime DATETIME(3), dt_ts TIMESTAMP(6) NULL,
  c CHAR(3), vc VARCHAR(10), tx TEXT, bl BLOB, bn BINARY(2), vb VARBINARY(4),
  b1 BIT(1), b8 BIT(8), b16 BIT(16), js JSON, yr YEAR)"""
ROW = ("INSERT INTO {t} VALUES (NULL, -5, 250, -300, 60000, -7, 42, 4000000000, -9, 18446744073709551615, "
       "12345, 12345678.91, 12345678901234567890.1234, 1.5, 2.25, '2024-02-29', '13:14:15.678', "
       "'2024-02-29 10:11:12.345', '2024-02-29 10:11:12.345678', 'abc', 'héllo', 'long text', x'0001', "
       "x'0a0b', x'ff', b'1', b'11111111', b'1000000000000001', '{{\"a\": 1}}', 2024)")


def _types_record(settings: dict[str, str], table: str, **extra: str) -> Any:
    records = _run(_props(settings, table, mode="bulk", **extra), MemoryOffsetReader())
    assert len(records) == 1
    return records[0].value


def test_mariadb_column_types_map_like_confluent(mariadb_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    _sql(conn, TYPES.format(t=table))
    _sql(conn, f"UPDATE {table} SET id = id")  # no-op; keeps the table empty for the insert below
    _sql(conn, ROW.replace("18446744073709551615", "9223372036854775807").format(t=table))
    value = _types_record(mariadb_settings, table)
    schema = value.schema
    kinds = {f.name: (f.schema.type, f.schema.name, f.schema.optional) for f in schema.fields}
    assert schema.name == table
    assert kinds["ti"] == (Type.INT8, None, False)
    assert [kinds[k][0] for k in ("tiu", "si", "siu", "mi", "i", "iu", "bi", "biu")] == [
        Type.INT16, Type.INT16, Type.INT32, Type.INT32, Type.INT32, Type.INT64, Type.INT64, Type.INT64]
    assert (value.get("ti"), value.get("tiu"), value.get("siu"), value.get("iu")) == (-5, 250, 60000, 4000000000)
    assert kinds["f"][0] is Type.FLOAT32 and kinds["db"][0] is Type.FLOAT64
    assert kinds["d_small"][1] == Decimal.LOGICAL_NAME
    assert schema.field("d_small").schema.parameters == {"scale": "2", "connect.decimal.precision": "10"}
    assert value.get("d_small") == decimal.Decimal("12345678.91")
    assert value.get("d_big") == decimal.Decimal("12345678901234567890.1234")
    assert kinds["dt_date"][1] == Date.LOGICAL_NAME and value.get("dt_date") == dt.date(2024, 2, 29)
    assert kinds["dt_time"][1] == Time.LOGICAL_NAME and value.get("dt_time") == dt.time(13, 14, 15, 678000)
    assert kinds["dt_datetime"][1] == Timestamp.LOGICAL_NAME
    assert value.get("dt_datetime") == dt.datetime(2024, 2, 29, 10, 11, 12, 345000, tzinfo=dt.UTC)
    assert value.get("dt_ts") == dt.datetime(2024, 2, 29, 10, 11, 12, 345678, tzinfo=dt.UTC)
    assert [kinds[k][0] for k in ("c", "vc", "tx", "js")] == [Type.STRING] * 4
    assert value.get("vc") == "héllo" and value.get("js") == '{"a": 1}'
    assert [kinds[k][0] for k in ("bl", "bn", "vb")] == [Type.BYTES] * 3
    assert value.get("bn") == b"\x0a\x0b"
    assert (kinds["b1"][0], value.get("b1"), kinds["b8"][0], value.get("b8")) == (Type.INT8, 1, Type.INT8, -1)
    assert kinds["b16"][0] is Type.BYTES and value.get("b16") == b"\x80\x01"
    assert kinds["yr"][1] == Date.LOGICAL_NAME and value.get("yr") == dt.date(2024, 1, 1)


@pytest.mark.parametrize(("mapping", "expected"), [
    ("none", ("decimal", "decimal", "decimal")),
    ("precision_only", (Type.INT32, "decimal", "decimal")),
    ("best_fit", (Type.INT32, Type.FLOAT64, "decimal")),
    ("best_fit_eager_double", (Type.INT32, Type.FLOAT64, Type.FLOAT64)),
])
def test_numeric_mapping_applies_to_mariadb_decimal(
    mariadb_settings: dict[str, str], db: tuple, mapping: str, expected: tuple
) -> None:
    conn, table = db
    _sql(conn, TYPES.format(t=table), ROW.replace("18446744073709551615", "1").format(t=table))
    value = _types_record(mariadb_settings, table, **{"numeric.mapping": mapping})

    def kind(name: str) -> Any:
        s = value.schema.field(name).schema
        return "decimal" if s.name == Decimal.LOGICAL_NAME else s.type

    assert (kind("d_int"), kind("d_small"), kind("d_big")) == expected
    if expected[1] is Type.FLOAT64:
        assert value.get("d_small") == pytest.approx(12345678.91)


def test_delay_interval_waits_for_a_late_committing_transaction(mariadb_settings: dict[str, str], db: tuple) -> None:
    """A row whose timestamp is taken before a slower one commits is still read once the delay has passed."""
    conn, table = db
    _sql(conn, f"CREATE TABLE {table} (id INT PRIMARY KEY, ts DATETIME(6) NOT NULL) ENGINE=InnoDB")
    slow = _connect(mariadb_settings, autocommit=False)
    reader = MemoryOffsetReader()
    props = _props(mariadb_settings, table, mode="timestamp", **{"timestamp.column.name": "ts",
                                                                  "timestamp.delay.interval.ms": "1500"})
    try:
        with slow.cursor() as cursor:  # the slow transaction takes its timestamp first ...
            cursor.execute(f"INSERT INTO {table} VALUES (1, NOW(6))")
        time.sleep(0.05)
        _sql(conn, f"INSERT INTO {table} VALUES (2, NOW(6))")  # ... a fast one commits a later timestamp
        assert _run(props, reader) == []  # both are still inside the delay window
        slow.commit()
        time.sleep(1.6)
        assert sorted(r.value.get("id") for r in _run(props, reader)) == [1, 2]
    finally:
        slow.close()
    # Without the delay the fast row is read alone and the offset moves past the slow row's timestamp:
    _sql(conn, f"DELETE FROM {table}")
    lossy = MemoryOffsetReader()
    no_delay = _props(mariadb_settings, table, mode="timestamp", **{"timestamp.column.name": "ts"})
    slow = _connect(mariadb_settings, autocommit=False)
    try:
        with slow.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} VALUES (3, NOW(6))")
        time.sleep(0.05)
        _sql(conn, f"INSERT INTO {table} VALUES (4, NOW(6))")
        time.sleep(0.01)
        assert [r.value.get("id") for r in _run(no_delay, lossy)] == [4]
        slow.commit()
        assert _run(no_delay, lossy) == []  # row 3 is lost: this is what the delay prevents
    finally:
        slow.close()


def test_db_timezone_reads_datetime_and_timestamp_columns_consistently(
    mariadb_settings: dict[str, str], db: tuple
) -> None:
    """DATETIME holds wall-clock time in db.timezone; TIMESTAMP is an instant. Both give the same instant here."""
    conn, table = db
    _sql(conn, f"CREATE TABLE {table} (id INT PRIMARY KEY, local_dt DATETIME NOT NULL, inst TIMESTAMP NULL)")
    _sql(conn, "SET time_zone = '+01:00'",  # the writer's session: Paris in winter
         f"INSERT INTO {table} VALUES (1, '2024-01-15 12:00:00', '2024-01-15 12:00:00')")
    expected = dt.datetime(2024, 1, 15, 11, 0, tzinfo=dt.UTC)
    value = _types_record(mariadb_settings, table, **{"db.timezone": "+01:00"})  # needs no time zone tables
    assert (value.get("local_dt"), value.get("inst")) == (expected, expected)
    # With the default UTC, DATETIME is taken as UTC wall-clock and TIMESTAMP still gives the true instant.
    utc = _types_record(mariadb_settings, table)
    assert utc.get("inst") == expected
    assert utc.get("local_dt") == dt.datetime(2024, 1, 15, 12, 0, tzinfo=dt.UTC)


def test_connector_splits_tables_over_tasks(mariadb_settings: dict[str, str], db: tuple) -> None:
    conn, table = db
    names = [f"{table}_{i}" for i in range(3)]
    try:
        for name in names:
            _sql(conn, f"CREATE TABLE {name} (id INT PRIMARY KEY AUTO_INCREMENT, v INT)",
                 f"INSERT INTO {name} (v) VALUES (1), (2)")
        connector = JdbcSourceConnector()
        props = {k: v for k, v in _props(mariadb_settings, table, mode="incrementing").items() if k != "tables"}
        props["table.whitelist"] = ",".join(names)
        connector.start(props)
        configs = connector.task_configs(2)
        assert [c["tables"] for c in configs] == [
            f"`{mariadb_settings['database']}`.`{names[0]}`,`{mariadb_settings['database']}`.`{names[1]}`",
            f"`{mariadb_settings['database']}`.`{names[2]}`"]
        assert len(connector.task_configs(5)) == 3
        seen = []
        threads = []
        for config in connector.task_configs(3):
            def work(config: dict[str, str] = config) -> None:
                seen.extend((r.topic, r.value.get("id")) for r in _run(config, MemoryOffsetReader()))
            threads.append(threading.Thread(target=work))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(seen) == sorted((f"mdb-{n}", i) for n in names for i in (1, 2))
    finally:
        _sql(conn, *[f"DROP TABLE IF EXISTS {n}" for n in names])


def test_unreachable_database_and_unknown_mode_give_clear_errors(mariadb_settings: dict[str, str]) -> None:
    from connect_core.api.errors import ConfigError, ConnectError

    props = _props(mariadb_settings, "t", mode="bulk", **{"connection.url": "jdbc:mysql://127.0.0.1:1/x",
                                                          "connection.attempts": "1"})
    with pytest.raises(ConnectError, match="connection.url"):
        start_task(JdbcSourceTask(), props, MemoryOffsetReader())
    with pytest.raises(ConfigError, match="configuration mode"):
        start_task(JdbcSourceTask(), {**props, "mode": "sometimes"}, MemoryOffsetReader())


# -- the safe watermark: rows committed late with lower ids------------------------------------------------------------
def _late_commit_scenario(mariadb_settings: dict[str, str], conn: pymysql.Connection, table: str,
                          **extra: str) -> list[list[str]]:
    """Concurrent writers: one holds id 2 in an open transaction while ids 3 and 4 commit; one rolls id 5 back.

    Returns the names each invocation emitted (a new task per invocation, resuming from the committed offsets).
    """
    _sql(conn, f"CREATE TABLE {table} (id BIGINT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20) NOT NULL)")
    slow = _connect(mariadb_settings, autocommit=False)
    reader = MemoryOffsetReader()
    props = _props(mariadb_settings, table, mode="incrementing", **extra)
    emitted: list[list[str]] = []

    def invocation() -> None:
        reader_now = MemoryOffsetReader(reader.committed)
        emitted.append([r.value.get("name") for r in _run(props, reader_now)])
        reader.committed.update(reader_now.committed)

    try:
        _sql(conn, f"INSERT INTO {table} (name) VALUES ('first')")  # id 1: the connector is running
        invocation()
        with slow.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (name) VALUES ('late')")  # id 2, not committed yet
        _sql(conn, f"INSERT INTO {table} (name) VALUES (%s)", params=[("a",), ("b",)])  # ids 3, 4 committed
        invocation()
        slow.commit()  # id 2 becomes visible, below the watermark
        with slow.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (name) VALUES ('rolled-back')")  # id 5, never committed
        slow.rollback()
        _sql(conn, f"INSERT INTO {table} (name) VALUES ('c')")  # id 6
        invocation()
        time.sleep(2.5)  # past a two-second grace period: the gap at id 5 is given up
        invocation()
        _sql(conn, f"INSERT INTO {table} (name) VALUES ('d')")  # id 7
        invocation()
    finally:
        slow.close()
    return emitted


def test_incrementing_grace_period_emits_rows_committed_late_with_lower_ids(
    mariadb_settings: dict[str, str], db: tuple,
) -> None:
    conn, table = db
    emitted = _late_commit_scenario(mariadb_settings, conn, table, **{"incrementing.grace.period.ms": "2000"})
    assert emitted == [["first"], ["a", "b"], ["late", "c"], [], ["d"]]  # every committed row once, none twice


def test_without_a_grace_period_a_late_row_is_missed_as_in_confluent(mariadb_settings: dict[str, str],
                                                                     db: tuple) -> None:
    conn, table = db
    emitted = _late_commit_scenario(mariadb_settings, conn, table)
    assert emitted == [["first"], ["a", "b"], ["c"], [], ["d"]]  # 'late' never arrives: why the grace exists


@pytest.mark.parametrize(("attempts", "outcome"), [("1", "records"), ("0", "ConnectError"), ("-1", "RetriableError")])
def test_query_retry_attempts_decide_what_a_lost_connection_does(
    mariadb_settings: dict[str, str], db: tuple, attempts: str, outcome: str
) -> None:
    """query.retry.attempts: a query whose connection the server killed is retried on a new connection that many
    times (then the task fails naming the key); -1 leaves the retry to the next poll (RetriableError), which queries
    on a new connection: a warm task whose connection was lost never polls the dead one again."""
    from connect_core.api.errors import ConnectError, RetriableError

    conn, table = db
    _sql(conn, f"CREATE TABLE {table} (id BIGINT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20) NOT NULL)")
    _sql(conn, f"INSERT INTO {table} (name) VALUES ('a'), ('b')")
    props = _props(mariadb_settings, table, mode="incrementing", **{"query.retry.attempts": attempts})
    task = start_task(JdbcSourceTask(), props, MemoryOffsetReader())
    try:
        _sql(conn, f"KILL {task._conn.thread_id()}")  # the database drops the task's connection
        if outcome == "records":
            assert [r.value.get("name") for r in task.poll()] == ["a", "b"]
            return
        with pytest.raises(ConnectError) as raised:
            task.poll()
        assert type(raised.value) is (RetriableError if outcome == "RetriableError" else ConnectError)
        if outcome == "ConnectError":
            assert "query.retry.attempts=0" in str(raised.value)
        else:
            assert [r.value.get("name") for r in task.poll()] == ["a", "b"]
    finally:
        task.stop()


def test_a_result_left_unread_on_a_closed_connection_leaves_nothing_for_a_finalizer(
    mariadb_settings: dict[str, str], db: tuple, caplog: pytest.LogCaptureFixture
) -> None:
    """A poll stops reading its streaming result at batch.max.rows; when that result's connection is closed before
    the cursor (what a reconnect does to the other tables' cursors), closing the cursor fails once, is logged, and
    leaves no result for pymysql's finalizers to read again wherever the collector frees them (an exception raised
    there interrupts the code that was running, e.g. pytest formatting a report)."""
    conn, table = db
    _sql(conn, f"CREATE TABLE {table} (id BIGINT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20) NOT NULL)")
    _sql(conn, f"INSERT INTO {table} (name) VALUES " + ", ".join(f"('r{i}')" for i in range(50)))
    props = _props(mariadb_settings, table, mode="incrementing", **{"batch.max.rows": "5"})
    task = start_task(JdbcSourceTask(), props, MemoryOffsetReader())
    caplog.set_level(logging.ERROR, "connect_core.connectors.jdbc")  # a logged warning's traceback holds the cursor
    unraisable: list[Any] = []
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        assert [r.value.get("name") for r in task.poll()] == [f"r{i}" for i in range(5)]  # 45 rows left unread
        task._conn.close()
        task.stop()
        del task
        gc.collect()
    finally:
        sys.unraisablehook = previous_hook
    assert [(u.exc_type, u.object) for u in unraisable] == []


def test_a_new_table_is_picked_up_at_most_every_table_poll_interval(
    mariadb_settings: dict[str, str], db: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """table.poll.interval.ms (Confluent's TableMonitorThread): the coordinator's heartbeat runs the connector
    again when due, and a table created since gets a task; not before the interval has passed."""
    from connect_core.coordinator.herder import herder as herder_module
    from tests.unit.coordinator.conftest import Rest
    from tests.unit.coordinator.fakes import make_coordinator

    conn, table = db
    second, third = f"{table}_b", f"{table}_c"
    name = f"monitor-{uuid.uuid4().hex[:8]}"
    clock = [1000.0]
    rest = Rest()

    def beat() -> list[str]:
        coordinator = make_coordinator(rest.topics, rest.deployer, rest.groups)
        return coordinator.herder.reconfigure_due(now_s=clock[0])

    def tables() -> list[str]:
        return [t["config"]["tables"] for t in rest.call("GET", f"/connectors/{name}/tasks").body]

    _sql(conn, f"CREATE TABLE {table} (id INT PRIMARY KEY)")
    try:
        rest.create(name, {"connector.class": "JdbcSource", "connection.url": mariadb_settings["connection.url"],
                           "connection.user": mariadb_settings["user"],
                           "connection.password": mariadb_settings["password"], "mode": "bulk",
                           "table.whitelist": f"{table},{second},{third}", "topic.prefix": "mon-", "tasks.max": "3",
                           "table.poll.interval.ms": "60000"})
        assert len(tables()) == 1
        assert beat() == []  # first check: nothing new
        _sql(conn, f"CREATE TABLE {second} (id INT PRIMARY KEY)")
        clock[0] += 30
        assert beat() == [] and len(tables()) == 1  # not due yet
        clock[0] += 31
        assert beat() == [name]
        assert sorted(tables()) == sorted(f"`{mariadb_settings['database']}`.`{t}`" for t in (table, second))
        assert rest.deployer.deployed[name].task_count == 2
        statuses = rest.call("GET", f"/connectors/{name}/status").body
        assert statuses["connector"]["state"] == "RUNNING"
        clock[0] += 61
        assert beat() == []  # unchanged: nothing written
        monkeypatch.setattr(herder_module, "_RECONFIGURED_AT", {})
        rest.call("PUT", f"/connectors/{name}/pause")
        _sql(conn, f"CREATE TABLE {third} (id INT PRIMARY KEY)")
        assert beat() == []  # a paused connector is not reconfigured
    finally:
        _sql(conn, f"DROP TABLE IF EXISTS {second}", f"DROP TABLE IF EXISTS {third}")


def test_transaction_isolation_mode_decides_what_a_bulk_read_sees(mariadb_settings: dict[str, str], db: tuple) -> None:
    """``transaction.isolation.mode``: READ_UNCOMMITTED reads a row another transaction has not committed yet; the
    default (the server's REPEATABLE READ) does not."""
    conn, table = db
    _sql(conn, f"CREATE TABLE {table} (id INT PRIMARY KEY)")
    _sql(conn, f"INSERT INTO {table} VALUES (1)")
    writer = _connect(mariadb_settings, autocommit=False)
    try:
        with writer.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} VALUES (2)")  # open: not committed
        props = _props(mariadb_settings, table, mode="bulk")
        assert [r.value.get("id") for r in _run(props, MemoryOffsetReader())] == [1]
        dirty = _run({**props, "transaction.isolation.mode": "READ_UNCOMMITTED"}, MemoryOffsetReader())
        assert [r.value.get("id") for r in dirty] == [1, 2]
    finally:
        writer.rollback()
        writer.close()


def test_catalog_pattern_finds_a_table_of_another_database(mariadb_settings: dict[str, str], db: tuple) -> None:
    """``catalog.pattern``: MySQL's catalogs are databases; by default only the connection's own is searched."""
    conn, table = db
    other = f"{table}_cat"
    _sql(conn, f"CREATE DATABASE {other}")
    try:
        _sql(conn, f"CREATE TABLE {other}.{table} (id INT PRIMARY KEY)")
        props = {"connection.url": mariadb_settings["connection.url"], "connection.user": mariadb_settings["user"],
                 "connection.password": mariadb_settings["password"], "table.whitelist": table, "mode": "bulk",
                 "topic.prefix": "mdb-"}

        def tables(**extra: str) -> list[str]:
            connector = JdbcSourceConnector()
            connector.start({**props, **extra})
            return [t for c in connector.task_configs(4) for t in c["tables"].split(",") if t]

        assert tables() == []
        assert tables(**{"catalog.pattern": other}) == [f"`{other}`.`{table}`"]
    finally:
        _sql(conn, f"DROP DATABASE {other}")


def test_temporal_decoders_read_rows_as_pymysql(mariadb_settings: dict[str, str], db: tuple) -> None:
    """The task's connection decodes DATETIME/TIMESTAMP/DATE in C (``_mysql_driver``): every row of every
    precision, nulls and zero dates read through it equal pymysql's own decoding, value and type."""
    from connect_core.api.config import parse_config
    from connect_core.connectors.jdbc._connection import connect
    from connect_core.connectors.jdbc._dialect import dialect_for
    from connect_core.connectors.jdbc._mysql_driver import decode_date, decode_datetime
    from connect_core.connectors.jdbc.source_config import JdbcSourceConfig

    conn, table = db
    _sql(conn, "SET SESSION sql_mode = ''", "SET SESSION time_zone = '+00:00'",
         f"CREATE TABLE {table} (id INT PRIMARY KEY, d0 DATETIME NULL, d1 DATETIME(1) NULL, d3 DATETIME(3) NULL, "
         "d6 DATETIME(6) NULL, t0 TIMESTAMP NULL, t6 TIMESTAMP(6) NULL, dd DATE NULL, y YEAR NULL, tm TIME(6) NULL)")
    values = [
        ("2024-03-05 12:34:56", "2024-03-05 12:34:56.1", "2024-03-05 12:34:56.123", "2024-03-05 12:34:56.123456",
         "2024-03-05 12:34:56", "2024-03-05 12:34:56.000001", "2024-03-05", 2024, "12:34:56.5"),
        ("1000-01-01 00:00:00", "9999-12-31 23:59:59.9", "1970-01-01 00:00:00.001", "9999-12-31 23:59:59.999999",
         "1970-01-01 00:00:01", "2038-01-19 03:14:07.999999", "9999-12-31", 1901, "-838:59:59"),
        ("0000-00-00 00:00:00", "0000-00-00 00:00:00.0", "2024-00-00 00:00:00", "2024-02-00 10:00:00.5",
         "0000-00-00 00:00:00", "0000-00-00 00:00:00", "0000-00-00", 0, "00:00:00"),
        (None,) * 9,
    ]
    _sql(conn, f"INSERT INTO {table} VALUES ({', '.join(['%s'] * 10)})",
         params=[(i, *row) for i, row in enumerate(values)])
    props = _props(mariadb_settings, table, mode="bulk")
    ours = connect(parse_config(JdbcSourceConfig, props), dialect_for("mysql", "", "ALWAYS"))
    try:
        assert ours.decoders[12] is decode_datetime and ours.decoders[10] is decode_date  # DATETIME, DATE
        select = f"SELECT * FROM {table} ORDER BY id"
        with ours.cursor() as cursor:
            cursor.execute(select)
            fast = cursor.fetchall()
        with conn.cursor() as cursor:  # pymysql's default decoders
            cursor.execute(select)
            reference = cursor.fetchall()
    finally:
        ours.close()
    assert len(fast) == len(values)
    for got, expected in zip(fast, reference, strict=True):
        assert [(type(v), v) for v in got] == [(type(v), v) for v in expected]
    assert isinstance(fast[0][4], dt.datetime) and isinstance(fast[2][1], str)  # parsed, and zero dates kept as text


def test_row_reader_reads_rows_as_pymysql(mariadb_settings: dict[str, str], db: tuple) -> None:
    """The querier's streaming cursor parses rows with ``_mysql_driver.row_reader``: every column type the source
    maps, nulls, extremes and values past each length prefix (251 bytes, 64 KiB) equal pymysql's ``SSCursor``."""
    from pymysql.cursors import SSCursor

    from connect_core.connectors.jdbc._dialect import dialect_for

    conn, table = db
    _sql(conn, f"CREATE TABLE {table} (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, "
               "mi MEDIUMINT, i INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED, f FLOAT, d DOUBLE, n DECIMAL(10,2), "
               "w DECIMAL(65,30), b1 BIT(1), b12 BIT(12), bo BOOLEAN, c CHAR(3), v VARCHAR(300), t MEDIUMTEXT, "
               "bl MEDIUMBLOB, vb VARBINARY(10), dd DATE, dt6 DATETIME(6), ts TIMESTAMP NULL, tm TIME(6), y YEAR, "
               "j JSON, e ENUM('a','b'), st SET('x','y'))")
    rows = [
        (1, -128, 255, -32768, -8388608, 4294967295, -2**63, 2**64 - 1, 1.5, -2.25e300, "-12345678.91",
         "1" * 35 + "." + "2" * 30, 1, 4095, True, "é€x", "v" * 300, "ü" * 70_000, b"\x00\xff" * 40_000,
         b"\x00\x01", "2024-03-05", "2024-03-05 12:34:56.000001", "2038-01-19 03:14:07", "-838:59:59.000000",
         2155, '{"k": [1, "é"]}', "b", "x,y"),
        (2, *([None] * 27)),
        (3, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, "0", "0", 0, 0, False, "", "", "", b"", b"", "1000-01-01",
         "1000-01-01 00:00:00", "1970-01-01 00:00:01", "00:00:00", 1901, "null", "a", ""),
        (4, 1, 1, 1, 1, 1, 1, 1, 1.0, 1.0, "1.01", "1", 1, 1, True, "abc", "x" * 250, "y" * 251, b"z" * 65_536,
         b"q" * 10, "9999-12-31", "9999-12-31 23:59:59.999999", "2024-03-05 12:34:56", "838:59:59", 2024, "[]",
         "a", "x"),
    ]
    _sql(conn, f"INSERT INTO {table} VALUES ({', '.join(['%s'] * 28)})", params=rows)
    select = f"SELECT * FROM {table} ORDER BY id"
    cursor = dialect_for("mysql", "", "ALWAYS").streaming_cursor(conn)
    try:
        cursor.execute(select)
        assert "_read_row_from_packet" in vars(cursor._result)  # the row reader is in place
        fast = cursor.fetchmany(3) + cursor.fetchmany(3)
    finally:
        cursor.close()
    with conn.cursor(SSCursor) as reference_cursor:
        reference_cursor.execute(select)
        reference = reference_cursor.fetchall()
    assert len(fast) == len(rows)
    for got, expected in zip(fast, reference, strict=True):
        assert [(type(v), v) for v in got] == [(type(v), v) for v in expected]
