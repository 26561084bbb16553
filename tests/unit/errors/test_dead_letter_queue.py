from __future__ import annotations

import json
from typing import Any

import pytest

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.errors import (
    AlreadyExistsError,
    ConfigError,
    ConnectError,
    DataError,
    NotFoundError,
    RetriableError,
)
from connect_core.errors import dead_letter_queue
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.dead_letter_queue import DeadLetterQueueReporter, context_headers, exception_class_name
from connect_core.errors.exceptions import DeadLetterQueueError
from connect_core.errors.processing_context import ProcessingContext
from connect_core.errors.stage import Stage

CLASS = "connect_core.converters.json.JsonConverter"
RECORD = ConsumedRecord(
    "orders", 2, 41, 1700000000000, "CreateTime", b"\x00key", b"{not json", [("trace", b"abc"), ("empty", None)]
)


class FakeProducer:
    """confluent_kafka.Producer's produce/poll/flush, delivering (or failing) on poll and flush."""

    def __init__(self, *, delivery_error: str | None = None, buffer_full: int = 0, stuck: int = 0) -> None:
        self.produced: list[dict[str, Any]] = []
        self.delivery_error = delivery_error
        self.buffer_full = buffer_full
        self.stuck = stuck
        self.calls: list[str] = []
        self._pending: list[Any] = []

    def produce(self, topic: str, **kwargs: Any) -> None:
        if self.buffer_full:
            self.buffer_full -= 1
            raise BufferError("Local: Queue full")
        self.produced.append({"topic": topic, **kwargs})
        self._pending.append(kwargs["on_delivery"])

    def poll(self, timeout: float) -> int:
        served, self._pending = self._pending, []
        for callback in served:
            callback(self.delivery_error, None)
        return len(served)

    def flush(self, timeout: float) -> int:
        self.poll(timeout)
        return self.stuck

    def purge(self) -> None:
        self.calls.append("purge")

    def close(self) -> None:
        self.calls.append("close")


def failure(error: BaseException | None = None, original: object | None = RECORD) -> ProcessingContext:
    if error is None:
        try:
            json.loads("{not json")
        except ValueError as e:
            error = DataError(f"Converting byte[] to Kafka Connect data failed due to serialization error: {e}")
            error.__cause__ = e
    return ProcessingContext(original, Stage.VALUE_CONVERTER, CLASS, error)


def make_reporter(producer: FakeProducer, *, headers: bool = True) -> DeadLetterQueueReporter:
    return DeadLetterQueueReporter(producer, "dlq-orders", "my-sink", 3, context_headers_enabled=headers)


def test_produces_the_original_key_value_headers_and_timestamp() -> None:
    producer = FakeProducer()
    reporter = make_reporter(producer, headers=False)

    reporter.report(failure())
    reporter.flush()

    (sent,) = producer.produced
    assert sent["topic"] == "dlq-orders"
    assert (sent["key"], sent["value"], sent["timestamp"]) == (b"\x00key", b"{not json", 1700000000000)
    assert sent["headers"] == [("trace", b"abc"), ("empty", None)]
    assert "partition" not in sent  # the producer's partitioner chooses, as in Kafka
    assert reporter.metrics.deadletterqueue_produce_requests == 1
    assert reporter.metrics.deadletterqueue_produce_failures == 0


def test_record_without_timestamp_is_produced_without_one() -> None:
    producer = FakeProducer()
    reporter = make_reporter(producer)

    reporter.report(failure(original=RECORD._replace(timestamp=None, timestamp_type="NoTimestampType")))

    assert "timestamp" not in producer.produced[0]


