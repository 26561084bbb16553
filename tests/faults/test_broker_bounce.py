"""Broker faults on a three-broker cluster with MSK's defaults, as Kafka's transaction system tests bounce brokers
(``tests/kafkatest/tests/core/transactions_test.py``: a hard bounce of the brokers while a transactional copier runs).

A private copy of ``infra/local/kafka_cluster.py``'s cluster (its own ports and data: the shared one is never
killed) runs the seed scenario's JDBC pair through `lambda-connect up`: a JDBC source (several transactions per
invocation) into a pre-created topic, and a JDBC sink (upsert) out of it. Cases:

- the data partition's leader killed (-9) while rows flow, restarted after a few seconds;
- one replica of a topic at replication factor 2 killed and kept down (under ``min.insync.replicas=2``: no write
  can be acknowledged), then restarted.

Every row must reach the topic exactly once (read_committed) and the sink's table, the tasks end RUNNING without
anyone restarting anything, and the tally counts runs, rows, losses and duplicates (``make faults``: bigger).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.cluster.conftest import create_topics, topic_names
from tests.e2e.conftest import start_up
from tests.faults.conftest import BIG, cluster_worker_file, mysql, task_states

if TYPE_CHECKING:
    from pathlib import Path

    from infra.local.kafka_cluster import Cluster
    from tests.e2e.conftest import Up
    from tests.faults.conftest import Tally

pytestmark = pytest.mark.integration  # kills brokers of the private cluster (a unit of its own: tests/_parallel.py)

ROWS = 6_000 if BIG else 1_200
DOWN_S = 180.0 if BIG else 30.0  # a broker down "for minutes" under make faults
BOUNCE_S = 5.0


def test_end_offsets_follow_a_leader_that_died(whole: Cluster) -> None:
    """A consumer that cached a partition's leader asks the new one once the old one is killed (the internal
    topics' catch-up): before, every attempt went to the dead broker (or a leader of -1 cached mid-election) until
    the whole read budget was spent, and the runs topic's reads failed for minutes."""
    from confluent_kafka import Consumer

    from connect_core.kafka.read_to_end import end_offsets

    topic = f"ends-{uuid.uuid4().hex[:8]}"
    create_topics(whole.bootstrap, topic, partitions=3)
    consumer = Consumer({"bootstrap.servers": whole.bootstrap, "group.id": topic, "enable.auto.commit": False})
    try:
        assert end_offsets(consumer, topic, [0, 1, 2]) == {0: 0, 1: 0, 2: 0}  # leaders cached
        leader = whole.leader(topic)
        whole.kill(leader)
        started = time.monotonic()
        assert end_offsets(consumer, topic, [0, 1, 2], timeout_s=60) == {0: 0, 1: 0, 2: 0}
        assert time.monotonic() - started < 45  # the broker's session timeout (9 s) and a few attempts
    finally:
        consumer.close()
        whole.restart(leader)


@pytest.fixture
def orders(mariadb_settings: dict[str, str], database: str) -> dict[str, Any]:
    """The case's ``orders`` table (empty) and its JDBC settings."""
    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY, status VARCHAR(20) NOT NULL)")
    return {"url": f"jdbc:mysql://{mariadb_settings['host']}:{mariadb_settings['port']}/{database}",
            "user": mariadb_settings["user"], "password": mariadb_settings["password"], "database": database}


def _insert(settings: dict[str, str], database: str, first: int, last: int) -> None:
    with mysql(settings, database) as conn, conn.cursor() as cursor:
        cursor.execute(f"INSERT INTO orders SELECT seq, 'PLACED' FROM seq_{first}_to_{last}")


def _copied(settings: dict[str, str], database: str) -> list[int]:
    try:
        with mysql(settings, database) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT id FROM copy")
            return [row[0] for row in cursor.fetchall()]
    except Exception:  # the sink has not created its table yet
        return []


