"""KIP-158 topic creation and honest failures on a broker that creates no topic by itself (MSK's default).

A throwaway single KRaft broker with ``auto.create.topics.enable=false`` (``strict_broker``, free ports); the
FileStream source writes to topics that do not exist yet. With ``topic.creation.*`` the task creates them as the groups
say (read back through the admin client); without, the task is FAILED with the cause inside the invocation's time,
and runs again once the topic exists.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConnectError
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.source_runner import SourceRunner
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config import StorageConfig
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.offset_store import OffsetStore
from connect_core.storage.status_store import StatusStore
from tests.integration.runtime.conftest import Cluster, consume_committed
from tests.integration.runtime.strict_broker import strict_broker

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from infra.local.kafka import ThrowawayBroker

pytestmark = pytest.mark.integration

FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayBroker]:
    with strict_broker(tmp_path_factory.mktemp("strict-kafka")) as started:
        yield started


@pytest.fixture
def strict(broker: ThrowawayBroker) -> Iterator[Cluster]:
    """Internal topics and stores on the strict broker (the stores create their topics, as a worker does)."""
    prefix = f"kip158-{uuid.uuid4().hex[:8]}"
    storage = StorageConfig(config_storage_topic=f"{prefix}-configs", offset_storage_topic=f"{prefix}-offsets",
                            status_storage_topic=f"{prefix}-status", offset_storage_partitions=5,
                            status_storage_partitions=2)
    worker = WorkerSettings(KafkaClientSettings(bootstrap_servers=broker.bootstrap), storage, group_id=prefix)
    stores = Cluster(worker, ConfigStore(worker.kafka, storage), OffsetStore(worker.kafka, storage),
                     StatusStore(worker.kafka, storage))
    yield stores
    for store in (stores.configs, stores.offsets, stores.statuses):
        store.close()


def _budget(ms: float) -> Callable[[], float]:
    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


def _deploy(cluster: Cluster, name: str, path: Path, topic: str, **extra: str) -> None:
    config = {"connector.class": FILE_SOURCE, "file": str(path), "topic": topic, "tasks.max": "1",
              "value.converter": "org.apache.kafka.connect.storage.StringConverter", **extra}
    cluster.deploy(name, config, [{"file": str(path), "topic": topic, "batch.size": "2000"}])


_RUNNERS: list[SourceRunner] = []


@pytest.fixture(autouse=True)
def _close_runners() -> Iterator[None]:
    yield
    while _RUNNERS:
        _RUNNERS.pop().close()


def _runner(cluster: Cluster, worker: WorkerSettings | None = None) -> SourceRunner:
    runner = SourceRunner(worker or cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    _RUNNERS.append(runner)
    return runner


def describe(bootstrap: str, topic: str) -> tuple[int, int, dict[str, str]]:
    """Partitions, replication factor and the configs set on ``topic`` (not the broker's defaults, nor the
    ``min.insync.replicas`` a KRaft controller with eligible leader replicas sets on every topic it creates)."""
    from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, ResourceType

    admin = AdminClient({"bootstrap.servers": bootstrap})
    metadata = admin.list_topics(topic=topic, timeout=10).topics[topic]
    assert metadata.error is None, metadata.error
    resource = ConfigResource(ResourceType.TOPIC, topic)
    entries = admin.describe_configs([resource])[resource].result(timeout=10)
    configs = {key: entry.value for key, entry in entries.items()
               if entry.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value and key != "min.insync.replicas"}
    return len(metadata.partitions), len(metadata.partitions[0].replicas), configs


def test_topics_are_created_as_their_group_says_before_the_first_record(
    strict: Cluster, broker: ThrowawayBroker, tmp_path: Path,
) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("alpha\nbeta\n")
    prefix = strict.worker.group_id
    grouped, default = f"{prefix}-orders", f"{prefix}-plain"
    creation = {"topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "3",
                "topic.creation.default.retention.ms": "3600000", "topic.creation.groups": "orders",
                "topic.creation.orders.include": f"{prefix}-ord.*", "topic.creation.orders.partitions": "5",
                "topic.creation.orders.compression.type": "gzip"}
    _deploy(strict, "grouped", path, grouped, **creation)
    _deploy(strict, "defaulted", path, default, **creation)
    runner = _runner(strict)

    assert runner.run("grouped", 0, _budget(30_000)).records == 2
    assert runner.run("defaulted", 0, _budget(30_000)).records == 2

    assert describe(broker.bootstrap, grouped) == (5, 1, {"compression.type": "gzip"})
    assert describe(broker.bootstrap, default) == (3, 1, {"retention.ms": "3600000"})
    # keyless lines over five partitions: the two may land on two partitions, so no order across them
    assert sorted(v for _, v, _ in consume_committed(broker.bootstrap, grouped, 2)) == [b"alpha", b"beta"]
    with path.open("a") as handle:  # a warm task knows its topic: no second look-up, the line goes on
        handle.write("gamma\n")
    assert runner.run("grouped", 0, _budget(30_000)).records == 1
    strict.statuses.refresh()
    assert strict.statuses.task_status("grouped", 0).state.value == "RUNNING"


def test_a_missing_topic_fails_the_task_within_the_invocation_and_it_heals_once_the_topic_exists(
    strict: Cluster, broker: ThrowawayBroker, tmp_path: Path,
) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("one\ntwo\n")
    topic = f"{strict.worker.group_id}-missing"
    _deploy(strict, "missing", path, topic)
    runner = _runner(strict)

    started = time.monotonic()
    with pytest.raises(ConnectError, match="Unrecoverable exception from producer send callback"):
        runner.run("missing", 0, _budget(4_000))
    assert time.monotonic() - started < 10  # ends with its budget; no invocation killed by the platform

    strict.statuses.refresh()
    failed = strict.statuses.task_status("missing", 0)
    assert failed.state.value == "FAILED"
    assert f"KafkaTimeoutError: Topic {topic} not present in metadata after" in failed.trace
    assert "UNKNOWN_TOPIC_OR_PART" in failed.trace
    strict.offsets.refresh()
    assert strict.offsets.offset("missing", {"filename": str(path)}) is None

    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(timeout=30)
    assert runner.run("missing", 0, _budget(20_000)).records == 2
    strict.statuses.refresh()
    assert strict.statuses.task_status("missing", 0).state.value == "RUNNING"


def test_producer_override_max_block_ms_ends_the_wait_sooner(strict: Cluster, tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("one\n")
    topic = f"{strict.worker.group_id}-blocked"
    _deploy(strict, "blocked", path, topic, **{"producer.override.max.block.ms": "1500"})
    started = time.monotonic()
    with pytest.raises(ConnectError) as raised:
        _runner(strict).run("blocked", 0, _budget(20_000))
    assert time.monotonic() - started < 8
    assert str(raised.value.__cause__) == f"Topic {topic} not present in metadata after 1500 ms."


def test_with_topic_creation_off_on_the_worker_nothing_is_created(strict: Cluster, tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("one\n")
    topic = f"{strict.worker.group_id}-off"
    _deploy(strict, "off", path, topic, **{"topic.creation.default.replication.factor": "1",
                                          "topic.creation.default.partitions": "2"})
    with pytest.raises(ConnectError, match="Unrecoverable exception from producer send callback"):
        _runner(strict, replace(strict.worker, topic_creation=False)).run("off", 0, _budget(3_000))


@pytest.mark.parametrize(("extra", "message"), [
    ({"topic.creation.default.replication.factor": "3", "topic.creation.default.partitions": "1"},
     "Unable to create topic(s) '{topic}': "),
    ({"topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "1",
      "topic.creation.default.cleanup.policy": "nope"},
     "Unable to create topic(s) '{topic}': Invalid value nope for configuration cleanup.policy: String must be one "
     "of: compact, delete"),
    ({"topic.creation.default.partitions": "1"},
     'Missing required configuration "topic.creation.default.replication.factor" which has no default value.'),
])
def test_a_topic_the_broker_will_not_create_fails_the_task_with_kafkas_message(
    strict: Cluster, tmp_path: Path, extra: dict[str, str], message: str,
) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("one\n")
    topic = f"{strict.worker.group_id}-refused"
    _deploy(strict, "refused", path, topic, **extra)
    with pytest.raises(ConnectError) as raised:
        _runner(strict).run("refused", 0, _budget(20_000))
    assert str(raised.value).startswith(message.format(topic=topic))
    strict.statuses.refresh()
    failed = strict.statuses.task_status("refused", 0)
    assert failed.state.value == "FAILED" and message.format(topic=topic) in failed.trace



def test_a_commit_the_broker_does_not_answer_fails_the_task_within_the_invocation(
    strict: Cluster, broker: ThrowawayBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The broker stops answering (SIGSTOP) between produce and commit: the commit waits no longer than the
    invocation's time (Kafka's 60 s would outlast a function), the task is FAILED with why, nothing is committed."""
    import os
    import signal
    import threading

    from connect_core.runtime import fault_points

    path = tmp_path / "lines.txt"
    path.write_text("one\ntwo\n")
    topic = f"{strict.worker.group_id}-stalled"
    _deploy(strict, "stalled", path, topic, **{"topic.creation.default.replication.factor": "1",
                                              "topic.creation.default.partitions": "1"})
    runner = _runner(strict)
    assert runner.run("stalled", 0, _budget(30_000)).records == 2  # warm: started, topic created
    with path.open("a") as handle:
        handle.write("three\n")
    process = broker._process  # the throwaway broker this module started
    assert process is not None
    real_reached = fault_points.reached

    def stall_before_commit(step: str, *, idle: bool = False) -> None:
        if step == "source.before_commit" and not idle:
            os.kill(process.pid, signal.SIGSTOP)
            threading.Timer(12.0, os.kill, (process.pid, signal.SIGCONT)).start()
        real_reached(step, idle=idle)

    monkeypatch.setattr(fault_points, "reached", stall_before_commit)
    started = time.monotonic()
    try:
        with pytest.raises(ConnectError) as raised:
            runner.run("stalled", 0, _budget(6_000))
    finally:
        os.kill(process.pid, signal.SIGCONT)
    assert time.monotonic() - started < 20  # the budget, the bounded abort and the status write; not 60 s or more
    assert "was not committed within the invocation's time" in str(raised.value)
    _await_leaders(broker, strict.worker.storage.status_storage_topic)  # a broker stopped for longer is fenced a while
    strict.statuses.refresh()
    failed = strict.statuses.task_status("stalled", 0)
    assert failed.state.value == "FAILED" and "was not committed within the invocation's time" in failed.trace
    monkeypatch.setattr(fault_points, "reached", real_reached)
    assert runner.run("stalled", 0, _budget(30_000)).records == 1  # the cause gone: it carries on from its offsets
    assert [v for _, v, _ in consume_committed(broker.bootstrap, topic, 3)] == [b"one", b"two", b"three"]


