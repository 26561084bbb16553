"""SinkRunner, one Lambda Kafka event at a time, over in-memory internal topics (no broker, no DLQ producer)."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from connect_core.api.errors import RetriableError
from connect_core.api.task import TopicPartition
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.sink_runner import ConnectorNotRunningError, RetriableRedeliveryError, SinkRunner
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config_state import TargetState
from connect_core.storage.status_state import State
from tests.unit.runtime.fakes import RECORDING_SINK, RecordingSinkTask
from tests.unit.storage.fakes import Topics

WORKER = WorkerSettings(KafkaClientSettings(), worker_id="test:1")
CONFIG = {
    "connector.class": RECORDING_SINK, "topics": "orders", "tasks.max": "1",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
}


def _event(*values: bytes | None, partition: int = 0, first_offset: int = 10) -> dict[str, Any]:
    records = [
        {"topic": "orders", "partition": partition, "offset": first_offset + i, "timestamp": 1_700_000_000_000 + i,
         "timestampType": "CREATE_TIME", "key": base64.b64encode(f"k{i}".encode()).decode(),
         "headers": [{"trace": list(b"t1")}],
         **({} if value is None else {"value": base64.b64encode(value).decode()})}
        for i, value in enumerate(values)
    ]
    return {"eventSource": "aws:kafka", "records": {f"orders-{partition}": records}}


class Harness:
    def __init__(self, config: dict[str, str] | None = None) -> None:
        self.topics = Topics()
        self.configure(config or CONFIG)

    def configure(self, config: dict[str, str]) -> None:
        configs = self.topics.config_store()
        configs.put_connector_config("snk", config, TargetState.STARTED)
        configs.put_task_configs("snk", [config])

    def runner(self) -> SinkRunner:
        return SinkRunner(WORKER, "snk", config_store=self.topics.config_store(),
                          status_store=self.topics.status_store())

    def task_status(self) -> Any:
        return self.topics.status_store().start().task_status("snk", 0)


def test_a_batch_is_converted_put_and_flushed_with_the_next_offsets() -> None:
    harness = Harness()
    result = harness.runner().handle(_event(b'{"id": 1}', b'{"id": 2}'))
    assert [(r.key, r.value, r.kafka_offset, r.timestamp) for r in RecordingSinkTask.PUT] == [
        ("k0", {"id": 1}, 10, 1_700_000_000_000), ("k1", {"id": 2}, 11, 1_700_000_000_001)
    ]
    assert [(h.key, h.value) for h in RecordingSinkTask.PUT[0].headers] == [("trace", "t1")]  # SimpleHeaderConverter
    assert RecordingSinkTask.FLUSHED == [{TopicPartition("orders", 0): 12}]
    assert (result.records, result.put, result.skipped, result.offsets) == (2, 2, 0, {"orders-0": 12})
    assert result.response() == {}
    assert harness.task_status().state is State.RUNNING


@pytest.mark.parametrize("smt", [False, True])
def test_a_task_that_writes_json_text_gets_keys_and_values_read_only_when_read_unless_an_smt_reads_them(
    smt: bool,
) -> None:
    from connect_core.api.struct import Struct, TextStruct

    envelope = b'{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],' \
               b'"optional":false},"payload":{"id":%d}}'
    json_schemas = "org.apache.kafka.connect.json.JsonConverter"
    config = {**CONFIG, "key.converter": json_schemas, "value.converter": json_schemas,
              "value.converter.schemas.enable": "true"}
    if smt:
        config |= {"transforms": "ts", "transforms.ts.type": "org.apache.kafka.connect.transforms.InsertField$Value",
                   "transforms.ts.offset.field": "at"}
    RecordingSinkTask.WANTS_JSON_TEXT = True
    event = _event(*(envelope % i for i in range(3)))
    for record in event["records"]["orders-0"]:
        record["key"] = base64.b64encode(envelope % (100 + record["offset"])).decode()
    Harness(config).runner().handle(event)
    put = RecordingSinkTask.PUT
    # the first of a batch is read whole (its envelope then known); the rest as text, read when read
    assert [type(r.key) for r in put][1:] == [Struct if smt else TextStruct] * 2
    assert [type(r.value) for r in put][1:] == [Struct if smt else TextStruct] * 2
    assert [(r.key.get("id"), r.value.get("id")) for r in put] == [(110, 0), (111, 1), (112, 2)]


def test_a_bad_record_fails_the_batch_under_tolerance_none() -> None:
    harness = Harness()
    with pytest.raises(Exception, match="Tolerance exceeded in error handler") as failure:
        harness.runner().handle(_event(b'{"id": 1}', b"not json"))
    assert "Converting byte[] to Kafka Connect data failed" in str(failure.value.__cause__)
    assert RecordingSinkTask.PUT == []
    assert RecordingSinkTask.FLUSHED == []  # nothing flushed: the mapping retries the whole batch
    status = harness.task_status()
    assert status.state is State.FAILED
    assert "Tolerance exceeded" in (status.trace or "")


def test_a_bad_record_is_skipped_under_tolerance_all() -> None:
    harness = Harness({**CONFIG, "errors.tolerance": "all"})
    result = harness.runner().handle(_event(b'{"id": 1}', b"not json", b"null"))
    assert [r.value for r in RecordingSinkTask.PUT] == [{"id": 1}, None]
    assert (result.put, result.skipped, result.offsets) == (2, 1, {"orders-0": 13})


@pytest.mark.parametrize("log_enable", [False, True])
def test_tolerated_failures_reach_the_log_only_with_errors_log_enable(
    log_enable: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Kafka attaches its LogReporter only when errors.log.enable is true: otherwise a tolerated record (with
    errors.log.include.messages, its coordinates) never reaches the logs."""
    harness = Harness({**CONFIG, "errors.tolerance": "all", "errors.log.enable": str(log_enable).lower(),
                       "errors.log.include.messages": "true"})
    with caplog.at_level(logging.ERROR, logger="connect_core.errors.log_reporter"):
        harness.runner().handle(_event(b"not json"))
    logged = [r.getMessage() for r in caplog.records if r.name == "connect_core.errors.log_reporter"]
    if log_enable:
        assert len(logged) == 1
        assert "Error encountered in task snk-0. Executing stage 'VALUE_CONVERTER'" in logged[0]
        assert "where consumed record is {topic='orders', partition=0, offset=10" in logged[0]
    else:
        assert logged == []


