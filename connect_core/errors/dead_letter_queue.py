"""Write failed records, byte for byte, to a dead letter queue topic (Kafka ``DeadLetterQueueReporter``).

The DLQ record carries the consumed record's original key, value, headers and timestamp, plus (with
``errors.deadletterqueue.context.headers.enable``) Kafka's ``__connect.errors.*`` headers, UTF-8 text, numbers
in decimal. Unlike Kafka, which logs and counts a failed DLQ write, a write that fails here raises
``DeadLetterQueueError`` (from ``report`` or, for asynchronous delivery failures, from ``flush``): the sink
runner flushes before it returns, so a record is never skipped without having reached the DLQ.

``__connect.errors.exception.class.name`` holds, because our exceptions are Python ones:

* the Kafka Java class name when the exception is exactly one of ``connect_core.api.errors`` (e.g.
  ``DataError`` -> ``org.apache.kafka.connect.errors.DataException``, ``ConfigError`` ->
  ``org.apache.kafka.common.config.ConfigException``), so DLQ tooling written for Kafka Connect keeps matching;
* otherwise the Python qualified name ``module.QualName`` (``builtins`` omitted, as Python's tracebacks print
  it: ``ValueError``, ``json.decoder.JSONDecodeError``, ``connect_core.connectors.jdbc.errors.JdbcError``).
  Subclasses keep their own name: it says more than the Kafka base would.

``exception.message`` is ``str(error)`` (no value when the exception has no message, as Java's null message)
and ``exception.stacktrace`` is Python's formatted traceback. ``class.name`` is whatever the runner passed as
the executing class (``module.QualName`` of a class, or a name such as the Kafka alias from the config).

confluent_kafka is imported only in ``create_and_setup``: a sink without DLQ never loads it.
"""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING, Any, Final, Protocol

from connect_core.api.errors import (
    AlreadyExistsError,
    ConfigError,
    ConnectError,
    DataError,
    NotFoundError,
    RetriableError,
)
from connect_core.errors.error_handling_metrics import ErrorHandlingMetrics, task_error_metrics
from connect_core.errors.exceptions import DeadLetterQueueError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from connect_core.errors.config import ErrorHandlingConfig
    from connect_core.errors.processing_context import ProcessingContext

__all__ = ["DeadLetterQueueReporter", "context_headers", "ensure_topic", "exception_class_name"]

log = logging.getLogger(__name__)

HEADER_PREFIX: Final = "__connect.errors."
ERROR_HEADER_ORIG_TOPIC: Final = HEADER_PREFIX + "topic"
ERROR_HEADER_ORIG_PARTITION: Final = HEADER_PREFIX + "partition"
ERROR_HEADER_ORIG_OFFSET: Final = HEADER_PREFIX + "offset"
ERROR_HEADER_CONNECTOR_NAME: Final = HEADER_PREFIX + "connector.name"
ERROR_HEADER_TASK_ID: Final = HEADER_PREFIX + "task.id"
ERROR_HEADER_STAGE: Final = HEADER_PREFIX + "stage"
ERROR_HEADER_EXECUTING_CLASS: Final = HEADER_PREFIX + "class.name"
ERROR_HEADER_EXCEPTION: Final = HEADER_PREFIX + "exception.class.name"
ERROR_HEADER_EXCEPTION_MESSAGE: Final = HEADER_PREFIX + "exception.message"
ERROR_HEADER_EXCEPTION_STACK_TRACE: Final = HEADER_PREFIX + "exception.stacktrace"

DLQ_NUM_DESIRED_PARTITIONS: Final = 1
DEFAULT_TIMEOUT_S: Final = 30.0
CLIENT_ID_PREFIX: Final = "connector-dlq-producer-"
# Kafka's worker producer defaults that matter for a DLQ: no acknowledged-but-lost record, no reordering.
DLQ_PRODUCER_DEFAULTS: Final[Mapping[str, Any]] = {"acks": "all", "max.in.flight.requests.per.connection": 1}

_BUFFER_FULL_ATTEMPTS: Final = 50
_BUFFER_FULL_POLL_S: Final = 0.1

JAVA_EXCEPTION_NAMES: Final[Mapping[type[BaseException], str]] = {
    ConnectError: "org.apache.kafka.connect.errors.ConnectException",
    ConfigError: "org.apache.kafka.common.config.ConfigException",
    DataError: "org.apache.kafka.connect.errors.DataException",
    RetriableError: "org.apache.kafka.connect.errors.RetriableException",
    NotFoundError: "org.apache.kafka.connect.errors.NotFoundException",
    AlreadyExistsError: "org.apache.kafka.connect.errors.AlreadyExistsException",
}


class _Producer(Protocol):
    """The part of ``confluent_kafka.Producer`` the reporter uses (a fake in unit tests)."""

    def produce(
        self, topic: str, value: bytes | None = ..., key: bytes | None = ..., *, timestamp: int = ...,
        headers: list[tuple[str, str | bytes | None]] | None = ...,
        on_delivery: Callable[[Any, Any], None] | None = ...,
    ) -> None: ...

    def poll(self, timeout: float) -> int: ...

    def flush(self, timeout: float) -> int: ...


