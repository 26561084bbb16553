"""``HttpSinkConnector`` (Confluent ``io.confluent.connect.http.HttpSinkConnector``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from connect_core.api.config import parse_config
from connect_core.api.connector import SinkConnector
from connect_core.api.file_roots import file_roots_of
from connect_core.api.kafka_client_keys import HTTP_REPORTER_PREFIXES
from connect_core.connectors.http.config import PEM_FILE_KEYS, HttpSinkConfig

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task

__all__ = ["HttpSinkConnector"]


class HttpSinkConnector(SinkConnector):
    """Validates the config and hands every task the same props, as Confluent does."""

    config_model: ClassVar[type[BaseModel]] = HttpSinkConfig
    kafka_client_prefixes: ClassVar[tuple[str, ...]] = HTTP_REPORTER_PREFIXES  # gated: api/kafka_client_keys.py

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}

    def start(self, props: dict[str, str]) -> None:
        """Validate ``props`` (a ``ConfigError`` names the key) and keep them for the tasks."""
        config = parse_config(HttpSinkConfig, props)
        roots = file_roots_of(self)
        for key, path in config.host_files():
            roots.resolve(key, path)
        self._props = dict(props)

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's results, plus a refusal of a PEM file outside the worker's file roots."""
        values, roots = super().validate(props), file_roots_of(self)
        for key in PEM_FILE_KEYS:
            values = roots.check_value(values, key, props.get(key))
        return values

    def task_class(self) -> type[Task]:
        """``HttpSinkTask`` (imported here so validating a config never loads the HTTP client)."""
        from connect_core.connectors.http.sink_task import HttpSinkTask

        return HttpSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """``max_tasks`` copies of the connector's props."""
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to release."""
