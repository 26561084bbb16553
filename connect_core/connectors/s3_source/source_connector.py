"""``S3SourceConnector`` (Confluent ``io.confluent.connect.s3.source.S3SourceConnector``, both modes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from connect_core.api.config import parse_config
from connect_core.api.connector import ExactlyOnceSupport, SourceConnector
from connect_core.connectors.s3_source.config import S3SourceConfig

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.task import Task

__all__ = ["S3SourceConnector"]


class S3SourceConnector(SourceConnector):
    """Validates the config and splits the archive's Kafka partitions (GENERIC: the folders) among ``tasks.max``
    tasks by a stable hash (each task lists the bucket itself, so no listing happens when the connector starts)."""

    config_model: ClassVar[type[BaseModel]] = S3SourceConfig

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}

    def start(self, props: dict[str, str]) -> None:
        """Validate ``props`` (a ``ConfigError`` names the key) and keep them for the tasks."""
        parse_config(S3SourceConfig, props)
        self._props = dict(props)

    def task_class(self) -> type[Task]:
        """``S3SourceTask`` (imported here so validating a config never loads boto3)."""
        from connect_core.connectors.s3_source.source_task import S3SourceTask

        return S3SourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """``max_tasks`` configs, each naming its share (``task.index`` of ``task.count``)."""
        from connect_core.connectors.s3_source.source_task import TASK_COUNT_CONFIG, TASK_INDEX_CONFIG

        return [{**self._props, TASK_INDEX_CONFIG: str(i), TASK_COUNT_CONFIG: str(max_tasks)}
                for i in range(max_tasks)]

    def exactly_once_support(self, connector_config: dict[str, str] | None = None) -> ExactlyOnceSupport | None:
        """Supported: a restore's position is its offset, committed with its records in one transaction."""
        return ExactlyOnceSupport.SUPPORTED

    def stop(self) -> None:
        """Nothing to release."""
