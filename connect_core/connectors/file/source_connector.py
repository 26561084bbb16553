"""FileStreamSourceConnector: one task turning each line of a file into a record (Kafka ``FileStreamSourceConnector``).

The config model lives here, next to the connector, and the task parses the same model, as Kafka's ``CONFIG_DEF``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Final

from pydantic import BaseModel, ConfigDict, model_validator

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.connector import ExactlyOnceSupport, SourceConnector
from connect_core.api.errors import ConnectError
from connect_core.api.file_roots import file_roots_of

if TYPE_CHECKING:
    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task

__all__ = ["DEFAULT_TASK_BATCH_SIZE", "FileStreamSourceConfig", "FileStreamSourceConnector"]

FILE_CONFIG: Final = "file"
TOPIC_CONFIG: Final = "topic"
TASK_BATCH_SIZE_CONFIG: Final = "batch.size"
DEFAULT_TASK_BATCH_SIZE: Final = 2000



def _non_empty(key: str, value: Any) -> None:
    # Kafka ConfigDef.NonEmptyString
    if value is not None and not value:
        raise config_error(key, value, "String must be non-empty")


class FileStreamSourceConfig(BaseModel):
    """Config of the file source (Kafka ``FileStreamSourceConnector.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    file: str | None = config_field(
        None, alias=FILE_CONFIG, importance="HIGH",
        description="Source filename. If not specified, the standard input will be used",
    )
    topic: str = config_field(
        alias=TOPIC_CONFIG, importance="HIGH", validator=_non_empty, description="The topic to publish data to",
    )
    batch_size: int = config_field(
        DEFAULT_TASK_BATCH_SIZE, alias=TASK_BATCH_SIZE_CONFIG, importance="LOW",
        description="The maximum number of records the source task can read from the file each time it is polled",
    )

    @model_validator(mode="after")
    def _single_topic(self) -> FileStreamSourceConfig:
        # Kafka insists on exactly one topic; named in Kafka's format so validate reports it on `topic`.
        if len([t for t in self.topic.split(",") if t.strip()]) != 1:
            raise config_error(
                TOPIC_CONFIG, self.topic,
                "'topic' in FileStreamSourceConnector configuration requires definition of a single topic",
            )
        return self


class FileStreamSourceConnector(SourceConnector):
    """Reads one file; a single input stream means a single task whatever ``tasks.max`` says."""

    config_model: ClassVar[type[BaseModel]] = FileStreamSourceConfig

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's results, plus a refusal of a ``file`` outside the worker's file roots (a 400 at create)."""
        return file_roots_of(self).check_value(super().validate(props), FILE_CONFIG, props.get(FILE_CONFIG))

    def start(self, props: dict[str, str]) -> None:
        """Validate ``props`` now so a bad config fails at create time, then keep them for the task."""
        parse_config(FileStreamSourceConfig, props)
        self._props = dict(props)

    def task_class(self) -> type[Task]:
        """``FileStreamSourceTask``."""
        from connect_core.connectors.file.source_task import FileStreamSourceTask

        return FileStreamSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """Exactly one task config: the connector's own props."""
        return [dict(self._props)]

    def stop(self) -> None:
        """Nothing to release: there is no background monitoring."""

    def exactly_once_support(self, connector_config: dict[str, str] | None = None) -> ExactlyOnceSupport | None:
        """Kafka's rule: supported when reading a file (stdin has no offsets to commit with the records)."""
        return ExactlyOnceSupport.SUPPORTED if (connector_config or {}).get(FILE_CONFIG) else \
            ExactlyOnceSupport.UNSUPPORTED

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        """Kafka's ``FileStreamSourceConnector.alterOffsets``: a ``position`` that is a non-negative integer.

        Raises:
            ConnectError: with Kafka's message; the REST API answers 400 and writes nothing.
        """
        from connect_core.connectors.file.source_task import FILENAME_FIELD, POSITION_FIELD

        if not parse_config(FileStreamSourceConfig, connector_config).file:
            raise ConnectError(f"Offsets cannot be modified if the '{FILE_CONFIG}' configuration is unspecified. "
                               "This is because stdin is used for input and offsets are not tracked.")
        for partition, offset in offsets.items():
            if offset is None:
                continue  # tombstones clean up anything, as in Kafka
            if POSITION_FIELD not in offset:
                raise ConnectError(f"Offset objects should either be null or contain the key '{POSITION_FIELD}'")
            position = offset[POSITION_FIELD]
            if not isinstance(position, int) or isinstance(position, bool):
                raise ConnectError(f"The value for the '{POSITION_FIELD}' key in the offset is expected to be a "
                                   "Long value")
            if position < 0:
                raise ConnectError(f"The value for the '{POSITION_FIELD}' key in the offset should be a "
                                   "non-negative value")
            if partition is None:
                raise ConnectError("Partition objects cannot be null")
            if FILENAME_FIELD not in dict(partition):
                raise ConnectError(f"Partition objects should contain the key '{FILENAME_FIELD}'")
        return True
