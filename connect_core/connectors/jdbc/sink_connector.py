"""``JdbcSinkConnector`` (Confluent ``io.confluent.connect.jdbc.JdbcSinkConnector``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from connect_core.api.config import parse_config
from connect_core.api.connector import SinkConnector
from connect_core.api.file_roots import file_roots_of
from connect_core.connectors.jdbc._url import URL_CONFIG, file_roots_errors, resolve_file_roots
from connect_core.connectors.jdbc.sink_config import JdbcSinkConfig

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task

__all__ = ["JdbcSinkConnector"]



class JdbcSinkConnector(SinkConnector):
    """Validates the config and hands every task the same props; tables are chosen per record topic."""

    config_model: ClassVar[type[BaseModel]] = JdbcSinkConfig

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}

    def start(self, props: dict[str, str]) -> None:
        """Validate ``props`` (raising ``ConfigError`` naming the key) and keep them for the tasks."""
        config = parse_config(JdbcSinkConfig, props)
        resolve_file_roots(config.connection_url, file_roots_of(self))
        self._props = dict(props)

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's results, plus a refusal of a SQLite file outside the worker's file roots."""
        return file_roots_errors(super().validate(props), props.get(URL_CONFIG), file_roots_of(self))

    def task_class(self) -> type[Task]:
        """``JdbcSinkTask`` (imported here so validating a config never loads SQLAlchemy)."""
        from connect_core.connectors.jdbc.sink_task import JdbcSinkTask

        return JdbcSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """``max_tasks`` copies of the connector's props, as Confluent does."""
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to release."""
