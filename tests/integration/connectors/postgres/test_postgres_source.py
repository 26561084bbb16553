"""PostgresSourceTask against the real PostgreSQL (pgoutput): snapshot, changes, restarts, modes, slot hygiene."""

from __future__ import annotations

import itertools
import time

import pytest

from connect_core.api.errors import ConnectError
from connect_core.connectors.postgres.source_connector import PostgresConnector
from tests.integration.connectors.postgres.conftest import MemoryOffsetReader, PgDb, ops

pytestmark = pytest.mark.integration


def test_snapshot_then_insert_update_delete_and_the_slot_follows_commits(pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY, name text NOT NULL, note text)",
           "INSERT INTO {s}.t VALUES (1, 'a', NULL), (2, 'b', 'x')")
    reader = MemoryOffsetReader()
    first = db.run(reader)
    assert ops(first) == [("r", 1), ("r", 2)]
    assert first[0].topic == f"{db.prefix}.{db.schema}.t"
    assert [r.value.get("source").get("snapshot") for r in first] == ["first", "last"]
    snapshot_lsn = next(iter(reader.committed.values()))["lsn"]
    before = db.wal_lsn()
    assert snapshot_lsn <= db.slot_lsn() <= before  # nothing confirmed past where streaming starts (*)
    db.sql("INSERT INTO {s}.t VALUES (3, 'c', NULL)", "UPDATE {s}.t SET name = 'bb' WHERE id = 2",
           "DELETE FROM {s}.t WHERE id = 1")
    changes = [("c", 3), ("u", 2), ("d", 1), ("tombstone", 1)]
    lost = db.run_polls(reader, 1, commit=False)  # killed before Kafka committed its poll
    assert lost and ops(lost) == changes[:len(lost)]
    assert db.slot_lsn() <= before  # none of these changes confirmed
    second = db.run(reader)
    assert ops(second) == changes
    assert second[1].value.get("before") is None  # REPLICA IDENTITY DEFAULT
    assert second[2].value.get("before").get("name") == ""  # a NOT NULL column the server did not send
    stored = next(iter(reader.committed.values()))
    assert stored["lsn_commit"] <= db.slot_lsn() <= db.wal_lsn()  # confirmed once Kafka committed (*)
    assert db.run(reader) == []
    # (*) past it only over WAL without a change of ours: psycopg2 forwards the flush position it reports to a
    # keepalive's WAL end once every data message it received is confirmed, and other sessions on the shared server
    # write WAL. The changes made after each check arriving in the next run show that nothing of ours was skipped.


def test_restart_inside_a_transaction_skips_exactly_what_was_committed(pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY, v int)")
    reader = MemoryOffsetReader()
    extra = {"snapshot.mode": "no_data", "max.batch.size": "3"}
    assert db.run(reader, **extra) == []
    db.sql("INSERT INTO {s}.t SELECT i, i FROM generate_series(1, 10) i", "UPDATE {s}.t SET v = 0 WHERE id <= 2")
    first = db.run_polls(reader, 2, **extra)  # killed after two committed chunks, inside the first transaction
    assert ops(first) == [("c", i) for i in range(1, 7)]
    lost = db.run_polls(reader, 1, commit=False, **extra)  # killed before its commit
    assert ops(lost) == [("c", 7), ("c", 8), ("c", 9)]
    rest = db.run(reader, **extra)
    assert ops(rest) == [("c", 7), ("c", 8), ("c", 9), ("c", 10), ("u", 1), ("u", 2)]
    assert db.run(reader, **extra) == []


def test_snapshot_resumes_across_invocations_and_streams_each_change_once(pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY, v int)", "CREATE TABLE {s}.u (k text PRIMARY KEY)",
           "INSERT INTO {s}.t SELECT i, i FROM generate_series(1, 10) i", "INSERT INTO {s}.u VALUES ('B'), ('a')")
    reader = MemoryOffsetReader()
    extra = {"snapshot.fetch.size": "3"}
    first = db.run_polls(reader, 1, **extra)  # killed after its first chunk
    assert ops(first) == [("r", 1), ("r", 2), ("r", 3)]
    assert next(iter(reader.committed.values()))["snapshot"] == "INITIAL"
    db.sql("UPDATE {s}.t SET v = 20 WHERE id = 2", "UPDATE {s}.t SET v = 80 WHERE id = 8",
           "DELETE FROM {s}.t WHERE id = 9", "INSERT INTO {s}.t VALUES (11, 11)", "INSERT INTO {s}.u VALUES ('c')")
    second = db.run(reader, **extra)
    got = [(r.value.get("op"), r.topic.rsplit(".", 1)[1], r.key.get("id") if r.topic.endswith(".t")
            else r.key.get("k")) for r in second if r.value is not None]
    assert got == [("r", "t", 4), ("r", "t", 5), ("r", "t", 6), ("r", "t", 7), ("r", "t", 8), ("r", "t", 10),
                   ("r", "t", 11), ("r", "u", "B"), ("r", "u", "a"), ("r", "u", "c"), ("u", "t", 2)]
    assert second[4].value.get("after").get("v") == 80
    assert second[-1].value.get("source").get("snapshot") == "false"
    db.sql("UPDATE {s}.t SET v = 81 WHERE id = 8")
    third = db.run(reader)
    assert ops(third) == [("u", 8)]
    assert "snapshot_windows" not in next(iter(reader.committed.values()))


