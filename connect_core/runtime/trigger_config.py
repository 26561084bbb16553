"""How a connector's functions are triggered: our own ``lambda.*`` connector keys, shared by every Deployer.

Kafka Connect has no such keys (a worker polls); these map to the event source mapping of a sink connector and to
the schedule of each source task. Defaults are Lambda's own, so a config without them behaves as AWS would.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, in_range, parse_config, valid_string

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["KafkaTriggerConfig", "SourceScheduleConfig", "pulls", "sink_topics"]

_GROUP = "Lambda"
DEFAULT_BATCH_SIZE = 100
DEFAULT_BATCHING_WINDOW_MS = 500
DEFAULT_SCHEDULE_INTERVAL_MS = 60_000  # EventBridge Scheduler's minimum rate
DEFAULT_POLL_INTERVAL_MS = 5_000
DEFAULT_SINK_POLL_INTERVAL_MS = 1_000
TRIGGER_AUTO, TRIGGER_MAPPING, TRIGGER_SCHEDULE = "auto", "mapping", "schedule"
MIN_RECORD_AGE_MS = 60_000
MAX_RECORD_AGE_MS = 604_800_000
MIN_MEMORY_MB, MAX_MEMORY_MB = 128, 10_240  # Lambda's MemorySize range
MEMORY_SIZE_KEY = "lambda.memory.size"


def record_age(key: str, value: Any) -> None:
    """MaximumRecordAgeInSeconds' range: -1 (infinite) or one minute to one week."""
    if value is not None and value != -1 and not MIN_RECORD_AGE_MS <= value <= MAX_RECORD_AGE_MS:
        raise config_error(key, value, f"Value must be -1 or between {MIN_RECORD_AGE_MS} and {MAX_RECORD_AGE_MS}")


class KafkaTriggerConfig(BaseModel):
    """Event source mapping settings of a sink connector's function."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    batch_size: int = config_field(
        DEFAULT_BATCH_SIZE, alias="lambda.batch.size", group=_GROUP, validator=in_range(1, 10_000),
        description="BatchSize of the event source mapping: records per invocation (1-10000).",
    )
    batching_window_ms: int = config_field(
        DEFAULT_BATCHING_WINDOW_MS, alias="lambda.maximum.batching.window.ms", group=_GROUP,
        validator=in_range(0, 300_000),
        description="MaximumBatchingWindowInSeconds, in ms: how long to gather a batch. Lambda takes whole seconds: "
        "other values round up (1-999 ms is 1 s, never 0). 500 ms is Lambda's default for Kafka and cannot be set "
        "back once changed, so removing the key recreates the mapping.",
    )
    maximum_retry_attempts: int = config_field(
        -1, alias="lambda.maximum.retry.attempts", group=_GROUP, validator=in_range(-1, 10_000),
        description="MaximumRetryAttempts: -1 retries a failing batch until it succeeds (the partition waits).",
    )
    bisect_batch_on_function_error: bool = config_field(
        False, alias="lambda.bisect.batch.on.function.error", group=_GROUP,
        description="BisectBatchOnFunctionError: split a failing batch in two and retry the halves.",
    )
    report_batch_item_failures: bool = config_field(
        False, alias="lambda.report.batch.item.failures", group=_GROUP,
        description="FunctionResponseTypes=[ReportBatchItemFailures]: the function reports the first failed offset "
        "per partition instead of failing the whole batch.",
    )
    maximum_record_age_ms: int = config_field(
        -1, alias="lambda.maximum.record.age.ms", group=_GROUP, validator=record_age,
        description="MaximumRecordAgeInSeconds, in ms: records older than this (by their Kafka timestamp) are "
        "discarded instead of sent; -1 keeps every record (60000-604800000 otherwise; AWS rounds to seconds).",
    )
    starting_position: str = config_field(
        "TRIM_HORIZON", alias="lambda.starting.position", group=_GROUP,
        validator=valid_string("TRIM_HORIZON", "LATEST"),
        description="StartingPosition for a consumer group without committed offsets.",
    )
    trigger: str = config_field(
        TRIGGER_AUTO, alias="lambda.sink.trigger", group=_GROUP,
        validator=valid_string(TRIGGER_AUTO, TRIGGER_MAPPING, TRIGGER_SCHEDULE),
        description="How a deployed sink is triggered: mapping (a Kafka event source mapping: one topic, one task), "
        "schedule (pull-mode tasks: a schedule per task reads its partitions itself, runtime/sink_pull.py), or auto: "
        "mapping for one topic with tasks.max=1, schedule for a topic list, topics.regex or tasks.max > 1.",
    )
    poll_interval_ms: int = config_field(
        DEFAULT_SINK_POLL_INTERVAL_MS, alias="lambda.sink.poll.interval.ms", group=_GROUP,
        validator=in_range(1_000, 900_000),
        description="Pull-mode sink tasks: how long a task that has caught up waits before it reads again (a delayed "
        "tick, whole seconds; every invocation reads until its partitions are caught up).",
    )
    memory_size_mb: int | None = config_field(
        None, alias=MEMORY_SIZE_KEY, group=_GROUP, validator=in_range(MIN_MEMORY_MB, MAX_MEMORY_MB),
        description="MemorySize, in MB, of a mapping sink's own function (128-10240), and with it its share of a "
        "vCPU (one at 1769 MB). Default: the stack's sink function's. A sink that mostly waits (a bulk request, a "
        "PUT) is billed less at a smaller size (bench case 2m); source and pull-mode sink tasks run on the stack's "
        "source task function, so they refuse it.",
    )
    read_committed: str = config_field(
        "auto", alias="lambda.sink.read.committed", group=_GROUP, validator=valid_string("auto", "true", "false"),
        description="Drop records of aborted transactions and wait for open ones before writing (the isolation "
        "level of Lambda's Kafka pollers is not documented): true checks every batch against a read_committed "
        "view of its partitions; auto does unless the function's LAMBDA_CONNECT_ESM_ISOLATION_LEVEL is "
        "read_committed; false trusts the mapping.",
    )

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> KafkaTriggerConfig:
        """Parse from a connector config (unrelated keys are ignored)."""
        return parse_config(cls, props)

    def batching_window_s(self) -> int:
        """MaximumBatchingWindowInSeconds: the window rounded up, so a short window is never silently none."""
        return math.ceil(self.batching_window_ms / 1000)

    def error_handling_controls(self) -> list[str]:
        """The mapping fields set away from their defaults that AWS allows in provisioned mode only."""
        controls = []
        if self.maximum_retry_attempts != -1:
            controls.append("MaximumRetryAttempts")
        if self.bisect_batch_on_function_error:
            controls.append("BisectBatchOnFunctionError")
        if self.report_batch_item_failures:
            controls.append("FunctionResponseTypes")
        if self.maximum_record_age_ms != -1:
            controls.append("MaximumRecordAgeInSeconds")
        return controls


def sink_topics(config: Mapping[str, Any]) -> list[str]:
    """The sink's ``topics`` list (empty when it reads ``topics.regex``)."""
    return [t.strip() for t in str(config.get("topics") or "").split(",") if t.strip()]


