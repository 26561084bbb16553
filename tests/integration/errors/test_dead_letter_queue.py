"""A record a converter rejects lands in the DLQ topic, byte for byte, with Kafka's error context headers."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka import TIMESTAMP_CREATE_TIME, Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.errors import DataError
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.dead_letter_queue import DeadLetterQueueReporter
from connect_core.errors.exceptions import DeadLetterQueueError
from connect_core.errors.retry_with_tolerance import FAILED, RetryWithToleranceOperator
from connect_core.errors.stage import Stage

if TYPE_CHECKING:
    from confluent_kafka import Message

pytestmark = pytest.mark.integration

TIMESTAMP = 1700000000123


class JsonConverter:
    """Stands in for the value converter that rejects the record."""

    def to_connect_data(self, value: bytes) -> object:
        try:
            return json.loads(value)
        except ValueError as e:
            raise DataError(f"Converting byte[] to Kafka Connect data failed due to serialization error: {e}") from e


def consume_one(bootstrap: str, topic: str) -> Message:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    try:
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is None:
                continue
            assert message.error() is None, message.error()
            return message
    finally:
        consumer.close()
    raise AssertionError(f"nothing consumed from {topic}")


def as_consumed_record(message: Message) -> ConsumedRecord:
    timestamp_type, timestamp = message.timestamp()
    return ConsumedRecord(
        message.topic(),
        message.partition(),
        message.offset(),
        timestamp,
        "CreateTime" if timestamp_type == TIMESTAMP_CREATE_TIME else "LogAppendTime",
        message.key(),
        message.value(),
        message.headers() or [],
    )


def dlq_config(topic: str, **props: str) -> ErrorHandlingConfig:
    return ErrorHandlingConfig.parse(
        {
            "errors.tolerance": "all",
            "errors.deadletterqueue.topic.name": topic,
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true",
            **props,
        }
    )


def test_failed_record_lands_in_auto_created_dlq_with_original_bytes_and_context(kafka_bootstrap: str) -> None:
    suffix = uuid.uuid4().hex[:10]
    source_topic, dlq_topic = f"orders-{suffix}", f"dlq-orders-{suffix}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(source_topic, num_partitions=3, replication_factor=1)])[source_topic].result(30)
    assert dlq_topic not in admin.list_topics(timeout=30).topics

    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    original_headers = [("trace-id", b"abc-123"), ("bin", b"\x00\xff"), ("nothing", None)]
    producer.produce(
        source_topic, key=b"\x01order-7", value=b"{not json", partition=2, headers=original_headers, timestamp=TIMESTAMP
    )
    assert producer.flush(30) == 0
    consumed = as_consumed_record(consume_one(kafka_bootstrap, source_topic))

    reporter = DeadLetterQueueReporter.create_and_setup(
        {"bootstrap.servers": kafka_bootstrap}, dlq_config(dlq_topic), "orders-sink", 4
    )
    operator = RetryWithToleranceOperator.from_config(dlq_config(dlq_topic), reporters=[reporter])
    converter = JsonConverter()

    result = operator.execute(
        Stage.VALUE_CONVERTER,
        JsonConverter,
        lambda: converter.to_connect_data(consumed.value or b""),
        original=consumed,
    )
    reporter.flush(30)

    assert result is FAILED
    metadata = admin.list_topics(timeout=30).topics[dlq_topic]
    assert len(metadata.partitions) == 1
    assert len(metadata.partitions[0].replicas) == 1

    dead = consume_one(kafka_bootstrap, dlq_topic)
    assert dead.key() == b"\x01order-7"
    assert dead.value() == b"{not json"
    assert dead.timestamp() == (TIMESTAMP_CREATE_TIME, TIMESTAMP)
    headers = dead.headers()
    assert headers[:3] == original_headers
    context = dict(headers[3:])
    assert [name for name, _ in headers[3:]] == [
        "__connect.errors.topic",
        "__connect.errors.partition",
        "__connect.errors.offset",
        "__connect.errors.connector.name",
        "__connect.errors.task.id",
        "__connect.errors.stage",
        "__connect.errors.class.name",
        "__connect.errors.exception.class.name",
        "__connect.errors.exception.message",
        "__connect.errors.exception.stacktrace",
    ]
    assert context["__connect.errors.topic"] == source_topic.encode()
    assert context["__connect.errors.partition"] == b"2"
    assert context["__connect.errors.offset"] == b"0"
    assert context["__connect.errors.connector.name"] == b"orders-sink"
    assert context["__connect.errors.task.id"] == b"4"
    assert context["__connect.errors.stage"] == b"VALUE_CONVERTER"
    assert context["__connect.errors.class.name"] == f"{__name__}.JsonConverter".encode()
    assert context["__connect.errors.exception.class.name"] == b"org.apache.kafka.connect.errors.DataException"
    assert context["__connect.errors.exception.message"].startswith(
        b"Converting byte[] to Kafka Connect data failed due to serialization error: Expecting property name"
    )
    trace = context["__connect.errors.exception.stacktrace"].decode()
    assert trace.startswith("Traceback (most recent call last):")
    assert "json.decoder.JSONDecodeError" in trace
    assert "connect_core.api.errors.DataError: Converting byte[]" in trace
    assert reporter.metrics.deadletterqueue_produce_requests == 1
    assert operator.metrics.total_records_skipped == 1
    reporter.close(30)


def test_existing_dlq_topic_is_used_as_is(kafka_bootstrap: str) -> None:
    dlq_topic = f"dlq-existing-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(dlq_topic, num_partitions=2, replication_factor=1)])[dlq_topic].result(30)
    config = dlq_config(dlq_topic, **{"errors.deadletterqueue.context.headers.enable": "false"})

    reporter = DeadLetterQueueReporter.create_and_setup({"bootstrap.servers": kafka_bootstrap}, config, "sink", 0)
    operator = RetryWithToleranceOperator.from_config(config, reporters=[reporter])
    record = ConsumedRecord("orders", 0, 9, None, "NoTimestampType", None, b"\xde\xad")
    operator.execute_failed(
        Stage.TASK_PUT, "io.confluent.connect.jdbc.JdbcSinkConnector", DataError("x"), original=record
    )
    reporter.flush(30)

    assert len(admin.list_topics(timeout=30).topics[dlq_topic].partitions) == 2
    dead = consume_one(kafka_bootstrap, dlq_topic)
    assert (dead.key(), dead.value(), dead.headers()) == (None, b"\xde\xad", None)
    reporter.close(30)


def test_dlq_that_cannot_be_created_fails_setup(kafka_bootstrap: str) -> None:
    config = dlq_config(f"dlq/invalid name {uuid.uuid4().hex[:6]}")

    with pytest.raises(DeadLetterQueueError, match="Could not initialize dead letter queue with topic=dlq/invalid"):
        DeadLetterQueueReporter.create_and_setup({"bootstrap.servers": kafka_bootstrap}, config, "sink", 0)


def test_dlq_with_replication_factor_beyond_the_cluster_fails_setup(kafka_bootstrap: str) -> None:
    config = dlq_config(f"dlq-rf-{uuid.uuid4().hex[:10]}", **{"errors.deadletterqueue.topic.replication.factor": "3"})

    with pytest.raises(DeadLetterQueueError, match="Could not initialize dead letter queue"):
        DeadLetterQueueReporter.create_and_setup({"bootstrap.servers": kafka_bootstrap}, config, "sink", 0)