def test_a_paused_connector_fails_the_invocation_so_nothing_is_committed() -> None:
    harness = Harness()
    harness.topics.config_store().put_target_state("snk", TargetState.PAUSED)
    with pytest.raises(ConnectorNotRunningError, match="PAUSED"):
        harness.runner().handle(_event(b"{}"))
    assert RecordingSinkTask.STARTS == []


def test_a_failed_put_reports_batch_item_failures_when_the_mapping_asks_for_them() -> None:
    harness = Harness({**CONFIG, "lambda.report.batch.item.failures": "true"})
    RecordingSinkTask.FAIL_PUT.append("the database is down")
    result = harness.runner().handle(_event(b"{}", b"{}", first_offset=5))
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": {"partition": "orders-0", "offset": 5}}]}
    assert harness.task_status().state is State.FAILED


def test_a_warm_container_restarts_its_task_when_the_config_changes() -> None:
    harness = Harness()
    runner = harness.runner()
    runner.handle(_event(b"{}"))
    runner.handle(_event(b"{}", first_offset=11))
    assert len(RecordingSinkTask.STARTS) == 1
    harness.configure({**CONFIG, "extra": "1"})
    runner.handle(_event(b"{}", first_offset=12))
    assert [starts.get("extra") for starts in RecordingSinkTask.STARTS] == [None, "1"]
    assert RecordingSinkTask.STOPS == 1


def test_a_failed_batch_restarts_the_task_for_the_retry() -> None:
    harness = Harness()
    runner = harness.runner()
    RecordingSinkTask.FAIL_PUT.append("boom")
    with pytest.raises(RuntimeError, match="boom"):
        runner.handle(_event(b"{}"))
    runner.handle(_event(b'{"retried": true}'))
    assert [r.value for r in RecordingSinkTask.PUT] == [{"retried": True}]
    assert len(RecordingSinkTask.STARTS) == 2
    assert harness.task_status().state is State.RUNNING
    assert RecordingSinkTask.FLUSHED[-1] == {TopicPartition("orders", 0): 11}


