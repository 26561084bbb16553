"""One EventBridge Scheduler schedule per source task (and per pull-mode sink task), converged from the connector's
desired state.

Scheduler's finest rate is one minute, while Kafka's ``poll.interval.ms`` is often seconds. The schedule is the
task's *heartbeat*: each firing opens a window (``window_start`` = Scheduler's ``<aws.scheduler.scheduled-time>``,
``window_ms`` = the rate) in which the source function re-invokes itself through delayed SQS ticks every
``poll.interval.ms``, without sleeping inside a billed invocation (``connect_core/runtime/source_ticks.py``).
``lambda.schedule.interval.ms`` above a minute is rounded up to whole minutes.

Schedules carry no other state: the Input names the task and its window, and everything else comes from the config
topic when it runs. Retries are off (``MaximumRetryAttempts`` 0): the next heartbeat is the retry.

A sink behind an event source mapping whose connector declares an idle-tick interval
(``SinkConnector.idle_tick_interval_ms``, ``runtime/idle_tick.py``) gets one more schedule, ``<connector>-idle``,
invoking its own function with ``{"connector", "idle_tick": true}`` at that interval, rounded up to whole minutes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connect_core.coordinator.aws.names import idle_schedule_name, schedule_base, schedule_name, task_of_schedule
from connect_core.runtime.idle_tick import idle_tick_event
from connect_core.runtime.source_event import SOURCE
from connect_core.runtime.trigger_config import SourceScheduleConfig

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["ScheduleSettings", "SourceSchedules", "idle_expression", "schedule_expression", "schedule_input"]

ENABLED = "ENABLED"
DISABLED = "DISABLED"
MINUTE_MS = 60_000
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"  # a Scheduler context attribute, replaced when it fires
MAXIMUM_EVENT_AGE_S = 60  # a tick older than the minimum rate is pointless: the next one is already due
DESCRIPTION_PREFIX = "lambda-connect "  # then "<kind> task <connector>-<task>", or "idle ticks <connector>"
IDLE_DESCRIPTION = DESCRIPTION_PREFIX + "idle ticks "


@dataclass(frozen=True)
class ScheduleSettings:
    """Where schedules live and what they invoke (from the stack, via ``LAMBDA_CONNECT_*``)."""

    group: str
    source_function_arn: str
    role_arn: str


def schedule_expression(config: Mapping[str, Any]) -> str:
    """``rate(N minute[s])``: ``lambda.schedule.interval.ms`` rounded up to minutes, at least one minute."""
    minutes = SourceScheduleConfig.parse(config).heartbeat_ms() // MINUTE_MS
    return "rate(1 minute)" if minutes == 1 else f"rate({minutes} minutes)"


def idle_expression(interval_ms: int) -> str:
    """``rate(N minute[s])`` for idle ticks every ``interval_ms``: rounded up to minutes, at least one minute."""
    minutes = max(1, -(-interval_ms // MINUTE_MS))
    return "rate(1 minute)" if minutes == 1 else f"rate({minutes} minutes)"


def schedule_input(connector: str, task: int, config: Mapping[str, Any], kind: str = SOURCE) -> str:
    """The heartbeat's Input: the task, and its window (Scheduler substitutes the scheduled time) for the ticks."""
    window_ms = SourceScheduleConfig.parse(config).heartbeat_ms()
    event: dict[str, Any] = {"connector": connector, "task": task, "window_start": SCHEDULED_TIME,
                             "window_ms": window_ms}
    if kind != SOURCE:
        event["kind"] = kind
    return json.dumps(event, separators=(",", ":"))


