"""IcebergSinkConnector: Apache Iceberg's Kafka Connect sink (``org.apache.iceberg.connect.IcebergSinkConnector``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from connect_core.api.connector import SinkConnector
from connect_core.api.file_roots import file_roots_of
from connect_core.api.library_properties import add_errors
from connect_core.connectors.iceberg.config import IcebergSinkConfig, catalog_properties, library_problems, load_config

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
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
        config = load_config(props)
        catalog_properties(config.catalog_props(), config.catalog_name, file_roots_of(self))  # refuses by key
        self._props = dict(props)

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The declared keys' results plus the allow-lists' refusals of catalog and table properties."""
        return add_errors(super().validate(props), library_problems(props, file_roots_of(self)))

    def idle_tick_interval_ms(self, props: dict[str, str]) -> int | None:
        """``iceberg.control.commit.interval-ms``: behind a mapping, idle ticks commit a quiet topic's files in time."""
        return load_config(props).commit_interval_ms

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