@pytest.mark.usefixtures("isolated_logging")
def test_cluster_log_levels_apply_at_the_next_invocation() -> None:
    harness = Harness()
    runner = harness.runner()
    runner.handle(_event(b'{"id": 1}'))
    harness.topics.config_store().put_logger_level("io.confluent.connect.jdbc", "TRACE")
    runner.handle(_event(b'{"id": 2}', first_offset=11))
    assert logging.getLogger("connect_core.connectors.jdbc").level == 5


def test_a_retriable_put_is_put_again_after_the_tasks_timeout_within_the_invocation() -> None:
    """As WorkerSinkTask: a RetriableError from put keeps the batch, and after context.timeout() the same records
    go to put again; no restart, no FAILED."""
    harness = Harness()
    RecordingSinkTask.FAIL_PUT.extend([RetriableError("busy"), RetriableError("busy")])
    RecordingSinkTask.TIMEOUT_MS = 1
    result = harness.runner().handle(_event(b'{"id": 1}', b'{"id": 2}'), remaining_ms=lambda: 60_000.0)
    assert RecordingSinkTask.PUT_CALLS == 3
    assert [r.value for r in RecordingSinkTask.PUT] == [{"id": 1}, {"id": 2}]
    assert (result.put, result.offsets, result.retriable) == (2, {"orders-0": 12}, None)
    assert len(RecordingSinkTask.STARTS) == 1
    assert harness.task_status().state is State.RUNNING


@pytest.mark.parametrize(("timeout_ms", "remaining_ms"), [(None, 60_000.0), (5_000, 1_000.0)])
def test_a_retriable_put_without_a_timeout_that_fits_comes_again_at_the_next_invocation(
        timeout_ms: int | None, remaining_ms: float) -> None:
    """No timeout (a worker waits for its next poll) or one past the invocation's time: the mapping must send the
    batch again; the warm task is kept and gets the same records, and nothing is FAILED."""
    harness = Harness()
    runner = harness.runner()
    RecordingSinkTask.FAIL_PUT.append(RetriableError("busy"))
    RecordingSinkTask.TIMEOUT_MS = timeout_ms
    with pytest.raises(RetriableRedeliveryError, match="put raised RetriableError") as redelivery:
        runner.handle(_event(b'{"id": 1}', first_offset=7), remaining_ms=lambda: remaining_ms)
    assert redelivery.value.held == {TopicPartition("orders", 0): 7}
    assert RecordingSinkTask.PUT_CALLS == 1 and RecordingSinkTask.FLUSHED == []
    status = harness.task_status()  # never RUNNING before a batch went through, never FAILED either
    assert status.state is State.UNASSIGNED
    assert "write failed with RetriableError: busy (attempt 1" in (status.trace or "")
    result = runner.handle(_event(b'{"id": 1}', first_offset=7))
    assert [r.value for r in RecordingSinkTask.PUT] == [{"id": 1}]
    assert result.offsets == {"orders-0": 8}
    assert (harness.task_status().state, harness.task_status().trace) == (State.RUNNING, None)
    assert len(RecordingSinkTask.STARTS) == 1  # the same warm task


def test_a_retriable_put_with_partial_batch_responses_holds_the_batch_back_as_no_failure() -> None:
    harness = Harness({**CONFIG, "lambda.report.batch.item.failures": "true"})
    RecordingSinkTask.FAIL_PUT.append(RetriableError("busy"))
    result = harness.runner().handle(_event(b"{}", b"{}", first_offset=5))
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": {"partition": "orders-0", "offset": 5}}]}
    assert result.held_back and result.put == 0
    status = harness.task_status()  # not RUNNING before a batch went through; the retry in its trace
    assert status.state is State.UNASSIGNED and "write failed with RetriableError: busy" in (status.trace or "")


