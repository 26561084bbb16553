"""IcebergSinkConnector: Apache Iceberg's Kafka Connect sink (``org.apache.iceberg.connect.IcebergSinkConnector``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from connect_core.api.connector import SinkConnector
from connect_core.connectors.iceberg.config import IcebergSinkConfig, load_config

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.task import Task

__all__ = ["IcebergSinkConnector"]


class IcebergSinkConnector(SinkConnector):
    """``tasks.max`` tasks with the connector's props; any of them commits a table (one commit wins at a time)."""

    config_model: ClassVar[type[BaseModel]] = IcebergSinkConfig

    def __init__(self) -> None:
        """A stopped connector."""
        self._props: dict[str, str] = {}

    def start(self, props: dict[str, str]) -> None:
        """Check the config (Iceberg's messages) and keep it for the tasks."""
        load_config(props)
        self._props = dict(props)

    def task_class(self) -> type[Task]:
        """``IcebergSinkTask``."""
        from connect_core.connectors.iceberg.sink_task import IcebergSinkTask

        return IcebergSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """The props per task, with Iceberg's ``task.id``."""
        return [{**self._props, "task.id": str(index)} for index in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to release."""

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        """The consumer group may be altered; the tables' committed offsets still skip what they hold."""
        return True
