"""``ElasticsearchSinkConnector`` (Confluent ``io.confluent.connect.elasticsearch.ElasticsearchSinkConnector``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from connect_core.api.config import parse_config
from connect_core.api.connector import SinkConnector
from connect_core.connectors.elasticsearch.config import ElasticsearchSinkConfig

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.task import Task

__all__ = ["ElasticsearchSinkConnector"]



class ElasticsearchSinkConnector(SinkConnector):
    """Validates the config and hands every task the same props (documents are routed by topic, not by task)."""

    config_model: ClassVar[type[BaseModel]] = ElasticsearchSinkConfig

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}

    def start(self, props: dict[str, str]) -> None:
        """Validate ``props`` (raising ``ConfigError`` naming the key) and keep them for the tasks."""
        parse_config(ElasticsearchSinkConfig, props)
        self._props = dict(props)

    def task_class(self) -> type[Task]:
        """``ElasticsearchSinkTask`` (imported here so validating a config never loads the HTTP client)."""
        from connect_core.connectors.elasticsearch.sink_task import ElasticsearchSinkTask

        return ElasticsearchSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """``max_tasks`` copies of the connector's props, as Confluent does."""
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to release."""
