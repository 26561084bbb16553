"""FileStreamSinkConnector: one task appending each record's value as a line (Kafka ``FileStreamSinkConnector``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Final

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.connector import SinkConnector
from connect_core.api.file_roots import file_roots_of

if TYPE_CHECKING:
    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task

__all__ = ["FileStreamSinkConfig", "FileStreamSinkConnector"]

FILE_CONFIG: Final = "file"
TOPICS_CONFIG: Final = "topics"


class FileStreamSinkConfig(BaseModel):
    """Config of the file sink (Kafka ``FileStreamSinkConnector.CONFIG_DEF`` plus the sink's ``topics``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    file: str | None = config_field(
        None, alias=FILE_CONFIG, importance="HIGH",
        description="Destination filename. If not specified, the standard output will be used",
    )
    topics: list[str] = config_field(
        [], alias=TOPICS_CONFIG, importance="HIGH",
        description="List of topics to consume, separated by commas",
    )


class FileStreamSinkConnector(SinkConnector):
    """Writes to one file, so one task whatever ``tasks.max`` says (Kafka gives every task the same file)."""

    config_model: ClassVar[type[BaseModel]] = FileStreamSinkConfig

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's results, plus a refusal of a ``file`` outside the worker's file roots (a 400 at create)."""
        return file_roots_of(self).check_value(super().validate(props), FILE_CONFIG, props.get(FILE_CONFIG))

    def start(self, props: dict[str, str]) -> None:
        """Validate and keep ``props`` for the task."""
        parse_config(FileStreamSinkConfig, props)
        self._props = dict(props)

    def task_class(self) -> type[Task]:
        """``FileStreamSinkTask``."""
        from connect_core.connectors.file.sink_task import FileStreamSinkTask

        return FileStreamSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """``max_tasks`` copies of the connector's props, as Kafka does (they all append to the same file)."""
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to release."""

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        """Kafka's ``FileStreamSinkConnector.alterOffsets``: nothing kept outside the group, nothing to check; True,
        so an offsets change answers "The offsets for this connector have been altered|reset successfully"."""
        return True
