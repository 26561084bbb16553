"""Confluent's Connect Reporter for the HTTP sink: one record per sink record on the result topic (the response
to its request) or the error topic (why its request failed), produced by a producer the task owns.

As in Confluent, the reporter writes to ``reporter.bootstrap.servers`` with ``reporter.producer.*`` settings; the
records of a ``put`` are flushed before it returns, so the batch's offsets are committed only after its reports
are written. Values are bytes; the key is the record key's string form; the headers name the input record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConnectError, RetriableError
from connect_core.api.java_objects import java_string
from connect_core.api.kafka_client_keys import librdkafka_settings

if TYPE_CHECKING:
    from connect_core.api.record import SinkRecord
    from connect_core.connectors.http.config import HttpSinkConfig

__all__ = ["Reporter"]

_PRODUCER_PREFIX = "reporter.producer."
_FLUSH_TIMEOUT_S = 30.0


def _topic(pattern: str, connector: str) -> str | None:
    name = pattern.replace("${connector}", connector).strip()
    return name or None


class Reporter:
    """Produces result and error records; ``flush`` waits until Kafka has them all."""

    def __init__(self, config: HttpSinkConfig, props: dict[str, str]) -> None:
        """A producer for ``reporter.bootstrap.servers`` (confluent_kafka imported only when reporting is on)."""
        from confluent_kafka import Producer

        connector = props.get("name", "http-sink")
        self.result_topic = _topic(config.reporter_result_topic_name, connector)
        self.error_topic = _topic(config.reporter_error_topic_name, connector)
        java = {key[len(_PRODUCER_PREFIX):]: value for key, value in props.items()
                if key.startswith(_PRODUCER_PREFIX) and value is not None}
        settings: dict[str, Any] = librdkafka_settings(java, _PRODUCER_PREFIX)  # the client-key gate
        settings.update({"bootstrap.servers": config.reporter_bootstrap_servers, "enable.idempotence": True,
                         "acks": "all"})
        self._producer = Producer(settings)
        self._failures: list[str] = []

    def result(self, record: SinkRecord, status: int, body: bytes) -> None:
        """The response to ``record``'s request, on the result topic."""
        if self.result_topic:
            self._produce(self.result_topic, record, body, [("status_code", str(status).encode())])

    def error(self, record: SinkRecord, value: bytes, message: str, status: int) -> None:
        """Why ``record``'s request failed, on the error topic."""
        if self.error_topic:
            extra = [("error_message", message[:10_000].encode()), ("status_code", str(status).encode())]
            self._produce(self.error_topic, record, value, extra)

    def _produce(self, topic: str, record: SinkRecord, value: bytes, extra: list[tuple[str, bytes]]) -> None:
        headers: list[tuple[str, str | bytes | None]] = [
            ("input_record_topic", record.topic.encode()),
            ("input_record_partition", str(record.kafka_partition).encode()),
            ("input_record_offset", str(record.kafka_offset).encode()),
            ("input_record_timestamp", str(record.timestamp).encode()),
            *extra,
        ]
        key = None if record.key is None else java_string(record.key).encode()
        self._producer.produce(topic, value=value, key=key, headers=headers, on_delivery=self._delivered)
        self._producer.poll(0)

    def _delivered(self, error: Any, _message: Any) -> None:
        if error is not None:
            self._failures.append(str(error))

    def flush(self) -> None:
        """Wait for every report; a report Kafka refused fails the batch (nothing is committed, so it is sent
        again)."""
        remaining = self._producer.flush(_FLUSH_TIMEOUT_S)
        failures, self._failures = self._failures, []
        if remaining:
            raise RetriableError(f"HTTP sink reporter: {remaining} report(s) not delivered to Kafka in time")
        if failures:
            raise ConnectError(f"HTTP sink reporter: Kafka refused a report: {failures[0]}")

    def close(self) -> None:
        """Flush what is left and drop the producer."""
        self._producer.flush(_FLUSH_TIMEOUT_S)
