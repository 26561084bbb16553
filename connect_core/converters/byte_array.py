"""``ByteArrayConverter`` (Kafka ``org.apache.kafka.connect.converters.ByteArrayConverter``): pass-through bytes."""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict
from typing_extensions import override

from connect_core.api.config import config_field
from connect_core.api.converter import DataHeaderConverter
from connect_core.api.errors import DataError
from connect_core.api.schema import OPTIONAL_BYTES_SCHEMA, Type
from connect_core.api.schema_and_value import SchemaAndValue

if TYPE_CHECKING:
    from collections.abc import Iterable

    from connect_core.api.header import Headers
    from connect_core.api.schema import Schema

__all__ = ["ByteArrayConverter", "ByteArrayConverterConfig"]


class ByteArrayConverterConfig(BaseModel):
    """Keys of ``ByteArrayConverter``: only the framework's ``converter.type``."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    converter_type: str | None = config_field(None, alias="converter.type", description="How this converter is used.")


class ByteArrayConverter(DataHeaderConverter):
    """Hands bytes through unchanged, for pipelines that never look inside the payload."""

    config_model: ClassVar[type[ByteArrayConverterConfig]] = ByteArrayConverterConfig

    @override
    def configure(self, configs: dict[str, Any], is_key: bool | None = None) -> None:
        """Nothing to configure."""

    @override
    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        """Return ``value`` as bytes; the schema must be absent or BYTES."""
        if schema is not None and schema.type is not Type.BYTES:
            raise DataError(f"Invalid schema type for ByteArrayConverter: {schema.type}")
        if value is None or isinstance(value, bytes):
            return value
        if isinstance(value, (bytearray, memoryview)):
            return bytes(value)
        raise DataError(f"ByteArrayConverter is not compatible with objects of type {type(value)}")

    @override
    def to_connect_data(self, topic: str, value: bytes | None, headers: Headers | None = None) -> SchemaAndValue:
        """``(OPTIONAL_BYTES_SCHEMA, value)``."""
        return SchemaAndValue(OPTIONAL_BYTES_SCHEMA, value)

    def to_connect_values(self, values: Iterable[bytes | None]) -> list[tuple[Schema | None, Any]]:
        """Each value's ``(schema, value)``, equal to ``to_connect_data`` of each in order: the sink pipeline's batch
        read (``SinkPipeline.record_values``), one call a batch."""
        if type(self).to_connect_data is not ByteArrayConverter.to_connect_data:
            return [self.to_connect_data("", value) for value in values]
        return list(zip(repeat(OPTIONAL_BYTES_SCHEMA), values))


