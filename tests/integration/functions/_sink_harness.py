"""Real topics in, ``functions.sink_task.app.handler`` out: what the sink handler tests share.

Records are produced to a fresh topic with Kafka's JsonConverter bytes (schemas on or off), consumed back with
confluent-kafka exactly as the event source mapping's poller would, and turned into Lambda events with
``build_event`` in either format. ``Mapping`` plays the event source mapping for fault-injection tests: a committed
position per partition, advanced only by an invocation that returned normally.
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.api.struct import Struct
from connect_core.converters.json import JsonConverter
from connect_core.coordinator.herder.task_configs import generate_task_configs
from connect_core.local.kafka_trigger import build_event
from connect_core.local.lambda_context import LocalLambdaContext
from connect_core.runtime import env
from functions.sink_task import app

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import pytest

    from connect_core.api.schema import Schema
    from connect_core.storage.config_state import TargetState
    from tests.integration.runtime.conftest import Cluster

log = logging.getLogger(__name__)

EVENT_SOURCES = ("aws:kafka", "SelfManagedKafka")
STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter"
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"
# Midnight UTC two days ago: records stamped a day or more later still lie in the past, and well inside the brokers'
# 7-day retention (a fixed old date let the retention check delete a test's records between producing and reading).
BASE_DAY = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=2)
BASE_TIMESTAMP_MS = int(datetime.datetime(BASE_DAY.year, BASE_DAY.month, BASE_DAY.day,
                                          tzinfo=datetime.UTC).timestamp() * 1000)


def unique(prefix: str) -> str:
    """``prefix`` plus a short random suffix: every test owns its topics, tables, buckets and indices."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def json_bytes(schema: Schema | None, data: dict[str, Any] | None, *, schemas: bool, is_key: bool = False,
               topic: str = "t") -> bytes | None:
    """Kafka JsonConverter bytes of ``data`` (a Struct of ``schema`` with schemas on, a plain map without)."""
    converter = JsonConverter()
    converter.configure({"schemas.enable": "true" if schemas else "false"}, is_key=is_key)
    if data is None:
        return None
    if not schemas:
        return converter.from_connect_data(topic, None, data)
    if schema is None:
        raise ValueError("a schema is needed with schemas.enable=true")
    struct = Struct(schema)
    for name, value in data.items():
        struct.put(name, value)
    return converter.from_connect_data(topic, schema, struct)


def converter_config(*, schemas: bool, key: str = "string") -> dict[str, str]:
    """Connector converter keys: JSON values (schemas on/off); keys as strings or JSON with the same setting."""
    enabled = "true" if schemas else "false"
    config = {"value.converter": JSON_CONVERTER, "value.converter.schemas.enable": enabled}
    if key == "string":
        config["key.converter"] = STRING_CONVERTER
    else:
        config |= {"key.converter": JSON_CONVERTER, "key.converter.schemas.enable": enabled}
    return config


# one idempotent producer per broker and process: starting one waits up to a second for its producer id
_PRODUCERS: dict[str, Producer] = {}


