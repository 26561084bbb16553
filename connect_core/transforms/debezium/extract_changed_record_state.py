"""ExtractChangedRecordState: name the columns an update changed (and those it did not) in headers
(``io.debezium.transforms.ExtractChangedRecordState``, Debezium 3.7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.schema import OPTIONAL_STRING_SCHEMA, SchemaBuilder
from connect_core.api.transformation import Transformation
from connect_core.transforms._util import require_struct
from connect_core.transforms.debezium._envelope import AFTER, BEFORE, is_envelope

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Schema

__all__ = ["ExtractChangedRecordState", "ExtractChangedRecordStateConfig"]


class ExtractChangedRecordStateConfig(BaseModel):
    """Config of ExtractChangedRecordState."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    header_changed_name: str | None = config_field(
        None, alias="header.changed.name", importance="LOW", width="LONG", display_name="Header change name.",
        description="Specify the header changed name, default is null which means not send changes to header.",
    )
    header_unchanged_name: str | None = config_field(
        None, alias="header.unchanged.name", importance="LOW", width="LONG", display_name="Header unchanged name.",
        description="Specify the header unchanged name of schema, default is null which means not send changes to "
        "header.",
    )


def _java_equals(left: Any, right: Any) -> bool:
    """``Objects.equals`` of two column values: a ``byte[]`` equals only itself, so bytes always count as changed."""
    if isinstance(left, (bytes, bytearray)) or isinstance(right, (bytes, bytearray)):
        return left is None and right is None
    return bool(left == right) and type(left) is type(right)


class ExtractChangedRecordState(Transformation["ConnectRecord"]):
    """Debezium's ``io.debezium.transforms.ExtractChangedRecordState``."""

    config_model: ClassVar[type[BaseModel]] = ExtractChangedRecordStateConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Build the two header schemas (optional arrays of optional strings named after the header)."""
        cfg = self.config = parse_config(ExtractChangedRecordStateConfig, configs)
        self._changed = self._schema(cfg.header_changed_name)
        self._unchanged = self._schema(cfg.header_unchanged_name)

    @staticmethod
    def _schema(name: str | None) -> Schema | None:
        if name is None:
            return None
        return SchemaBuilder.array(OPTIONAL_STRING_SCHEMA).optional().name(name).build()

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """The record with the header(s) added; records that are not change events pass unchanged."""
        if record.value is None or not is_envelope(record):
            return record
        value = require_struct(record.value, "Record value should be struct.")
        after, before = value.get(AFTER), value.get(BEFORE)
        changed: list[str] = []
        unchanged: list[str] = []
        if after is not None and before is not None:
            after = require_struct(after, "After value should be struct.")
            before = require_struct(before, "Before value should be struct.")
            for field in after.schema.fields:
                same = _java_equals(after.get_without_default(field.name), before.get_without_default(field.name))
                (unchanged if same else changed).append(field.name)
        headers = record.headers.duplicate()
        name, unchanged_name = self.config.header_changed_name, self.config.header_unchanged_name
        if name is not None and name.strip():
            headers.add(name, changed, self._changed)
        if unchanged_name is not None and unchanged_name.strip():
            headers.add(unchanged_name, unchanged, self._unchanged)
        return record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key,
                                 record.value_schema, record.value, record.timestamp, headers)