def pulls(config: Mapping[str, Any]) -> bool:
    """Whether a sink runs as pull-mode tasks on schedules rather than behind a Kafka event source mapping.

    A mapping reads one topic and its consumer group must be unique among all Kafka mappings, so only a sink of one
    topic and one task can be a mapping with Kafka Connect's group; ``lambda.sink.trigger`` forces either (a forced
    mapping for more is refused by the deployer).
    """
    trigger = str(config.get("lambda.sink.trigger") or TRIGGER_AUTO)
    if trigger != TRIGGER_AUTO:
        return trigger == TRIGGER_SCHEDULE
    try:
        tasks_max = int(config.get("tasks.max") or 1)
    except (TypeError, ValueError):
        tasks_max = 1
    return bool(str(config.get("topics.regex") or "").strip()) or len(sink_topics(config)) != 1 or tasks_max > 1


class SourceScheduleConfig(BaseModel):
    """Schedule of a source connector's tasks."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    schedule_interval_ms: int | None = config_field(
        None, alias="lambda.schedule.interval.ms", group=_GROUP, validator=in_range(1_000),
        description="How often each task's function is invoked. Default: the connector's poll.interval.ms. The "
        "schedule (heartbeat) fires at this rate rounded up to whole minutes (Scheduler's minimum); shorter "
        "intervals are met by delayed SQS ticks inside each heartbeat's window, never by sleeping.",
    )

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> SourceScheduleConfig:
        """Parse from a connector config (unrelated keys are ignored)."""
        return parse_config(cls, props)

    def heartbeat_ms(self) -> int:
        """The schedule's period: ``lambda.schedule.interval.ms`` rounded up to whole minutes, at least one minute
        (Scheduler's finest rate). Each firing opens a window of this length for the task's ticks."""
        interval = self.schedule_interval_ms or DEFAULT_SCHEDULE_INTERVAL_MS
        return max(1, math.ceil(interval / DEFAULT_SCHEDULE_INTERVAL_MS)) * DEFAULT_SCHEDULE_INTERVAL_MS

    def local_interval_ms(self, props: Mapping[str, Any]) -> int:
        """The tick interval (locally and on AWS): explicit, else the connector's poll.interval.ms, else 5 s."""
        if self.schedule_interval_ms is not None:
            return self.schedule_interval_ms
        try:
            return int(props.get("poll.interval.ms", DEFAULT_POLL_INTERVAL_MS))
        except (TypeError, ValueError):
            return DEFAULT_POLL_INTERVAL_MS