def exception_class_name(error: BaseException) -> str:
    """The ``exception.class.name`` header value (see the module docstring for the rule)."""
    cls = type(error)
    java = JAVA_EXCEPTION_NAMES.get(cls)
    if java is not None:
        return java
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _text(value: object) -> bytes:
    return str(value).encode("utf-8")


def context_headers(
    context: ProcessingContext, connector_name: str, task_id: int, scrub: Callable[[str], str | None] | None = None,
) -> list[tuple[str, bytes | None]]:
    """The ``__connect.errors.*`` headers of one failure, in Kafka's order.

    ``scrub`` masks secrets in the exception message and stack trace (the runtime passes its redaction of resolved
    config-provider values: a driver error quoting a password must not land in a topic).
    """
    clean: Callable[[str], str | None] = scrub or (lambda text: text)
    headers: list[tuple[str, bytes | None]] = []
    record = context.consumed_record
    if record is not None:
        headers.append((ERROR_HEADER_ORIG_TOPIC, _text(record.topic)))
        headers.append((ERROR_HEADER_ORIG_PARTITION, _text(record.partition)))
        headers.append((ERROR_HEADER_ORIG_OFFSET, _text(record.offset)))
    headers.append((ERROR_HEADER_CONNECTOR_NAME, _text(connector_name)))
    headers.append((ERROR_HEADER_TASK_ID, _text(task_id)))
    headers.append((ERROR_HEADER_STAGE, _text(context.stage.name)))
    headers.append((ERROR_HEADER_EXECUTING_CLASS, _text(context.executing_class)))
    error = context.error
    if error is not None:
        headers.append((ERROR_HEADER_EXCEPTION, _text(exception_class_name(error))))
        headers.append((ERROR_HEADER_EXCEPTION_MESSAGE, _text(clean(str(error))) if error.args else None))
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        headers.append((ERROR_HEADER_EXCEPTION_STACK_TRACE, (clean(trace) or "").encode("utf-8")))
    return headers


