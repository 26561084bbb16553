"""KIP-558 against the broker: a source task records the topics it produced to (the records path, a RegexRouter
routing each line to a topic of its own, and the values path), a sink task the topics it consumed, in the status topic
in Kafka's key and value format; ``topic.tracking.enable=false`` records nothing."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.runtime.sink_pull import SinkPullInvocations
from connect_core.runtime.source_runner import SourceRunner
from connect_core.storage.status_state import topic_status_key
from tests.integration.functions._sink_harness import KafkaTopics, Out

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
STRING = "org.apache.kafka.connect.storage.StringConverter"


def _budget(ms: float = 20_000) -> Callable[[], float]:
    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


def _status_records(cluster: Cluster, connector: str) -> dict[str, dict]:
    """The connector's topic records as written (key -> decoded value)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": cluster.worker.kafka.bootstrap_servers, "group.id": "unused",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    topic = cluster.worker.storage.status_storage_topic
    found: dict[str, dict] = {}
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        at_end: set[int] = set()
        deadline = time.monotonic() + 20
        while len(at_end) < len(partitions) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                at_end.add(message.partition())
                continue
            key = message.key().decode()
            if key.startswith("status-topic-") and key.endswith(f":connector-{connector}") and message.value():
                found[key] = json.loads(message.value())
    finally:
        consumer.close()
    return found


def test_a_source_records_each_topic_it_produced_to_once(cluster: Cluster, tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("a\nb\n")
    topic = f"{cluster.worker.group_id}-lines"
    config = {"connector.class": FILE_SOURCE, "file": str(path), "topic": topic, "value.converter": STRING,
              "transforms": "route", "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
              "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-routed"}
    cluster.deploy("src", config, [{"file": str(path), "topic": topic}])
    plain = {k: v for k, v in config.items() if not k.startswith("transforms")}
    cluster.deploy("plain", plain, [{"file": str(path), "topic": topic}])  # the values path: no SMT
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    try:
        assert runner.run("src", 0, _budget()).records == 2
        assert runner.run("plain", 0, _budget()).records == 2
        with path.open("a") as handle:
            handle.write("c\n")
        runner.run("src", 0, _budget())  # a known topic: nothing more written
    finally:
        runner.close()
    routed = _status_records(cluster, "src")
    assert list(routed) == [topic_status_key(f"{topic}-routed", "src")]
    inner = routed[topic_status_key(f"{topic}-routed", "src")]["topic"]
    assert (list(inner), inner["name"], inner["connector"], inner["task"]) == (
        ["name", "connector", "task", "discoverTimestamp"], f"{topic}-routed", "src", 0)
    assert list(_status_records(cluster, "plain")) == [topic_status_key(topic, "plain")]
    cluster.statuses.refresh()
    assert [t.topic for t in cluster.statuses.topics("src")] == [f"{topic}-routed"]


def test_a_sink_records_the_topics_it_consumed_and_tracking_off_records_nothing(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path) -> None:
    name = f"snk-{uuid.uuid4().hex[:6]}"
    a, b, idle = topics.create(f"{name}.a"), topics.create(f"{name}.b"), topics.create(f"{name}.idle")
    topics.produce(a, [Out(None, b"x")])
    topics.produce(b, [Out(None, b"y")])
    config = {"connector.class": FILE_SINK, "topics": f"{a},{b},{idle}", "value.converter": STRING,
              "file": str(tmp_path / "out.txt")}
    cluster.deploy(name, config, [{"file": str(tmp_path / "out.txt"), "topics": f"{a},{b},{idle}"}])
    pulls = SinkPullInvocations(cluster.worker)
    try:
        pulls.run(name, 0, _budget(), 128)
    finally:
        pulls.close()
    assert sorted(_status_records(cluster, name)) == sorted(topic_status_key(t, name) for t in (a, b))

    off = f"{name}-off"
    cluster.deploy(off, config, [{"file": str(tmp_path / "off.txt"), "topics": f"{a},{b}"}])
    untracked = SinkPullInvocations(dataclasses.replace(cluster.worker, topic_tracking=False))
    try:
        untracked.run(off, 0, _budget(), 128)
    finally:
        untracked.close()
    assert sorted((tmp_path / "off.txt").read_text().splitlines()) == ["x", "y"]
    assert _status_records(cluster, off) == {}