@dataclass(frozen=True)
class Out:
    """One record to produce."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp: int | None = None
    partition: int = 0


class KafkaTopics:
    """Creates, fills and reads back the test's data topics on the real broker."""

    def __init__(self, bootstrap: str) -> None:
        """Bind to the broker at ``bootstrap``."""
        self.bootstrap = bootstrap
        self._admin = AdminClient({"bootstrap.servers": bootstrap})
        self.created: list[str] = []

    def create(self, name: str, partitions: int = 1) -> str:
        """Create ``name`` and wait until the broker knows it."""
        futures = self._admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        futures[name].result(30)
        self.created.append(name)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            meta = self._admin.list_topics(name, timeout=10).topics.get(name)
            if meta is not None and meta.error is None and len(meta.partitions) == partitions:
                return name
            time.sleep(0.2)
        raise AssertionError(f"topic {name} did not appear")

    def produce(self, topic: str, records: list[Out]) -> None:
        """Produce ``records`` in order and wait for every acknowledgement."""
        producer = _PRODUCERS.get(self.bootstrap)
        if producer is None:
            producer = _PRODUCERS[self.bootstrap] = Producer({"bootstrap.servers": self.bootstrap,
                                                              "enable.idempotence": True})
        failures: list[Any] = []

        def delivered(error: Any, _message: Any) -> None:
            if error is not None:
                failures.append(error)

        for record in records:
            kwargs: dict[str, Any] = {"partition": record.partition, "on_delivery": delivered}
            if record.headers:
                kwargs["headers"] = record.headers
            if record.timestamp is not None:
                kwargs["timestamp"] = record.timestamp
            producer.produce(topic, value=record.value, key=record.key, **kwargs)
        remaining = producer.flush(30)
        if remaining or failures:
            _PRODUCERS.pop(self.bootstrap, None)  # the next test starts a fresh one
        assert remaining == 0 and not failures, f"produce to {topic} failed: {failures}"

    def consume(self, topic: str, expected: int, partitions: int = 1) -> list[Any]:
        """The first ``expected`` messages of ``topic`` (all partitions from offset 0), as the poller reads them."""
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": unique("sink-it-"),
                             "enable.auto.commit": False, "isolation.level": "read_committed"})
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        messages: list[Any] = []
        deadline = time.monotonic() + 30
        try:
            while len(messages) < expected and time.monotonic() < deadline:
                message = consumer.poll(0.5)
                if message is None or message.error():
                    continue
                messages.append(message)
        finally:
            consumer.close()
        assert len(messages) == expected, f"read {len(messages)} of {expected} messages from {topic}"
        return sorted(messages, key=lambda m: (m.partition(), m.offset()))

    def delete_all(self) -> None:
        """Remove the topics this instance created (best effort)."""
        if self.created:
            for future in self._admin.delete_topics(self.created).values():
                try:
                    future.result(10)
                except Exception:  # cleanup only
                    pass


class SinkFunction:
    """The sink function of one connector: env pointed at the test's cluster, handler invoked like Lambda does."""

    def __init__(self, cluster: Cluster, monkeypatch: pytest.MonkeyPatch, bootstrap: str, event_source: str) -> None:
        """Point the handler's ``LAMBDA_CONNECT_*`` environment at ``cluster``'s internal topics."""
        self.cluster = cluster
        self.bootstrap = bootstrap
        self.event_source = event_source
        self._monkeypatch = monkeypatch
        storage = cluster.worker.storage
        monkeypatch.setenv(env.BOOTSTRAP_SERVERS, bootstrap)
        monkeypatch.setenv(env.CONFIG_TOPIC, storage.config_storage_topic)
        monkeypatch.setenv(env.OFFSET_TOPIC, storage.offset_storage_topic)
        monkeypatch.setenv(env.STATUS_TOPIC, storage.status_storage_topic)
        monkeypatch.setenv(env.GROUP_ID, cluster.worker.group_id)
        monkeypatch.setenv(env.WORKER_ID, "lambda:sink-it")
        monkeypatch.setenv(env.POWERTOOLS_METRICS_NAMESPACE, "LambdaConnectTests")
        self.cold_start()

    def deploy(self, name: str, config: dict[str, str]) -> None:
        """Write ``name`` as the coordinator does (task configs generated by the connector) and target it."""
        self._monkeypatch.setenv(env.CONNECTOR_NAME, name)
        full = {"name": name, "tasks.max": "1", **config}
        self.cluster.deploy(name, full, generate_task_configs(name, full))

    def set_state(self, name: str, state: TargetState) -> None:
        """Put a target state in the config topic (what pause/resume do)."""
        self.cluster.configs.put_target_state(name, state)

    def invoke(self, messages: list[Any]) -> dict[str, Any]:
        """One synchronous invocation with the event the mapping builds for ``messages``."""
        event = build_event(messages, self.bootstrap, self.event_source)
        assert event["eventSource"] == self.event_source
        assert ("eventSourceArn" in event) == (self.event_source == "aws:kafka")
        context = LocalLambdaContext(function_name="lambda-connect-sink-task", timeout_s=120)
        return app.handler(event, context)

    def cold_start(self) -> None:
        """Drop the warm runner, as a new execution environment would."""
        self.close()

    def close(self) -> None:
        """Stop the warm runner's task and clients."""
        runner = app._invocation  # the module-level warm invocation
        app._invocation = None
        if runner is not None:
            runner.close()

    def task_state(self, name: str) -> str | None:
        """The task status the function last reported."""
        self.cluster.statuses.refresh()
        status = self.cluster.statuses.task_status(name, 0)
        return None if status is None else status.state.value


class InjectedFault(Exception):
    """A failure injected between two writes of one invocation."""