def test_context_headers_follow_the_original_headers_in_kafkas_order() -> None:
    producer = FakeProducer()
    reporter = make_reporter(producer)
    context = failure()

    reporter.report(context)

    headers = producer.produced[0]["headers"]
    assert headers[:2] == [("trace", b"abc"), ("empty", None)]
    names = [name for name, _ in headers[2:]]
    assert names == [
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
    values = dict(headers[2:])
    assert values["__connect.errors.topic"] == b"orders"
    assert values["__connect.errors.partition"] == b"2"
    assert values["__connect.errors.offset"] == b"41"
    assert values["__connect.errors.connector.name"] == b"my-sink"
    assert values["__connect.errors.task.id"] == b"3"
    assert values["__connect.errors.stage"] == b"VALUE_CONVERTER"
    assert values["__connect.errors.class.name"] == CLASS.encode()
    assert values["__connect.errors.exception.class.name"] == b"org.apache.kafka.connect.errors.DataException"
    assert values["__connect.errors.exception.message"] == str(context.error).encode("utf-8")
    trace = values["__connect.errors.exception.stacktrace"].decode("utf-8")
    assert "json.decoder.JSONDecodeError" in trace
    assert trace.rstrip().endswith(f"connect_core.api.errors.DataError: {context.error}")


def test_header_values_are_utf8_text() -> None:
    error = ValueError("bad ünïcode ✓")

    values = dict(context_headers(failure(error, RECORD._replace(topic="tópic")), "sïnk", 0))

    assert values["__connect.errors.topic"] == "tópic".encode()
    assert values["__connect.errors.connector.name"] == "sïnk".encode()
    assert values["__connect.errors.exception.message"] == "bad ünïcode ✓".encode()
    assert values["__connect.errors.exception.class.name"] == b"ValueError"


def test_exception_without_message_gets_a_null_message_header() -> None:
    values = dict(context_headers(failure(KeyError()), "sink", 0))

    assert values["__connect.errors.exception.message"] is None
    assert values["__connect.errors.exception.stacktrace"] == b"KeyError\n"


def test_scrub_masks_secrets_in_the_message_and_trace() -> None:
    error = ValueError("login failed for password s3cret-value")
    values = dict(context_headers(failure(error), "sink", 0, lambda text: text.replace("s3cret-value", "[hidden]")))
    assert values["__connect.errors.exception.message"] == b"login failed for password [hidden]"
    assert b"s3cret-value" not in values["__connect.errors.exception.stacktrace"]
    assert b"[hidden]" in values["__connect.errors.exception.stacktrace"]


def test_no_context_headers_when_disabled() -> None:
    producer = FakeProducer()

    make_reporter(producer, headers=False).report(failure())

    assert not any(name.startswith("__connect.errors.") for name, _ in producer.produced[0]["headers"])


class CustomDataError(DataError):
    """A connector's own error."""


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (ConnectError("x"), "org.apache.kafka.connect.errors.ConnectException"),
        (ConfigError("x"), "org.apache.kafka.common.config.ConfigException"),
        (DataError("x"), "org.apache.kafka.connect.errors.DataException"),
        (RetriableError("x"), "org.apache.kafka.connect.errors.RetriableException"),
        (NotFoundError("x"), "org.apache.kafka.connect.errors.NotFoundException"),
        (AlreadyExistsError("x"), "org.apache.kafka.connect.errors.AlreadyExistsException"),
        (CustomDataError("x"), f"{__name__}.CustomDataError"),
        (ValueError("x"), "ValueError"),
        (json.JSONDecodeError("x", "", 0), "json.decoder.JSONDecodeError"),
    ],
)
def test_exception_class_name(error: BaseException, name: str) -> None:
    assert exception_class_name(error) == name


def test_failure_without_consumed_record_raises_instead_of_dropping() -> None:
    producer = FakeProducer()
    reporter = make_reporter(producer)

    with pytest.raises(DeadLetterQueueError, match="no consumed record"):
        reporter.report(failure(original={"source": "record"}))

    assert producer.produced == []
    assert reporter.metrics.deadletterqueue_produce_failures == 1


def test_delivery_failure_raises_on_flush_once() -> None:
    producer = FakeProducer(delivery_error="Broker: Topic authorization failed")
    reporter = make_reporter(producer)
    reporter.report(failure())

    with pytest.raises(DeadLetterQueueError, match="topic=dlq-orders: Broker: Topic authorization failed"):
        reporter.flush()

    assert reporter.metrics.deadletterqueue_produce_failures == 1
    reporter.flush()  # the failure was raised once; a warm invocation starts clean


