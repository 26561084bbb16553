"""A broker killed (-9) during a CDC snapshot (PostgreSQL, and MariaDB's binlog connector) on the private
three-broker cluster (MSK's defaults, tests/faults/conftest.py), through `lambda-connect up`: the change topic's
partition leader dies once the snapshot's first transactions are in (the topic created by the task through
KIP-158) and is restarted a few seconds later.
Every row's ``r`` event arrives exactly once (read_committed; the snapshot resumes from its committed offsets), the
task is RUNNING at the end without anyone restarting it, and a FAILED state on the way carries its trace."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import start_up
from tests.faults.conftest import BIG, cluster_worker_file, mysql, task_states

if TYPE_CHECKING:
    from pathlib import Path

    from infra.local.kafka_cluster import Cluster
    from tests.e2e.conftest import Up
    from tests.faults.conftest import Tally
    from tests.integration.connectors.postgres.session import PgSession

pytestmark = pytest.mark.integration  # kills brokers of the private cluster (a unit of its own: tests/_parallel.py)

ROWS = 40_000 if BIG else 25_000  # three transactions or more (10,000 records, or one 3 s invocation, each)
BOUNCE_S = 5.0


JSON = {"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        "topic.creation.default.replication.factor": "-1", "topic.creation.default.partitions": "1"}


@pytest.mark.skipif(not BIG, reason="make faults only: make test bounces the binlog snapshot's leader")
def test_the_change_topics_leader_killed_during_a_postgresql_snapshot(
    whole: Cluster, pg: PgSession, tmp_path: Path, tally: Tally,
) -> None:
    pg.sql(f"CREATE TABLE {pg.schema}.t (id bigint PRIMARY KEY, payload varchar(64) NOT NULL)",
           f"INSERT INTO {pg.schema}.t SELECT i, 'row-' || i FROM generate_series(1, {ROWS}) i")
    name = f"pgbounce-{uuid.uuid4().hex[:8]}"
    settings = pg.settings
    config = {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
        "database.hostname": settings["host"], "database.port": settings["port"], "database.user": settings["user"],
        "database.password": settings["password"], "database.dbname": settings["database"], "topic.prefix": name,
        "plugin.name": "pgoutput", "slot.name": pg.slot, "publication.name": f"pub_{pg.slot}",
        "publication.autocreate.mode": "filtered", "table.include.list": f"{pg.schema}\\.t", "poll.interval.ms": "100",
        "snapshot.fetch.size": "25", "max.batch.size": "30",  # many polls and transactions: the kill lands inside
        **JSON,
    }
    _snapshot_through_a_leader_kill(whole, tmp_path, tally, name=name, config=config, topic=f"{name}.{pg.schema}.t")


def test_the_change_topics_leader_killed_during_a_binlog_snapshot(
    whole: Cluster, database: str, mariadb_settings: dict[str, str], tmp_path: Path, tally: Tally,
) -> None:
    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, payload VARCHAR(64) NOT NULL)")
        cursor.execute(f"INSERT INTO t SELECT seq, CONCAT('row-', seq) FROM seq_1_to_{ROWS}")
    name = f"binbounce-{uuid.uuid4().hex[:8]}"
    config = {
        "connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
        "database.hostname": mariadb_settings["host"], "database.port": mariadb_settings["port"],
        "database.user": mariadb_settings["user"], "database.password": mariadb_settings["password"],
        "topic.prefix": name, "database.include.list": database, "include.schema.changes": "false",
        "poll.interval.ms": "100",
        "snapshot.fetch.size": "25", "max.batch.size": "30",  # many polls and transactions: the kill lands inside
        **JSON,
    }
    _snapshot_through_a_leader_kill(whole, tmp_path, tally, name=name, config=config, topic=f"{name}.{database}.t")


def _snapshot_through_a_leader_kill(whole: Cluster, tmp_path: Path, tally: Tally, *, name: str,
                                    config: dict[str, str], topic: str) -> None:
    """Create the CDC connector through `up` on the private cluster, kill (-9) its change topic's leader once the
    snapshot's first records are in, restart it after BOUNCE_S; every row once, the task RUNNING by itself."""
    with start_up(whole.bootstrap, tmp_path, "--worker-config", str(cluster_worker_file(whole, tmp_path, name))) as up:
        killed: list[int] = []  # the node id, then the partition's end offset just before the kill
        killer = threading.Thread(target=_kill_once_led, args=(whole, topic, killed))
        killer.start()
        status, answer = up.http("POST", "/connectors", {"name": name, "config": config})
        assert status == 201, answer
        killer.join(timeout=180)
        assert killed, f"{topic} never got a leader"
        at_kill = killed[1]
        tally.runs += 1
        seen = _states_for(up, BOUNCE_S)
        whole.restart(killed[0])
        up.wait_for(lambda: len(_keys(whole.bootstrap, topic, 0)) >= ROWS, f"{ROWS} snapshot events", timeout_s=600)
        up.wait_for(lambda: task_states(up) == {name: ["RUNNING"]}, "the task RUNNING again", timeout_s=300)
        arrived = _keys(whole.bootstrap, topic, ROWS)
        status, body = up.http("GET", f"/connectors/{name}/status")
    tally.count(range(1, ROWS + 1), [key for op, key in arrived if op == "r"])
    tally.notes.update({"written_at_kill": at_kill, "states_while_down": "/".join(sorted(seen)),
                        "ops": "/".join(sorted({op for op, _key in arrived}))})
    assert at_kill < ROWS, f"the snapshot ({ROWS} rows) had already been written when the leader was killed"
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
    assert {op for op, _key in arrived} == {"r"}, "only snapshot reads: nothing changed the table"
    task = body["tasks"][0]  # RUNNING; a trace only with the plugin metrics of its latest invocation (KIP-877)
    assert status == 200 and task["state"] == "RUNNING", body
    assert task.get("trace", "lambda-connect: metrics").startswith("lambda-connect: metrics"), body


