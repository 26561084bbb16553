"""``SimpleHeaderConverter`` (Kafka ``org.apache.kafka.connect.storage.SimpleHeaderConverter``), the default
``header.converter``: values as readable UTF-8 text, types inferred back on read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict
from typing_extensions import override

from connect_core.api.converter import HeaderConverter
from connect_core.api.schema import BYTES_SCHEMA
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.api.values import convert_to_string, parse_string

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

__all__ = ["SimpleHeaderConverter", "SimpleHeaderConverterConfig"]


class SimpleHeaderConverterConfig(BaseModel):
    """``SimpleHeaderConverter`` has no settings."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)


class SimpleHeaderConverter(HeaderConverter):
    """Writes ``Values.convertToString`` as UTF-8 and reads with ``Values.parseString`` inference."""

    config_model: ClassVar[type[SimpleHeaderConverterConfig]] = SimpleHeaderConverterConfig

    @override
    def configure(self, configs: dict[str, Any]) -> None:
        """Nothing to configure."""

    @override
    def from_connect_header(self, topic: str, header_key: str, schema: Schema | None, value: Any) -> bytes | None:
        """The value's text as UTF-8; None stays None."""
        text = convert_to_string(schema, value)
        return None if text is None else text.encode("utf-8")

    @override
    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        """Infer schema and value from the text; bytes that are not UTF-8 come back as BYTES."""
        if value is None:
            return SchemaAndValue.NULL
        try:
            text = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return SchemaAndValue(BYTES_SCHEMA, bytes(value))
        return parse_string(text)
