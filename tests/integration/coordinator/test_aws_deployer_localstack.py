"""AwsDeployer's schedules on LocalStack's real Scheduler API (create, scale, pause, resume, stop, re-apply, delete).

Sink functions and Kafka event source mappings are covered with moto in tests/unit/coordinator/aws/test_deployer.py:
LocalStack 4.13.1 creates Kafka mappings but leaves them in Creating and cannot delete them.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import boto3
import pytest

from connect_core.coordinator.aws.deployer import AwsDeployer, AwsDeployerSettings
from connect_core.coordinator.aws.schedules import ScheduleSettings
from connect_core.coordinator.aws.sink_functions import SinkFunctionSettings
from connect_core.storage.config_state import TargetState

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

pytestmark = pytest.mark.integration

SOURCE = {"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "lines"}


@pytest.fixture
def scheduler(aws_settings: dict[str, str]) -> Iterator[tuple[Any, str]]:
    client = boto3.client("scheduler", **aws_settings)
    group = f"it-{uuid.uuid4().hex[:8]}"
    client.create_schedule_group(Name=group)
    yield client, group
    client.delete_schedule_group(Name=group)


def _states(client: Any, group: str) -> dict[str, str]:
    names = [s["Name"] for s in client.list_schedules(GroupName=group)["Schedules"]]
    return {n: client.get_schedule(Name=n, GroupName=group)["State"] for n in sorted(names)}


def test_source_schedules_converge_on_localstack(scheduler: tuple[Any, str], aws_settings: dict[str, str]) -> None:
    client, group = scheduler
    settings = AwsDeployerSettings(
        ScheduleSettings(group, "arn:aws:lambda:us-east-1:000000000000:function:src",
                         "arn:aws:iam::000000000000:role/scheduler"),
        SinkFunctionSettings(template_function="unused"),
    )
    deployer = AwsDeployer(settings, scheduler=client, lambda_client=boto3.client("lambda", **aws_settings))

    deployer.apply("orders", SOURCE, 2, TargetState.STARTED)
    assert _states(client, group) == {"orders-0": "ENABLED", "orders-1": "ENABLED"}
    schedule = client.get_schedule(Name="orders-1", GroupName=group)
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert json.loads(schedule["Target"]["Input"]) == {"connector": "orders", "task": 1}

    deployer.apply("orders", SOURCE, 2, TargetState.STARTED)
    assert deployer.last_actions == []

    deployer.apply("orders", SOURCE, 3, TargetState.STARTED)
    assert deployer.last_actions == ["create orders-2"]
    deployer.apply("orders", SOURCE, 1, TargetState.PAUSED)
    assert _states(client, group) == {"orders-0": "DISABLED"}
    deployer.apply("orders", SOURCE, 1, TargetState.STARTED)
    assert _states(client, group) == {"orders-0": "ENABLED"}
    deployer.apply("orders", SOURCE, 0, TargetState.STOPPED)
    assert _states(client, group) == {"orders-0": "DISABLED"}

    deployer.remove("orders")
    assert _states(client, group) == {}
