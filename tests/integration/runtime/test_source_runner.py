"""SourceRunner against the real broker: exactly-once production of records and offsets, per invocation."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from connect_core.api.record import SourceValues
from connect_core.connectors.file.source_task import FileStreamSourceTask
from connect_core.runtime.source_runner import SourceRunner
from connect_core.storage.config_state import TargetState
from tests.integration.runtime.conftest import consume_committed

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"


def _deploy_file_source(cluster: Cluster, name: str, path: Path, topic: str, **extra: str) -> None:
    config = {"connector.class": FILE_SOURCE, "file": str(path), "topic": topic, "tasks.max": "1",
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter", **extra}
    cluster.deploy(name, config, [{"file": str(path), "topic": topic, "batch.size": "2000", **extra}])


def _budget(ms: float = 20_000):
    import time

    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


def test_lines_and_their_offset_are_committed_together(cluster: Cluster, tmp_path: Path, kafka_bootstrap: str) -> None:
    path = tmp_path / "input.txt"
    path.write_text("alpha\nbeta\n")
    topic = f"{cluster.worker.group_id}-lines"
    _deploy_file_source(cluster, "file-src", path, topic)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)

    first = runner.run("file-src", 0, _budget())
    with path.open("a") as handle:
        handle.write("gamma\n")
    second = runner.run("file-src", 0, _budget())

    assert (first.records, second.records) == (2, 1)
    values = [value for _, value, _ in consume_committed(kafka_bootstrap, topic, 3)]
    assert values == [
        b'{"schema":{"type":"string","optional":false},"payload":"alpha"}',
        b'{"schema":{"type":"string","optional":false},"payload":"beta"}',
        b'{"schema":{"type":"string","optional":false},"payload":"gamma"}',
    ]
    cluster.offsets.refresh()
    assert cluster.offsets.offset("file-src", {"filename": str(path)}) == {"position": len("alpha\nbeta\ngamma\n")}
    cluster.statuses.refresh()
    assert cluster.statuses.task_status("file-src", 0).state.value == "RUNNING"


def test_a_cold_runner_resumes_from_committed_offsets(cluster: Cluster, tmp_path: Path, kafka_bootstrap: str) -> None:
    path = tmp_path / "input.txt"
    path.write_text("one\ntwo\n")
    topic = f"{cluster.worker.group_id}-resume"
    _deploy_file_source(cluster, "resume", path, topic, **{"value.converter.schemas.enable": "false"})
    SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                 status_store=cluster.statuses).run("resume", 0, _budget())
    with path.open("a") as handle:
        handle.write("three\n")

    from connect_core.storage.offset_store import OffsetStore

    cold = SourceRunner(cluster.worker, offset_store=OffsetStore(cluster.worker.kafka, cluster.worker.storage))
    result = cold.run("resume", 0, _budget())

    assert result.records == 1
    assert [v for _, v, _ in consume_committed(kafka_bootstrap, topic, 3)] == [b'"one"', b'"two"', b'"three"']


def test_a_failure_mid_invocation_commits_neither_records_nor_offsets(
    cluster: Cluster, tmp_path: Path, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "input.txt"
    path.write_text("".join(f"line-{i}\n" for i in range(10)))
    topic = f"{cluster.worker.group_id}-abort"
    _deploy_file_source(cluster, "abort", path, topic, **{"batch.size": "4", "value.converter.schemas.enable": "false"})
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    real_poll = FileStreamSourceTask.poll
    calls = {"n": 0}

    def poll_then_crash(self: FileStreamSourceTask):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("injected crash after two produced batches")
        return real_poll(self)

    monkeypatch.setattr(FileStreamSourceTask, "poll", poll_then_crash)
    with pytest.raises(RuntimeError, match="injected crash"):
        runner.run("abort", 0, _budget())

    cluster.offsets.refresh()
    assert cluster.offsets.offset("abort", {"filename": str(path)}) is None
    cluster.statuses.refresh()
    failed = cluster.statuses.task_status("abort", 0)
    assert failed.state.value == "FAILED" and "injected crash" in failed.trace

    monkeypatch.setattr(FileStreamSourceTask, "poll", real_poll)
    assert runner.run("abort", 0, _budget()).records == 10
    values = [v for _, v, _ in consume_committed(kafka_bootstrap, topic, 10)]
    assert values == [json.dumps(f"line-{i}").encode() for i in range(10)]


def test_paused_connector_produces_nothing(cluster: Cluster, tmp_path: Path) -> None:
    path = tmp_path / "input.txt"
    path.write_text("x\n")
    _deploy_file_source(cluster, "paused", path, f"{cluster.worker.group_id}-paused")
    cluster.configs.put_target_state("paused", TargetState.PAUSED)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)

    result = runner.run("paused", 0, _budget())

    assert (result.state, result.records) == ("PAUSED", 0)


def test_a_warm_runner_reports_running_again_after_the_coordinator_changed_the_status(
    cluster: Cluster, tmp_path: Path
) -> None:
    from connect_core.storage.status_state import State, TaskStatus

    path = tmp_path / "input.txt"
    path.write_text("x\n")
    _deploy_file_source(cluster, "restarted", path, f"{cluster.worker.group_id}-restarted")
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    runner.run("restarted", 0, _budget())
    # what POST /connectors/restarted/restart?includeTasks=true writes: the request, then RESTARTING statuses
    cluster.configs.put_restart_request("restarted", include_tasks=True)
    cluster.statuses.put_task_status(TaskStatus("restarted", 0, State.RESTARTING, "coordinator", 1))

    runner.run("restarted", 0, _budget())

    cluster.statuses.refresh()
    assert cluster.statuses.task_status("restarted", 0).state is State.RUNNING


def test_an_invocation_ends_at_the_first_empty_poll_and_says_when_to_poll_again(
    cluster: Cluster, tmp_path: Path, kafka_bootstrap: str
) -> None:
    """Lambda bills wall time: nothing sleeps inside an invocation. It polls while there is data, commits, and ends
    at the first empty poll; ``poll_interval_ms`` tells the caller (a tick, or ``up``) when to invoke it again."""
    path = tmp_path / "input.txt"
    path.write_text("first\nsecond\n")
    topic = f"{cluster.worker.group_id}-drained"
    _deploy_file_source(cluster, "drained", path, topic, **{"poll.interval.ms": "200",
                                                            "value.converter.schemas.enable": "false"})
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)

    result = runner.run("drained", 0, _budget(600_000))

    assert (result.records, result.poll_interval_ms) == (2, 200)
    assert (result.rounds, result.polls) == (1, 2)  # the lines, then the empty poll that ended it (600 s left)
    values = [v for _, v, _ in consume_committed(kafka_bootstrap, topic, result.records)]
    assert values == [b'"first"', b'"second"']


def test_offsets_altered_between_two_warm_invocations_are_picked_up(
    cluster: Cluster, tmp_path: Path, kafka_bootstrap: str
) -> None:
    """Stop, PATCH offsets and resume can all happen between two invocations of a warm container, with an identical
    task config: the new task-config commit must restart the task from the altered offsets (as Kafka does)."""
    path = tmp_path / "input.txt"
    path.write_text("x\ny\n")
    topic = f"{cluster.worker.group_id}-rewound"
    _deploy_file_source(cluster, "rewound", path, topic, **{"value.converter.schemas.enable": "false"})
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    assert runner.run("rewound", 0, _budget()).records == 2
    task_configs = cluster.configs.task_configs("rewound")

    cluster.configs.put_task_configs("rewound", [])  # what PUT .../stop writes, then the target state
    cluster.configs.put_target_state("rewound", TargetState.STOPPED)
    cluster.offsets.write("rewound", [({"filename": str(path)}, {"position": 0})])
    cluster.configs.put_task_configs("rewound", task_configs)  # PUT .../resume
    cluster.configs.put_target_state("rewound", TargetState.STARTED)

    assert runner.run("rewound", 0, _budget()).records == 2
    assert [v for _, v, _ in consume_committed(kafka_bootstrap, topic, 4)] == [b'"x"', b'"y"', b'"x"', b'"y"']


def test_an_evicted_task_resumes_from_its_committed_offsets(
    cluster: Cluster, tmp_path: Path, kafka_bootstrap: str
) -> None:
    """One started task at most: two connectors take turns, each is stopped (producer closed) and started again
    from the offsets it committed; nothing is lost or written twice."""
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses, max_started_tasks=1)
    paths = {name: tmp_path / f"{name}.txt" for name in ("left", "right")}
    for name, path in paths.items():
        path.write_text("")
        _deploy_file_source(cluster, name, path, f"{cluster.worker.group_id}-{name}",
                            **{"value.converter.schemas.enable": "false"})
    for round_ in range(3):
        for name, path in paths.items():
            with path.open("a") as handle:
                handle.write(f"{name}-{round_}\n")
            assert runner.run(name, 0, _budget()).records == 1
            assert runner.started_tasks() == [(name, 0)]
    for name in paths:
        values = [v for _, v, _ in consume_committed(kafka_bootstrap, f"{cluster.worker.group_id}-{name}", 3)]
        assert values == [f'"{name}-{i}"'.encode() for i in range(3)]


def test_record_timestamps_and_headers_reach_the_broker(cluster: Cluster, tmp_path: Path, kafka_bootstrap: str) -> None:
    """The producer call passes timestamp and headers positionally: both must land as given."""
    import time

    path = tmp_path / "input.txt"
    path.write_text("one\ntwo\n")
    topic = f"{cluster.worker.group_id}-stamped"
    _deploy_file_source(cluster, "stamped", path, topic, **{
        "transforms": "h", "transforms.h.type": "org.apache.kafka.connect.transforms.InsertHeader",
        "transforms.h.header": "origin", "transforms.h.value.literal": "file"})
    before = int(time.time() * 1000)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    assert runner.run("stamped", 0, _budget()).records == 2
    after = int(time.time() * 1000)
    consumed = consume_committed(kafka_bootstrap, topic, 2, timestamps=True)
    assert [(value, headers) for _, value, headers, _ in consumed] == [
        (b'{"schema":{"type":"string","optional":false},"payload":"one"}', [("origin", b"file")]),
        (b'{"schema":{"type":"string","optional":false},"payload":"two"}', [("origin", b"file")]),
    ]
    from confluent_kafka import TIMESTAMP_CREATE_TIME

    for *_, (kind, stamp) in consumed:  # the task's poll time, as the record's CreateTime
        assert kind == TIMESTAMP_CREATE_TIME and before <= stamp <= after


def test_a_record_the_broker_refuses_fails_the_invocation_and_moves_no_offset(
    cluster: Cluster, tmp_path: Path, kafka_bootstrap: str
) -> None:
    """Delivery reports come only for failures now: a refused record must still fail the invocation, naming it."""
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"{cluster.worker.group_id}-small"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1, config={"max.message.bytes": "2048"})])[topic].result(30)
    path = tmp_path / "input.txt"
    path.write_text("fits\n" + "x" * 5000 + "\nafter\n")
    _deploy_file_source(cluster, "small", path, topic)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)

    with pytest.raises(Exception, match=f"(?i){topic} .*message size too large"):  # the commit names the batch
        runner.run("small", 0, _budget())

    cluster.offsets.refresh()
    assert cluster.offsets.offset("small", {"filename": str(path)}) is None
    cluster.statuses.refresh()
    assert cluster.statuses.task_status("small", 0).state.value == "FAILED"
    assert consume_committed(kafka_bootstrap, topic, 0, timeout_s=3) == []


@pytest.mark.parametrize("converters", [
    {"value.converter.schemas.enable": "true", "key.converter": "org.apache.kafka.connect.json.JsonConverter"},
    {"value.converter.schemas.enable": "false", "key.converter": "org.apache.kafka.connect.json.JsonConverter"},
    {"key.converter": "org.apache.kafka.connect.storage.StringConverter",
     "value.converter": "org.apache.kafka.connect.storage.StringConverter"},
], ids=["json-schemas", "json-schemaless", "string"])
def test_the_values_path_produces_what_the_records_path_produces(
    cluster: Cluster, tmp_path: Path, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch,
    converters: dict[str, str],
) -> None:
    """FileStreamSource's values path (``values_poll``, no SourceRecord a line) against its records path (the hook
    turned off) over the same tricky file, in several polls and transactions, with JsonConverter and with
    StringConverter: the same keys, values, headers, stored offset and counts."""
    lines = ["plain", "", 'say "hi"', "back\\slash", "\\u0041", "tab\there", "café €", "astral 😀", "\u2028",
             "\x01ctl", "a" * 500]
    path = tmp_path / "input.txt"
    path.write_bytes(("\n".join(lines * 40) + "\nlast\r\ncr\rpartial").encode())
    seen = {}
    for name, values_path in (("by-values", True), ("by-records", False)):
        topic = f"{cluster.worker.group_id}-{name}"
        _deploy_file_source(cluster, name, path, topic, **{"batch.size": "7", **converters})
        runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                              status_store=cluster.statuses, chunk_records=100)
        with monkeypatch.context() as patch:
            if values_path:  # no record built
                patch.setattr(SourceValues, "records", lambda _self: pytest.fail("records built"))
            else:
                patch.setattr(FileStreamSourceTask, "values_poll", lambda _self: None)
            result = runner.run(name, 0, _budget())
        runner.close()
        cluster.offsets.refresh()
        seen[name] = (result.records, result.bytes, result.rounds, consume_committed(kafka_bootstrap, topic, 442),
                      cluster.offsets.offset(name, {"filename": str(path)}))
    assert seen["by-values"] == seen["by-records"]
    assert seen["by-values"][0] == 442 and seen["by-values"][4] == {"position": len(path.read_bytes()) - 7}


def test_commit_record_gets_where_each_record_was_written_before_commit(
    cluster: Cluster, tmp_path: Path, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kafka's ExactlyOnceWorkerSourceTask: after the transaction commits, ``commitRecord(record, metadata)`` per
    record, then ``commit()``; MirrorMaker 2's offset syncs are built from that metadata."""
    from confluent_kafka.admin import AdminClient

    from connect_core.api.record import RecordMetadata

    path = tmp_path / "input.txt"
    path.write_text("alpha\nbeta\n")
    topic = f"{cluster.worker.group_id}-metadata"
    _deploy_file_source(cluster, "metadata", path, topic, **{"value.converter.schemas.enable": "false"})
    calls: list[tuple[str, object]] = []
    cluster_ids: list[str | None] = []

    def commit_record(self: FileStreamSourceTask, record: object, metadata: RecordMetadata | None) -> None:
        calls.append((record.value, metadata))  # type: ignore[attr-defined]

    def commit(self: FileStreamSourceTask) -> None:
        calls.append(("commit", None))
        cluster_ids.append(self.context.kafka_cluster_id())

    monkeypatch.setattr(FileStreamSourceTask, "commit_record", commit_record)
    monkeypatch.setattr(FileStreamSourceTask, "commit", commit)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    assert runner.run("metadata", 0, _budget()).records == 2
    runner.close()

    assert [value for value, _ in calls] == ["alpha", "beta", "commit"]
    first, second = calls[0][1], calls[1][1]
    assert isinstance(first, RecordMetadata) and isinstance(second, RecordMetadata)
    assert (first.topic, first.partition, first.offset) == (topic, 0, 0)
    assert (second.topic, second.partition, second.offset) == (topic, 0, 1)
    assert first.timestamp is not None and first.timestamp > 0
    assert cluster_ids == [AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10).cluster_id]
    assert [v for _, v, _ in consume_committed(kafka_bootstrap, topic, 2)] == [b'"alpha"', b'"beta"']


