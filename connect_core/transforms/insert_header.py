"""InsertHeader: add a header with a literal value (Kafka ``transforms.InsertHeader``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.transformation import Transformation
from connect_core.api.values import parse_string
from connect_core.transforms._util import non_null

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["HEADER_CONFIG", "InsertHeader", "InsertHeaderConfig", "VALUE_LITERAL_CONFIG"]

HEADER_CONFIG = "header"
VALUE_LITERAL_CONFIG = "value.literal"


class InsertHeaderConfig(BaseModel):
    """Config of InsertHeader (Kafka ``InsertHeader.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    header: str = config_field(
        ..., alias=HEADER_CONFIG, importance="HIGH", validator=non_null, description="The name of the header.",
    )
    value_literal: str = config_field(
        ..., alias=VALUE_LITERAL_CONFIG, importance="HIGH", validator=non_null,
        description="The literal value that is to be set as the header value on all records.",
    )


class InsertHeader(Transformation["ConnectRecord"]):
    """Append one header, parsed once from the literal like Kafka's ``Values.parseString`` (Kafka ``InsertHeader``)."""

    config_model: ClassVar[type[BaseModel]] = InsertHeaderConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Parse the literal once so every record gets the same typed header."""
        self.config = parse_config(InsertHeaderConfig, configs)
        self._header = self.config.header
        self._schema, self._value = parse_string(self.config.value_literal)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Copy the record with the header appended (the original's headers are not touched)."""
        headers = record.headers.duplicate().add(self._header, self._value, self._schema)
        return record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key,
                                 record.value_schema, record.value, record.timestamp, headers)
