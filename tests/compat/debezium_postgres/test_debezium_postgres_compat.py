"""Our PostgreSQL source against Debezium's PostgresConnector 3.7.0.Final (Maven Central) on the same changes.

Debezium runs on a real Kafka Connect 4.3.1 worker with its own slot and publication; ours runs as a task on the
same tables with another slot. Both JsonConverter outputs are compared record by record: keys (schema and
payload), ``before``/``after`` (schema and payload), ``op``, the ``source`` block (streamed changes come from the
same WAL, so ``lsn``, ``txId``, ``ts_ms`` and ``sequence`` are equal; a snapshot's by presence and type), the
envelope's field list and the headers (``runId`` as a UUID). At the end, the offset each stored for the partition.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from confluent_kafka import Consumer

from connect_core.api.errors import ConnectError
from connect_core.connectors.postgres.source_task import PostgresSourceTask
from connect_core.converters.simple_header import SimpleHeaderConverter
from connect_core.kafka.clients import consumer_config
from connect_core.kafka.read_to_end import read_to_end
from tests.compat.debezium.test_debezium_compat import _debezium_offset, _json_converter
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task

if TYPE_CHECKING:

    from connect_core.api.record import SourceRecord
    from tests.compat.connect_worker.conftest import ConnectWorker
    from tests.integration.connectors.postgres.session import PgSession

pytestmark = pytest.mark.integration

TABLES = (
    "CREATE TYPE {s}.mood AS ENUM ('sad', 'ok', 'happy')",
    """CREATE TABLE {s}.t (id int PRIMARY KEY, name varchar(20) NOT NULL, amount numeric(10,2), v numeric, born date,
       seen timestamp(3), seen6 timestamp, at timestamptz, tm time, tm3 time(3), ttz timetz, doc json, docb jsonb,
       tags text[], ints int[], raw bytea, u uuid, mood {s}.mood, flag boolean, f4 real, f8 double precision,
       big bigint, small smallint, c char(3), note text, iv interval, score int NOT NULL DEFAULT 5, ip inet, m money,
       bits bit(3), vb varbit(8), xm xml, nm numeric(5,0))""",
    "CREATE TABLE {s}.tf (id int PRIMARY KEY, a text NOT NULL, b int)",
    "ALTER TABLE {s}.tf REPLICA IDENTITY FULL",
    "CREATE TABLE {s}.tt (id int PRIMARY KEY, big text, n int)",
    "ALTER TABLE {s}.tt ALTER COLUMN big SET STORAGE EXTERNAL",
)
ROWS = (
    """INSERT INTO {s}.t VALUES (1, 'one', 12.34, -0.001, '2024-01-02', '2024-01-02 03:04:05.678',
       '2024-01-02 03:04:05.123456', '2024-07-01 00:59:59+02', '13:14:15.5', '01:02:03.456', '10:11:12.5+03',
       '{"a": 1,  "b":[1,2]}', '{"a": 1,  "b":[1,2]}', '{x,NULL,"y z"}', '{1,2,NULL}', '\\x0102ff',
       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', true, 1.5, 2.25, 9223372036854775807, -3, 'ab', 'note',
       '1 year 2 mons 3 days 04:05:06.5', 7, '10.0.0.1/8', 12.5, B'101', B'11', '<a/>', 12345)""",
    "INSERT INTO {s}.t (id, name, amount, doc, tags, raw) VALUES (2, 'two', -7.50, 'null', '{}', '')",
    "INSERT INTO {s}.tf VALUES (1, 'a', 1)",
    "INSERT INTO {s}.tt VALUES (1, (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 200) i), 1)",
)
CHANGES = (
    "INSERT INTO {s}.t (id, name, amount, iv, at) VALUES (3, 'three', 1, '-1 day -02:00:00', '1969-12-31 23:00:00-02')",
    "UPDATE {s}.t SET name = 'deux' WHERE id = 2",
    "DELETE FROM {s}.t WHERE id = 1",
    "UPDATE {s}.tf SET b = 2 WHERE id = 1",
    "DELETE FROM {s}.tf WHERE id = 1",
    "UPDATE {s}.tt SET n = 2 WHERE id = 1",
    "BEGIN", "INSERT INTO {s}.t (id, name) VALUES (4, 'four'), (5, 'five')",
    "UPDATE {s}.t SET note = 'n' WHERE id >= 4", "COMMIT",
    "ALTER TABLE {s}.t ADD COLUMN extra int NOT NULL DEFAULT 9",
    "INSERT INTO {s}.t (id, name, extra) VALUES (6, 'six', 60)",
    "UPDATE {s}.t SET id = 16 WHERE id = 6",
)
# t: r1 r2 + c3 u2 d1 tombstone c4 c5 u4 u5 c6 d6 tombstone c16; tf: r + u d tombstone; tt: r + u
EXPECTED = {"t": 14, "tf": 4, "tt": 2}


def _records(worker: ConnectWorker, topic: str) -> list[tuple[bytes, bytes | None, list[tuple[str, bytes]]]]:
    consumer = Consumer(consumer_config(worker.settings))
    out: list[tuple[bytes, bytes | None, list[tuple[str, bytes]]]] = []
    try:
        read_to_end(consumer, topic, {}, lambda m: out.append((m.key(), m.value(), m.headers() or [])))
    except ConnectError:
        return []  # the topic does not exist yet
    finally:
        consumer.close()
    return out


def _ours(records: list[SourceRecord]) -> list[tuple[Any, Any, list[tuple[str, str]]]]:
    keys, values, headers = _json_converter(True), _json_converter(False), SimpleHeaderConverter()
    headers.configure({})
    out = []
    for r in records:
        key = keys.from_connect_data(r.topic, r.key_schema, r.key)
        value = values.from_connect_data(r.topic, r.value_schema, r.value)
        head = [(h.key, headers.from_connect_header(r.topic, h.key, h.schema, h.value).decode()) for h in r.headers]
        out.append((json.loads(key), None if value is None else json.loads(value), head))
    return out


def _theirs(raw: list[tuple[bytes, bytes | None, list[tuple[str, bytes]]]]) -> list[tuple[Any, Any, Any]]:
    return [(json.loads(k), None if v is None else json.loads(v), [(n, b.decode()) for n, b in h]) for k, v, h in raw]


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["field"] == name)


def _headers_equal(ours: list[tuple[str, str]], theirs: list[tuple[str, str]], where: str) -> None:
    assert [n for n, _ in ours] == [n for n, _ in theirs], f"{where}: header names"
    for (name, mine), (_, other) in zip(ours, theirs, strict=True):
        if name.endswith(".runId"):
            assert uuid.UUID(mine) and uuid.UUID(other), f"{where}: runId"
        else:
            assert mine == other, f"{where}: header {name}"


def _compare(ours: tuple[Any, Any, Any], theirs: tuple[Any, Any, Any], *, where: str) -> None:
    assert ours[0] == theirs[0], f"{where}: keys differ"
    _headers_equal(ours[2], theirs[2], where)
    if theirs[1] is None or ours[1] is None:
        assert ours[1] == theirs[1], f"{where}: tombstones differ"
        return
    mine, other = ours[1], theirs[1]
    assert [f["field"] for f in mine["schema"]["fields"]] == [f["field"] for f in other["schema"]["fields"]]
    assert {k: v for k, v in mine["schema"].items() if k != "fields"} == \
        {k: v for k, v in other["schema"].items() if k != "fields"}, f"{where}: envelope schema"
    for name in ("before", "after", "source", "transaction"):
        assert _field(mine["schema"], name) == _field(other["schema"], name), f"{where}: {name} schema"
    for name in ("before", "after", "op", "transaction"):
        assert mine["payload"][name] == other["payload"][name], f"{where}: {name}"
    for name in ("ts_ms", "ts_us", "ts_ns"):
        assert type(mine["payload"][name]) is type(other["payload"][name]), f"{where}: {name}"
    ours_src, theirs_src = mine["payload"]["source"], other["payload"]["source"]
    assert list(ours_src) == list(theirs_src), f"{where}: source fields"
    snapshot = theirs_src["snapshot"] != "false"
    by_type = ("ts_ms", "ts_us", "ts_ns", "lsn", "txId", "sequence") if snapshot else ()
    for name in ours_src:
        if name in by_type:
            assert type(ours_src[name]) is type(theirs_src[name]), f"{where}: source.{name} type"
        else:
            assert ours_src[name] == theirs_src[name], f"{where}: source.{name}"


def _invocation(props: dict[str, str], reader: MemoryOffsetReader) -> list[SourceRecord]:
    """One invocation of our task: poll until caught up, committing after each poll as the runner does."""
    task = start_task(PostgresSourceTask(), props, reader)
    out: list[SourceRecord] = []
    try:
        while batch := task.poll():
            out.extend(batch)
            reader.commit(batch)
            task.commit()
        task.commit()
    finally:
        task.stop()
    return out


def test_same_changes_same_events_headers_and_offsets(debezium_pg_worker: ConnectWorker, database: PgSession,
                                                      postgres_settings: dict[str, str]) -> None:
    worker, db = debezium_pg_worker, database
    db.sql(*TABLES, *ROWS)
    prefix, name = f"dbzpg{uuid.uuid4().hex[:8]}", f"dbzpg-{uuid.uuid4().hex[:8]}"
    their_slot, our_slot = f"dbz_{uuid.uuid4().hex[:10]}", f"ours_{uuid.uuid4().hex[:10]}"
    tables = ",".join(f"{db.schema}.{t}" for t in ("t", "tf", "tt"))
    common = {"database.hostname": postgres_settings["host"], "database.port": postgres_settings["port"],
              "database.user": postgres_settings["user"], "database.password": postgres_settings["password"],
              "database.dbname": postgres_settings["database"], "topic.prefix": prefix, "plugin.name": "pgoutput",
              "publication.autocreate.mode": "filtered", "table.include.list": tables,
              "include.unknown.datatypes": "true"}
    status, body = worker.rest("PUT", f"/connectors/{name}/config", {
        **common, "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
        "slot.name": their_slot, "publication.name": f"pub_{their_slot}"})
    assert status in (200, 201), body
    props = {**common, "slot.name": our_slot, "publication.name": f"pub_{our_slot}"}
    topics = {t: f"{prefix}.{db.schema}.{t}" for t in EXPECTED}
    try:
        worker.wait_for("Debezium's snapshot", lambda: len(_records(worker, topics["tt"])) >= 1, 120)
        reader = MemoryOffsetReader()
        snapshot = _invocation(props, reader)
        db.sql(*CHANGES)
        streamed = _invocation(props, reader)
        ours = _ours(snapshot + streamed)
        for table, topic in topics.items():
            theirs = _theirs(worker.wait_for(f"Debezium's events on {table}", lambda topic=topic, table=table: (
                (r := _records(worker, topic)) and len(r) >= EXPECTED[table] and r), 120))
            mine = [o for o, r in zip(ours, snapshot + streamed, strict=True) if r.topic == topic]
            assert len(mine) == len(theirs) == EXPECTED[table], table
            for index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
                _compare(a, b, where=f"{table} record {index}")
        our_offset = next(iter(reader.committed.values()))
        wanted = {k: our_offset[k] for k in ("lsn", "txId")}
        their_offset = worker.wait_for("Debezium's offset of its last record", lambda: (
            (o := _debezium_offset(worker, name, prefix)) and {k: o.get(k) for k in wanted} == wanted and o), 60)
        assert our_offset == their_offset
    finally:
        worker.rest("DELETE", f"/connectors/{name}")
        db.close(our_slot, their_slot)