def test_the_poison_batch_breaker_does_not_count_a_retriable_put() -> None:
    """A RetriableError from put is no failure (a worker counts it nowhere): however often a batch comes again for
    it, no streak of the batch is counted and the breaker never opens, even with no automatic restart allowed;
    any other put failure of the same batch is counted at once (the control)."""
    from connect_core.runtime.restart_policy import Decision
    from connect_core.runtime.run_recorder import RunRecorder
    from connect_core.runtime.task_invocation import SinkInvocation
    from connect_core.storage.run_store import RunStore
    from tests.unit.storage.fakes import MemoryTopic, MemoryTopicLog

    harness = Harness({**CONFIG, "lambda.restart.max.attempts": "0"})
    runner = harness.runner()
    runs = RunStore(KafkaClientSettings())
    runs.log = MemoryTopicLog(MemoryTopic("connect-status-runs"))  # type: ignore[assignment]
    recorder = RunRecorder(WORKER, "sink", runner.config_store, runner.status_store, run_store=runs)
    invocation = SinkInvocation(WORKER, "snk", runner, recorder)
    poison = _event(b'{"id": 1}', first_offset=5)
    RecordingSinkTask.FAIL_PUT.extend([RetriableError("busy")] * 3)
    for _ in range(3):
        with pytest.raises(RetriableRedeliveryError):
            invocation.handle(poison, 128, lambda: 60_000.0)
        assert invocation.decision is Decision.RUN
        assert runs.state.task_streaks("snk") == []
        assert harness.task_status().state is State.UNASSIGNED  # no FAILED; not RUNNING before a success
    assert invocation.handle(poison, 128) == {}
    assert [r.value for r in RecordingSinkTask.PUT] == [{"id": 1}]
    assert harness.task_status().state is State.RUNNING

    RecordingSinkTask.FAIL_PUT.append("the database refused the row")  # the control: a real failure counts
    with pytest.raises(RuntimeError):
        invocation.handle(_event(b'{"id": 2}', first_offset=6), 128)
    assert [(s.partition, s.first_offset, s.restart.breaker_open) for s in runs.state.task_streaks("snk")] == [
        (0, 6, True)]
    assert harness.task_status().state is State.FAILED


def test_batch_item_failures_keep_the_tasks_own_error_for_status_and_the_breaker() -> None:
    """With ``lambda.report.batch.item.failures`` a failed put is answered as item failures; the status trace still
    names the task's error, and the poison-batch breaker judges that error: a ConfigError opens it at once."""
    from connect_core.api.errors import ConfigError
    from connect_core.runtime.run_recorder import RunRecorder
    from connect_core.runtime.task_invocation import SinkInvocation
    from connect_core.storage.run_store import RunStore
    from tests.unit.storage.fakes import MemoryTopic, MemoryTopicLog

    harness = Harness({**CONFIG, "lambda.report.batch.item.failures": "true"})
    runner = harness.runner()
    runs = RunStore(KafkaClientSettings())
    runs.log = MemoryTopicLog(MemoryTopic("connect-status-runs"))  # type: ignore[assignment]
    invocation = SinkInvocation(WORKER, "snk", runner, RunRecorder(WORKER, "sink", runner.config_store,
                                                                   runner.status_store, run_store=runs))
    RecordingSinkTask.FAIL_PUT.append(ConfigError("table.name.format names no table the user may write"))

    response = invocation.handle(_event(b'{"id": 1}', first_offset=5), 128)

    assert response == {"batchItemFailures": [{"itemIdentifier": {"partition": "orders-0", "offset": 5}}]}
    status = harness.task_status()
    assert status.state is State.FAILED
    assert "ConfigError: table.name.format names no table the user may write" in (status.trace or "")
    assert "reported as batch item failures" not in (status.trace or "")
    streaks = runs.state.task_streaks("snk")
    assert [(s.first_offset, s.restart.breaker_open) for s in streaks] == [(5, True)]
    assert "ConfigError cannot be fixed by retrying" in (streaks[0].restart.reason or "")


