"""The extension's EMF bridge (``emf.py``, called by the executor on every function output line): the coordinator's
MSK Connect metrics, printed by Powertools, read back from LocalStack's CloudWatch with ``GetMetricData``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import boto3
import pytest

from connect_core.coordinator.metrics.msk_connect import MSK_CONNECT_METRICS
from connect_core.runtime.run_metrics import emit_connector_metrics
from infra.localstack_ext.lambda_connect_localstack import emf

if TYPE_CHECKING:
    from typing import Any

pytestmark = pytest.mark.integration


def _values(cloudwatch: Any, namespace: str, name: str, connector: str) -> list[float]:
    now = datetime.now(UTC)
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {
            "Namespace": namespace, "MetricName": name,
            "Dimensions": [{"Name": "ConnectorName", "Value": connector}]}, "Period": 60, "Stat": "Maximum"}}],
        StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=1))
    return list(answer["MetricDataResults"][0]["Values"])


def test_emf_lines_become_metrics_in_localstacks_cloudwatch(aws_settings: dict[str, str],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    namespace, connector = f"LambdaConnectTest{uuid.uuid4().hex[:6]}", f"orders-{uuid.uuid4().hex[:6]}"
    emit_connector_metrics({connector: {"SinkRecordSendRate": 12.5, "ErroredTaskCount": 1, "RunningTaskCount": 0}},
                           MSK_CONNECT_METRICS, namespace=namespace)
    lines = capsys.readouterr().out.splitlines()
    cloudwatch = boto3.client("cloudwatch", **aws_settings)
    assert sum(emf.publish(line, cloudwatch) for line in [*lines, "a plain log line", '{"_aws": "broken"}']) == 3
    assert _values(cloudwatch, namespace, "SinkRecordSendRate", connector) == [12.5]
    assert _values(cloudwatch, namespace, "ErroredTaskCount", connector) == [1.0]
    listed = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    assert {m["MetricName"] for m in listed} == {"SinkRecordSendRate", "ErroredTaskCount", "RunningTaskCount"}
    assert all(m["Dimensions"] == [{"Name": "ConnectorName", "Value": connector}] for m in listed)
