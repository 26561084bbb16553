"""``EmbeddedConnect``: one Connect worker in the test's process over a real Kafka (Kafka's ``EmbeddedConnectCluster``).

A connector under test goes through exactly what a deployment runs: the coordinator's REST API (validation, task
splitting, the config, offset and status topics in Kafka Connect's formats) and the task invocations of the
functions (``SourceInvocation``: poll, SMTs, converters, records and offsets in one transaction;
``SinkPullInvocations``: read ``read_committed``, converters, SMTs, errors and the dead letter queue, put,
``pre_commit``, the commit of ``connect-<name>``). Nothing is re-implemented here: the kit only calls them and reads
the topics back. Every topic it makes (its internal topics, and the ones ``create_topic``/``produce`` made) is
deleted by ``close``.

A source runs one invocation per ``run_source``; a sink's task runs as a pull-mode invocation (the path a sink over
several topics or tasks takes when deployed; one over one topic runs behind an event source mapping there, which
hands the same runner its batches)::

    with EmbeddedConnect() as connect:
        connect.create_connector("s", {"connector.class": "AcmeSource", "topic": "t"})
        connect.run_source("s")
        assert [r.value for r in connect.consume("t", 3)] == [b"0", b"1", b"2"]
        connect.assert_running("s")
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connect_core.coordinator.factory import coordinator_from_settings
from connect_core.coordinator.rest.http import Request
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime import env
from connect_core.runtime.sink_pull import SinkPullInvocations
from connect_core.runtime.task_invocation import SourceInvocation
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config import StorageConfig
from connect_core.storage.run_store import RUNS_TOPIC_SUFFIX

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from types import TracebackType

__all__ = ["ConnectRestError", "EmbeddedConnect", "Message"]

DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092"  # the broker of `make services`
DEFAULT_BUDGET_S = 20.0
MEMORY_MB = 1024


class ConnectRestError(AssertionError):
    """A REST call answered an error: its status and Kafka's ``{"error_code", "message"}`` body."""

    def __init__(self, status: int, body: Any) -> None:
        """Keep the answer; the message is Kafka's."""
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body


