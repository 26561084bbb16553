"""A Kafka event source mapping, emulated: poll, batch, invoke the sink function, commit only after success.

Semantics follow Lambda's (reference aws-lambda.md section 2): the group is ``connect-<name>``; a batch closes at
``BatchSize`` records, after the batching window, or at 6 MB; on a function error the SAME batch is retried (the
partitions wait) up to ``MaximumRetryAttempts`` (-1 = until it succeeds), optionally bisected; with
``ReportBatchItemFailures`` the offsets before the first failed one per partition are committed and the rest is
retried. Locally one consumer serves the connector, so a blocked batch blocks all of its partitions.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.local.function_host import FunctionHost
    from connect_core.runtime.trigger_config import KafkaTriggerConfig

__all__ = ["KafkaTrigger", "build_event"]

log = logging.getLogger(__name__)
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
RETRY_BACKOFF_S = 1.0
FUNCTION_TIMEOUT_S = 300.0


def build_event(messages: list[Any], bootstrap_servers: str, event_source: str = "aws:kafka") -> dict[str, Any]:
    """The Lambda payload for consumed confluent-kafka messages (MSK or ``SelfManagedKafka`` shape)."""
    records: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        timestamp_type, timestamp = message.timestamp()
        record: dict[str, Any] = {
            "topic": message.topic(), "partition": message.partition(), "offset": message.offset(),
            "timestamp": timestamp, "timestampType": "LOG_APPEND_TIME" if timestamp_type == 2 else "CREATE_TIME",
            "headers": [{name: list(value or b"")} for name, value in (message.headers() or [])],
        }
        if message.key() is not None:
            record["key"] = base64.b64encode(message.key()).decode()
        if message.value() is not None:
            record["value"] = base64.b64encode(message.value()).decode()
        records.setdefault(f"{message.topic()}-{message.partition()}", []).append(record)
    event: dict[str, Any] = {"eventSource": event_source, "bootstrapServers": bootstrap_servers, "records": records}
    if event_source == "aws:kafka":
        event["eventSourceArn"] = "arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-0"
    return event


class KafkaTrigger:
    """One sink connector's event source mapping, running in a thread."""

    def __init__(
        self,
        connector: str,
        subscription: list[str],
        group_id: str,
        config: KafkaTriggerConfig,
        host: FunctionHost,
        *,
        settings: KafkaClientSettings,
    ) -> None:
        """``subscription``: topic names, or one ``^regex`` (librdkafka's pattern syntax for topics.regex)."""
        self.connector = connector
        self.subscription = subscription
        self.group_id = group_id
        self.config = config
        self.host = host
        self.settings = settings
        self.invocations = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"trigger-{connector}", daemon=True)

    def start(self) -> KafkaTrigger:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self.host.close()

    def _run(self) -> None:
        from confluent_kafka import Consumer

        consumer = Consumer({
            **self.settings.client_config(), "group.id": self.group_id, "enable.auto.commit": False,
            "auto.offset.reset": "earliest" if self.config.starting_position == "TRIM_HORIZON" else "latest",
            "isolation.level": "read_committed", "max.poll.interval.ms": 900_000, "session.timeout.ms": 10_000,
        })
        consumer.subscribe(self.subscription)
        try:
            while not self._stop.is_set():
                batch = self._gather(consumer)
                if batch:
                    self._deliver(consumer, batch)
        except Exception:
            log.exception("Kafka trigger of %s stopped", self.connector)
        finally:
            consumer.close()

    def _gather(self, consumer: Any) -> list[Any]:
        batch: list[Any] = []
        size = 0
        deadline = time.monotonic() + self.config.batching_window_ms / 1000.0
        while len(batch) < self.config.batch_size and not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 and batch:
                break
            for message in consumer.consume(self.config.batch_size - len(batch), timeout=max(remaining, 0.2)):
                if message.error():
                    log.warning("consumer error for %s: %s", self.connector, message.error())
                    continue
                batch.append(message)
                size += len(message.value() or b"") + len(message.key() or b"")
            if size >= MAX_PAYLOAD_BYTES or (not batch and remaining <= 0):
                break
        return batch

    def _deliver(self, consumer: Any, batch: list[Any]) -> None:
        pending = [batch]
        attempts = 0
        while pending and not self._stop.is_set():
            current = pending.pop(0)
            retry = self._invoke(current)
            if not retry:
                self._commit(consumer, current)  # retries are counted per original batch, halves included
                continue
            retried = {id(m) for m in retry}
            done = [m for m in current if id(m) not in retried]
            self._commit(consumer, done)
            attempts += 1
            limit = self.config.maximum_retry_attempts
            if limit >= 0 and attempts > limit:
                log.error("%s: dropping %d records after %d retries (as the mapping does with no destination)",
                          self.connector, len(retry), limit)
                self._commit(consumer, retry)
                attempts = 0
                continue
            if self.config.bisect_batch_on_function_error and len(retry) > 1:
                half = len(retry) // 2
                pending[:0] = [retry[:half], retry[half:]]
            else:
                pending.insert(0, retry)
            self._stop.wait(RETRY_BACKOFF_S)

    def _invoke(self, batch: list[Any]) -> list[Any]:
        """Invoke once; the records to retry (none on success)."""
        self.invocations += 1
        try:
            response = self.host.invoke(build_event(batch, self.settings.bootstrap_servers), FUNCTION_TIMEOUT_S)
        except Exception as error:  # noqa: BLE001 - any failure of the invocation means: retry the batch
            log.warning("%s: invocation failed, the batch will be retried: %s", self.connector, error)
            return batch
        failures = (response or {}).get("batchItemFailures") if self.config.report_batch_item_failures else None
        if not failures:
            return []
        first_failed: dict[str, int] = {}
        for failure in failures:
            item = failure.get("itemIdentifier", {})
            key, offset = str(item.get("partition")), int(item.get("offset", 0))
            first_failed[key] = min(offset, first_failed.get(key, offset))
        return [m for m in batch if m.offset() >= first_failed.get(f"{m.topic()}-{m.partition()}", 1 << 62)]

    @staticmethod
    def _commit(consumer: Any, messages: list[Any]) -> None:
        if not messages:
            return
        from confluent_kafka import TopicPartition

        highest: dict[tuple[str, int], int] = {}
        for message in messages:
            key = (message.topic(), message.partition())
            highest[key] = max(highest.get(key, -1), message.offset())
        consumer.commit(offsets=[TopicPartition(t, p, o + 1) for (t, p), o in highest.items()], asynchronous=False)
