"""The SinkTask contract for a plugin sink (loaded through ``LAMBDA_CONNECT_PLUGINS``), on both sink paths against
the real broker: the local event source mapping (``local/kafka_trigger.py``, what ``lambda-connect up`` runs)
invoking a ``SinkRunner``, and pull-mode tasks (``SinkPullInvocations``).

Each test breaks if its contract point is ignored: ``pre_commit``'s lower offsets (records lost when the container
dies), ``request_commit`` (the commit waits for another batch), ``offset()`` (records lost, or not skipped),
``pause()``/``resume()`` (records put or committed while paused) and ``assignment()``.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from connect_core.local import kafka_trigger
from connect_core.local.kafka_trigger import KafkaEventSourceMapping
from connect_core.runtime.sink_pull import SinkPullInvocations
from connect_core.runtime.task_invocation import SinkInvocation
from connect_core.runtime.trigger_config import KafkaTriggerConfig
from connect_core.storage.run_store import RunStore
from tests.fixtures.contract_sink import TARGET
from tests.integration.functions._sink_harness import KafkaTopics, Out

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

STRING = "org.apache.kafka.connect.storage.StringConverter"
BUDGET_S = 30.0


@pytest.fixture(autouse=True)
def _plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """The contract sink is a worker plugin, as a deployment adds its own; retries of the local mapping are quick."""
    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", TARGET)
    monkeypatch.setattr(kafka_trigger, "RETRY_BACKOFF_S", 0.05)


def _deploy(cluster: Cluster, topics: KafkaTopics, tmp_path: Path, *, partitions: int = 1,
            extra: dict[str, str] | None = None, **contract: str) -> tuple[str, str, Path]:
    """A contract sink over a fresh topic holding ``v0..v2`` per partition (``v0..v4`` with one partition)."""
    name = f"contract-{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t", partitions=partitions)
    per_partition = 5 if partitions == 1 else 3
    topics.produce(topic, [Out(None, f"v{i}".encode(), partition=p) for p in range(partitions)
                           for i in range(per_partition)])
    out = tmp_path / "out.txt"
    config = {"connector.class": TARGET, "topics": topic, "tasks.max": "1", "key.converter": STRING,
              "value.converter": STRING, "file": str(out), "lambda.maximum.batching.window.ms": "300",
              **(extra or {}), **{f"contract.{key.replace('_', '.')}": value for key, value in contract.items()}}
    cluster.deploy(name, config, [config])
    return name, topic, out


def _written(out: Path) -> list[str]:
    """``partition:offset`` of every durable record, in the order written."""
    if not out.exists():
        return []
    return [":".join(line.split(":")[1:3]) for line in out.read_text().splitlines()]


def _committed(bootstrap: str, name: str, topic: str, partitions: int = 1) -> list[int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"connect-{name}", "enable.auto.commit": False})
    try:
        found = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
    finally:
        consumer.close()
    return [tp.offset for tp in found]


class Function:
    """The mapping's function (the sink handler's ``SinkInvocation``): one warm container until ``die``, then a cold
    one."""

    def __init__(self, cluster: Cluster, name: str, before: Callable[[int], None] | None = None) -> None:
        self.cluster, self.name, self.before = cluster, name, before
        self.container = SinkInvocation(cluster.worker, name)
        self.calls = 0

    def __call__(self, event: dict[str, Any]) -> Any:
        self.calls += 1
        if self.before is not None:
            self.before(self.calls)
        return self.container.handle(event, 128)

    def die(self) -> None:
        """The container goes away; what its task held but did not make durable is gone with it."""
        self.container.close()
        self.container = SinkInvocation(self.cluster.worker, self.name)


def _drive(cluster: Cluster, name: str, topic: str, function: Function, done: Callable[[], bool]) -> None:
    """Run the local event source mapping of ``name`` until ``done`` (the mapping commits only what it should)."""
    config = cluster.configs.connector_config(name) or {}
    mapping = KafkaEventSourceMapping(name, [topic], f"connect-{name}",
                                      KafkaTriggerConfig.parse({k: v for k, v in config.items() if v is not None}),
                                      function, settings=cluster.worker.kafka)
    deadline = time.monotonic() + BUDGET_S
    try:
        while not done() and time.monotonic() < deadline:
            mapping.poll_once()
    finally:
        mapping.close()
        function.container.close()


def _offsets(partition: int, count: int, first: int = 0) -> list[str]:
    return [f"{partition}:{offset}" for offset in range(first, count)]


@pytest.mark.parametrize("report", ["false", "true"])
def test_mapping_commits_only_what_pre_commit_returns_so_a_dying_container_loses_nothing(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str, report: str) -> None:
    """The sink makes a batch durable one pre_commit later. Its first container dies holding the batch: the mapping
    must not have committed it (a failed invocation, or batchItemFailures), so the next container gets it again."""
    name, topic, out = _deploy(cluster, topics, tmp_path, write_behind="true",
                               extra={"lambda.report.batch.item.failures": report})
    function = Function(cluster, name, before=lambda call: function.die() if call == 2 else None)

    _drive(cluster, name, topic, function, lambda: len(_written(out)) >= 5)

    assert _written(out) == _offsets(0, 5)  # each once: the warm task was not handed its own records again
    assert _committed(kafka_bootstrap, name, topic) == [5]
    assert function.calls == 3  # held by the first container, held by the second, durable at the second's retry
    cluster.statuses.refresh()
    assert cluster.statuses.task_status(name, 0).state.value == "RUNNING"  # holding back is not failing:
    runs = RunStore(cluster.worker.kafka, cluster.worker.storage)
    try:
        runs.refresh()
        assert runs.state.task_streaks(name) == []  # no failure counted towards the circuit breaker
    finally:
        runs.close()


def test_mapping_honours_request_commit_before_the_batch_ends(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str) -> None:
    name, topic, out = _deploy(cluster, topics, tmp_path, write_behind="true", request_commit="true")
    function = Function(cluster, name)

    _drive(cluster, name, topic, function, lambda: len(_written(out)) >= 5)

    assert _written(out) == _offsets(0, 5)
    assert function.calls == 1  # pre_commit was called again in the same invocation, which committed everything
    assert _committed(kafka_bootstrap, name, topic) == [5]


@pytest.mark.parametrize(("contract", "expected"), [
    ({"rewind_at": "2"}, ["0:0", "0:1", "0:2", "0:3", "0:4"]),  # a write failed: from 2 again, nothing lost
    ({"start_offset": "3"}, ["0:3", "0:4"]),  # open() skips what its storage already has
])
def test_mapping_honours_offset_requests(cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str,
                                         *, contract: dict[str, str], expected: list[str]) -> None:
    name, topic, out = _deploy(cluster, topics, tmp_path, **contract)
    function = Function(cluster, name)

    _drive(cluster, name, topic, function, lambda: _committed(kafka_bootstrap, name, topic) == [5])

    assert _written(out) == expected
    assert _committed(kafka_bootstrap, name, topic) == [5]


def test_mapping_neither_puts_nor_commits_a_paused_partition_until_resumed(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str) -> None:
    resume = tmp_path / "resume"
    assignment = tmp_path / "assignment.json"
    name, topic, out = _deploy(cluster, topics, tmp_path, partitions=2, pause_partitions="1",
                               resume_file=str(resume), assignment_file=str(assignment))
    seen_while_paused: list[Any] = []

    def before(call: int) -> None:
        if call == 2:  # the first invocation put partition 0 only and committed nothing of partition 1
            seen_while_paused.extend([_written(out), _committed(kafka_bootstrap, name, topic, 2)[1]])
            resume.touch()

    function = Function(cluster, name, before)
    _drive(cluster, name, topic, function, lambda: len(_written(out)) >= 6)

    assert not [w for w in seen_while_paused[0] if w.startswith("1:")]
    assert seen_while_paused[1] < 0  # no offset committed for the paused partition
    assert sorted(_written(out)) == _offsets(0, 3) + _offsets(1, 3)
    assert _committed(kafka_bootstrap, name, topic, 2) == [3, 3]
    assert json.loads(assignment.read_text()) == [[topic, 0], [topic, 1]]


def _pull(cluster: Cluster, name: str, pulls: SinkPullInvocations | None = None) -> SinkPullInvocations:
    """One pull-mode invocation of task 0 (a new container unless ``pulls``); it must end before its budget."""
    pulls = pulls or SinkPullInvocations(cluster.worker)
    deadline = time.monotonic() + BUDGET_S
    result = pulls.run(name, 0, lambda: (deadline - time.monotonic()) * 1000.0, 128)
    assert result["state"] == "RUNNING", result
    assert time.monotonic() < deadline  # it ended at the end of its (unpaused) partitions
    return pulls


def test_pull_commits_only_what_pre_commit_returns_so_a_dying_container_loses_nothing(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str) -> None:
    name, topic, out = _deploy(cluster, topics, tmp_path, write_behind="true")

    _pull(cluster, name).close()  # put everything, made nothing durable, and died

    assert _written(out) == [] and _committed(kafka_bootstrap, name, topic) in ([-1001], [0])
    pulls = _pull(cluster, name)  # a new container reads it all again
    try:
        _pull(cluster, name, pulls)  # and its warm task makes it durable without being handed it twice
    finally:
        pulls.close()
    assert _written(out) == _offsets(0, 5)
    assert _committed(kafka_bootstrap, name, topic) == [5]


def test_pull_honours_request_commit_before_the_invocation_ends(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str) -> None:
    name, topic, out = _deploy(cluster, topics, tmp_path, write_behind="true", request_commit="true")

    _pull(cluster, name).close()

    assert _written(out) == _offsets(0, 5)
    assert _committed(kafka_bootstrap, name, topic) == [5]


@pytest.mark.parametrize(("contract", "expected"), [
    ({"rewind_at": "2"}, ["0:0", "0:1", "0:2", "0:3", "0:4"]),
    ({"start_offset": "3"}, ["0:3", "0:4"]),
])
def test_pull_honours_offset_requests(cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str,
                                      *, contract: dict[str, str], expected: list[str]) -> None:
    name, topic, out = _deploy(cluster, topics, tmp_path, **contract)

    _pull(cluster, name).close()

    assert _written(out) == expected
    assert _committed(kafka_bootstrap, name, topic) == [5]


def test_pull_neither_puts_nor_commits_a_paused_partition_until_resumed(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str) -> None:
    resume = tmp_path / "resume"
    assignment = tmp_path / "assignment.json"
    name, topic, out = _deploy(cluster, topics, tmp_path, partitions=2, pause_partitions="1",
                               resume_file=str(resume), assignment_file=str(assignment))
    pulls = _pull(cluster, name)  # ends although partition 1 is not at its end: it is paused
    try:
        assert _written(out) == _offsets(0, 3)
        assert _committed(kafka_bootstrap, name, topic, 2)[1] in (-1001, 0)
        assert json.loads(assignment.read_text()) == [[topic, 0], [topic, 1]]

        resume.touch()
        _pull(cluster, name, pulls)
    finally:
        pulls.close()
    assert sorted(_written(out)) == _offsets(0, 3) + _offsets(1, 3)
    assert _committed(kafka_bootstrap, name, topic, 2) == [3, 3]


def test_only_the_mapping_can_commit_its_group_while_its_pollers_are_members(
        topics: KafkaTopics, kafka_bootstrap: str) -> None:
    """Why a mapping is made to send records again instead of the function committing lower offsets itself
    (docs/architecture.md, "The SinkTask contract on both paths"): the broker refuses a non-member's commit."""
    from confluent_kafka import KafkaException

    topic = topics.create(f"members-{uuid.uuid4().hex[:8]}")
    topics.produce(topic, [Out(None, b"v")])
    group = f"connect-members-{uuid.uuid4().hex[:8]}"
    member = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": group, "enable.auto.commit": False,
                       "auto.offset.reset": "earliest"})
    outsider = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        member.subscribe([topic])
        deadline = time.monotonic() + BUDGET_S
        while not member.assignment() and time.monotonic() < deadline:
            member.poll(0.2)
        assert member.assignment()
        outsider.assign([TopicPartition(topic, 0, 0)])
        with pytest.raises(KafkaException, match="UNKNOWN_MEMBER_ID|Unknown member"):
            outsider.commit(offsets=[TopicPartition(topic, 0, 1)], asynchronous=False)
    finally:
        outsider.close()
        member.close()


