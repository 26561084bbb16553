"""SchemaChangeEventFilter: drop schema change events of the listed types (CREATE, ALTER, DROP, TRUNCATE,
DATABASE) (``io.debezium.transforms.SchemaChangeEventFilter``, Debezium 3.7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.errors import ConfigError, DataError
from connect_core.api.transformation import Transformation
from connect_core.transforms._util import require_struct

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["SCHEMA_CHANGE_EVENT_TYPES", "SchemaChangeEventFilter", "SchemaChangeEventFilterConfig"]

SCHEMA_CHANGE_EVENT_TYPES = ("CREATE", "ALTER", "DROP", "TRUNCATE", "DATABASE")
_SUFFIXES = (".SchemaChangeValue", ".SchemaChangeKey")
_ENUM = "io.debezium.schema.SchemaChangeEvent.SchemaChangeEventType"


class SchemaChangeEventFilterConfig(BaseModel):
    """Config of SchemaChangeEventFilter."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    schema_change_event_exclude_list: str = config_field(
        ..., alias="schema.change.event.exclude.list", importance="HIGH", width="SHORT",
        display_name="Schema change event exclude list", description="Support filtering during DDL synchronization",
    )


def _event_type(name: str) -> str:
    """Java's ``SchemaChangeEventType.valueOf``: exact names only."""
    if name not in SCHEMA_CHANGE_EVENT_TYPES:
        raise DataError(f"No enum constant {_ENUM}.{name}")
    return name


class SchemaChangeEventFilter(Transformation["ConnectRecord"]):
    """Debezium's ``io.debezium.transforms.SchemaChangeEventFilter``."""

    config_model: ClassVar[type[BaseModel]] = SchemaChangeEventFilterConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the excluded types (comma separated, exact enum names)."""
        cfg = self.config = parse_config(SchemaChangeEventFilterConfig, configs)
        if not cfg.schema_change_event_exclude_list.strip():
            raise ConfigError(f"Invalid value {cfg.schema_change_event_exclude_list} for configuration "
                              "schema.change.event.exclude.list: The 'schema.change.event.exclude.list' value is "
                              "invalid: A value is required")
        try:
            self._excluded = {_event_type(n.strip()) for n in cfg.schema_change_event_exclude_list.split(",")}
        except DataError as error:
            raise ConfigError(str(error)) from None

    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        """Drop a schema change event of an excluded type; anything else passes."""
        schema = record.value_schema
        if record.value is None or schema is None or schema.name is None or not schema.name.endswith(_SUFFIXES):
            return record
        value = require_struct(record.value, "Read schema change event to filter")
        changes = value.get("tableChanges")
        if changes is None:
            return None
        kind = "DATABASE" if not changes else _event_type(require_struct(changes[0], "table change").get("type"))
        return None if kind in self._excluded else record
