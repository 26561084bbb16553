"""Our binlog connector against Debezium's MariaDB connector (Maven Central) on the same MariaDB changes.

Debezium runs on a real Kafka Connect 4.3.1 worker; ours runs as a task on the same database and the same topic
prefix. Both JsonConverter outputs are compared record by record: keys (schema and payload), ``before``/``after``
(schema and payload), ``op``, the ``source`` block, and at the end the offset each stored for the partition.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest
from confluent_kafka import Consumer

from connect_core.api.errors import ConnectError
from connect_core.connectors.binlog.source_task import FLAVOUR_CONFIG, BinlogSourceTask
from connect_core.converters.json import JsonConverter
from connect_core.kafka.clients import consumer_config
from connect_core.kafka.read_to_end import read_to_end
from tests.unit.connectors._memory_offsets import MemoryOffsetReader, start_task

if TYPE_CHECKING:

    from connect_core.api.record import SourceRecord
    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration

TABLE = ("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, amount DECIMAL(8,2), born DATE, "
         "seen DATETIME(3), at TIMESTAMP(6) NULL, kind ENUM('a','b') NOT NULL DEFAULT 'a', big BIGINT UNSIGNED, "
         "note TEXT)")
ROWS = ("INSERT INTO t VALUES (1, 'one', 1.50, '2024-01-02', '2024-01-02 03:04:05.678', '2024-01-02 03:04:05.000001', "
        "'b', 18446744073709551615, NULL), (2, 'two', NULL, NULL, NULL, NULL, 'a', 7, 'x')")
CHANGES = (
    "INSERT INTO t (id, name, amount) VALUES (3, 'three', -3.25)",
    "UPDATE t SET name = 'deux', amount = 2.00 WHERE id = 2",
    "DELETE FROM t WHERE id = 1",
    "BEGIN", "INSERT INTO t (id, name) VALUES (4, 'four'), (5, 'five')", "UPDATE t SET note = 'n' WHERE id >= 4",
    "COMMIT",
    "ALTER TABLE t ADD COLUMN extra INT NOT NULL DEFAULT 9",
    "INSERT INTO t (id, name, extra) VALUES (6, 'six', 60)",
)
EXPECTED_CHANGES = 9  # c3, u2, d1 + tombstone, c4, c5, u4, u5, c6 (after the two snapshot reads)


class Database:
    def __init__(self, settings: dict[str, str]) -> None:
        self.name = f"dbzc_{uuid.uuid4().hex[:10]}"
        self.conn = pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                                    password=settings["password"], autocommit=True)
        self.sql(f"CREATE DATABASE `{self.name}`")
        self.conn.select_db(self.name)

    def sql(self, *statements: str) -> None:
        with self.conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _records(worker: ConnectWorker, topic: str) -> list[tuple[bytes, bytes | None]]:
    consumer = Consumer(consumer_config(worker.settings))
    out: list[tuple[bytes, bytes | None]] = []
    try:
        read_to_end(consumer, topic, {}, lambda m: out.append((m.key(), m.value())))
    except ConnectError:
        return []  # the topic does not exist yet
    finally:
        consumer.close()
    return out


def _json_converter(is_key: bool) -> JsonConverter:
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true"}, is_key)
    return converter


def _ours_as_json(records: list[SourceRecord]) -> list[tuple[Any, Any]]:
    keys, values = _json_converter(True), _json_converter(False)
    out = []
    for r in records:
        if r.topic is None:  # an offset-only record: a poll that read only other databases' binlog events
            continue
        key = keys.from_connect_data(r.topic, r.key_schema, r.key)
        value = values.from_connect_data(r.topic, r.value_schema, r.value)
        out.append((json.loads(key), None if value is None else json.loads(value)))
    return out


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["field"] == name)


SOURCE_KEYS = ("version", "connector", "name", "db", "table", "server_id", "gtid", "file", "pos", "row", "snapshot")


def _compare(ours: tuple[Any, Any], theirs: tuple[Any, Any], *, streamed: bool, index: int) -> None:
    where = f"record {index}"
    assert ours[0] == theirs[0], f"{where}: keys differ"
    if theirs[1] is None or ours[1] is None:
        assert ours[1] == theirs[1], f"{where}: tombstones differ"
        return
    our_value, their_value = ours[1], theirs[1]
    for name in ("before", "after"):
        assert _field(our_value["schema"], name) == _field(their_value["schema"], name), f"{where}: {name} schema"
        assert our_value["payload"][name] == their_value["payload"][name], f"{where}: {name}"
    assert our_value["payload"]["op"] == their_value["payload"]["op"], f"{where}: op"
    assert [f["field"] for f in our_value["schema"]["fields"]] == [f["field"] for f in their_value["schema"]["fields"]]
    assert _field(our_value["schema"], "source") == _field(their_value["schema"], "source"), f"{where}: source schema"
    keys = SOURCE_KEYS if streamed else ("version", "connector", "name", "db", "table", "snapshot")
    ours_src = {k: our_value["payload"]["source"][k] for k in keys}
    theirs_src = {k: their_value["payload"]["source"][k] for k in keys}
    assert ours_src == theirs_src, f"{where}: source"


def _invocation(props: dict[str, str], reader: MemoryOffsetReader) -> list[SourceRecord]:
    """One invocation of our task: poll until caught up, committing after each poll as the runner does."""
    task = start_task(BinlogSourceTask(), props, reader)
    out: list[SourceRecord] = []
    try:
        while batch := task.poll():
            out.extend(batch)
            reader.commit(batch)
            task.commit()
    finally:
        task.stop()
    return out


def _debezium_offset(worker: ConnectWorker, name: str, prefix: str) -> dict[str, Any] | None:
    latest = None
    for key, value in _records(worker, worker.storage.offset_storage_topic):
        if json.loads(key) == [name, {"server": prefix}] and value is not None:
            latest = json.loads(value)
    return latest


def test_same_changes_same_events_and_offsets(debezium_worker: ConnectWorker, database: Database,
                                              mariadb_settings: dict[str, str], kafka_bootstrap: str) -> None:
    worker, db = debezium_worker, database
    db.sql(TABLE, ROWS)
    prefix, name = f"dbz{uuid.uuid4().hex[:8]}", f"dbz-{uuid.uuid4().hex[:8]}"
    common = {"database.hostname": mariadb_settings["host"], "database.port": mariadb_settings["port"],
              "database.user": mariadb_settings["user"], "database.password": mariadb_settings["password"],
              "topic.prefix": prefix, "database.include.list": db.name, "include.schema.changes": "false"}
    status, body = worker.rest("PUT", f"/connectors/{name}/config", {
        **common, "connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
        "database.server.id": str(random.randint(10_000, 20_000)),
        "schema.history.internal.kafka.bootstrap.servers": kafka_bootstrap,
        "schema.history.internal.kafka.topic": f"{worker.prefix}-history-{prefix}",
        # other sessions create and drop tables on the shared server meanwhile: read only this database's DDL, and
        # take no global read lock (nothing writes to this database during the snapshot)
        "schema.history.internal.store.only.captured.databases.ddl": "true",
        "schema.history.internal.store.only.captured.tables.ddl": "true", "snapshot.locking.mode": "none"})
    assert status in (200, 201), body
    topic = f"{prefix}.{db.name}.t"
    try:
        worker.wait_for("Debezium's snapshot", lambda: len(_records(worker, topic)) >= 2, 120)
        reader = MemoryOffsetReader()
        props = {**common, FLAVOUR_CONFIG: "mariadb", "database.server.id": str(random.randint(20_001, 30_000))}
        snapshot = _invocation(props, reader)
        db.sql(*CHANGES)
        theirs = worker.wait_for("Debezium's change events",
                                 lambda: (r := _records(worker, topic)) and len(r) >= 2 + EXPECTED_CHANGES and r, 120)
        streamed = _invocation(props, reader)
        ours = _ours_as_json(snapshot) + _ours_as_json(streamed)
        their_json = [(json.loads(k), None if v is None else json.loads(v)) for k, v in theirs]
        assert len(ours) == len(their_json)
        for index, (mine, other) in enumerate(zip(ours, their_json, strict=True)):
            _compare(mine, other, streamed=index >= len(snapshot), index=index)
        our_offset = next(iter(reader.committed.values()))
        # the worker flushes offsets every 500 ms: wait for the one after its last record, then compare
        wanted = {"file": our_offset["file"], "pos": our_offset["pos"], "event": our_offset.get("event")}
        their_offset = worker.wait_for("Debezium's offset of its last record", lambda: (
            (o := _debezium_offset(worker, name, prefix)) and {k: o.get(k) for k in wanted} == wanted and o), 60)
        assert our_offset == their_offset
    finally:
        worker.rest("DELETE", f"/connectors/{name}")


def test_the_keys_debezium_defines_are_the_ones_the_binlog_config_knows(debezium_worker: ConnectWorker) -> None:
    """config.DEBEZIUM_KEYS (what unsupported_keys refuses when set to another value than Debezium's default, and what
    unused_keys does not log) is Debezium's own ConfigDef, default for default."""
    from connect_core.connectors.binlog.config import _DEBEZIUM_PATTERNS, DEBEZIUM_KEYS, BinlogSourceConfig

    status, body = debezium_worker.rest("GET", "/connector-plugins/io.debezium.connector.mariadb.MariaDbConnector/"
                                               "config")
    assert status == 200
    framework = {"name", "connector.class", "tasks.max", "tasks.max.enforce", "key.converter", "value.converter",
                 "header.converter", "transforms", "predicates", "config.action.reload", "errors.retry.timeout",
                 "errors.retry.delay.max.ms", "errors.tolerance", "errors.log.enable", "errors.log.include.messages",
                 "exactly.once.support", "transaction.boundary", "transaction.boundary.interval.ms",
                 "offsets.storage.topic", "topic.creation.groups", "poll.interval.ms", "connector.plugin.version",
                 "key.converter.plugin.version", "value.converter.plugin.version", "header.converter.plugin.version"}
    theirs = {d["name"]: d["default_value"] for d in body if d["name"] not in framework}
    ours = {info.alias for info in BinlogSourceConfig.model_fields.values()}
    defined = {name: default for name, default in theirs.items()
               if name not in ours and not any(p.fullmatch(name.replace("(d+)", "5").replace("([^.]+)", "x")
                                                           .replace("(.+)", "y")) for p in _DEBEZIUM_PATTERNS)}
    normalise = {None: None, "": None, "null": None}
    assert {k: normalise.get(v, v) for k, v in defined.items()} == {
        k: normalise.get(v, v) for k, v in DEBEZIUM_KEYS.items()}