def test_replica_identity_full_toast_placeholder_and_a_column_added_mid_stream(pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.f (id int PRIMARY KEY, a text NOT NULL, b int)",
           "ALTER TABLE {s}.f REPLICA IDENTITY FULL", "CREATE TABLE {s}.big (id int PRIMARY KEY, doc text, n int)",
           "ALTER TABLE {s}.big ALTER COLUMN doc SET STORAGE EXTERNAL",
           "INSERT INTO {s}.f VALUES (1, 'a', 1)",
           "INSERT INTO {s}.big VALUES (1, repeat('x', 5000), 1)")
    reader = MemoryOffsetReader()
    db.run(reader)
    db.sql("UPDATE {s}.f SET b = 2", "UPDATE {s}.big SET n = 2",
           "ALTER TABLE {s}.f ADD COLUMN c int NOT NULL DEFAULT 7", "INSERT INTO {s}.f (id, a) VALUES (2, 'b')")
    changes = db.run(reader, **{"unavailable.value.placeholder": "__gone"})
    full, toast, added = (r.value for r in changes)
    assert full.get("before").get("b") == 1 and full.get("after").get("b") == 2
    assert toast.get("after").get("doc") == "__gone"
    assert added.get("after").get("c") == 7
    schema = changes[2].value_schema.field("after").schema.field("c").schema
    assert schema.optional is False and schema.default_value == 7


def test_snapshot_modes(pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)", "INSERT INTO {s}.t VALUES (1)")
    only = MemoryOffsetReader()
    assert ops(db.run(only, **{"snapshot.mode": "initial_only"})) == [("r", 1)]
    db.sql("INSERT INTO {s}.t VALUES (2)")
    assert db.run(only, **{"snapshot.mode": "initial_only"}) == []  # no streaming after the snapshot
    db.drop_slot()
    no_data = MemoryOffsetReader()
    assert db.run(no_data, **{"snapshot.mode": "no_data"}) == []
    db.sql("INSERT INTO {s}.t VALUES (3)")
    assert ops(db.run(no_data, **{"snapshot.mode": "no_data"})) == [("c", 3)]
    # a snapshot, then streaming (no epoch in these props: a task started without its connector snapshots each time)
    again = db.run(no_data, **{"snapshot.mode": "always"})
    assert ops(again) == [("r", 1), ("r", 2), ("r", 3)]
    db.sql("INSERT INTO {s}.t VALUES (4)")
    assert ops(db.run(no_data)) == [("c", 4)]
    configured = MemoryOffsetReader()
    db.drop_slot()
    extra = {"snapshot.mode": "configuration_based", "snapshot.mode.configuration.based.snapshot.data": "true",
             "snapshot.mode.configuration.based.start.stream": "false"}
    assert ops(db.run(configured, **extra)) == [("r", 1), ("r", 2), ("r", 3), ("r", 4)]


def test_a_lost_slot_fails_or_resnapshots_when_needed(pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)", "INSERT INTO {s}.t VALUES (1)")
    reader = MemoryOffsetReader()
    db.run(reader)
    db.drop_slot()
    with pytest.raises(ConnectError, match=rf"replication slot {db.slot} does not exist any more"):
        db.run(reader)
    assert ops(db.run(reader, **{"snapshot.mode": "when_needed"})) == [("r", 1)]