def _topic_ids(bootstrap: str, topic: str, expected: int, timeout_s: float = 120.0) -> list[int]:
    """The ``id`` of every committed record of ``topic`` (read_committed; JsonConverter envelopes), waiting for
    ``expected``."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"faults-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    ids: list[int] = []
    idle = 0
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and idle < 3:
            messages = consumer.consume(10_000, 1.0)
            idle = idle + 1 if not messages and len(ids) >= expected else 0
            for message in messages:
                if message.error() is None and message.value() is not None:
                    value = json.loads(message.value())
                    ids.append(value.get("payload", value)["id"])
    finally:
        consumer.close()
    return ids


def _pipeline(up: Up, orders: dict[str, Any], topic: str, prefix: str) -> dict[str, str]:
    """The JDBC source into ``topic`` and the JDBC sink (upsert) out of it; the connector names."""
    jdbc = {"connection.url": orders["url"], "connection.user": orders["user"],
            "connection.password": orders["password"]}
    names = {"source": f"{up.prefix}-src", "sink": f"{up.prefix}-sink"}
    bodies = {
        names["source"]: {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", **jdbc,
                          "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": "orders",
                          "topic.prefix": prefix, "poll.interval.ms": "200", "batch.max.rows": "50"},
        names["sink"]: {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", **jdbc, "topics": topic,
                        "auto.create": "true", "table.name.format": "copy", "pk.mode": "record_value",
                        "pk.fields": "id", "insert.mode": "upsert"},
    }
    for name, config in bodies.items():
        status, answer = up.http("POST", "/connectors", {"name": name, "config": config})
        assert status == 201, answer
    return names


def _finish(up: Up, cluster: Cluster, orders: dict[str, Any], settings: dict[str, str], *, topic: str,
            names: dict[str, str], tally: Tally) -> None:
    """Wait for every row in the sink's table and both tasks RUNNING; count the topic's ids (exactly once)."""
    up.wait_for(lambda: len(set(_copied(settings, orders["database"]))) >= ROWS, f"{ROWS} rows in the copy",
                timeout_s=600 if BIG else 300)
    up.wait_for(lambda: task_states(up) == {names["source"]: ["RUNNING"], names["sink"]: ["RUNNING"]},
                "both tasks RUNNING again", timeout_s=300)  # the restart policy's backoff after the outage
    tally.count(range(1, ROWS + 1), _topic_ids(cluster.bootstrap, topic, ROWS))
    copied = _copied(settings, orders["database"])
    tally.notes["copied"] = len(copied)
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
    assert sorted(copied) == list(range(1, ROWS + 1))


def test_the_partition_leader_killed_and_restarted_while_rows_flow(
    whole: Cluster, orders: dict[str, Any], mariadb_settings: dict[str, str], tmp_path: Path,
    tally: Tally,
) -> None:
    name = f"bounce-{uuid.uuid4().hex[:8]}"
    prefix = f"{name}-"
    topic = f"{prefix}orders"
    create_topics(whole.bootstrap, topic)  # as an operator does: RF 3 (broker default), min ISR 2
    half = ROWS // 2
    _insert(mariadb_settings, orders["database"], 1, half)
    with start_up(whole.bootstrap, tmp_path, "--worker-config",
                  str(cluster_worker_file(whole, tmp_path, name))) as up:
        names = _pipeline(up, orders, topic, prefix)
        up.wait_for(lambda: len(_copied(mariadb_settings, orders["database"])) > 0, "the first rows copied",
                    timeout_s=120)
        bounces = 2 if BIG else 1
        for bounce in range(bounces):
            if bounce == bounces - 1:
                _insert(mariadb_settings, orders["database"], half + 1, ROWS)  # more source transactions
            leader = whole.leader(topic)
            whole.kill(leader)  # mid-transaction for the source, mid-batch for the sink
            tally.runs += 1
            time.sleep(BOUNCE_S)
            whole.restart(leader)
        _finish(up, whole, orders, mariadb_settings, topic=topic, names=names, tally=tally)
    tally.notes["bounces"] = bounces


@pytest.mark.skipif(not BIG, reason="make faults only: a broker down for minutes (make test: test_not_enough_replicas)")
def test_a_replica_down_for_minutes_under_min_insync_replicas(
    whole: Cluster, orders: dict[str, Any], mariadb_settings: dict[str, str], tmp_path: Path,
    tally: Tally,
) -> None:
    name = f"isr-{uuid.uuid4().hex[:8]}"
    prefix = f"{name}-"
    topic = f"{prefix}orders"
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": whole.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 2)])[topic].result(timeout=30)  # RF 2 under the broker's min ISR 2
    half = ROWS // 2
    _insert(mariadb_settings, orders["database"], 1, half)
    with start_up(whole.bootstrap, tmp_path, "--worker-config",
                  str(cluster_worker_file(whole, tmp_path, name))) as up:
        names = _pipeline(up, orders, topic, prefix)
        up.wait_for(lambda: len(set(_copied(mariadb_settings, orders["database"]))) >= half, "the first half",
                    timeout_s=300)
        replicas = admin.list_topics(topic=topic, timeout=10).topics[topic].partitions[0].replicas
        victim = replicas[-1]
        whole.kill(victim)
        tally.runs += 1
        _insert(mariadb_settings, orders["database"], half + 1, ROWS)
        seen: set[str] = set()
        down_until = time.monotonic() + DOWN_S
        while time.monotonic() < down_until:
            seen.update(state for states in task_states(up).values() for state in states)
            time.sleep(1.0)
        while_down = len(set(_copied(mariadb_settings, orders["database"])))
        tally.notes.update({"down_s": int(DOWN_S), "states_while_down": "/".join(sorted(seen)),
                            "copied_while_down": while_down})
        assert while_down == half, "a write was acknowledged with one in-sync replica under min.insync.replicas=2"
        whole.restart(victim)
        _finish(up, whole, orders, mariadb_settings, topic=topic, names=names, tally=tally)


MIRROR_RECORDS = 20_000 if BIG else 4_000


def _produce_ids(bootstrap: str, topic: str, count: int) -> None:
    """``{"id": n}`` for n in 1..count, alternating between partitions 0 and 1."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for i in range(count):
        producer.produce(topic, value=json.dumps({"id": i + 1}).encode(), partition=i % 2)
    assert producer.flush(60) == 0


