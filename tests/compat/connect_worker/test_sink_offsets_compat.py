"""What a Kafka Connect 4.3.1 worker's sink does when offsets move back: the reference for ``runtime/sink_offsets.py``.

A FileStreamSink on the worker consumes offsets 0..9; the topic is deleted and created again and 5 records are
produced at offsets 0..4: the worker's consumer resets (out of range, ``auto.offset.reset=earliest``) and all 5
arrive. ``tests/integration/runtime/test_sink_offsets.py`` holds our sinks, on both paths, to the same outcome.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

if TYPE_CHECKING:
    from pathlib import Path

    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration

STRING = "org.apache.kafka.connect.storage.StringConverter"


def _create(admin: AdminClient, topic: str) -> None:
    deadline = time.monotonic() + 60
    while True:  # the broker may still be removing the deleted topic's log
        try:
            admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
            return
        except KafkaException as error:
            # the worker's consumer (allow.auto.create.topics, the Java default) may have created it again, empty,
            # as soon as it was gone: re-created all the same
            if error.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                return
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _topic_id(admin: AdminClient, topic: str) -> str | None:
    """The topic's id, None while the cluster does not know it."""
    from confluent_kafka import TopicCollection

    try:
        return str(admin.describe_topics(TopicCollection([topic]))[topic].result(30).topic_id)
    except KafkaException:
        return None


def _produce(bootstrap: str, topic: str, values: list[str]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for value in values:
        producer.produce(topic, value.encode())
    assert producer.flush(30) == 0


def test_the_workers_sink_delivers_every_record_of_a_re_created_topic(connect_worker: ConnectWorker,
                                                                       tmp_path: Path) -> None:
    bootstrap = connect_worker.settings.bootstrap_servers
    admin = AdminClient({"bootstrap.servers": bootstrap})
    name = f"recreated-{uuid.uuid4().hex[:8]}"
    topic = f"{connect_worker.prefix}-{name}"  # dropped with the worker's topics
    out = tmp_path / "out.txt"
    _create(admin, topic)
    _produce(bootstrap, topic, [f"a{i}" for i in range(10)])
    status, body = connect_worker.rest("PUT", f"/connectors/{name}/config", {
        "connector.class": "FileStreamSink", "topics": topic, "file": str(out), "tasks.max": "1",
        "key.converter": STRING, "value.converter": STRING})
    assert status == 201, body
    try:
        connect_worker.wait_for("the first 10 lines", lambda: out.exists() and len(out.read_text().splitlines()) >= 10,
                                60)

        first = _topic_id(admin, topic)
        admin.delete_topics([topic])[topic].result(30)
        deadline = time.monotonic() + 60
        # gone, or already created again (empty, another id) by the worker's consumer: polling for its absence alone
        # can miss the moment and wait for ever
        while _topic_id(admin, topic) == first:
            assert time.monotonic() < deadline, f"{topic} still the same topic 60 s after its deletion"
            time.sleep(0.2)
        _create(admin, topic)
        _produce(bootstrap, topic, [f"b{i}" for i in range(5)])

        connect_worker.wait_for("the re-created topic's 5 lines",
                                lambda: len(out.read_text().splitlines()) >= 15, 90)
        assert out.read_text().splitlines() == [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(5)]
    finally:
        connect_worker.rest("DELETE", f"/connectors/{name}")
