"""A warm sink task follows Kafka's offsets when they move back (``runtime/sink_offsets.py``), on the real broker.

A FileStream sink and a JDBC sink (MariaDB) consume offsets 0..9 in a warm container; then the topic is deleted and
created again and 5 records are produced at offsets 0..4, or the group is reset to an earlier offset while the
container stays warm. As on a Kafka Connect worker, every one of those records arrives: nothing the warm task
remembers may hide them. Both sink paths: the local event source mapping (``local/kafka_trigger.py``) invoking the
sink function's ``SinkInvocation``, and pull-mode tasks (``SinkPullInvocations``).
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from connect_core.local import kafka_trigger
from connect_core.local.kafka_trigger import KafkaEventSourceMapping
from connect_core.runtime import env
from connect_core.runtime.sink_pull import SinkPullInvocations
from connect_core.runtime.task_invocation import SinkInvocation
from connect_core.runtime.trigger_config import KafkaTriggerConfig
from tests.integration.functions._sink_harness import KafkaTopics, Out

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

STRING = "org.apache.kafka.connect.storage.StringConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"
BUDGET_S = 40.0
DATABASE = "lc_sink_offsets"


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(kafka_trigger, "RETRY_BACKOFF_S", 0.05)
    monkeypatch.setenv(env.FILE_ROOTS, str(tmp_path))


@pytest.fixture
def topics(kafka_bootstrap: str) -> Iterator[KafkaTopics]:
    created = KafkaTopics(kafka_bootstrap)
    yield created
    created.delete_all()


class Sink:
    """One sink connector under test: how to deploy it and what it has written so far."""

    def __init__(self, kind: str, tmp_path: Path, mariadb: dict[str, str]) -> None:
        self.kind, self.mariadb = kind, mariadb
        self.out = tmp_path / "out.txt"
        self.table = f"t_{uuid.uuid4().hex[:10]}"

    def config(self, topic: str) -> dict[str, str]:
        if self.kind == "file":
            return {"connector.class": "FileStreamSink", "file": str(self.out), "value.converter": STRING}
        return {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
                "connection.url": f"jdbc:mysql://{self.mariadb['host']}:{self.mariadb['port']}/{DATABASE}",
                "connection.user": self.mariadb["user"], "connection.password": self.mariadb["password"],
                "table.name.format": self.table, "insert.mode": "insert", "pk.mode": "none", "auto.create": "true",
                "value.converter": JSON, "value.converter.schemas.enable": "true"}

    def record(self, text: str) -> Out:
        if self.kind == "file":
            return Out(None, text.encode())
        return Out(None, ('{"schema":{"type":"struct","name":"line","optional":false,"fields":[{"field":"V",'
                          f'"type":"string","optional":false}}]}},"payload":{{"V":"{text}"}}}}').encode())

    def written(self) -> list[str]:
        if self.kind == "file":
            return self.out.read_text().splitlines() if self.out.exists() else []
        connection = pymysql.connect(host=self.mariadb["host"], port=int(self.mariadb["port"]),
                                     user=self.mariadb["user"], password=self.mariadb["password"], autocommit=True)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
                cursor.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND "
                               "TABLE_NAME = %s", (DATABASE, self.table))
                if not cursor.fetchone()[0]:
                    return []
                cursor.execute(f"SELECT V FROM {DATABASE}.`{self.table}`")
                return sorted(row[0] for row in cursor.fetchall())
        finally:
            connection.close()

    def drop(self) -> None:
        if self.kind == "jdbc":
            connection = pymysql.connect(host=self.mariadb["host"], port=int(self.mariadb["port"]),
                                         user=self.mariadb["user"], password=self.mariadb["password"],
                                         autocommit=True)
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE IF EXISTS {DATABASE}.`{self.table}`")
            finally:
                connection.close()


@pytest.fixture(params=["file", "jdbc"])
def sink(request: pytest.FixtureRequest, tmp_path: Path, mariadb_settings: dict[str, str]) -> Iterator[Sink]:
    made = Sink(request.param, tmp_path, mariadb_settings)
    made.written()  # the database exists before the task starts
    yield made
    made.drop()


def _texts(prefix: str, count: int, first: int = 0) -> list[str]:
    return [f"{prefix}{i}" for i in range(first, first + count)]


def _deploy(cluster: Cluster, topics: KafkaTopics, sink: Sink, **extra: str) -> tuple[str, str]:
    name = f"offsets-{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t")
    config = {"topics": topic, "tasks.max": "1", "key.converter": STRING, "lambda.maximum.batching.window.ms": "200",
              **sink.config(topic), **extra}
    cluster.deploy(name, config, [config])
    return name, topic


def _recreate(topics: KafkaTopics, topic: str) -> None:
    """Delete ``topic``, wait until the broker has forgotten it, and create it again (empty)."""
    admin = AdminClient({"bootstrap.servers": topics.bootstrap})
    admin.delete_topics([topic])[topic].result(30)
    deadline = time.monotonic() + 30
    while topic in admin.list_topics(timeout=10).topics and time.monotonic() < deadline:
        time.sleep(0.2)
    topics.created.remove(topic)
    for _ in range(50):  # the broker may still be removing the old log
        try:
            topics.create(topic)
            return
        except Exception:
            time.sleep(0.3)
    raise AssertionError(f"{topic} could not be created again")


def _reset_group(bootstrap: str, name: str, topic: str, offset: int) -> None:
    """``kafka-consumer-groups --reset-offsets --to-offset``: the group has no members (no mapping polls now)."""
    from confluent_kafka import ConsumerGroupTopicPartitions

    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.alter_consumer_group_offsets(
        [ConsumerGroupTopicPartitions(f"connect-{name}", [TopicPartition(topic, 0, offset)])])
    for future in futures.values():
        future.result(30)


def _committed(bootstrap: str, name: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"connect-{name}", "enable.auto.commit": False})
    try:
        return int(consumer.committed([TopicPartition(topic, 0)], timeout=10)[0].offset)
    finally:
        consumer.close()


def _drive_mapping(cluster: Cluster, name: str, topic: str, container: SinkInvocation,
                   done: Callable[[], bool]) -> None:
    """The local event source mapping of ``name`` invoking the warm ``container`` until ``done``."""
    config = {k: v for k, v in (cluster.configs.connector_config(name) or {}).items() if v is not None}
    mapping = KafkaEventSourceMapping(name, [topic], f"connect-{name}", KafkaTriggerConfig.parse(config),
                                      lambda event: container.handle(event, 128), settings=cluster.worker.kafka)
    deadline = time.monotonic() + BUDGET_S
    try:
        while not done() and time.monotonic() < deadline:
            mapping.poll_once()
    finally:
        mapping.close()


def _drive_pull(name: str, pulls: SinkPullInvocations, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + BUDGET_S
    while not done() and time.monotonic() < deadline:
        result: dict[str, Any] = pulls.run(name, 0, lambda: 2_000.0, 128)
        assert result["state"] == "RUNNING", result


class Warm:
    """One warm container of the connector's sink path (``mapping`` or ``pull``)."""

    def __init__(self, path: str, cluster: Cluster, name: str, topic: str) -> None:
        self.path, self.cluster, self.name, self.topic = path, cluster, name, topic
        self.container: Any = (SinkInvocation(cluster.worker, name) if path == "mapping"
                               else SinkPullInvocations(cluster.worker))

    def until(self, done: Callable[[], bool]) -> None:
        if self.path == "mapping":
            _drive_mapping(self.cluster, self.name, self.topic, self.container, done)
        else:
            _drive_pull(self.name, self.container, done)

    def close(self) -> None:
        self.container.close()