class DeadLetterQueueReporter:
    """Produces the original bytes of each failed consumed record to the DLQ topic; raises if it cannot.

    Build it with ``create_and_setup`` (creates the topic if missing, opens the producer); the constructor
    takes any producer so tests can pass a fake. Reuse one across warm invocations, and ``flush`` before an
    invocation returns.

    Args:
        producer: a ``confluent_kafka.Producer`` (or anything with its ``produce``/``poll``/``flush``).
        topic: the DLQ topic.
        connector_name: for the ``connector.name`` header.
        task_id: for the ``task.id`` header.
        context_headers_enabled: ``errors.deadletterqueue.context.headers.enable``.
        metrics: counts DLQ produce requests and failures.
    """

    def __init__(
        self,
        producer: _Producer,
        topic: str,
        connector_name: str,
        task_id: int,
        *,
        context_headers_enabled: bool = False,
        metrics: ErrorHandlingMetrics | None = None,
        scrub: Callable[[str], str | None] | None = None,
    ) -> None:
        self.topic = topic.strip()
        self.scrub = scrub
        if not self.topic:
            raise DeadLetterQueueError("no dead letter queue topic: errors.deadletterqueue.topic.name is blank")
        self.connector_name = connector_name
        self.task_id = task_id
        self.context_headers_enabled = context_headers_enabled
        self.metrics = metrics if metrics is not None else ErrorHandlingMetrics()
        self._producer = producer
        self._delivery_errors: list[str] = []

    @classmethod
    def create_and_setup(
        cls,
        client_config: Mapping[str, Any],
        config: ErrorHandlingConfig,
        connector_name: str,
        task_id: int,
        *,
        producer_overrides: Mapping[str, Any] | None = None,
        metrics: ErrorHandlingMetrics | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        scrub: Callable[[str], str | None] | None = None,
    ) -> DeadLetterQueueReporter:
        """Ensure the DLQ topic exists (1 partition, the configured replication factor) and open the producer.

        Args:
            client_config: librdkafka connection settings (``bootstrap.servers``, security), for admin and producer.
            config: the connector's parsed ``errors.*`` config (topic name, replication factor, headers flag).
            connector_name: the connector.
            task_id: the task number.
            producer_overrides: extra producer settings (Kafka's ``producer.override.*``).
            metrics: counts DLQ produce requests and failures (default: the task's counters in this process).
            timeout: seconds allowed for listing and creating the topic.
            scrub: masks secrets in the context headers' exception message and trace.
        """
        from confluent_kafka import Producer

        topic = config.dlq_topic_name.strip()
        if not topic:
            raise DeadLetterQueueError("no dead letter queue topic: errors.deadletterqueue.topic.name is blank")
        ensure_topic(client_config, topic, config.dlq_topic_replication_factor, timeout)
        producer_config = {
            **client_config,
            **DLQ_PRODUCER_DEFAULTS,
            **(producer_overrides or {}),
            "client.id": f"{CLIENT_ID_PREFIX}{connector_name}-{task_id}",
        }
        return cls(
            Producer(producer_config),
            topic,
            connector_name,
            task_id,
            context_headers_enabled=config.dlq_context_headers_enable,
            metrics=metrics if metrics is not None else task_error_metrics(connector_name, task_id),
            scrub=scrub,
        )

    def report(self, context: ProcessingContext) -> None:
        """Send the failed record to the DLQ (asynchronously; ``flush`` waits for it).

        Raises:
            DeadLetterQueueError: the context has no consumed record, the producer refused the record, or an
                earlier record failed delivery.
        """
        self._raise_delivery_errors()
        self.metrics.deadletterqueue_produce_requests += 1
        record = context.consumed_record
        if record is None:
            self.metrics.deadletterqueue_produce_failures += 1
            raise DeadLetterQueueError(
                f"Could not produce message to dead letter queue. topic={self.topic}: "
                f"no consumed record for the failure in stage {context.stage.name}"
            ) from context.error
        headers = list(record.headers)
        if self.context_headers_enabled:
            headers += context_headers(context, self.connector_name, self.task_id, self.scrub)
        kwargs: dict[str, Any] = {"key": record.key, "value": record.value, "headers": headers}
        if record.timestamp is not None and record.timestamp >= 0:
            kwargs["timestamp"] = record.timestamp
        self._produce(kwargs)

    def flush(self, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Wait until every reported record is acknowledged.

        Raises:
            DeadLetterQueueError: a record failed delivery or was still pending after ``timeout`` seconds.
        """
        remaining = self._producer.flush(timeout)
        if remaining:
            self.metrics.deadletterqueue_produce_failures += remaining
            raise DeadLetterQueueError(
                f"Could not produce message to dead letter queue. topic={self.topic}: "
                f"{remaining} record(s) still undelivered after {timeout} s"
            )
        self._raise_delivery_errors()

    def close(self, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Flush (raising as ``flush`` does), then release the producer."""
        try:
            self.flush(timeout)
        finally:
            for name in ("purge", "close"):  # purge first: close() would otherwise wait for undeliverable records
                method: Callable[[], object] | None = getattr(self._producer, name, None)
                if method is not None:
                    method()

    def _produce(self, kwargs: dict[str, Any]) -> None:
        for _ in range(_BUFFER_FULL_ATTEMPTS):
            try:
                self._producer.produce(self.topic, on_delivery=self._on_delivery, **kwargs)
            except BufferError:
                self._producer.poll(_BUFFER_FULL_POLL_S)  # queue full: serve delivery reports, then retry
                continue
            except Exception as error:
                self.metrics.deadletterqueue_produce_failures += 1
                raise DeadLetterQueueError(
                    f"Could not produce message to dead letter queue. topic={self.topic}: {error}"
                ) from error
            self._producer.poll(0)
            return
        self.metrics.deadletterqueue_produce_failures += 1
        raise DeadLetterQueueError(
            f"Could not produce message to dead letter queue. topic={self.topic}: the producer queue stayed full"
        )

    def _on_delivery(self, error: object, _message: object) -> None:
        if error is not None:
            log.error("Could not produce message to dead letter queue. topic=%s: %s", self.topic, error)
            self.metrics.deadletterqueue_produce_failures += 1
            self._delivery_errors.append(str(error))

    def _raise_delivery_errors(self) -> None:
        if self._delivery_errors:
            errors, self._delivery_errors = self._delivery_errors, []
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise DeadLetterQueueError(
                f"Could not produce message to dead letter queue. topic={self.topic}: {errors[0]}{more}"
            )


def ensure_topic(client_config: Mapping[str, Any], topic: str, replication_factor: int, timeout: float) -> None:
    """Create the DLQ topic with one partition unless it exists (a concurrent creation is fine)."""
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient(dict(client_config))
    try:
        if topic in admin.list_topics(timeout=timeout).topics:
            return
        log.warning("Topic %s doesn't exist. Will attempt to create topic.", topic)
        new_topic = NewTopic(topic, num_partitions=DLQ_NUM_DESIRED_PARTITIONS, replication_factor=replication_factor)
        futures = admin.create_topics([new_topic], operation_timeout=timeout, request_timeout=timeout)
        futures[topic].result(timeout=timeout)
    except TimeoutError as error:
        raise DeadLetterQueueError(f"Could not initialize dead letter queue with topic={topic}: timed out") from error
    except KafkaException as error:
        kafka_error = error.args[0] if error.args else None
        if isinstance(kafka_error, KafkaError) and kafka_error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return
        raise DeadLetterQueueError(f"Could not initialize dead letter queue with topic={topic}") from error
