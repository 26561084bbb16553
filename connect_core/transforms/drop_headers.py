"""DropHeaders: remove headers by name (Kafka ``transforms.DropHeaders``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import ValidList, config_field, parse_config
from connect_core.api.header import Headers
from connect_core.api.transformation import Transformation

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["DropHeaders", "DropHeadersConfig", "HEADERS_CONFIG"]

HEADERS_CONFIG = "headers"


class DropHeadersConfig(BaseModel):
    """Config of DropHeaders (Kafka ``DropHeaders.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    headers: list[str] = config_field(
        ..., alias=HEADERS_CONFIG, importance="HIGH", type="LIST", validator=ValidList(empty_allowed=False),
        description="The name of the headers to be removed.",
    )


class DropHeaders(Transformation["ConnectRecord"]):
    """Remove every header whose key is listed (Kafka ``DropHeaders``)."""

    config_model: ClassVar[type[BaseModel]] = DropHeadersConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the header names into a set for O(1) checks."""
        self.config = parse_config(DropHeadersConfig, configs)
        self._names = frozenset(self.config.headers)

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Copy the record with a new Headers holding only the headers not dropped."""
        names = self._names
        headers = Headers([h for h in record.headers if h.key not in names])
        return record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key,
                                 record.value_schema, record.value, record.timestamp, headers)
