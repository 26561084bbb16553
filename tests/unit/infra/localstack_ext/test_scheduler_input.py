"""The extension's Scheduler fills the context attributes of a target's Input as AWS does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from infra.localstack_ext.lambda_connect_localstack.scheduler_input import EMPTY_INPUT, scheduler_input

ARN = "arn:aws:scheduler:us-east-1:000000000000:schedule/grp/src-0"


def test_every_context_attribute_is_substituted() -> None:
    template = json.dumps({"connector": "c", "window_start": "<aws.scheduler.scheduled-time>",
                           "arn": "<aws.scheduler.schedule-arn>", "id": "<aws.scheduler.execution-id>",
                           "attempt": "<aws.scheduler.attempt-number>"})
    due = datetime(2026, 11, 22, 9, 40, 0, 123456, tzinfo=UTC)

    event = json.loads(scheduler_input(template, ARN, due, execution_id="e-1"))

    assert event == {"connector": "c", "window_start": "2026-11-22T09:40:00Z", "arn": ARN, "id": "e-1",
                     "attempt": "1"}


def test_scheduled_time_is_utc_and_each_firing_gets_its_own_execution_id() -> None:
    template = '{"t": "<aws.scheduler.scheduled-time>", "id": "<aws.scheduler.execution-id>"}'
    due = datetime(2026, 11, 22, 10, 40, tzinfo=timezone(timedelta(hours=1)))

    first, second = json.loads(scheduler_input(template, ARN, due)), json.loads(scheduler_input(template, ARN, due))

    assert first["t"] == "2026-11-22T09:40:00Z"
    assert first["id"] != second["id"]


def test_no_input_is_an_empty_object_and_other_text_is_untouched() -> None:
    due = datetime(2026, 11, 22, tzinfo=UTC)
    assert scheduler_input(None, ARN, due) == EMPTY_INPUT
    assert scheduler_input('{"n": "<not.an.attribute>"}', ARN, due) == '{"n": "<not.an.attribute>"}'