def test_heartbeats_move_the_offset_and_the_slot_past_changes_that_are_not_captured(pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)", "CREATE TABLE {s}.other (id int PRIMARY KEY)",
           "CREATE TABLE {s}.beat (n int)")
    extra = {"snapshot.mode": "no_data", "publication.autocreate.mode": "all_tables",
             "publication.name": f"pub_{db.slot}", "table.include.list": f"{db.schema}\\.t",
             "heartbeat.interval.ms": "1", "heartbeat.action.query": f"INSERT INTO {db.schema}.beat VALUES (1)"}
    reader = MemoryOffsetReader()
    db.run(reader, **extra)
    start = db.slot_lsn()
    db.sql("INSERT INTO {s}.other VALUES (1)")
    beat = db.run(reader, **extra)
    assert [r.topic for r in beat] == [f"__debezium-heartbeat.{db.prefix}"]
    assert beat[0].key.get("serverName") == db.prefix and beat[0].value.get("ts_ms") > 0
    assert db.query("SELECT count(*) FROM {s}.beat")[0][0] >= 1  # heartbeat.action.query ran
    db.run(reader, **extra)
    assert db.slot_lsn() > start  # the slot advanced although nothing captured changed


def test_types_decimal_and_time_modes(pg_db: PgDb) -> None:
    db = pg_db
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY, d numeric(6,2), dd date, tm time, ts timestamp)",
           "INSERT INTO {s}.t VALUES (1, 3.10, '2024-01-02', '10:00:01', '2024-01-02 03:04:05.000006')")
    got = db.run(MemoryOffsetReader(), **{"decimal.handling.mode": "string", "time.precision.mode": "connect"})
    after = got[0].value.get("after")
    assert after.get("d") == "3.10"
    assert str(after.get("dd")) == "2024-01-02" and str(after.get("tm")) == "10:00:01"
    assert after.get("ts").isoformat() == "2024-01-02T03:04:05.000006+00:00"


def test_validate_refuses_never_and_names_the_key() -> None:
    values = {v["name"]: v for v in PostgresConnector().validate({
        "database.hostname": "h", "database.user": "u", "database.dbname": "d", "topic.prefix": "p",
        "snapshot.mode": "never", "some.undefined.key": "x"})}
    assert values["snapshot.mode"]["errors"] == [
        "Invalid value never for configuration snapshot.mode: Value must be one of always, initial_only, "
        "configuration_based, when_needed, initial, custom, no_data"]
    assert "some.undefined.key" not in values  # ignored, as Debezium ignores keys it does not define


def test_a_long_transaction_of_uncaptured_changes_ends_each_poll_in_time(pg_db: PgDb,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    db = pg_db
    # the uncaptured table is published (the test's schema only: a FOR ALL TABLES publication would also carry the
    # other tests' changes on the shared database)
    db.sql("CREATE TABLE {s}.t (id int PRIMARY KEY)", "CREATE TABLE {s}.other (id int PRIMARY KEY, pad text)",
           f"CREATE PUBLICATION pub_{db.slot} FOR TABLES IN SCHEMA {db.schema}")
    extra = {"snapshot.mode": "no_data", "publication.autocreate.mode": "disabled",
             "table.include.list": f"{db.schema}\\.t"}
    reader = MemoryOffsetReader()
    db.run(reader, **extra)
    db.sql("BEGIN", "INSERT INTO {s}.other SELECT i, repeat('x', 200) FROM generate_series(1, 200000) i",
           "INSERT INTO {s}.t VALUES (1)", "COMMIT")
    from connect_core.connectors.postgres import _pgoutput, _stream

    decode, decoded = _pgoutput.decode, itertools.count()

    def slow_decode(payload: bytes) -> _pgoutput.Decoded:
        # reading the transaction lasts longer than a poll's hard stop (limit + 1 s) however fast this machine is
        if next(decoded) % 1000 == 0:
            time.sleep(0.01)
        return decode(payload)

    monkeypatch.setattr(_pgoutput, "decode", slow_decode)
    limit, _stream.POLL_TIME_LIMIT_S = _stream.POLL_TIME_LIMIT_S, 0.2
    try:
        beats, got, invocations, inside = 0, [], 0, [(0, 0)]
        while not got and invocations < 200:
            records = db.run_polls(reader, 1, **extra)
            beats += sum(r.topic.startswith("__debezium-heartbeat") for r in records)
            got = [r for r in records if r.topic.endswith(".t")]
            stored = next(iter(reader.committed.values()))
            if not got:  # the invocation ended inside the transaction, never behind the last one's position
                inside.append((int(stored["lsn"]), int(stored.get("lsn_events_processed", 0))))
                assert inside[-1] >= inside[-2], inside
            invocations += 1
    finally:
        _stream.POLL_TIME_LIMIT_S = limit
    # no wall-clock bound per invocation (a loaded server decodes the transaction slowly before its first message):
    # a poll that read the whole transaction would have captured the change in the first invocation, with no heartbeat
    assert beats >= 1 and ops(got) == [("c", 1)]  # the position moved inside the transaction, then on to the change