def _warm_after_ten(cluster: Cluster, topics: KafkaTopics, sink: Sink, bootstrap: str, path: str) -> Warm:
    """A sink on ``path`` whose warm container has written and committed offsets 0..9 (``a0``..``a9``)."""
    trigger = {"lambda.sink.trigger": "schedule"} if path == "pull" else {}
    name, topic = _deploy(cluster, topics, sink, **trigger)
    topics.produce(topic, [sink.record(text) for text in _texts("a", 10)])
    warm = Warm(path, cluster, name, topic)
    try:
        warm.until(lambda: len(sink.written()) >= 10)
        assert sorted(sink.written()) == sorted(_texts("a", 10))
        assert _committed(bootstrap, name, topic) == 10
    except BaseException:
        warm.close()
        raise
    return warm


@pytest.mark.parametrize("path", ["mapping", "pull"])
def test_a_warm_sink_delivers_every_record_of_a_re_created_topic(
        cluster: Cluster, topics: KafkaTopics, sink: Sink, kafka_bootstrap: str, path: str) -> None:
    warm = _warm_after_ten(cluster, topics, sink, kafka_bootstrap, path)
    name, topic = warm.name, warm.topic
    try:
        _recreate(topics, topic)
        if path == "pull":  # the warm task meets the empty new topic first: it must not commit offset 10 there
            assert warm.container.run(name, 0, lambda: 2_000.0, 128)["state"] == "RUNNING"
            assert _committed(kafka_bootstrap, name, topic) in (0, -1001)
        topics.produce(topic, [sink.record(text) for text in _texts("b", 5)])
        warm.until(lambda: len(sink.written()) >= 15)
    finally:
        warm.close()

    assert sorted(sink.written()) == sorted(_texts("a", 10) + _texts("b", 5))
    assert _committed(kafka_bootstrap, name, topic) == 5