@dataclass(frozen=True, slots=True)
class Message:
    """One committed record as Kafka holds it (bytes as the converters wrote them)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...] = ()

    def json(self) -> Any:
        """The value parsed as JSON (a JsonConverter's or a JSON string's bytes)."""
        return None if self.value is None else json.loads(self.value)


class EmbeddedConnect:
    """A worker over its own internal topics on a real Kafka cluster; a context manager."""

    def __init__(self, bootstrap_servers: str | None = None, *, prefix: str | None = None) -> None:
        """``bootstrap_servers``: argument, else ``LAMBDA_CONNECT_BOOTSTRAP_SERVERS``, else 127.0.0.1:9092.
        ``prefix`` names the internal topics and the group id (unique by default)."""
        self.prefix = prefix or f"lc-kit-{uuid.uuid4().hex[:8]}"
        storage = StorageConfig(config_storage_topic=f"{self.prefix}-configs",
                                offset_storage_topic=f"{self.prefix}-offsets",
                                status_storage_topic=f"{self.prefix}-status", offset_storage_partitions=5,
                                status_storage_partitions=2, config_storage_replication_factor=-1,
                                offset_storage_replication_factor=-1, status_storage_replication_factor=-1)
        servers = env.resolve(env.BOOTSTRAP_SERVERS, DEFAULT_BOOTSTRAP_SERVERS, bootstrap_servers)
        self.worker = WorkerSettings(KafkaClientSettings(bootstrap_servers=servers), storage, group_id=self.prefix)
        self.coordinator = coordinator_from_settings(self.worker)
        self._sources: SourceInvocation | None = None
        self._sinks: SinkPullInvocations | None = None
        self._topics: list[str] = [storage.config_storage_topic, storage.offset_storage_topic,
                                   storage.status_storage_topic, storage.status_storage_topic + RUNS_TOPIC_SUFFIX]

    # ------------------------------------------------------------------ REST (the coordinator, in process)
    def rest(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request to Kafka Connect's REST API: (status, parsed body or None)."""
        path, _, query = path.partition("?")
        raw = None if body is None else json.dumps(body)
        response = self.coordinator.handle(Request.build(method, path, query, {"Content-Type": "application/json"},
                                                         raw))
        return response.status, response.body

    def _ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.rest(method, path, body)
        if status >= 400:
            raise ConnectRestError(status, answer)
        return answer

    def create_connector(self, name: str, config: Mapping[str, str]) -> dict[str, Any]:
        """``PUT /connectors/<name>/config`` (create or update): validated and split into tasks as deployed."""
        return dict(self._ok("PUT", f"/connectors/{name}/config", dict(config)))

    def validate(self, config: Mapping[str, str]) -> dict[str, Any]:
        """``PUT /connector-plugins/<connector.class>/config/validate``: Kafka's ``ConfigInfos``."""
        return dict(self._ok("PUT", f"/connector-plugins/{config['connector.class']}/config/validate", dict(config)))

    def delete_connector(self, name: str) -> None:
        """``DELETE /connectors/<name>``; its started tasks are stopped at their next run, as deployed."""
        self._ok("DELETE", f"/connectors/{name}")

    def status(self, name: str) -> dict[str, Any]:
        """``GET /connectors/<name>/status``."""
        return dict(self._ok("GET", f"/connectors/{name}/status"))

    def offsets(self, name: str) -> list[dict[str, Any]]:
        """``GET /connectors/<name>/offsets`` (KIP-875): a source's committed source offsets, a sink's consumer
        group offsets, as ``[{"partition": ..., "offset": ...}]``."""
        return list(self._ok("GET", f"/connectors/{name}/offsets")["offsets"])

    def assert_running(self, name: str, tasks: int | None = None) -> None:
        """The connector and every task are RUNNING (and there are ``tasks`` of them, when given)."""
        found = self.status(name)
        states = [found["connector"]["state"], *(task["state"] for task in found["tasks"])]
        traces = [task.get("trace") for task in found["tasks"] if task.get("trace")]
        assert set(states) == {"RUNNING"} and found["tasks"], f"{name} is not running: {found}\n" + "\n".join(traces)
        assert tasks is None or len(found["tasks"]) == tasks, f"{name} has {len(found['tasks'])} tasks, not {tasks}"

    # ------------------------------------------------------------------ tasks (the functions' invocations)
    def run_source(self, name: str, task: int = 0, budget_s: float = DEFAULT_BUDGET_S) -> dict[str, Any]:
        """One scheduled invocation of source task ``task``: polls until the task returns nothing or the budget
        ends; its records and offsets are committed in one transaction. The invocation's summary; raises what the
        invocation raised (the function's invocation fails; the task's status is FAILED with the trace)."""
        if self._sources is None:
            self._sources = SourceInvocation(self.worker)
        return self._sources.run(name, task, _budget(budget_s), MEMORY_MB)

    def run_sink(self, name: str, task: int = 0, budget_s: float = DEFAULT_BUDGET_S) -> dict[str, Any]:
        """One pull-mode invocation of sink task ``task``: reads its partitions from the committed offsets of
        ``connect-<name>`` until caught up, and commits what ``pre_commit`` allows. The invocation's summary; raises
        as ``run_source`` does."""
        if self._sinks is None:
            self._sinks = SinkPullInvocations(self.worker)
        return self._sinks.run(name, task, _budget(budget_s), MEMORY_MB)

    # ------------------------------------------------------------------ topics
    def create_topic(self, topic: str, partitions: int = 1) -> str:
        """Create ``topic`` (deleted by ``close``); an existing one is left as it is."""
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient(self.worker.kafka.client_config())
        for future in admin.create_topics([NewTopic(topic, partitions)]).values():
            try:
                future.result(30)
            except Exception as error:  # TOPIC_ALREADY_EXISTS
                if "TOPIC_ALREADY_EXISTS" not in str(error):
                    raise
        self._topics.append(topic)
        return topic

    def produce(self, topic: str, records: Iterable[bytes | str | None | tuple[Any, Any]], *,
                partition: int | None = None, headers: Mapping[str, bytes] | None = None) -> None:
        """Write records (values, or ``(key, value)`` pairs; str is UTF-8) to ``topic``, creating it first."""
        from confluent_kafka import Producer

        if topic not in self._topics:
            self.create_topic(topic)
        producer = Producer(self.worker.kafka.client_config())
        for record in records:
            key, value = record if isinstance(record, tuple) else (None, record)
            producer.produce(topic, key=_bytes(key), value=_bytes(value), headers=list((headers or {}).items()),
                             partition=-1 if partition is None else partition)  # -1: librdkafka's partitioner
        assert producer.flush(30) == 0, f"records to {topic} were not delivered"

    def consume(self, topic: str, expected: int, timeout_s: float = DEFAULT_BUDGET_S) -> list[Message]:
        """The committed records of ``topic`` (``read_committed``, from the start) once ``expected`` are there, or
        what is there after ``timeout_s``, in partition and offset order."""
        from confluent_kafka import Consumer

        consumer = Consumer({**self.worker.kafka.client_config(), "group.id": f"{self.prefix}-check-{uuid.uuid4()}",
                             "auto.offset.reset": "earliest", "enable.auto.commit": False,
                             "isolation.level": "read_committed"})
        consumer.subscribe([topic])
        found: list[Message] = []
        deadline = time.monotonic() + timeout_s
        try:
            while len(found) < expected and time.monotonic() < deadline:
                message = consumer.poll(0.2)
                if message is None or message.error():
                    continue
                found.append(Message(topic, message.partition() or 0, message.offset() or 0, message.key(),
                                     message.value(), tuple(message.headers() or ())))  # type: ignore[arg-type]
        finally:
            consumer.close()
        return sorted(found, key=lambda m: (m.partition, m.offset))

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Stop the started tasks, release the clients and delete every topic the kit made."""
        from confluent_kafka.admin import AdminClient

        for invocations in (self._sources, self._sinks):
            if invocations is not None:
                invocations.close()
        self._sources = self._sinks = None
        admin = AdminClient(self.worker.kafka.client_config())
        existing = set(admin.list_topics(timeout=10).topics)
        doomed = [topic for topic in dict.fromkeys(self._topics) if topic in existing]
        for future in admin.delete_topics(doomed).values() if doomed else ():
            future.result(30)

    def __enter__(self) -> EmbeddedConnect:
        """The kit itself."""
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """``close``."""
        self.close()


def _budget(seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    return lambda: (deadline - time.monotonic()) * 1000.0


def _bytes(value: Any) -> bytes | None:
    return value.encode() if isinstance(value, str) else value