class FaultInjector:
    """Wraps a write function: lets ``allow`` calls through, then raises (before or after the real write)."""

    def __init__(self) -> None:
        """Start disarmed: every call goes through."""
        self.allow: int | None = None
        self.lost_response = False
        self.calls = 0
        self.fired = 0

    def arm(self, allow: int, *, lost_response: bool = False) -> None:
        """Let ``allow`` more calls through; the next one fails (after writing when ``lost_response``)."""
        self.allow, self.lost_response = allow, lost_response

    def disarm(self) -> None:
        """Let every call through."""
        self.allow = None

    def wrap(self, original: Callable[..., Any],
             counts: Callable[[tuple[Any, ...]], bool] | None = None) -> Callable[..., Any]:
        """A drop-in replacement for ``original`` (a plain function or unbound method).

        ``counts`` picks the calls that are writes (by their positional arguments); others always go through.
        """

        def faulty(*args: Any, **kwargs: Any) -> Any:
            if counts is not None and not counts(args):
                return original(*args, **kwargs)
            self.calls += 1
            if self.allow is not None and self.allow <= 0:
                self.allow = None  # one fault per arming
                self.fired += 1
                if self.lost_response:
                    original(*args, **kwargs)
                    raise InjectedFault("injected: written, but the response was lost")
                raise InjectedFault("injected: failed before writing")
            if self.allow is not None:
                self.allow -= 1
            return original(*args, **kwargs)

        return faulty


@dataclass(frozen=True)
class Attempt:
    """One invocation of a fault-injection plan: from the committed offset up to ``end``, with a fault or not."""

    end: int
    fail_after: int | None = None  # writes let through before the injected failure; None = no fault
    lost_response: bool = False  # the failing write happens, only its response is lost
    cold: bool = False  # a new execution environment before this invocation


# A failure, then retries of the same offsets with other boundaries: (a) the same batch, (b) a larger batch with
# more records appended, (c) bisected halves; then the rest of the stream. Offsets are of one partition.
RETRY_PLAN: tuple[Attempt, ...] = (
    Attempt(8, fail_after=1),
    Attempt(8, fail_after=2, lost_response=True),  # (a) the same batch
    Attempt(8, fail_after=3, cold=True),  # (a) again, in a new execution environment
    Attempt(14, fail_after=2, lost_response=True),  # (b) a larger batch
    Attempt(14, fail_after=1),  # (b) again
    Attempt(7, fail_after=1, lost_response=True, cold=True),  # (c) the first half fails too
    Attempt(7),  # (c) the first half goes through
    Attempt(14, fail_after=1, lost_response=True),  # (c) the second half
    Attempt(14),
    Attempt(20, fail_after=2),  # (b) the rest, more records appended
    Attempt(20),
)
PLAN_RECORDS = 20


@dataclass
class Mapping:
    """The event source mapping's retry loop for one partition, committing only after a normal return."""

    function: SinkFunction
    messages: list[Any]
    injector: FaultInjector
    committed: int = 0
    failures: int = 0
    log: list[str] = field(default_factory=list)

    def run(self, plan: tuple[Attempt, ...] = RETRY_PLAN) -> None:
        """Run ``plan``: each batch starts at the committed offset, as the mapping retries from there."""
        for attempt in plan:
            start = self.committed
            if attempt.end <= start:
                continue
            if attempt.cold:
                self.function.cold_start()
            if attempt.fail_after is None:
                self.injector.disarm()
            else:
                self.injector.arm(attempt.fail_after, lost_response=attempt.lost_response)
            fired = self.injector.fired
            try:
                response = self.function.invoke(self.messages[start:attempt.end])
            except Exception as error:  # any function error means: retry from the committed offset
                self.failures += 1
                self.log.append(f"[{start},{attempt.end}) failed: {error}")
                log.info("mapping: %s", self.log[-1])
                assert self.injector.fired == fired + 1, f"unexpected failure: {error!r}"
                continue
            assert response == {}, response
            self.committed = attempt.end
            self.log.append(f"[{start},{attempt.end}) committed")
            log.info("mapping: %s", self.log[-1])
        self.injector.disarm()
        assert self.committed == len(self.messages), self.log


def iter_lines(body: bytes) -> Iterator[str]:
    """The non-empty lines of a JSON Lines body."""
    yield from (line for line in body.decode("utf-8").split("\n") if line)