def _await_leaders(broker: ThrowawayBroker, topic: str, timeout_s: float = 180.0) -> None:
    """Wait until every partition of ``topic`` has a leader again: a KRaft node paused past its session timeout
    is fenced by its own controller until its next heartbeat, with every partition leaderless meanwhile."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            partitions = admin.list_topics(topic=topic, timeout=10).topics[topic].partitions
        except KafkaException:
            partitions = {}
        if partitions and all(p.leader >= 0 for p in partitions.values()):
            return
        assert time.monotonic() < deadline, f"'{topic}' still has partitions without a leader"
        time.sleep(0.5)


def test_the_restart_policy_holds_a_task_without_its_topic_and_heals_it_once_the_topic_exists(
    strict: Cluster, broker: ThrowawayBroker, tmp_path: Path,
) -> None:
    """Through the function's ``SourceInvocation``: FAILED with the cause and the policy's note, held back while the
    backoff runs (no invocation runs it, status stays FAILED), restarted after it, RUNNING once the topic exists."""
    from confluent_kafka.admin import AdminClient, NewTopic

    from connect_core.runtime.restart_policy import Decision
    from connect_core.runtime.task_invocation import SourceInvocation

    path = tmp_path / "lines.txt"
    path.write_text("one\ntwo\n")
    topic = f"{strict.worker.group_id}-healed"
    _deploy(strict, "healed", path, topic, **{"lambda.restart.backoff.initial.ms": "3000"})
    invocation = SourceInvocation(strict.worker)
    try:
        with pytest.raises(ConnectError, match="Unrecoverable exception from producer send callback"):
            invocation.run("healed", 0, _budget(8_000), 256)  # the producer's wait ends with the budget
        failed_at = time.monotonic()  # after the failure the policy noted: its backoff runs from before this
        strict.statuses.refresh()
        failed = strict.statuses.task_status("healed", 0)
        assert failed.state.value == "FAILED"
        assert f"Topic {topic} not present in metadata after" in failed.trace
        assert "lambda-connect: failure 1 in a row; automatic restart 1 at" in failed.trace

        held = invocation.run("healed", 0, _budget(4_000), 256)  # inside the backoff: not run at all
        assert held["restart"] == Decision.WAIT.value
        strict.statuses.refresh()
        assert strict.statuses.task_status("healed", 0).state.value == "FAILED"

        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(timeout=30)
        time.sleep(max(0.0, failed_at + 3.2 - time.monotonic()))  # the backoff (3 s) over
        healed = invocation.run("healed", 0, _budget(20_000), 256)
        assert (healed["state"], healed["records"]) == ("RUNNING", 2)
        assert invocation.decision is Decision.RESTART
        strict.statuses.refresh()
        assert strict.statuses.task_status("healed", 0).state.value == "RUNNING"
    finally:
        invocation.close()


def test_a_describe_out_of_time_ends_the_invocation_and_the_next_goes_on_from_the_committed_offsets(
    strict: Cluster, broker: ThrowawayBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A topic describe that found no answer within the invocation's time is retried as Kafka's sendRecords retries
    a RetriableException: the invocation ends with its transaction aborted and the task RUNNING, and the next one
    writes every line once from the committed offsets."""
    from connect_core.api.errors import RetriableError
    from connect_core.runtime.topic_creation import TopicCreation

    path = tmp_path / "lines.txt"
    path.write_text("alpha\nbeta\n")
    topic = f"{strict.worker.group_id}-late"
    _deploy(strict, "late", path, topic, **{"topic.creation.default.replication.factor": "1",
                                           "topic.creation.default.partitions": "1"})
    real_ensure = TopicCreation.ensure
    calls: list[int] = []

    def out_of_time_once(self: TopicCreation, topics: object, timeout_s: float = 60.0) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RetriableError(f"Timed out while describing topics '{topic}'")
        real_ensure(self, topics, timeout_s)  # type: ignore[arg-type]

    monkeypatch.setattr(TopicCreation, "ensure", out_of_time_once)
    runner = _runner(strict)
    first = runner.run("late", 0, _budget(30_000))
    assert first.state == "RUNNING"
    strict.statuses.refresh()
    status = strict.statuses.task_status("late", 0)  # none yet: RUNNING once a transaction went through
    assert status is None or status.state.value != "FAILED"
    runner.run("late", 0, _budget(30_000))
    assert sorted(v for _, v, _ in consume_committed(broker.bootstrap, topic, 2)) == [b"alpha", b"beta"]
    strict.statuses.refresh()
    assert strict.statuses.task_status("late", 0).state.value == "RUNNING"
