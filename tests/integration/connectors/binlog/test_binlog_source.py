"""BinlogSourceTask against the real MariaDB binlog: snapshot, insert/update/delete, ALTER TABLE, offsets."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConnectError
from connect_core.connectors.binlog import _stream
from connect_core.connectors.binlog.source_task import BinlogSourceTask
from tests.integration.connectors.binlog.conftest import CdcDb, MemoryOffsetReader, rows
from tests.unit.connectors._memory_offsets import start_task

if TYPE_CHECKING:
    from connect_core.api.record import SourceRecord

pytestmark = pytest.mark.integration


def test_snapshot_then_insert_update_delete(cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, note VARCHAR(20))",
           "INSERT INTO t VALUES (1, 'a', NULL), (2, 'b', 'x')")
    reader = MemoryOffsetReader()
    first = db.run(reader)
    assert rows(first) == [("r", {"id": 1}, None, {"id": 1, "name": "a", "note": None}),
                           ("r", {"id": 2}, None, {"id": 2, "name": "b", "note": "x"})]
    assert first[0].topic == f"{db.prefix}.{db.name}.t"
    db.sql("INSERT INTO t VALUES (3, 'c', NULL)", "UPDATE t SET name = 'bb' WHERE id = 2", "DELETE FROM t WHERE id = 1")
    second = db.run(reader)
    assert rows(second) == [
        ("c", {"id": 3}, None, {"id": 3, "name": "c", "note": None}),
        ("u", {"id": 2}, {"id": 2, "name": "b", "note": "x"}, {"id": 2, "name": "bb", "note": "x"}),
        ("d", {"id": 1}, {"id": 1, "name": "a", "note": None}, None),
        ("tombstone", {"id": 1}, None, None),
    ]
    assert db.run(reader) == []


def test_alter_table_add_and_drop_column_is_picked_up(cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(5))")
    reader = MemoryOffsetReader()
    db.run(reader, **{"snapshot.mode": "no_data"})
    db.sql("INSERT INTO t VALUES (1, 'x')", "ALTER TABLE t ADD COLUMN b INT NOT NULL DEFAULT 7",
           "INSERT INTO t VALUES (2, 'y', 8)", "ALTER TABLE t DROP COLUMN a", "UPDATE t SET b = 9 WHERE id = 2")
    records = [r for r in db.run(reader, **{"snapshot.mode": "no_data"}) if r.topic.endswith(".t")]
    assert rows(records) == [
        ("c", {"id": 1}, None, {"id": 1, "a": "x"}),
        ("c", {"id": 2}, None, {"id": 2, "a": "y", "b": 8}),
        ("u", {"id": 2}, {"id": 2, "b": 8}, {"id": 2, "b": 9}),
    ]
    assert records[1].value_schema.field("after").schema.field("b").schema.optional is False


def test_schema_change_records_on_the_prefix_topic(cdc_db: CdcDb) -> None:
    db = cdc_db
    reader = MemoryOffsetReader()
    db.run(reader, **{"snapshot.mode": "no_data"})
    db.sql("CREATE TABLE s (id INT PRIMARY KEY, v DECIMAL(6,2))", "ALTER TABLE s ADD COLUMN w VARCHAR(3)")
    changes = [r for r in db.run(reader, **{"snapshot.mode": "no_data"}) if r.topic == db.prefix]
    assert [r.value.get("ddl") for r in changes] == ["CREATE TABLE s (id INT PRIMARY KEY, v DECIMAL(6,2))",
                                                     "ALTER TABLE s ADD COLUMN w VARCHAR(3)"]
    assert changes[0].key.get("databaseName") == db.name
    assert changes[0].value_schema.name == "io.debezium.connector.mariadb.SchemaChangeValue"
    alter = changes[1].value.get("tableChanges")[0]
    assert alter.get("type") == "ALTER" and alter.get("id") == f'"{db.name}"."s"'
    assert [c.get("name") for c in alter.get("table").get("columns")] == ["id", "v", "w"]
    assert alter.get("table").get("primaryKeyColumnNames") == ["id"]
    none = db.run(MemoryOffsetReader(), **{"snapshot.mode": "no_data", "include.schema.changes": "false"})
    assert [r for r in none if r.topic == db.prefix] == []


def test_ddl_of_another_database_from_a_session_without_one_is_not_a_schema_change_here(cdc_db: CdcDb) -> None:
    """``CREATE/DROP DATABASE other`` and ``other.t`` DDL from a session with no current database (what other runs on
    a shared server do) are not this connector's schema changes: only its own database's DDL is."""
    import uuid

    import pymysql

    db = cdc_db
    reader = MemoryOffsetReader()
    db.run(reader, **{"snapshot.mode": "no_data"})
    other = f"other_{uuid.uuid4().hex[:8]}"
    settings = db.settings
    conn = pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], autocommit=True)  # no database: the DDL names its own
    try:
        with conn.cursor() as cursor:
            for statement in (f"CREATE DATABASE {other}", f"CREATE TABLE {other}.t (id INT PRIMARY KEY)",
                              f"DROP TABLE {other}.t", f"DROP DATABASE {other}",
                              f"CREATE TABLE {db.name}.mine (id INT PRIMARY KEY)"):
                cursor.execute(statement)
    finally:
        conn.close()
    changes = [r.value.get("ddl") for r in db.run(reader) if r.topic == db.prefix]
    assert changes == [f"CREATE TABLE {db.name}.mine (id INT PRIMARY KEY)"]


def test_restart_inside_a_transaction_skips_exactly_what_was_committed(cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
    reader = MemoryOffsetReader()
    db.run(reader, **{"snapshot.mode": "no_data"})
    db.sql("BEGIN", "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)", "INSERT INTO t VALUES (4, 4)",
           "UPDATE t SET v = v + 10", "COMMIT")
    seen: list[tuple] = []
    for _ in range(20):  # each "invocation" commits one poll of 2 records, then is killed
        got = db.run_polls(reader, 1, **{"snapshot.mode": "no_data", "max.batch.size": "2"})
        if not got:
            break
        seen.extend((r.value.get("op"), r.key.get("id")) for r in got)
    assert seen == [("c", 1), ("c", 2), ("c", 3), ("c", 4), ("u", 1), ("u", 2), ("u", 3), ("u", 4)]
    offset = next(iter(reader.committed.values()))
    assert "event" not in offset or offset["event"] > 0


def test_chunks_committed_inside_one_transaction_read_it_once(cdc_db: CdcDb, monkeypatch: pytest.MonkeyPatch) -> None:
    """One invocation of many chunks (a commit after every poll, as the runner's 10,000-record transactions) through
    one big binlog transaction: the reader reads on across the commits instead of reopening at the transaction's
    start each time, and every row comes once, in order; the invocation's end closes it, and the next invocation
    goes on after it."""
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
    reader = MemoryOffsetReader()
    db.run(reader, **{"snapshot.mode": "no_data"})
    db.sql("BEGIN", *(f"INSERT INTO t VALUES {', '.join(f'({i}, {i})' for i in range(k, k + 100))}"
                      for k in range(0, 2000, 100)), "COMMIT")
    opened: list[int] = []
    real_open = _stream.BinlogStream._open

    def counting_open(self: _stream.BinlogStream) -> object:
        opened.append(1)
        return real_open(self)

    monkeypatch.setattr(_stream.BinlogStream, "_open", counting_open)
    task = start_task(BinlogSourceTask(), db.props(**{"snapshot.mode": "no_data", "max.batch.size": "150"}), reader)
    ids: list[int] = []
    try:
        for _ in range(5):  # five chunks of 150 records inside the transaction
            batch = task.poll()
            ids.extend(r.key.get("id") for r in batch)
            reader.commit(batch)
            task.commit()
        assert ids == list(range(len(ids))) and len(ids) >= 5 * 100
        assert len(opened) == 1  # read on, not reopened at the transaction's start after each chunk
        task.suspend()  # the invocation ends: the reader with it
        assert task._stream is not None and task._stream._reader is None
    finally:
        task.stop()
    rest = db.run(reader, **{"snapshot.mode": "no_data", "max.batch.size": "150"})
    assert ids + [r.key.get("id") for r in rest] == list(range(2000))


def test_a_dropped_replication_connection_inside_a_transaction_loses_no_row(
        cdc_db: CdcDb, monkeypatch: pytest.MonkeyPatch) -> None:
    """python-mysql-replication reopens a lost connection by itself, at the event it had reached, and announces it
    with an artificial rotate: inside a transaction that must not become the restart point (the next reader could
    not decode the row events after it without their table map, and would skip rows of later events)."""
    import pymysql
    from pymysqlreplication import BinLogStreamReader
    from pymysqlreplication.row_event import TableMapEvent

    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
    reader = MemoryOffsetReader()
    props = {"snapshot.mode": "no_data", "max.batch.size": "1"}
    db.run(reader, **props)
    db.sql("BEGIN", "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)", "INSERT INTO t VALUES (4, 4)", "COMMIT")
    fetchone = BinLogStreamReader.fetchone
    dropped: list[bool] = []

    def lost(*_: object) -> None:
        raise pymysql.OperationalError(2013, "Lost connection to server during query")

    def drop_after_first_table_map(self: BinLogStreamReader) -> object:
        event = fetchone(self)
        if isinstance(event, TableMapEvent) and not dropped:  # the next read finds the connection lost
            dropped.append(True)
            self._stream_connection._read_packet = lost
        return event

    monkeypatch.setattr(BinLogStreamReader, "fetchone", drop_after_first_table_map)
    seen = db.run_polls(reader, 1, **props)  # the first statement's rows, then the invocation ends
    monkeypatch.undo()
    seen += db.run(reader, **props)
    assert dropped
    assert [r.key.get("id") for r in seen] == [1, 2, 3, 4]


def test_types_as_debezium_writes_them(cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, ti TINYINT, iu INT UNSIGNED, d DECIMAL(8,3), f FLOAT, "
           "dd DATE, tm TIME(3), dt0 DATETIME, dt6 DATETIME(6), ts TIMESTAMP(3) NULL, y YEAR, e ENUM('a','b'), "
           "st SET('x','y','z'), b VARBINARY(4), bit1 BIT(1), bits BIT(10), j JSON)",
           "INSERT INTO t VALUES (18446744073709551615, -5, 4000000000, 12.5, 1.5, '2024-02-29', '-01:02:03.250', "
           "'2024-02-29 10:11:12', '2024-02-29 10:11:12.123456', '2024-02-29 10:11:12.120', 2024, 'b', 'z,x', "
           "x'00ff', b'1', b'1000000001', '{\"k\": 1}')")
    reader = MemoryOffsetReader()
    snap = db.run(reader)[0].value.get("after")
    db.sql("UPDATE t SET ti = ti WHERE 0", "DELETE FROM t")
    streamed = db.run(reader)[0].value.get("before")
    for after in (snap, streamed):
        values = {f.name: after.get(f.name) for f in after.schema.fields}
        assert values == {
            "id": -1, "ti": -5, "iu": 4000000000, "d": __import__("decimal").Decimal("12.500"), "f": 1.5,
            "dd": 19782, "tm": -3723250000, "dt0": 1709201472000, "dt6": 1709201472123456,
            "ts": "2024-02-29T10:11:12.120Z", "y": 2024, "e": "b", "st": "x,z", "b": b"\x00\xff", "bit1": True,
            "bits": b"\x01\x02", "j": '{"k": 1}',
        }, after
    names = {f.name: f.schema.name for f in snap.schema.fields}
    assert names["dd"] == "io.debezium.time.Date" and names["dt6"] == "io.debezium.time.MicroTimestamp"
    assert names["ts"] == "io.debezium.time.ZonedTimestamp" and names["e"] == "io.debezium.data.Enum"


def test_snapshot_resumes_across_invocations_and_streams_each_change_once(cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)",
           "INSERT INTO t VALUES " + ", ".join(f"({i}, {i})" for i in range(1, 11)))
    reader = MemoryOffsetReader()
    first = db.run_polls(reader, 1, **{"snapshot.fetch.size": "3"})  # killed after its first chunk
    assert [(r.value.get("op"), r.key.get("id")) for r in first] == [("r", 1), ("r", 2), ("r", 3)]
    assert next(iter(reader.committed.values()))["snapshot"] == "INITIAL"
    db.sql("UPDATE t SET v = 20 WHERE id = 2", "UPDATE t SET v = 80 WHERE id = 8", "DELETE FROM t WHERE id = 9",
           "INSERT INTO t VALUES (11, 11)")
    second = db.run(reader, **{"snapshot.fetch.size": "3"})
    assert [(r.value.get("op"), r.key.get("id"), r.value.get("after").get("v")) for r in second] == [
        ("r", 4, 4), ("r", 5, 5), ("r", 6, 6), ("r", 7, 7), ("r", 8, 80), ("r", 10, 10), ("r", 11, 11),
        ("u", 2, 20)]
    assert second[-2].value.get("source").get("snapshot") == "last"
    db.sql("UPDATE t SET v = 81 WHERE id = 8")
    third = db.run(reader)
    assert [(r.value.get("op"), r.key.get("id")) for r in third] == [("u", 8)]
    assert "snapshot_windows" not in next(iter(reader.committed.values()))


def test_purged_binlog_position_fails_or_resnapshots_when_needed(cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
    reader = MemoryOffsetReader()
    reader.set({"server": db.prefix}, {"file": "mariadb-bin.999999", "pos": 4})
    with pytest.raises(ConnectError, match=r"binlog starting at file=mariadb-bin.999999, pos=4, but this is no "
                                           r"longer available on the server"):
        db.run(reader)
    again = db.run(reader, **{"snapshot.mode": "when_needed"})
    assert [(r.value.get("op"), r.key.get("id")) for r in again] == [("r", 1)]


def test_tombstones_off_and_excluded_columns(cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, secret VARCHAR(5), v INT)", "CREATE TABLE other (id INT PRIMARY KEY)")
    extra = {"snapshot.mode": "no_data", "tombstones.on.delete": "false", "table.include.list": f"{db.name}\\.t",
             "column.exclude.list": f"{db.name}\\.t\\.secret"}
    reader = MemoryOffsetReader()
    db.run(reader, **extra)
    db.sql("INSERT INTO t VALUES (1, 'pw', 1)", "INSERT INTO other VALUES (1)", "DELETE FROM t")
    got = [r for r in db.run(reader, **extra) if r.topic != db.prefix]
    assert rows(got) == [("c", {"id": 1}, None, {"id": 1, "v": 1}), ("d", {"id": 1}, {"id": 1, "v": 1}, None)]


def test_heartbeats_keep_the_offset_moving_past_changes_that_are_not_captured(cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY)", "CREATE TABLE other (id INT PRIMARY KEY)")
    extra = {"snapshot.mode": "no_data", "table.include.list": f"{db.name}\\.t", "heartbeat.interval.ms": "1",
             "include.schema.changes": "false"}
    reader = MemoryOffsetReader()
    first = db.run(reader, **extra)
    assert [r.topic for r in first] == [f"__debezium-heartbeat.{db.prefix}"]  # a new connector stores its position
    before = dict(next(iter(reader.committed.values())))
    db.sql("INSERT INTO other VALUES (1)")
    beat = db.run(reader, **extra)
    assert [r.topic for r in beat] == [f"__debezium-heartbeat.{db.prefix}"]
    assert beat[0].key.get("serverName") == db.prefix and beat[0].value.get("ts_ms") > 0
    assert next(iter(reader.committed.values()))["pos"] > before["pos"]
    quiet = {**extra, "heartbeat.interval.ms": "0"}
    db.sql("INSERT INTO other VALUES (2)")
    assert db.run(reader, **quiet) == []


def test_without_heartbeats_a_new_connector_stores_its_position_with_no_record_produced(cdc_db: CdcDb) -> None:
    """heartbeat.interval.ms=0 (Debezium's default): no heartbeat record, ever (review item 4: a cluster without
    auto-creation refused __debezium-heartbeat.<prefix> for ever). The new connector's position is stored by a record
    that carries only its offset (topic None, never produced), so a change made before the next invocation is read."""
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY)")
    extra = {"snapshot.mode": "no_data", "include.schema.changes": "false"}
    reader = MemoryOffsetReader()
    first = db.run(reader, **extra)
    assert [(r.topic, r.key, r.value) for r in first] == [(None, None, None)]
    assert next(iter(reader.committed.values()))["file"]
    db.sql("INSERT INTO t VALUES (1)")
    assert rows(db.run(reader, **extra)) == [("c", {"id": 1}, None, {"id": 1})]


def test_decimal_and_time_precision_modes(cdc_db: CdcDb) -> None:
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, d DECIMAL(6,2), dd DATE, tm TIME, dt DATETIME(6))",
           "INSERT INTO t VALUES (1, 3.10, '2024-01-02', '10:00:01', '2024-01-02 03:04:05.000006')")
    as_string = db.run(MemoryOffsetReader(), **{"decimal.handling.mode": "string"})[0].value.get("after")
    assert as_string.get("d") == "3.10"
    as_double = db.run(MemoryOffsetReader(), **{"decimal.handling.mode": "double"})[0].value.get("after")
    assert as_double.get("d") == 3.1
    connect = db.run(MemoryOffsetReader(), **{"time.precision.mode": "connect"})[0].value.get("after")
    import datetime as dt

    assert connect.get("dd") == dt.date(2024, 1, 2) and connect.get("tm") == dt.time(10, 0, 1)
    assert connect.get("dt") == dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    assert connect.schema.field("dt").schema.name == "org.apache.kafka.connect.data.Timestamp"


@pytest.mark.parametrize("heartbeat_ms", ["1", "0"])
def test_a_busy_binlog_of_uncaptured_changes_ends_each_poll_in_time(
    cdc_db: CdcDb, monkeypatch: pytest.MonkeyPatch, heartbeat_ms: str,
) -> None:
    """Changes to tables nobody captures neither fill a batch nor reach the binlog's end quickly: past the poll's
    time limit it returns at the next transaction boundary, with a heartbeat that stores the position, so every
    invocation ends in time and the next one goes on from there. Heartbeats off (Debezium's default) too: without
    the stored position every invocation would scan the same stretch again and never reach the change."""
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY)", "CREATE TABLE other (id INT PRIMARY KEY)")
    extra = {"snapshot.mode": "no_data", "table.include.list": f"{db.name}\\.t", "heartbeat.interval.ms": heartbeat_ms,
             "include.schema.changes": "false"}
    reader = MemoryOffsetReader()
    db.run(reader, **extra)  # the new connector stores its position
    db.sql(*(f"INSERT INTO other VALUES ({i})" for i in range(4)), "INSERT INTO t VALUES (7)")
    with db.conn.cursor() as cursor:
        cursor.execute("SHOW MASTER STATUS")  # the binlog's end, past the change (other runs write there too)
        end = tuple(cursor.fetchone()[:2])
    monkeypatch.setattr(_stream, "POLL_TIME_LIMIT_S", 0.0)
    positions: list[tuple[str, int]] = []
    captured: list[SourceRecord] = []
    while not captured:
        got = db.run(reader, **extra)
        captured += [r for r in got if r.topic not in (f"__debezium-heartbeat.{db.prefix}", None)]
        if heartbeat_ms == "0":  # as Debezium: no heartbeat; the position is stored by an offset-only record
            assert f"__debezium-heartbeat.{db.prefix}" not in {r.topic for r in got}
        stored = next(iter(reader.committed.values()))
        positions.append((stored["file"], stored["pos"]))
        assert positions == sorted(set(positions)), positions  # always forward
        assert captured or positions[-1] < end, (positions, end)  # the change is not passed by
    assert len(positions) >= 4, positions  # one uncaptured transaction per invocation, not all at once
    assert rows(captured) == [("c", {"id": 7}, None, {"id": 7})]


def test_database_exclude_list_drops_a_databases_changes(cdc_db: CdcDb) -> None:
    """Without an include list every database is captured but the excluded ones (Debezium's database.exclude.list)."""
    db = cdc_db
    other = f"{db.name}_x"
    db.sql("CREATE TABLE t (id INT PRIMARY KEY)", f"CREATE DATABASE `{other}`",
           f"CREATE TABLE `{other}`.t (id INT PRIMARY KEY)")
    try:
        extra = {"snapshot.mode": "no_data", "database.include.list": "", "database.exclude.list": re.escape(other),
                 "include.schema.changes": "false"}
        reader = MemoryOffsetReader()
        db.run(reader, **extra)
        db.sql("INSERT INTO t VALUES (1)", f"INSERT INTO `{other}`.t VALUES (2)")
        topics = {r.topic for r in db.run(reader, **extra)}
        assert f"{db.prefix}.{db.name}.t" in topics
        assert f"{db.prefix}.{other}.t" not in topics
        included = {r.topic for r in db.run(MemoryOffsetReader(), **{**extra, "database.exclude.list": "",
                                                                       "snapshot.mode": "initial",
                                                                       "database.include.list": other})}
        assert included == {f"{db.prefix}.{other}.t"}  # the same database is captured when not excluded
    finally:
        db.sql(f"DROP DATABASE IF EXISTS `{other}`")


def test_a_snapshot_poll_hands_out_at_most_max_batch_size_records(cdc_db: CdcDb) -> None:
    """Debezium's queue gives a poll at most max.batch.size records; a query's other rows wait for the next polls of
    the same snapshot transaction (a poll of snapshot.fetch.size records held ~13 KB a row at once), and once the
    runner commits they are read again in the next transaction, each row once."""
    from connect_core.connectors.binlog.source_task import BinlogSourceTask
    from tests.unit.connectors._memory_offsets import start_task

    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)",
           "INSERT INTO t VALUES " + ", ".join(f"({i}, {i})" for i in range(1, 51)))
    reader = MemoryOffsetReader()
    props = db.props(**{"snapshot.fetch.size": "20", "max.batch.size": "7", "include.schema.changes": "false"})
    ids: list[int] = []
    sizes: list[int] = []
    task = start_task(BinlogSourceTask(), props, reader)
    try:
        for poll in range(40):
            batch = task.poll()
            if not batch:
                break
            sizes.append(len(batch))
            ids += [r.key.get("id") for r in batch]
            if poll % 4 == 3:  # the runner's chunk ends: records and offsets committed, the transaction closed
                reader.commit(batch)
                task.commit()
            windows = {id(r.source_offset.get("snapshot_windows")) for r in batch if "snapshot_windows" in
                       r.source_offset}
            assert len(windows) <= 1  # one text for a poll's records, not one a record
    finally:
        task.stop()
    assert max(sizes) == 7
    assert ids == list(range(1, 51))


def test_each_event_is_decoded_with_the_column_types_it_was_written_with(cdc_db: CdcDb) -> None:
    """A scale reduced and a VARCHAR turned INT between two events (review item 5): the older event keeps its scale
    and its text, as Debezium's schema history gives it; before, today's types re-rounded the old amount and int()
    of 'abc' stopped the task at that position."""
    import decimal

    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY, amount DECIMAL(10,4) NOT NULL, code VARCHAR(20) NULL)")
    reader = MemoryOffsetReader()
    extra = {"snapshot.mode": "no_data", "include.schema.changes": "false"}
    db.run(reader, **extra)  # the position is stored before the changes
    db.sql("INSERT INTO t VALUES (1, 1.2345, 'abc')",
           "SET SESSION sql_mode = ''",  # 'abc' becomes 0 in the table; the binlog keeps the event that wrote 'abc'
           "ALTER TABLE t MODIFY amount DECIMAL(10,2) NOT NULL, MODIFY code INT NULL",
           "INSERT INTO t VALUES (2, 3.45, 42)")
    first, second = db.run(reader, **extra)
    old, new = first.value.get("after"), second.value.get("after")
    assert (old.get("amount"), old.get("code")) == (decimal.Decimal("1.2345"), "abc")
    assert old.schema.field("amount").schema.parameters["scale"] == "4"
    assert old.schema.field("code").schema.type.value == "string"
    assert (new.get("amount"), new.get("code")) == (decimal.Decimal("3.45"), 42)
    assert new.schema.field("amount").schema.parameters["scale"] == "2"
    assert new.schema.field("code").schema.type.value == "int32"


def test_connections_are_plain_as_ssl_mode_disable_says(cdc_db: CdcDb, monkeypatch: pytest.MonkeyPatch) -> None:
    """Debezium's ``database.ssl.mode=disable`` (the only mode accepted): PyMySQL's default would build a TLS
    context for every connection (loading the system's CA certificates) and use TLS whenever the server offers it."""
    import pymysql.connections

    def no_tls(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a TLS context was built for a connection with database.ssl.mode=disable")

    monkeypatch.setattr(pymysql.connections.ssl, "create_default_context", no_tls)
    db = cdc_db
    db.sql("CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
    reader = MemoryOffsetReader()
    assert rows(db.run(reader)) == [("r", {"id": 1}, None, {"id": 1})]
    db.sql("INSERT INTO t VALUES (2)")
    assert rows(db.run(reader)) == [("c", {"id": 2}, None, {"id": 2})]
