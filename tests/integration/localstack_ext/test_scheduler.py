"""EventBridge Scheduler on LocalStack with the extension: ENABLED schedules invoke their Lambda target with their
Input (rate, at; in schedule groups) with Scheduler's context attributes filled in; disabling, deleting (the schedule
or its group) and ActionAfterCompletion stop them; re-enabling fires again. Expression arithmetic (cron, time zones)
is unit-tested in tests/unit/infra/localstack_ext."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.localstack_ext._functions import RecordingFunction, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.integration


@pytest.fixture
def function(aws_settings: dict[str, str], tmp_path: Path) -> Iterator[RecordingFunction]:
    recording = RecordingFunction(boto3.client("lambda", **aws_settings), tmp_path, "it-sched")
    yield recording
    recording.delete()


def _at(seconds: float) -> str:
    return (datetime.now(tz=UTC) + timedelta(seconds=seconds)).strftime("at(%Y-%m-%dT%H:%M:%S)")


def _inputs(function: RecordingFunction) -> list[str]:
    return [event.get("n") for event in function.events()]


def _schedule(client: Any, group: str, name: str, expression: str, function: RecordingFunction, **extra: Any) -> None:
    client.create_schedule(
        Name=name, GroupName=group, ScheduleExpression=expression, FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": function.arn, "RoleArn": "arn:aws:iam::000000000000:role/scheduler",
                "Input": json.dumps({"n": name, "due": "<aws.scheduler.scheduled-time>",
                                     "arn": "<aws.scheduler.schedule-arn>"})}, **extra)


def test_schedules_fire_their_input_and_stop_when_disabled_or_deleted(
        scheduler: tuple[Any, str], function: RecordingFunction) -> None:
    client, group = scheduler
    _schedule(client, group, "every-minute", "rate(1 minute)", function)
    wait_for(lambda: "every-minute" in _inputs(function), "the rate schedule's first invocation")
    first = next(event for event in function.events() if event["n"] == "every-minute")
    assert first["arn"].endswith(f"schedule/{group}/every-minute")  # context attributes filled in, as AWS does
    due = datetime.fromisoformat(first["due"].replace("Z", "+00:00"))
    assert first["due"].endswith("Z") and abs((datetime.now(tz=UTC) - due).total_seconds()) < 60
    current = client.get_schedule(Name="every-minute", GroupName=group)
    client.update_schedule(Name="every-minute", GroupName=group, ScheduleExpression=current["ScheduleExpression"],
                           FlexibleTimeWindow={"Mode": "OFF"}, Target=current["Target"], State="DISABLED")

    _schedule(client, group, "once", _at(4), function, ActionAfterCompletion="DELETE")
    _schedule(client, group, "disabled", _at(4), function, State="DISABLED")
    _schedule(client, group, "deleted", _at(4), function)
    client.delete_schedule(Name="deleted", GroupName=group)
    other_group = f"{group}-gone"
    client.create_schedule_group(Name=other_group)
    _schedule(client, other_group, "in-deleted-group", _at(4), function)
    client.delete_schedule_group(Name=other_group)  # takes its schedules with it
    wait_for(lambda: "once" in _inputs(function), "the one-time schedule")
    time.sleep(3)  # past every due time above, plus a tick and an asynchronous invocation

    assert sorted(_inputs(function)) == ["every-minute", "once"]  # the disabled rate did not fire again either
    with pytest.raises(ClientError, match="ResourceNotFound"):
        client.get_schedule(Name="once", GroupName=group)  # ActionAfterCompletion=DELETE
    assert client.get_schedule(Name="disabled", GroupName=group)["State"] == "DISABLED"

    client.update_schedule(Name="every-minute", GroupName=group, ScheduleExpression="rate(1 minute)",
                           FlexibleTimeWindow={"Mode": "OFF"}, Target=current["Target"], State="ENABLED")
    wait_for(lambda: _inputs(function).count("every-minute") == 2, "the re-enabled schedule")
    for name in ("every-minute", "disabled"):
        client.delete_schedule(Name=name, GroupName=group)