def _kill_once_led(cluster: Cluster, topic: str, killed: list[int]) -> None:
    """Kill (-9) ``topic``'s partition-0 leader as soon as the topic exists with one; its node id into ``killed``."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if topic in topic_names(cluster.bootstrap):
            leader = cluster.leader(topic)
            if leader >= 0:
                killed.append(leader)
                cluster.kill(leader)
                return
        time.sleep(0.05)


def test_the_remote_topics_leader_killed_during_mirrormaker_2_replication(whole: Cluster, tally: Tally) -> None:
    """MirrorMaker 2's source connector copies a topic (within the cluster, two aliases) while the remote topic's
    leader is killed (-9) and restarted between invocations: the remote topic holds every record exactly once
    (read_committed), in order per partition."""
    from tests.integration.connectors.mirror._mm2 import LambdaWorker, mirror_config, read_all

    alias = f"b{uuid.uuid4().hex[:6]}"
    topic = f"mm2-{alias}-orders"
    create_topics(whole.bootstrap, topic, partitions=2)
    _produce_ids(whole.bootstrap, topic, MIRROR_RECORDS)
    worker = LambdaWorker.start(whole.bootstrap)
    name = f"{alias}-source"
    config = mirror_config(alias, whole.bootstrap, whole.bootstrap, f"mm2-{alias}-.*", **{
        "replication.factor": "3", "offset-syncs.topic.replication.factor": "3"})
    remote = f"{alias}.{topic}"
    killed: list[int] = []

    killer = threading.Thread(target=_kill_once_led, args=(whole, remote, killed), daemon=True)
    restarted = False
    try:
        worker.create(name, config)
        killer.start()
        idle = 0
        for _ in range(60):
            try:
                produced = sum(result.records for result in worker.run_tasks(name))
            except Exception as error:  # an invocation that met the dead leader fails, as a Lambda invocation does
                tally.notes["failed_invocations"] = tally.notes.get("failed_invocations", 0) + 1
                tally.notes["last_error"] = type(error).__name__
                produced = 0
            tally.runs += 1
            if killed and not restarted:
                time.sleep(BOUNCE_S)
                whole.restart(killed[0])
                restarted = True
            idle = idle + 1 if produced == 0 and restarted else 0
            if idle >= 2:
                break
    finally:
        killer.join(5)
        if killed and not restarted:
            whole.restart(killed[0])
        worker.close()
    tally.notes["killed_node"] = killed[0] if killed else "none"
    assert killed, "the remote topic never appeared"
    values = [json.loads(m.value())["id"] for m in read_all(whole.bootstrap, remote, timeout_s=60)]
    tally.count(range(1, MIRROR_RECORDS + 1), values)
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()


CONFIG_CONNECTORS = 16 if BIG else 6


def _create_until_answered(up: Up, name: str, config: dict[str, str], tally: Tally) -> None:
    """POST a connector as a client does while the cluster elects a leader: again on a 5xx until 201 (or 409: an
    earlier try was written after all)."""
    deadline = time.monotonic() + 180
    while True:
        try:
            status, answer = up.http("POST", "/connectors", {"name": name, "config": config})
        except OSError as error:  # no answer within the client's 60 s
            status, answer = 599, repr(error)
        if status in (201, 409):
            return
        assert status >= 500 and time.monotonic() < deadline, (status, answer)
        tally.notes["retried_posts"] = tally.notes.get("retried_posts", 0) + 1
        time.sleep(1.0)


def test_the_config_topics_leader_killed_while_the_coordinator_writes_it(
    whole: Cluster, tmp_path: Path, tally: Tally,
) -> None:
    """Connectors created through `up` while the config topic's leader is killed (-9), restarted after a few
    seconds: every connector is there once, RUNNING, and each FileStream source's line is in its topic once."""
    name = f"cfg-{uuid.uuid4().hex[:8]}"
    topic = f"{name}-lines"
    create_topics(whole.bootstrap, topic)
    (tmp_path / "in.txt").write_text("x\n")
    names = [f"{name}-{n}" for n in range(CONFIG_CONNECTORS)]
    with start_up(whole.bootstrap, tmp_path, "--worker-config", str(cluster_worker_file(whole, tmp_path, name))) as up:
        config = {"connector.class": "FileStreamSource", "file": "in.txt", "topic": topic,
                  "value.converter": "org.apache.kafka.connect.storage.StringConverter"}
        killed, killed_at = -1, time.monotonic()
        for index, connector in enumerate(names):
            _create_until_answered(up, connector, config, tally)
            if index == 0:
                killed = whole.leader(f"{name}-configs")
                whole.kill(killed)  # the next configs go to a topic whose leader is being elected
                killed_at = time.monotonic()
            tally.runs += 1
        time.sleep(max(0.0, BOUNCE_S - (time.monotonic() - killed_at)))
        whole.restart(killed)
        up.wait_for(lambda: sorted(up.http("GET", "/connectors")[1] or []) == sorted(names), "every connector")
        try:
            up.wait_for(lambda: task_states(up) == dict.fromkeys(names, ["RUNNING"]), "every task RUNNING",
                        timeout_s=300)
        except AssertionError as error:  # which tasks, in which state
            raise AssertionError(f"{error}\ntask states: {task_states(up)}") from None
        from confluent_kafka import Consumer

        lines: list[bytes] = []

        def read() -> int:
            lines.clear()
            consumer = Consumer({"bootstrap.servers": whole.bootstrap, "group.id": f"check-{uuid.uuid4().hex}",
                                 "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
            consumer.subscribe([topic])
            try:
                for _ in range(10):
                    lines.extend(m.value() for m in consumer.consume(1000, 1.0) if m.error() is None)
            finally:
                consumer.close()
            return len(lines)

        up.wait_for(lambda: read() >= len(names), "one line per connector", timeout_s=300)
    tally.expected = len(names)  # one line per connector; the lines do not say whose they are
    tally.lost, tally.duplicated = max(0, len(names) - len(lines)), max(0, len(lines) - len(names))
    assert lines == [b"x"] * len(names), tally.line()
