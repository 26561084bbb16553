"""A Kafka event source mapping, emulated: poll, batch, invoke the sink function, commit only after success.

Semantics follow Lambda's Kafka event source mappings (AWS's Lambda guides for Amazon MSK and self-managed Kafka):
the group is ``connect-<name>``; a batch closes at ``BatchSize`` records, after the batching window, or before its
JSON payload (base64 values) would pass 6 MB;
on a function error the SAME batch is retried (the partitions wait) up to ``MaximumRetryAttempts`` (-1 = until it
succeeds), optionally bisected; with
``ReportBatchItemFailures`` the offsets before the first failed one per partition are committed and the rest is
retried; records older than ``MaximumRecordAgeInSeconds`` are discarded instead of sent. Locally one consumer serves
the connector, so a blocked batch blocks all of its partitions.

AWS does not document the isolation level of Lambda's Kafka pollers. The consumer reads ``read_uncommitted`` by
default (``LAMBDA_CONNECT_ESM_ISOLATION_LEVEL``): the worst case, and Kafka's (and a Connect worker's sink
consumer's) default, so what runs locally is what must hold on AWS: the sink runtime drops records of aborted
transactions itself (``connect_core.kafka.committed_filter``). ``read_committed`` is the other case.

:class:`KafkaEventSourceMapping` is those semantics with the function behind a seam (``invoke``: event in, response
out, an exception for a function error), driven one batch at a time; ``lambda-connect up`` runs it in a thread
against a local function host (:class:`KafkaTrigger`), the LocalStack extension (infra/localstack_ext) from
LocalStack's event source mapping worker against LocalStack's Lambda service.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connect_core.kafka.lambda_event import LOCAL_CLUSTER_ARN, build_event, event_record, payload_size
from connect_core.kafka.retry import is_retriable, with_retries
from connect_core.runtime.idle_tick import MIN_TICK_MS, idle_tick_event
from connect_core.runtime.task_start import SINK_START_EVENT

if TYPE_CHECKING:
    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.local.function_host import FunctionHost
    from connect_core.runtime.trigger_config import KafkaTriggerConfig

__all__ = ["Invoke", "KafkaEventSourceMapping", "KafkaTrigger", "build_event", "esm_isolation_level", "event_record",
           "payload_size"]

log = logging.getLogger(__name__)
COMMIT_RETRY_S = 120.0  # how long a commit is tried again while its group's coordinator moves
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda's invocation payload limit: the JSON event, base64 values included
ENVELOPE_BYTES = 1024  # eventSource, eventSourceArn, bootstrapServers and the braces around the records
RETRY_BACKOFF_S = 1.0
FUNCTION_TIMEOUT_S = 300.0


def esm_isolation_level() -> str:
    """The mappings' isolation level from ``LAMBDA_CONNECT_ESM_ISOLATION_LEVEL`` (a clear error when it is wrong)."""
    from connect_core.runtime import env

    level = env.resolve(env.ESM_ISOLATION_LEVEL, env.DEFAULT_ESM_ISOLATION_LEVEL)
    if level not in ("read_committed", "read_uncommitted"):
        raise ValueError(f"{env.ESM_ISOLATION_LEVEL}={level!r}: use read_committed or read_uncommitted")
    return level


# The function behind a mapping: event in, the function's response out; raises when the invocation failed (the batch
# is then retried).
Invoke = Callable[[dict[str, Any]], Any]


