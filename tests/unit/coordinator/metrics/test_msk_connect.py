"""MSK Connect's CloudWatch names per ConnectorName: computed by coordinator/metrics/msk_connect.py, printed as EMF by
runtime/run_metrics.py on the coordinator's heartbeat."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from connect_core.coordinator.metrics.msk_connect import MSK_CONNECT_METRICS
from connect_core.runtime.run_metrics import emit_connector_metrics
from connect_core.storage.run_state import RunRecord, TaskCounters
from connect_core.storage.status_state import State, TaskStatus
from tests.unit.coordinator.health.test_overview import World, world

if TYPE_CHECKING:
    import pytest

__all__ = ["world"]


def test_figures_per_connector_in_msk_connects_names(world: World) -> None:
    statuses, runs, now_ms = world.topics.status_store(), world.run_store(), int(world.now * 1000)
    statuses.put_task_status(TaskStatus("src", 0, State.RUNNING, "w", 1))
    statuses.put_task_status(TaskStatus("snk", 0, State.RUNNING, "w", 1))
    runs.put_run(RunRecord("src", 0, now_ms - 10_000, "source", True, records=20, skipped=5))
    runs.put_run(RunRecord("snk", 0, now_ms - 1_000, "sink", False, error="boom"), counters=TaskCounters(
        "snk", 0, "c1", now_ms - 1_000, 0, "sink", invocations=2, failed=1, start_attempts=4, start_successes=3,
        start_failures=1))
    figures = world.coordinator().connector_metrics()
    assert figures["src"]["SourceRecordPollRate"] == 25 / 40  # Kafka's Rate: 10 s elapsed plus a window
    assert figures["src"]["SourceRecordWriteRate"] == 20 / 40
    assert figures["src"]["RunningTaskCount"] == 1 and figures["src"]["ErroredTaskCount"] == 0
    assert "TaskStartupSuccessPercentage" not in figures["src"]  # no start recorded yet
    assert figures["snk"]["ErroredTaskCount"] == 1 and figures["snk"]["RunningTaskCount"] == 0  # its last run failed
    assert figures["snk"]["TaskStartupAttemptsTotal"] == 4 and figures["snk"]["TaskStartupSuccessPercentage"] == 75
    assert figures["snk"]["WorkerCount"] == 1
    assert set(figures["snk"]) <= set(MSK_CONNECT_METRICS) and "SinkRecordSendRate" in figures["snk"]


def test_one_emf_record_per_connector_dimensioned_by_connector_name_alone(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "lambda-connect-coordinator")
    emit_connector_metrics({"orders": {"SinkRecordSendRate": 2.5, "ErroredTaskCount": 0}}, MSK_CONNECT_METRICS,
                           namespace="Test")
    (document,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Test" and directive["Dimensions"] == [["ConnectorName"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {"SinkRecordSendRate": "Count/Second",
                                                                     "ErroredTaskCount": "Count"}
    assert document["ConnectorName"] == "orders" and document["SinkRecordSendRate"] == [2.5]
