"""``S3SinkConnector``: validates the config and hands every task the same one (Confluent ``S3SinkConnector``).

Tasks share nothing: each Kafka partition is written by whichever invocation owns it, and the exactly-once state
lives in S3 itself (see ``sink_task``), so ``tasks.max`` copies of the config are all it takes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from connect_core.api.config import parse_config
from connect_core.api.connector import SinkConnector
from connect_core.connectors.s3._partitioner import build_partitioner
from connect_core.connectors.s3.config import S3SinkConfig, wallclock_warning

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task

__all__ = ["S3SinkConnector"]

log = logging.getLogger(__name__)


class S3SinkConnector(SinkConnector):
    """The S3 sink connector; ``config_model`` drives validate and the task parses the same model."""

    config_model: ClassVar[type[BaseModel]] = S3SinkConfig

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}

    def start(self, props: dict[str, str]) -> None:
        """Validate ``props`` (including zone and path pattern) and keep them for the tasks."""
        build_partitioner(parse_config(S3SinkConfig, props))
        if warning := wallclock_warning(props):
            log.warning("%s", warning)
        self._props = dict(props)

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's per-key results, plus a non-fatal warning on ``timestamp.extractor`` when the config is not
        exactly-once (Wallclock with a time-based partitioner)."""
        values = super().validate(props)
        if warning := wallclock_warning(props):
            for value in values:
                if value["name"] == "timestamp.extractor":
                    value["warnings"] = [warning]
        return values

    def task_class(self) -> type[Task]:
        """``S3SinkTask``."""
        from connect_core.connectors.s3.sink_task import S3SinkTask

        return S3SinkTask

    def idle_tick_interval_ms(self, props: dict[str, str]) -> int | None:
        """``rotate.schedule.interval.ms``: Confluent's task closes files on the wall clock, records or not, so a task
        behind an event source mapping is ticked at that interval (``S3SinkTask.flush`` with nothing put rotates)."""
        interval = parse_config(S3SinkConfig, props).rotate_schedule_interval_ms
        return interval if interval > 0 else None

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """``max_tasks`` identical configs."""
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to release."""