def _puts(out: Path) -> list[list[str]]:
    """What each ``put`` with records was handed (``partition:offset``), in order."""
    puts = out.parent / f"{out.name}.puts"
    return [json.loads(line) for line in puts.read_text().splitlines()] if puts.exists() else []


def _end_offset(bootstrap: str, topic: str) -> int:
    """The end offset of partition 0 of ``topic`` (how many records were ever written to it)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"watermarks-{uuid.uuid4().hex[:8]}"})
    try:
        return int(consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1])
    finally:
        consumer.close()


def _assert_no_failure_counted(cluster: Cluster, name: str, *, succeeded: bool = True) -> None:
    """RUNNING once a batch went through (before: UNASSIGNED, the retry in its trace), never FAILED, and
    nothing counted towards the circuit breaker (no streak, no failed run record)."""
    cluster.statuses.refresh()
    status = cluster.statuses.task_status(name, 0)
    if succeeded:
        assert status.state.value == "RUNNING"
    else:
        assert status.state.value == "UNASSIGNED" and "write failed with RetriableError" in (status.trace or "")
    runs = RunStore(cluster.worker.kafka, cluster.worker.storage)
    try:
        runs.refresh()
        assert runs.state.task_streaks(name) == []
        run = runs.state.run(name, 0)
        assert run is None or (run.ok and not run.restart.failures)
    finally:
        runs.close()


@pytest.mark.parametrize(("timeout_ms", "calls"), [
    (None, 3),  # no timeout: the mapping sends the batch again (a worker's next poll), twice
    ("50", 1),  # a timeout that fits the invocation: put again inside it, twice
])
def test_mapping_redelivers_the_same_records_after_a_retriable_put_without_failing_the_task(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str, *,
        timeout_ms: str | None, calls: int) -> None:
    """``put`` raises RetriableError twice, then takes the batch: as on a worker the same records come again, each is
    written once, the task never turns FAILED nor counts towards the breaker, and nothing reaches the dead letter
    queue although ``errors.tolerance=all`` has one (put is not under errors.tolerance)."""
    dlq = topics.create(f"contract-dlq-{uuid.uuid4().hex[:8]}")
    name, topic, out = _deploy(cluster, topics, tmp_path, retriable_times="2",
                               extra={"errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
                                      "errors.deadletterqueue.topic.replication.factor": "1"},
                               **({"retriable_timeout_ms": timeout_ms} if timeout_ms else {}))
    states: list[str] = []

    def before(call: int) -> None:
        if call > 1:
            cluster.statuses.refresh()
            states.append(cluster.statuses.task_status(name, 0).state.value)

    function = Function(cluster, name, before)
    _drive(cluster, name, topic, function, lambda: _committed(kafka_bootstrap, name, topic) == [5])

    assert _puts(out) == [_offsets(0, 5)] * 3  # the same records each time
    assert _written(out) == _offsets(0, 5)  # each exactly once
    assert function.calls == calls
    assert set(states) <= {"UNASSIGNED"}  # not RUNNING before a batch went through, never FAILED
    _assert_no_failure_counted(cluster, name)
    assert _end_offset(kafka_bootstrap, dlq) == 0


@pytest.mark.parametrize(("timeout_ms", "invocations"), [
    (None, 3),  # no timeout: each invocation ends uncommitted and the next reads the batch again
    ("50", 1),  # a timeout that fits the budget: put again inside the invocation
])
def test_pull_redelivers_the_same_records_after_a_retriable_put_without_failing_the_task(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, kafka_bootstrap: str, *,
        timeout_ms: str | None, invocations: int) -> None:
    name, topic, out = _deploy(cluster, topics, tmp_path, retriable_times="2",
                               **({"retriable_timeout_ms": timeout_ms} if timeout_ms else {}))
    pulls = SinkPullInvocations(cluster.worker)
    try:
        for invocation in range(invocations):
            assert _written(out) == [] and _committed(kafka_bootstrap, name, topic) in ([-1001], [0])
            _pull(cluster, name, pulls)  # the invocation answers RUNNING every time (asserted there)
            _assert_no_failure_counted(cluster, name, succeeded=invocation == invocations - 1)
    finally:
        pulls.close()
    assert _puts(out) == [_offsets(0, 5)] * 3
    assert _written(out) == _offsets(0, 5)
    assert _committed(kafka_bootstrap, name, topic) == [5]
