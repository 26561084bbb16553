"""ExtractTimestamp: take the record timestamp from a field of the value (jcustenborder's ``ExtractTimestamp``).

Both variants read the value, as the original does (its ``$Key`` reads the value too).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.errors import DataError
from connect_core.api.schema import Type
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._util import class_name
from connect_core.transforms.jcustenborder._base import UnsupportedOperationError

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["ExtractTimestamp", "ExtractTimestampConfig"]

_TIMESTAMP = "org.apache.kafka.connect.data.Timestamp"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class ExtractTimestampConfig(BaseModel):
    """Config of ExtractTimestamp (``ExtractTimestampConfig.config()``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    field_name: str = config_field(
        ..., alias="field.name", importance="HIGH",
        description="The field to pull the timestamp from. This must be an int64 or a timestamp.",
    )


def _millis(value: dt.datetime) -> int:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    delta = aware - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


class ExtractTimestamp(Transformation["ConnectRecord"]):
    """``ExtractTimestamp``: use ExtractTimestamp.Value (or .Key, which reads the value too)."""

    config_model: ClassVar[type[BaseModel]] = ExtractTimestampConfig
    Key: ClassVar[type[ExtractTimestamp]]
    Value: ClassVar[type[ExtractTimestamp]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Read ``field.name``."""
        self.config = parse_config(ExtractTimestampConfig, configs)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """The record with the field's time as its timestamp."""
        value = record.value
        if isinstance(value, Struct):
            timestamp = self._from_struct(value)
        elif isinstance(value, dict):
            timestamp = self._from_map(value)
        else:
            raise UnsupportedOperationError("")
        return record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key,
                                 record.value_schema, record.value, timestamp)

    def _from_map(self, value: dict[str, Any]) -> int:
        name = self.config.field_name
        found = value.get(name)
        if isinstance(found, dt.datetime):
            return _millis(found)
        if isinstance(found, int) and not isinstance(found, bool):
            return found
        if found is None:
            raise DataError(f"Field '{name}' cannot be null.")
        raise DataError(f"Cannot convert {class_name(found)} to timestamp.")

    def _from_struct(self, value: Struct) -> int:
        name = self.config.field_name
        field = value.schema.field(name)
        if field is None:
            raise DataError("Schema does not have field '{}'")  # sic: the original formats with '{}'
        if field.schema.type is not Type.INT64:
            raise DataError("Schema '{}' is not supported.")
        found = value.get(field)
        if found is None:
            raise DataError(f"Field '{name}' cannot be null.")
        return _millis(found) if field.schema.name == _TIMESTAMP else int(found)


class _Key(ExtractTimestamp):
    """``ExtractTimestamp$Key`` (reads the value, as the original does)."""


class _Value(ExtractTimestamp):
    """``ExtractTimestamp$Value``."""


for _attr, _cls in (("Key", _Key), ("Value", _Value)):
    _cls.__name__ = _attr
    _cls.__qualname__ = f"ExtractTimestamp.{_attr}"
    setattr(ExtractTimestamp, _attr, _cls)