def test_a_failed_batch_the_group_moved_on_from_ends_as_a_no_op_and_no_failure() -> None:
    """A frozen invocation resumed after other containers went on (runtime/stale_batch.py): its batch fails in the
    task, but the group's committed offset is past the batch, so nothing is committed, no status or run is written
    and the task is started afresh for the next batch; the same failure before the group moved on is the task's."""
    from connect_core.runtime.run_recorder import RunRecorder
    from connect_core.runtime.task_invocation import SinkInvocation
    from connect_core.storage.run_store import RunStore
    from tests.unit.runtime.fakes import FakeGroupReader
    from tests.unit.storage.fakes import MemoryTopic, MemoryTopicLog

    harness = Harness({**CONFIG, "lambda.report.batch.item.failures": "true"})
    runner = harness.runner()
    runs = RunStore(KafkaClientSettings())
    runs.log = MemoryTopicLog(MemoryTopic("connect-status-runs"))  # type: ignore[assignment]
    invocation = SinkInvocation(WORKER, "snk", runner, RunRecorder(WORKER, "sink", runner.config_store,
                                                                   runner.status_store, run_store=runs))
    assert invocation.handle(_event(b'{"id": 1}', first_offset=9), 128) == {}
    assert harness.task_status().state is State.RUNNING
    runs_before = len(runs.log.topic.records)  # type: ignore[attr-defined]

    FakeGroupReader.COMMITTED[("orders", 0)] = 14  # another container went through offsets 10-13 meanwhile
    RecordingSinkTask.FAIL_PUT.append("the batch starts before the one that already went through")
    result = runner.handle(_event(b'{"id": 2}', b'{"id": 3}', first_offset=10))
    assert (result.stale, result.put, result.offsets, result.committable, result.response()) == (
        True, 0, {}, {}, {})
    assert FakeGroupReader.ASKED == ["connect-snk"]
    assert harness.task_status().state is State.RUNNING  # no FAILED written

    RecordingSinkTask.FAIL_PUT.append("the same failure, through the function's invocation")
    assert invocation.handle(_event(b'{"id": 2}', first_offset=10), 128) == {}
    assert len(runs.log.topic.records) == runs_before  # type: ignore[attr-defined]  # no run, no streak
    assert runs.state.task_streaks("snk") == []
    assert harness.task_status().state is State.RUNNING

    assert invocation.handle(_event(b'{"id": 14}', first_offset=14), 128) == {}  # the next batch: a new task
    assert [r.value for r in RecordingSinkTask.PUT] == [{"id": 1}, {"id": 14}]
    assert len(RecordingSinkTask.STARTS) == 3

    FakeGroupReader.COMMITTED[("orders", 0)] = 15  # the control: the group is at the batch, the failure is real
    RecordingSinkTask.FAIL_PUT.append("the database is down")
    response = invocation.handle(_event(b'{"id": 15}', first_offset=15), 128)
    assert response == {"batchItemFailures": [{"itemIdentifier": {"partition": "orders-0", "offset": 15}}]}
    assert harness.task_status().state is State.FAILED
    assert [s.first_offset for s in runs.state.task_streaks("snk")] == [15]


class _Message:
    """A consumed confluent-kafka message, as a pull-mode task's consumer hands it over."""

    def __init__(self, offset: int, value: bytes) -> None:
        self._offset, self._value = offset, value

    def topic(self) -> str:
        return "orders"

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self._offset

    def timestamp(self) -> tuple[int, int]:
        return 1, 1_700_000_000_000 + self._offset

    def headers(self) -> None:
        return None

    def key(self) -> bytes:
        return b"k"

    def value(self) -> bytes:
        return self._value


def test_a_pull_mode_batch_the_group_moved_past_commits_nothing_and_is_no_failure() -> None:
    """A pull-mode invocation (its runner commits) whose batch fails after a twin invocation committed past it: no
    offset is offered for commit (nothing moves back), no seek, no FAILED; with the group at the batch it fails."""
    from tests.unit.runtime.fakes import FakeGroupReader

    harness = Harness()
    runner = SinkRunner(WORKER, "snk", config_store=harness.topics.config_store(),
                        status_store=harness.topics.status_store(), reads_committed=True, commits=True)
    FakeGroupReader.COMMITTED[("orders", 0)] = 9
    RecordingSinkTask.FAIL_PUT.append("a write the twin already made")
    result = runner.handle_messages([_Message(3, b'{"id": 3}'), _Message(4, b'{"id": 4}')])
    assert (result.stale, result.committable, result.offsets, result.seek) == (True, {}, {}, {})
    assert harness.task_status() is None

    FakeGroupReader.COMMITTED[("orders", 0)] = 3  # the control
    RecordingSinkTask.FAIL_PUT.append("the database is down")
    with pytest.raises(RuntimeError, match="the database is down"):
        runner.handle_messages([_Message(3, b'{"id": 3}')])
    assert harness.task_status().state is State.FAILED