def _kill_once_led(cluster: Cluster, topic: str, killed: list[int]) -> None:
    """Kill (-9) ``topic``'s leader as soon as the snapshot's first records are in its partition; into ``killed``
    its node id and the partition's end offset read just before. One admin client and one consumer for the whole
    watch, so a look takes milliseconds and the kill lands inside even a fast snapshot."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    consumer = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": f"faults-{uuid.uuid4().hex}"})
    deadline = time.monotonic() + 170
    try:
        while time.monotonic() < deadline:
            partitions = admin.list_topics(topic=topic, timeout=10).topics[topic].partitions
            leader = partitions[0].leader if 0 in partitions else -1
            try:
                written = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=5, cached=False)[1]
            except KafkaException:  # a topic created a moment ago: no leader in this client's metadata yet
                written = 0
            if leader >= 0 and written > 0:  # the snapshot's first records are in the partition
                killed += [leader, int(written)]
                cluster.kill(leader)
                return
            time.sleep(0.02)
    finally:
        consumer.close()


def _states_for(up: Up, seconds: float) -> set[str]:
    """Every task state `up` reports during ``seconds`` (the broker down)."""
    seen: set[str] = set()
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        seen.update(state for states in task_states(up).values() for state in states)
        time.sleep(0.5)
    return seen


def _keys(bootstrap: str, topic: str, expected: int) -> list[tuple[str, Any]]:
    """(op, key id) of every committed record of ``topic`` (read_committed), waiting for ``expected``."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"faults-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[tuple[str, Any]] = []
    idle = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            messages = consumer.consume(10_000, 1.0)
            if not messages:
                idle = idle + 1 if len(out) >= expected else 0
                if idle >= 3:
                    break
                continue
            for message in messages:
                if message.error() is None and message.key() is not None:
                    value = message.value()
                    op = "tombstone" if value is None else json.loads(value)["op"]
                    out.append((op, json.loads(message.key())["id"]))
    finally:
        consumer.close()
    return out