class SourceSchedules:
    """Creates, updates, enables, disables and deletes the schedules of source connectors."""

    def __init__(self, client: Any, settings: ScheduleSettings) -> None:
        """``client``: a boto3 ``scheduler`` client."""
        self.client = client
        self.settings = settings

    def converge(self, connector: str, config: Mapping[str, Any], task_count: int, state: str, *,
                 keep_existing: bool = False, kind: str = SOURCE) -> list[str]:
        """Make tasks ``0..task_count-1`` have a schedule in ``state``; delete the rest unless ``keep_existing``.

        ``kind``: ``sink`` for the tasks of a pull-mode sink (``runtime/sink_pull.py``), run by the same function.

        Returns:
            the actions taken, e.g. ``["create my-src-0", "delete my-src-3"]`` (empty when nothing changed).
        """
        existing = self._existing(connector)
        wanted = set(range(task_count)) | (set(existing) if keep_existing else set())
        expression = schedule_expression(config) if wanted else ""
        actions: list[str] = []
        for task in sorted(set(existing) - wanted):
            self._delete(existing[task])
            actions.append(f"delete {existing[task]}")
        for task in sorted(wanted):
            desired = self._desired(connector, task, expression, schedule_input(connector, task, config, kind), state,
                                    kind=kind)
            if task not in existing:
                self.client.create_schedule(**desired)
                actions.append(f"create {desired['Name']}")
                continue
            current = self.client.get_schedule(Name=existing[task], GroupName=self.settings.group)
            if _differs(current, desired):
                self.client.update_schedule(**desired)
                actions.append(f"update {desired['Name']}")
        return actions

    def converge_idle(self, connector: str, function_arn: str, interval_ms: int | None, state: str) -> list[str]:
        """Make a mapping sink's idle-tick schedule invoke ``function_arn`` every ``interval_ms`` in ``state``, or
        delete it when ``interval_ms`` is None (its connector declares none, or it is no mapping sink)."""
        name = idle_schedule_name(connector)
        current = self._get(name)
        if interval_ms is None:
            if current is None:
                return []
            self._delete(name)
            return [f"delete {name}"]
        desired = self._desired(connector, 0, idle_expression(interval_ms),
                                json.dumps(idle_tick_event(connector), separators=(",", ":")), state,
                                target=function_arn, name=name, description=IDLE_DESCRIPTION + connector)
        if current is None:
            self.client.create_schedule(**desired)
            return [f"create {name}"]
        if _differs(current, desired):
            self.client.update_schedule(**desired)
            return [f"update {name}"]
        return []

    def idle_exists(self, connector: str) -> bool:
        """Whether the connector's idle-tick schedule exists."""
        return self._get(idle_schedule_name(connector)) is not None

    def remove(self, connector: str, *, idle: bool = True) -> list[str]:
        """Delete every schedule of the connector (``idle``: its idle-tick schedule too)."""
        existing = self._existing(connector)
        for name in existing.values():
            self._delete(name)
        actions = [f"delete {name}" for name in existing.values()]
        if idle:
            actions += self.converge_idle(connector, "", None, DISABLED)
        return actions

    def tasks(self, connector: str) -> dict[int, str]:
        """The connector's existing schedules by task number."""
        return self._existing(connector)

    def connectors(self, known: Iterable[str] = ()) -> set[str]:
        """Connectors that have at least one schedule in the stack's group (the reconciler's orphan search).

        Schedules cannot be tagged: a schedule is a connector's (a source's, or a pull-mode sink's) when it targets
        the source function, its name is
        ``<base>-<task>`` and its Input names the connector. Names of ``known`` connectors are matched without a
        GetSchedule; any other (an orphan, the stack's own static schedule) is read once to tell which it is.
        """
        bases = {schedule_base(name): name for name in known}
        found: set[str] = set()
        for page in self.client.get_paginator("list_schedules").paginate(GroupName=self.settings.group):
            for schedule in page.get("Schedules", []):
                base, dash, task = schedule["Name"].rpartition("-")
                if dash and task == "idle":  # a mapping sink's idle ticks (they target its own function)
                    connector = bases.get(base) or self._connector_of(schedule["Name"])
                    if connector is not None:
                        found.add(connector)
                    continue
                if schedule.get("Target", {}).get("Arn") not in (None, self.settings.source_function_arn):
                    continue  # the coordinator's heartbeat
                if not dash or not task.isdigit():
                    continue
                connector = bases.get(base) or self._connector_of(schedule["Name"])
                if connector is not None:
                    found.add(connector)
        return found

    def _connector_of(self, name: str) -> str | None:
        current = self._get(name)
        if current is None or not re.match(re.escape(DESCRIPTION_PREFIX) + r"((source|sink) task|idle ticks) ",
                                           str(current.get("Description") or "")):
            return None
        target = _json(current.get("Target", {}).get("Input"))
        connector = target.get("connector") if isinstance(target, dict) else None
        if isinstance(connector, str) and (task_of_schedule(connector, name) is not None
                                           or idle_schedule_name(connector) == name):
            return connector
        return None

    def _get(self, name: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return dict(self.client.get_schedule(Name=name, GroupName=self.settings.group))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise

    def _existing(self, connector: str) -> dict[int, str]:
        found: dict[int, str] = {}
        paginator = self.client.get_paginator("list_schedules")
        for page in paginator.paginate(GroupName=self.settings.group, NamePrefix=schedule_base(connector) + "-"):
            for schedule in page.get("Schedules", []):
                task = task_of_schedule(connector, schedule["Name"])
                if task is not None:
                    found[task] = schedule["Name"]
        return found

    def _desired(self, connector: str, task: int, expression: str, target_input: str, state: str,
                 *, kind: str = SOURCE, target: str | None = None, name: str | None = None,
                 description: str | None = None) -> dict[str, Any]:
        return {
            "Name": name or schedule_name(connector, task),
            "GroupName": self.settings.group,
            "ScheduleExpression": expression,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "State": state,
            "Description": description or f"lambda-connect {kind} task {connector}-{task}",
            "Target": {
                "Arn": target or self.settings.source_function_arn,
                "RoleArn": self.settings.role_arn,
                "Input": target_input,
                "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": MAXIMUM_EVENT_AGE_S},
            },
        }

    def _delete(self, name: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.delete_schedule(Name=name, GroupName=self.settings.group)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise


def _differs(current: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    for key in ("ScheduleExpression", "State", "Description"):
        if current.get(key) != desired[key]:
            return True
    if current.get("FlexibleTimeWindow", {}).get("Mode") != "OFF":
        return True
    target, wanted = current.get("Target", {}), desired["Target"]
    if any(target.get(key) != wanted[key] for key in ("Arn", "RoleArn")):
        return True
    if _json(target.get("Input")) != _json(wanted["Input"]):
        return True
    retry = target.get("RetryPolicy", {})
    return any(retry.get(key) != value for key, value in wanted["RetryPolicy"].items())


def _json(raw: str | None) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw
