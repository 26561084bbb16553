"""Pull-mode sink tasks against the real broker: a topics.regex sink with two tasks reads its partitions as Kafka
Connect's assignor spreads them, commits connect-<name> after writing, and picks up a new matching topic."""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from connect_core.runtime.sink_pull import SinkPullInvocations
from connect_core.runtime.source_event import SourceTaskRef
from connect_core.runtime.source_ticks import run_source_invocation
from connect_core.storage.config_state import TargetState
from tests.integration.functions._sink_harness import KafkaTopics, Out

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
STRING = "org.apache.kafka.connect.storage.StringConverter"


def _committed(bootstrap: str, group: str, partitions: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        found = consumer.committed([TopicPartition(t, p) for t, p in partitions], timeout=10)
    finally:
        consumer.close()
    return {(tp.topic, tp.partition): tp.offset for tp in found}


def _lines(path: Path) -> list[str]:
    return sorted(path.read_text().splitlines()) if path.exists() else []


def test_regex_sink_with_two_tasks_reads_every_partition_once_and_commits_one_group(
        cluster: Cluster, topics: KafkaTopics, kafka_bootstrap: str, tmp_path: Path) -> None:
    prefix = f"pull-{uuid.uuid4().hex[:8]}"
    a, b = topics.create(f"{prefix}.a", partitions=2), topics.create(f"{prefix}.b")
    topics.produce(a, [Out(None, f"a{i}".encode(), partition=i % 2) for i in range(4)])
    topics.produce(b, [Out(None, b"b0")])
    files = [tmp_path / "task0.txt", tmp_path / "task1.txt"]
    regex = re.escape(prefix) + r"\..*"
    config = {"connector.class": FILE_SINK, "topics.regex": regex, "tasks.max": "2", "key.converter": STRING,
              "value.converter": STRING, "file": str(files[0])}
    cluster.deploy("pull", config, [{"file": str(f), "topics.regex": regex} for f in files])
    pulls = SinkPullInvocations(cluster.worker)
    try:
        results = [pulls.run("pull", task, lambda: 20_000.0, 128) for task in (0, 1)]

        # RangeAssignor per topic: a-0 and b-0 to task 0, a-1 to task 1.
        assert _lines(files[0]) == ["a0", "a2", "b0"] and _lines(files[1]) == ["a1", "a3"]
        assert [(r["state"], r["partitions"], r["poll_interval_ms"]) for r in results] == [
            ("RUNNING", 2, 1000), ("RUNNING", 1, 1000)]
        assert _committed(kafka_bootstrap, "connect-pull", [(a, 0), (a, 1), (b, 0)]) == {
            (a, 0): 2, (a, 1): 2, (b, 0): 1}
        cluster.statuses.refresh()
        assert [cluster.statuses.task_status("pull", t).state.value for t in (0, 1)] == ["RUNNING", "RUNNING"]

        c = topics.create(f"{prefix}.c")  # a new matching topic: read at the next invocation, no REST call
        topics.produce(c, [Out(None, b"c0")])
        topics.produce(a, [Out(None, b"a4", partition=1)])
        deadline = time.monotonic() + 30
        while "c0" not in _lines(files[0]) and time.monotonic() < deadline:
            pulls.run("pull", 0, lambda: 20_000.0, 128)
        pulls.run("pull", 1, lambda: 20_000.0, 128)
        assert _lines(files[0]) == ["a0", "a2", "b0", "c0"] and _lines(files[1]) == ["a1", "a3", "a4"]

        cluster.configs.put_target_state("pull", TargetState.PAUSED)
        assert pulls.run("pull", 0, lambda: 20_000.0, 128)["state"] == "PAUSED"  # no tick, nothing committed
    finally:
        pulls.close()


@pytest.mark.parametrize(("position", "expected"), [("TRIM_HORIZON", ["old", "new"]), ("LATEST", ["new"])])
def test_lambda_starting_position_decides_where_a_new_group_starts_and_nothing_after_is_skipped(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, position: str, expected: list[str]) -> None:
    """As a Kafka event source mapping's StartingPosition: LATEST skips what was written before the connector's
    group existed, never what comes after its first invocation."""
    name = f"pos-{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t")
    topics.produce(topic, [Out(None, b"old")])
    out = tmp_path / "out.txt"
    config = {"connector.class": FILE_SINK, "topics": topic, "tasks.max": "2", "key.converter": STRING,
              "value.converter": STRING, "file": str(out), "lambda.starting.position": position}
    cluster.deploy(name, config, [{"file": str(out), "topics": topic}, {"file": str(out), "topics": topic}])
    pulls = SinkPullInvocations(cluster.worker)
    try:
        pulls.run(name, 0, lambda: 20_000.0, 128)
        topics.produce(topic, [Out(None, b"new")])
        pulls.run(name, 0, lambda: 20_000.0, 128)
        assert _lines(out) == sorted(expected)
    finally:
        pulls.close()


def test_a_caught_up_invocation_ends_once_its_partitions_report_their_ends(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Billed time is work: with the gather window made 30 s, an invocation of a task at the end of its two partitions
    (and one that reads records, then the ends) still ends after a fetch round instead of waiting the window out."""
    from connect_core.runtime import sink_pull

    monkeypatch.setattr(sink_pull, "CONSUME_TIMEOUT_S", 30.0)
    name = f"ends-{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t", partitions=2)
    topics.produce(topic, [Out(None, f"r{i}".encode(), partition=i % 2) for i in range(4)])
    out = tmp_path / "out.txt"
    config = {"connector.class": FILE_SINK, "topics": topic, "tasks.max": "1", "key.converter": STRING,
              "value.converter": STRING, "file": str(out), "lambda.sink.trigger": "schedule"}
    cluster.deploy(name, config, [{"file": str(out), "topics": topic}])
    pulls = SinkPullInvocations(cluster.worker)
    try:
        started = time.monotonic()
        reading = pulls.run(name, 0, lambda: 120_000.0, 1000)
        idle = pulls.run(name, 0, lambda: 120_000.0, 1000)
        elapsed = time.monotonic() - started
        assert (reading["records"], idle["records"]) == (4, 0) and _lines(out) == ["r0", "r1", "r2", "r3"]
        assert elapsed < 30.0, f"the invocations waited out the gather window ({elapsed:.1f} s)"
    finally:
        pulls.close()


class _SentTicks:
    """The tick queue, recording what would be sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, tick: dict[str, Any]) -> None:
        self.sent.append(tick)


def test_idle_pull_tasks_without_partitions_are_running_and_send_no_tick(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path) -> None:
    """tasks.max 4 over one partition: the three tasks with no partition start (RUNNING, as on a worker) and wait for
    their heartbeat instead of ticking every lambda.sink.poll.interval.ms; the one that has the partition ticks."""
    name = f"idle-{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t")
    out = tmp_path / "out.txt"
    config = {"connector.class": FILE_SINK, "topics": topic, "tasks.max": "4", "key.converter": STRING,
              "value.converter": STRING, "file": str(out)}
    cluster.deploy(name, config, [{"file": str(out), "topics": topic}] * 4)
    pulls = SinkPullInvocations(cluster.worker)
    ticks = _SentTicks()
    now = time.time() * 1000
    try:
        summaries = [run_source_invocation(
            lambda connector, task, budget: pulls.run(connector, task, budget, 128),
            SourceTaskRef(name, task, int(now), 60_000, kind="sink"), lambda: 20_000.0, ticks)
            for task in range(4)]
        assert [(s["partitions"], s["next_tick"] is not None) for s in summaries] == [
            (1, True), (0, False), (0, False), (0, False)]
        assert [t["event"]["task"] for t in ticks.sent] == [0]
        cluster.statuses.refresh()
        assert [cluster.statuses.task_status(name, t).state.value for t in range(4)] == ["RUNNING"] * 4
    finally:
        pulls.close()


def test_a_failed_put_reported_as_batch_item_failures_shows_the_tasks_own_error(
        cluster: Cluster, topics: KafkaTopics, mariadb_settings: dict[str, str]) -> None:
    """``lambda.report.batch.item.failures`` in pull mode: the status trace and the run record name the error
    ``put`` raised (here the JDBC sink's missing table), not a generic "reported as batch item failures"."""
    from connect_core.storage.run_store import RunStore

    name = f"pull-fail-{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t")
    topics.produce(topic, [Out(None, b'{"schema":{"type":"struct","fields":[{"field":"V","type":"int32"}]},'
                                     b'"payload":{"V":1}}')])
    config = {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": topic, "tasks.max": "1",
              "connection.url": f"jdbc:mysql://{mariadb_settings['host']}:{mariadb_settings['port']}/"
                                f"{mariadb_settings['database']}",
              "connection.user": mariadb_settings["user"], "connection.password": mariadb_settings["password"],
              "table.name.format": f"missing_{uuid.uuid4().hex[:8]}", "auto.create": "false",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter": STRING,
              "lambda.sink.trigger": "schedule", "lambda.report.batch.item.failures": "true"}
    cluster.deploy(name, config, [config])
    pulls = SinkPullInvocations(cluster.worker)
    try:
        result = pulls.run(name, 0, lambda: 10_000.0, 128)
    finally:
        pulls.close()

    assert result["state"] == "FAILED"
    cluster.statuses.refresh()
    trace = cluster.statuses.task_status(name, 0).trace or ""
    assert "is missing and auto-creation is disabled" in trace
    assert "reported as batch item failures" not in trace
    runs = RunStore(cluster.worker.kafka, cluster.worker.storage)
    try:
        runs.refresh()
        run = runs.state.run(name, 0)
        assert run is not None and "is missing and auto-creation is disabled" in (run.error or "")
    finally:
        runs.close()