@pytest.mark.parametrize("path", ["mapping", "pull"])
def test_a_warm_sink_delivers_again_what_a_group_reset_to_earlier_offsets_asks_for(
        cluster: Cluster, topics: KafkaTopics, sink: Sink, kafka_bootstrap: str, path: str) -> None:
    warm = _warm_after_ten(cluster, topics, sink, kafka_bootstrap, path)
    name, topic = warm.name, warm.topic
    try:
        _reset_group(kafka_bootstrap, name, topic, 5)  # kafka-consumer-groups --reset-offsets --to-offset 5
        warm.until(lambda: len(sink.written()) >= 15)
    finally:
        warm.close()

    assert sorted(sink.written()) == sorted(_texts("a", 10) + _texts("a", 5, 5))
    assert _committed(kafka_bootstrap, name, topic) == 10


def test_a_warm_task_holding_records_uncommitted_is_handed_a_re_created_topics_records(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A sink that makes records durable one ``pre_commit`` later (the contract sink's write-behind) holds offsets
    0..4 uncommitted, so the mapping sends from 0 again. Meanwhile the topic is deleted and created again and 3 new
    records are produced at 0..2: the warm task must get them (they are not the records it holds at 0..2)."""
    import json

    from confluent_kafka import Consumer

    from connect_core.kafka.lambda_event import build_event
    from connect_core.runtime.sink_runner import UncommittedRecordsError
    from tests.fixtures.contract_sink import TARGET

    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", TARGET)
    name = f"holding-{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t")
    out = tmp_path / "out.txt"
    config = {"connector.class": TARGET, "topics": topic, "tasks.max": "1", "key.converter": STRING,
              "value.converter": STRING, "file": str(out), "contract.write.behind": "true"}
    cluster.deploy(name, config, [config])

    def event(count: int) -> dict[str, Any]:  # what the mapping sends: the topic's records from offset 0
        consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"peek-{uuid.uuid4().hex}",
                             "enable.auto.commit": False})
        consumer.assign([TopicPartition(topic, 0, 0)])
        messages: list[Any] = []
        deadline = time.monotonic() + 30
        while len(messages) < count and time.monotonic() < deadline:
            messages += [m for m in consumer.consume(100, 1.0) if m.error() is None]
        consumer.close()
        return build_event(messages, kafka_bootstrap)

    topics.produce(topic, [Out(None, f"a{i}".encode()) for i in range(5)])
    container = SinkInvocation(cluster.worker, name)
    try:
        with pytest.raises(UncommittedRecordsError):  # put, held: nothing durable yet, the mapping sends it again
            container.handle(event(5), 128)
        _recreate(topics, topic)
        topics.produce(topic, [Out(None, f"b{i}".encode()) for i in range(3)])
        with pytest.raises(UncommittedRecordsError):
            container.handle(event(3), 128)
    finally:
        container.close()

    puts = [json.loads(line) for line in (tmp_path / "out.txt.puts").read_text().splitlines()]
    assert puts == [[f"0:{i}" for i in range(5)], [f"0:{i}" for i in range(3)]]