class KafkaEventSourceMapping:
    """One mapping's consumer and delivery loop, one batch per :meth:`poll_once`; not thread-safe (one caller)."""

    def __init__(
        self,
        name: str,
        subscription: list[str],
        group_id: str,
        config: KafkaTriggerConfig,
        invoke: Invoke,
        *,
        settings: KafkaClientSettings,
        event_source: str = "aws:kafka",
        event_source_arn: str = LOCAL_CLUSTER_ARN,
        stopping: threading.Event | None = None,
        isolation_level: str | None = None,
    ) -> None:
        """``subscription``: topic names, or one ``^regex`` (librdkafka's pattern syntax for topics.regex);
        ``stopping`` interrupts batching and retries (what is not committed is read again by the next consumer);
        ``isolation_level``: ``read_uncommitted`` or ``read_committed`` (default:
        ``LAMBDA_CONNECT_ESM_ISOLATION_LEVEL``, else read_uncommitted)."""
        self.name = name
        self.subscription = subscription
        self.group_id = group_id
        self.config = config
        self.invoke = invoke
        self.settings = settings
        self.event_source = event_source
        self.event_source_arn = event_source_arn
        self.stopping = stopping or threading.Event()
        self.isolation_level = isolation_level or esm_isolation_level()
        self.invocations = 0
        self.discarded = 0
        self._consumer: Any = None
        self._held: list[Any] = []  # consumed, not sent: they would have overflowed the previous payload

    def poll_once(self) -> int:
        """Gather one batch (at most the batching window) and deliver it; the number of records gathered."""
        consumer = self._open()
        batch = self._gather(consumer)
        if batch:
            self._deliver(consumer, batch)
        return len(batch)

    def close(self) -> None:
        """Leave the group (uncommitted records go to the next consumer of the group)."""
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            self._held = []  # uncommitted: the group's next consumer reads them again
            consumer.close()

    def _open(self) -> Any:
        if self._consumer is None:
            from confluent_kafka import Consumer

            self._consumer = Consumer({
                **self.settings.client_config(), "group.id": self.group_id, "enable.auto.commit": False,
                "auto.offset.reset": "earliest" if self.config.starting_position == "TRIM_HORIZON" else "latest",
                "isolation.level": self.isolation_level, "max.poll.interval.ms": 900_000, "session.timeout.ms": 10_000,
            })
            self._consumer.subscribe(self.subscription)
        return self._consumer

    def _gather(self, consumer: Any) -> list[Any]:
        """One batch: at most BatchSize records, the batching window, and a payload under 6 MB. A message that would
        overflow the payload waits (with those consumed after it) for the next batch; one that alone exceeds it is
        sent alone, and Lambda refuses it as it would."""
        batch: list[Any] = []
        size = ENVELOPE_BYTES
        deadline = time.monotonic() + self.config.batching_window_ms / 1000.0
        while len(batch) < self.config.batch_size and not self.stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 and batch:
                break
            if self._held:
                messages, self._held = self._held[: self.config.batch_size - len(batch)], \
                    self._held[self.config.batch_size - len(batch):]
            else:
                messages = consumer.consume(self.config.batch_size - len(batch), timeout=max(remaining, 0.2))
            for index, message in enumerate(messages):
                if message.error():
                    log.warning("consumer error for %s: %s", self.name, message.error())
                    continue
                added = payload_size(message)
                if batch and size + added > MAX_PAYLOAD_BYTES:
                    self._held = [m for m in messages[index:] if not m.error()] + self._held
                    return batch
                batch.append(message)
                size += added
            if not batch and remaining <= 0:
                break
        return batch

    def _deliver(self, consumer: Any, batch: list[Any]) -> None:
        pending = [batch]
        attempts = 0
        while pending and not self.stopping.is_set():
            current = pending.pop(0)
            expired = self._discard_expired(current)
            current = [m for m in current if id(m) not in {id(e) for e in expired}]
            retry = self._invoke(current) if current else []
            retried = {id(m) for m in retry}
            self._commit(consumer, expired + [m for m in current if id(m) not in retried])
            if not retry:
                continue  # retries are counted per original batch, halves included
            attempts += 1
            limit = self.config.maximum_retry_attempts
            if limit >= 0 and attempts > limit:
                log.error("%s: dropping %d records after %d retries (as the mapping does with no destination)",
                          self.name, len(retry), limit)
                self._commit(consumer, retry)
                attempts = 0
                continue
            if self.config.bisect_batch_on_function_error and len(retry) > 1:
                half = len(retry) // 2
                pending[:0] = [retry[:half], retry[half:]]
            else:
                pending.insert(0, retry)
            self.stopping.wait(RETRY_BACKOFF_S)

    def _discard_expired(self, messages: list[Any]) -> list[Any]:
        """The records older than MaximumRecordAgeInSeconds (by their Kafka timestamp): never sent, committed."""
        if self.config.maximum_record_age_ms < 0:
            return []
        oldest_ms = time.time() * 1000 - self.config.maximum_record_age_ms
        expired = [m for m in messages if 0 < m.timestamp()[1] < oldest_ms]
        if expired:
            self.discarded += len(expired)
            log.error("%s: discarding %d records older than MaximumRecordAgeInSeconds (%d ms)", self.name,
                      len(expired), self.config.maximum_record_age_ms)
        return expired

    def _invoke(self, batch: list[Any]) -> list[Any]:
        """Invoke once; the records to retry (none on success)."""
        self.invocations += 1
        event = build_event(batch, self.settings.bootstrap_servers, self.event_source, self.event_source_arn)
        try:
            response = self.invoke(event)
        except Exception as error:  # any failure of the invocation means: retry the batch
            log.warning("%s: invocation failed, the batch will be retried: %s", self.name, error)
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
        offsets = [TopicPartition(t, p, o + 1) for (t, p), o in highest.items()]
        # the group coordinator moves when its broker dies (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE): the same
        # commit again, as the mapping's poller does, not a stopped trigger
        with_retries(lambda: consumer.commit(offsets=offsets, asynchronous=False), what="the mapping's commit",
                     timeout_s=COMMIT_RETRY_S)


