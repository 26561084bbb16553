"""SinkRunner, one Lambda Kafka event at a time, over in-memory internal topics (no broker, no DLQ producer)."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from connect_core.api.task import TopicPartition
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.sink_runner import ConnectorNotRunningError, SinkRunner
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
