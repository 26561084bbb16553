"""``DatagenConnector`` (kafka-connect-datagen ``io.confluent.kafka.connect.datagen.DatagenConnector``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from connect_core.api.config import parse_config
from connect_core.api.connector import SourceConnector
from connect_core.api.errors import ConfigError
from connect_core.api.file_roots import file_roots_of
from connect_core.connectors.datagen.config import SCHEMA_SOURCES, DatagenConfig, schema_text

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.task import Task

__all__ = ["DatagenConnector"]


class DatagenConnector(SourceConnector):
    """Validates the schema source and gives each of ``tasks.max`` tasks its ``task.id``."""

    config_model: ClassVar[type[BaseModel]] = DatagenConfig

    def __init__(self) -> None:
        """Create a stopped connector."""
        self._props: dict[str, str] = {}

    def start(self, props: dict[str, str]) -> None:
        """Parse the config and its schema (a ``ConfigError`` names the problem) and keep the props."""
        from connect_core.connectors.datagen._schema import load

        config = parse_config(DatagenConfig, props)
        load(schema_text(config, file_roots_of(self)), config.key_field)
        self._props = dict(props)

    def validate(self, props: dict[str, str]) -> list[ConfigValueInfo]:
        """The model's results, the schema-source rule on each source key and the key field checked against the
        schema, as kafka-connect-datagen's ``validate`` reports them."""
        from connect_core.connectors.datagen._schema import load

        values = super().validate(props)
        by_name = {value["name"]: value for value in values}
        message = "Must set exactly one of " + ", ".join(SCHEMA_SOURCES)
        for value in values:  # the model's cross-key rule, reported on the schema source keys only
            value["errors"] = [e for e in value["errors"] if e != message]
        sources = [key for key in SCHEMA_SOURCES if props.get(key, "").strip()]
        if len(sources) != 1:
            for key in sources or SCHEMA_SOURCES:
                errors = by_name[key]["errors"]
                if message not in errors:
                    errors.append(message)
            return values
        try:
            config = parse_config(DatagenConfig, props)
            load(schema_text(config, file_roots_of(self)), config.key_field)
        except ConfigError as error:
            key = "schema.keyfield" if "schema.keyfield" in str(error) else sources[0]
            if str(error) not in by_name[key]["errors"]:
                by_name[key]["errors"].append(str(error))
        return values

    def task_class(self) -> type[Task]:
        """``DatagenTask``."""
        from connect_core.connectors.datagen.source_task import DatagenTask

        return DatagenTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        """The connector's props plus ``task.id`` per task."""
        return [{**self._props, "task.id": str(i)} for i in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to release."""