def _left_the_group(error: Exception) -> bool:
    """A commit or poll refused because the group went on without this consumer (UNKNOWN_MEMBER_ID after its broker
    or coordinator was away past the session timeout, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS)."""
    from confluent_kafka import KafkaError, KafkaException

    if not isinstance(error, KafkaException) or not error.args or not isinstance(error.args[0], KafkaError):
        return False
    return error.args[0].code() in (KafkaError.UNKNOWN_MEMBER_ID, KafkaError.ILLEGAL_GENERATION,
                                    KafkaError.REBALANCE_IN_PROGRESS)


class KafkaTrigger:
    """One sink connector's event source mapping for ``lambda-connect up``: the mapping in a thread, invoking a
    local function host; the thread first invokes the function once with no records, which starts the task
    (``runtime/task_start.py``), as the coordinator's deployer does on AWS. With ``idle_tick_ms`` a second thread
    invokes the same function with an idle tick (``runtime/idle_tick.py``) at that period, as the schedule the deployer
    puts beside a mapping does."""

    def __init__(
        self,
        connector: str,
        subscription: list[str],
        group_id: str,
        config: KafkaTriggerConfig,
        host: FunctionHost,
        *,
        settings: KafkaClientSettings,
        idle_tick_ms: int | None = None,
    ) -> None:
        """``subscription``: topic names, or one ``^regex`` (librdkafka's pattern syntax for topics.regex);
        ``idle_tick_ms``: the period of idle ticks (the connector's declared interval; None: none)."""
        self.connector = connector
        self.host = host
        self.idle_tick_ms = max(idle_tick_ms, MIN_TICK_MS) if idle_tick_ms is not None else None
        self.ticks = 0
        self._stop = threading.Event()
        self.mapping = KafkaEventSourceMapping(
            connector, subscription, group_id, config, lambda event: host.invoke(event, FUNCTION_TIMEOUT_S),
            settings=settings, stopping=self._stop,
        )
        self._thread = threading.Thread(target=self._run, name=f"trigger-{connector}", daemon=True)
        self._ticker = threading.Thread(target=self._tick, name=f"idle-ticks-{connector}", daemon=True)

    @property
    def invocations(self) -> int:
        return self.mapping.invocations

    def start(self) -> KafkaTrigger:
        self._thread.start()
        if self.idle_tick_ms is not None:
            self._ticker.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        if self._ticker.is_alive():
            self._ticker.join(timeout=FUNCTION_TIMEOUT_S)
        self.host.close()

    def _tick(self) -> None:
        """The idle-tick schedule: one invocation each period, whatever the mapping does meanwhile (a failed tick is
        only logged: the schedule does not retry, the next tick comes anyway)."""
        assert self.idle_tick_ms is not None
        while not self._stop.wait(self.idle_tick_ms / 1000.0):
            try:
                self.host.invoke(idle_tick_event(self.connector), FUNCTION_TIMEOUT_S)
                self.ticks += 1
            except Exception as error:
                log.warning("idle tick of sink %s failed: %s", self.connector, error)

    def _run(self) -> None:
        try:  # started as the coordinator starts a deployed sink: RUNNING (or FAILED) before any record comes
            self.host.invoke(dict(SINK_START_EVENT), FUNCTION_TIMEOUT_S)
        except Exception as error:
            log.warning("the start of sink %s failed: %s", self.connector, error)
        try:
            while not self._stop.is_set():
                try:
                    self.mapping.poll_once()
                except Exception as error:
                    if not (is_retriable(error) or _left_the_group(error)):
                        raise
                    # a broker down, a coordinator moving, or the group gone on without this member (its session
                    # expired meanwhile): Lambda's poller keeps polling, and so does this one, from the group's
                    # committed offsets (a new consumer joins: nothing uncommitted is skipped)
                    log.warning("Kafka trigger of %s: %s; polling again from the committed offsets", self.connector,
                                error)
                    self.mapping.close()
                    self._stop.wait(1.0)
        except Exception:
            log.exception("Kafka trigger of %s stopped", self.connector)
        finally:
            self.mapping.close()
