"""Debezium's ``JdbcSinkConnector`` (``io.debezium.connector.jdbc.JdbcSinkConnector``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Final

from connect_core.api.config import parse_config
from connect_core.api.connector import SinkConnector
from connect_core.connectors.debezium_jdbc.config import DebeziumJdbcSinkConfig

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.task import Task

__all__ = ["DEBEZIUM_VERSION", "DebeziumJdbcSinkConnector"]

DEBEZIUM_VERSION: Final = "3.7.0.Final"  # the Debezium release whose JDBC sink this one follows


class DebeziumJdbcSinkConnector(SinkConnector):
    """Validates the config and hands every task the same props, as Debezium's connector does."""

    config_model: ClassVar[type[BaseModel]] = DebeziumJdbcSinkConfig

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}

    def version(self) -> str:
        """Debezium's version string."""
        return DEBEZIUM_VERSION

    def start(self, props: dict[str, str]) -> None:
        """Validate ``props`` (raising ``ConfigError`` naming the key) and keep them for the tasks."""
        parse_config(DebeziumJdbcSinkConfig, props)
        self._props = dict(props)

    def task_class(self) -> type[Task]:
        """``DebeziumJdbcSinkTask`` (imported here so validating a config never loads SQLAlchemy)."""
        from connect_core.connectors.debezium_jdbc.sink_task import DebeziumJdbcSinkTask

        return DebeziumJdbcSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """``max_tasks`` copies of the connector's props."""
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to release."""
