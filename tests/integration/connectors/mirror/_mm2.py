"""Run our MirrorMaker 2 connectors as the functions would: a coordinator on the target (the worker's cluster) over
unique internal topics, and each task's invocations through ``SourceRunner``; plus readers of both clusters."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from unittest import mock

from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.connectors.mirror._formats import Heartbeat
from connect_core.coordinator import Coordinator, RecordingDeployer, Request, coordinator_from_settings
from connect_core.coordinator.herder import herder
from connect_core.kafka.clients import admin_client
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.source_runner import SourceInvocationResult, SourceRunner
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config import StorageConfig

if TYPE_CHECKING:
    from collections.abc import Callable

LOADED_START_TIMEOUT_S = 120.0
RETRIED_WATERMARK_ERRORS = (KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
                            KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._TIMED_OUT)
MIRROR_SOURCE = "org.apache.kafka.connect.mirror.MirrorSourceConnector"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"
CONVERTERS = {"key.converter": BYTES, "value.converter": BYTES, "header.converter": BYTES}


def budget(ms: float = 30_000) -> Callable[[], float]:
    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


@dataclass
class LambdaWorker:
    """A coordinator and a source runner on the target cluster, with internal topics of their own."""

    worker: WorkerSettings
    coordinator: Coordinator
    runner: SourceRunner
    prefix: str
    runners: list[SourceRunner] = field(default_factory=list)

    @classmethod
    def start(cls, target_bootstrap: str) -> LambdaWorker:
        prefix = f"mm2-lc-{uuid.uuid4().hex[:8]}"
        storage = StorageConfig(config_storage_topic=f"{prefix}-configs", offset_storage_topic=f"{prefix}-offsets",
                                status_storage_topic=f"{prefix}-status", offset_storage_partitions=5,
                                status_storage_partitions=2)
        worker = WorkerSettings(KafkaClientSettings(bootstrap_servers=target_bootstrap), storage, prefix, "lc:1")
        return cls(worker, coordinator_from_settings(worker, RecordingDeployer()), SourceRunner(worker), prefix)

    def rest(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        raw = None if body is None else json.dumps(body)
        response = self.coordinator.handle(Request.build(method, path, "", {"Content-Type": "application/json"}, raw))
        return response.status, response.body

    def create(self, name: str, config: dict[str, str]) -> None:
        # the connector's start lists both clusters' topics: given more than the coordinator's 15 s under a loaded
        # test run, where metadata requests of a broker with thousands of topics wait their turn
        with mock.patch.object(herder, "START_TIMEOUT_S", LOADED_START_TIMEOUT_S):
            status, body = self.rest("POST", "/connectors", {"name": name, "config": config})
        assert status == 201, body

    def task_count(self, name: str) -> int:
        status, body = self.rest("GET", f"/connectors/{name}/tasks")
        assert status == 200, body
        return len(body)

    def run_tasks(self, name: str) -> list[SourceInvocationResult]:
        """One invocation of every task of ``name``."""
        return [self.runner.run(name, task, budget()) for task in range(self.task_count(name))]

    def run_until_idle(self, name: str, rounds: int = 10) -> int:
        """Invocations of every task until one round copies nothing; the records copied."""
        copied = 0
        for _ in range(rounds):
            produced = sum(result.records for result in self.run_tasks(name))
            copied += produced
            if not produced:
                return copied
        return copied

    def close(self) -> None:
        self.runner.close()
        admin = admin_client(self.worker.kafka)
        doomed = [t for t in admin.list_topics(timeout=60).topics if t.startswith(self.prefix)]
        for future in (admin.delete_topics(doomed, operation_timeout=30) if doomed else {}).values():
            future.result()


def _high_watermark(consumer: Any, partition: Any, timeout_s: float = 30.0) -> int:
    """The partition's high watermark; a leader still being elected (a new topic on a loaded broker) is asked again."""
    from confluent_kafka import KafkaException

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return int(consumer.get_watermark_offsets(partition, timeout=10)[1])
        except KafkaException as error:
            if not error.args[0].retriable() and error.args[0].code() not in RETRIED_WATERMARK_ERRORS \
                    or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def read_all(bootstrap: str, topic: str, *, committed: bool = True, timeout_s: float = 10.0) -> list[Any]:
    """Every record of ``topic`` (all partitions) as confluent-kafka messages, in partition then offset order."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer
    from confluent_kafka import TopicPartition as KafkaPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"read-{uuid.uuid4().hex}",
                         "enable.auto.commit": False,
                         "isolation.level": "read_committed" if committed else "read_uncommitted"})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        partitions = [KafkaPartition(topic, p, OFFSET_BEGINNING) for p in sorted(metadata.partitions)]
        ends = {p.partition: _high_watermark(consumer, p) for p in partitions}
        consumer.assign(partitions)
        out: list[Any] = []
        done: set[int] = {p for p, end in ends.items() if end == 0}
        deadline = time.monotonic() + timeout_s
        while len(done) < len(ends) and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is None:
                positions = consumer.position(partitions)
                done |= {p.partition for p in positions if p.offset >= ends[p.partition]}
                continue
            if message.error() is None:
                out.append(message)
                if message.offset() + 1 >= ends[message.partition()]:
                    done.add(message.partition())
        return sorted(out, key=lambda m: (m.partition(), m.offset()))
    finally:
        consumer.close()


def heartbeats_of(bootstrap: str, alias: str, *, timeout_s: float = 10.0) -> list[tuple[Heartbeat, Any]]:
    """The heartbeats whose source cluster is ``alias`` on the shared ``heartbeats`` topic, decoded, with their records.

    Other runs' heartbeat connectors write there too, some through other converters (a JsonConverter key is JSON
    text), so only keys that start with ``alias`` as MM2 writes it (int16 length + UTF-8) are read; those must decode.
    """
    raw = alias.encode()
    prefix = len(raw).to_bytes(2, "big") + raw
    return [(Heartbeat.decode(m.key(), m.value()), m) for m in read_all(bootstrap, "heartbeats", timeout_s=timeout_s)
            if (m.key() or b"").startswith(prefix)]


def record_view(message: Any) -> tuple[Any, ...]:
    """What a byte-for-byte copy keeps: partition, key, value, headers, timestamp."""
    return message.partition(), message.key(), message.value(), message.headers() or [], message.timestamp()[1]


def produce_sample(bootstrap: str, topic: str, partitions: int = 2) -> None:
    """Records with every shape a copy must keep: null keys, tombstones, repeated/empty/null headers, timestamps."""
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive: a dropped client fails its futures
    admin.create_topics([NewTopic(
        topic, num_partitions=partitions, replication_factor=1,
        config={"retention.ms": "7200000", "min.insync.replicas": "1", "cleanup.policy": "delete"})])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap})
    # CreateTime a few minutes back, never hours: with the topic's retention.ms (2 h) copied to the remote topic, the
    # broker's retention check (every 5 minutes) would delete older records from both mid-test
    base = (int(time.time()) - 300) * 1000
    for i in range(7):
        producer.produce(topic, key=f"k{i}".encode() if i % 3 else None, value=None if i == 4 else f"v{i}".encode(),
                         partition=0, timestamp=base + i,
                         headers=[("h", b"1"), ("h", b"2"), ("empty", b""), ("null", None)] if i % 2 else None)
    for i in range(3):
        producer.produce(topic, key=b"p1", value=bytes([i, 0, 255]), partition=1, timestamp=base + 100_000 + i)
    producer.flush(30)


def mirror_config(alias: str, source: str, target: str, topics: str, **extra: str) -> dict[str, str]:
    return {"connector.class": MIRROR_SOURCE, "source.cluster.alias": alias, "target.cluster.alias": f"t{alias}",
            "source.cluster.bootstrap.servers": source, "target.cluster.bootstrap.servers": target,
            "topics": topics, "replication.factor": "1", "offset-syncs.topic.replication.factor": "1",
            "tasks.max": "2",
            # the second cluster's heartbeats topic (if a test ever made one) is not these tests' data
            "heartbeats.replication.enabled": "false", **CONVERTERS, **extra}


def commit(bootstrap: str, group: str, offsets: list[Any]) -> None:
    """Commit ``offsets`` (confluent-kafka TopicPartitions) for ``group``, as a consumer that stopped there."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=offsets, asynchronous=False)
    finally:
        consumer.close()


def committed(bootstrap: str, group: str, partitions: list[Any]) -> list[tuple[int, int, str | None]]:
    """(partition, offset, metadata) that ``group`` has committed on ``partitions``."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        return [(tp.partition, tp.offset, tp.metadata) for tp in consumer.committed(partitions, timeout=10)]
    finally:
        consumer.close()