def test_both_commit_record_plans_hand_the_task_where_kafka_wrote_each_record(
    cluster: Cluster, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indexed plan (a poll's records produced at once, each delivery report writing its record's slot) and the
    record-by-record reference, each on fresh topics of three partitions, over the same polls (records to a
    partition and to the partitioner's, dropped by an SMT, carrying only an offset, refused by the converter): the
    same ``commit_record`` calls in poll order, the same partitions and offsets (None where nothing was written),
    after the commit, then ``commit``."""
    from confluent_kafka.admin import AdminClient, NewTopic

    from connect_core.runtime.source_commits import IndexedDeliveries, RecordByRecord
    from tests.unit.runtime import fakes
    from tests.unit.runtime.test_source_commits import CONFIG, CONNECTOR, CommittingTask, mixed_poll

    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", f"{fakes.PLUGINS},{CONNECTOR}")  # as a deployment adds a plugin
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    seen = {}
    for plan in (RecordByRecord, IndexedDeliveries):
        topics = (f"{cluster.worker.group_id}-{plan.__name__}-users", f"{cluster.worker.group_id}-{plan.__name__}-x")
        for future in admin.create_topics([NewTopic(topic, 3, 1) for topic in topics]).values():
            future.result(30)
        name = f"commits-{plan.__name__}"
        cluster.deploy(name, CONFIG, [CONFIG])
        monkeypatch.setattr(SourceRunner, "_commit_plan",
                            staticmethod(lambda _task, on_delivery, plan=plan: plan(on_delivery)))
        CommittingTask.POLLS[:] = [mixed_poll(0, 30, topics), [], mixed_poll(30, 45, topics)]  # two invocations
        CommittingTask.CALLS.clear()
        runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                              status_store=cluster.statuses)
        records = [runner.run(name, 0, _budget()).records for _ in range(2)]
        runner.close()
        role = {topics[0]: "users", topics[1]: "x"}
        seen[plan] = (records, [
            (offset, None if metadata is None else (role[metadata.topic], metadata.partition, metadata.offset,
                                                    metadata.timestamp is not None))
            for offset, metadata in CommittingTask.CALLS])
        assert sum(len(consume_committed(kafka_bootstrap, topic, 1)) > 0 for topic in topics) == 2
    assert seen[IndexedDeliveries] == seen[RecordByRecord]
    records, calls = seen[IndexedDeliveries]
    produced = [n % 7 not in (3, 4, 5) for n in range(75)]  # of 7 records one dropped, one offsets only, one refused
    assert records == [sum(produced[:30]), sum(produced[30:])]
    assert calls[30] == ("commit", None) and calls[-1] == ("commit", None) and len(calls) == 77
    written = [where for _offset, where in calls if where is not None]
    assert len(written) == sum(records) and len(set(written)) == len(written)  # each record its own position
    assert {partition for _topic, partition, _offset, _ts in written} == {0, 1, 2}


def test_two_reports_a_run_place_each_record_where_kafka_wrote_it(
    cluster: Cluster, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``RunDeliveries`` (a task reading only the offsets: MirrorMaker 2's) against the indexed plan, each on fresh
    topics of three partitions, over the same polls of runs to named partitions (1 to 40 records), records to the
    partitioner's and records carrying only an offset: every record placed at the topic, partition and offset Kafka
    gave it under the indexed plan's reports; the records between a run's first and last without a timestamp."""
    from confluent_kafka.admin import AdminClient, NewTopic

    from connect_core.runtime.source_commits import IndexedDeliveries, RunDeliveries
    from tests.unit.runtime import fakes
    from tests.unit.runtime.test_source_commits import CONNECTOR, WITHOUT_SMTS, CommittingTask, runs_poll

    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", f"{fakes.PLUGINS},{CONNECTOR}")
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    seen = {}
    for plan in (IndexedDeliveries, RunDeliveries):
        topics = (f"{cluster.worker.group_id}-{plan.__name__}-a", f"{cluster.worker.group_id}-{plan.__name__}-b")
        for future in admin.create_topics([NewTopic(topic, 3, 1) for topic in topics]).values():
            future.result(30)
        name = f"runs-{plan.__name__}"
        cluster.deploy(name, WITHOUT_SMTS, [WITHOUT_SMTS])
        monkeypatch.setattr(SourceRunner, "_commit_plan",
                            staticmethod(lambda _task, on_delivery, plan=plan: plan(on_delivery)))
        CommittingTask.POLLS[:] = [runs_poll(0, [40, 1, 3, 2, 25], topics=topics), [],
                                   runs_poll(100, [5, 40, 40], topics=topics)]
        CommittingTask.CALLS.clear()
        runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                              status_store=cluster.statuses)
        records = [runner.run(name, 0, _budget()).records for _ in range(2)]
        runner.close()
        role = {topics[0]: "a", topics[1]: "b"}
        seen[plan] = (records, [
            (offset, None if metadata is None else (role[metadata.topic], metadata.partition, metadata.offset))
            for offset, metadata in CommittingTask.CALLS], [
            offset for offset, metadata in CommittingTask.CALLS if metadata is not None and metadata.timestamp is None])
    assert seen[RunDeliveries][:2] == seen[IndexedDeliveries][:2]
    records, calls, _ = seen[RunDeliveries]
    assert records == [71 + 5, 85 + 3]  # each run's records and a record to the partitioner's a run
    assert len(calls) == (81 + 1) + (91 + 1)  # a call per polled record (offset-only ones too), a commit each
    assert sum(where is None for _offset, where in calls) == 8 + 2  # the offset-only records and the commits
    assert seen[IndexedDeliveries][2] == []  # every record its own report
    assert len(seen[RunDeliveries][2]) == (40 - 2) + (3 - 2) + (25 - 2) + (5 - 2) + 2 * (40 - 2)


def test_suspend_ends_each_invocation_after_its_last_commit(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SourceTask.suspend`` (ours): once per invocation, after the commits of all its chunks, so a task closes
    there what must not outlive the invocation (the binlog reader) and keeps it across its chunk commits."""
    path = tmp_path / "input.txt"
    path.write_text("".join(f"line {i}\n" for i in range(5)))
    topic = f"{cluster.worker.group_id}-suspend"
    _deploy_file_source(cluster, "suspend", path, topic, **{"batch.size": "2"})
    calls: list[str] = []
    monkeypatch.setattr(FileStreamSourceTask, "commit", lambda self: calls.append("commit"))
    monkeypatch.setattr(FileStreamSourceTask, "suspend", lambda self: calls.append("suspend"), raising=False)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                          status_store=cluster.statuses)
    runner.chunk_records = 2  # a transaction of two records at most: three chunks
    try:
        assert runner.run("suspend", 0, _budget()).records == 5
        assert calls[-1] == "suspend" and calls.count("suspend") == 1 and calls.count("commit") >= 3
        path.write_text(path.read_text() + "line 5\n")
        assert runner.run("suspend", 0, _budget()).records == 1
        assert calls.count("suspend") == 2 and calls[-1] == "suspend"
    finally:
        runner.close()