def test_delivery_failure_seen_while_reporting_raises_on_the_next_report() -> None:
    producer = FakeProducer(delivery_error="Broker: Message size too large")
    reporter = make_reporter(producer)
    reporter.report(failure())  # poll(0) after produce serves the failed delivery report

    with pytest.raises(DeadLetterQueueError, match="Message size too large"):
        reporter.report(failure())


def test_undelivered_records_after_flush_timeout_raise() -> None:
    reporter = make_reporter(FakeProducer(stuck=2))

    with pytest.raises(DeadLetterQueueError, match="2 record"):
        reporter.flush(0.5)


def test_full_producer_queue_is_drained_and_retried() -> None:
    producer = FakeProducer(buffer_full=3)
    reporter = make_reporter(producer)

    reporter.report(failure())

    assert len(producer.produced) == 1


def test_producer_queue_that_stays_full_raises() -> None:
    reporter = make_reporter(FakeProducer(buffer_full=10_000))

    with pytest.raises(DeadLetterQueueError, match="stayed full"):
        reporter.report(failure())


def test_producer_refusing_the_record_raises() -> None:
    class RefusingProducer(FakeProducer):
        def produce(self, topic: str, **kwargs: Any) -> None:
            raise RuntimeError("KafkaError{code=MSG_SIZE_TOO_LARGE}")

    reporter = make_reporter(RefusingProducer())

    with pytest.raises(DeadLetterQueueError, match="MSG_SIZE_TOO_LARGE") as raised:
        reporter.report(failure())

    assert isinstance(raised.value.__cause__, RuntimeError)
    assert reporter.metrics.deadletterqueue_produce_failures == 1


def test_close_flushes_then_releases_the_producer() -> None:
    producer = FakeProducer(stuck=1)
    reporter = make_reporter(producer)

    with pytest.raises(DeadLetterQueueError):
        reporter.close()

    assert producer.calls == ["purge", "close"]


def test_blank_topic_is_refused() -> None:
    with pytest.raises(DeadLetterQueueError, match="blank"):
        DeadLetterQueueReporter(FakeProducer(), "  ", "sink", 0)


def test_create_and_setup_ensures_the_topic_and_names_the_producer(monkeypatch: pytest.MonkeyPatch) -> None:
    import confluent_kafka

    ensured: list[tuple[Any, ...]] = []
    configs: list[dict[str, Any]] = []
    monkeypatch.setattr(dead_letter_queue, "ensure_topic", lambda *args: ensured.append(args))
    monkeypatch.setattr(confluent_kafka, "Producer", lambda config: configs.append(config) or FakeProducer())
    config = ErrorHandlingConfig.parse(
        {
            "errors.deadletterqueue.topic.name": "dlq-orders",
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true",
        }
    )

    reporter = DeadLetterQueueReporter.create_and_setup(
        {"bootstrap.servers": "b:9092", "client.id": "ignored"},
        config,
        "my-sink",
        3,
        producer_overrides={"linger.ms": 1},
    )

    assert ensured == [({"bootstrap.servers": "b:9092", "client.id": "ignored"}, "dlq-orders", 1, 30.0)]
    assert configs == [
        {
            "bootstrap.servers": "b:9092",
            "client.id": "connector-dlq-producer-my-sink-3",
            "acks": "all",
            "max.in.flight.requests.per.connection": 1,
            "linger.ms": 1,
        }
    ]
    assert reporter.topic == "dlq-orders"
    assert reporter.context_headers_enabled


def test_create_and_setup_refuses_a_config_without_dlq_topic() -> None:
    with pytest.raises(DeadLetterQueueError, match="blank"):
        DeadLetterQueueReporter.create_and_setup({}, ErrorHandlingConfig(), "sink", 0)
