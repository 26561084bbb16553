"""Converter SPIs: ``Converter`` and ``HeaderConverter`` (Kafka ``org.apache.kafka.connect.storage``).

They translate between Connect data (schema + value) and the bytes stored in Kafka; the runtime picks one
per key, value and headers from config.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pydantic import BaseModel

    from connect_core.api.header import Headers
    from connect_core.api.schema import Schema
    from connect_core.api.schema_and_value import SchemaAndValue

__all__ = ["Converter", "DataHeaderConverter", "HeaderConverter"]


class Converter(abc.ABC):
    """Turns record keys or values into bytes and back (Kafka ``Converter``)."""

    config_model: ClassVar[type[BaseModel]]
    # Keys (without the ``key.converter.`` prefix) naming host files: a connector config's values must lie under the
    # worker's file roots (api/file_roots.py), checked by the runtime before ``configure`` and at validate.
    file_keys: ClassVar[tuple[str, ...]] = ()

    @abc.abstractmethod
    def configure(self, configs: dict[str, Any], is_key: bool) -> None:
        """Apply the converter's config (keys without the ``key.converter.`` prefix)."""

    @abc.abstractmethod
    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        """Serialise ``value``; None means a Kafka null (tombstone)."""

    @abc.abstractmethod
    def to_connect_data(self, topic: str, value: bytes | None, headers: Headers | None = None) -> SchemaAndValue:
        """Deserialise bytes read from Kafka."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources; nothing by default."""


class HeaderConverter(abc.ABC):
    """Turns header values into bytes and back (Kafka ``HeaderConverter``)."""

    config_model: ClassVar[type[BaseModel]]

    @abc.abstractmethod
    def configure(self, configs: dict[str, Any]) -> None:
        """Apply the converter's config (keys without the ``header.converter.`` prefix)."""

    @abc.abstractmethod
    def from_connect_header(self, topic: str, header_key: str, schema: Schema | None, value: Any) -> bytes | None:
        """Serialise one header value."""

    @abc.abstractmethod
    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        """Deserialise one header value."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources; nothing by default."""


class DataHeaderConverter(Converter, HeaderConverter):
    """A converter that is its own header converter: a header value is converted exactly as a record value is
    (Kafka's String, ByteArray, number and JSON converters)."""

    @abc.abstractmethod
    def configure(self, configs: dict[str, Any], is_key: bool | None = None) -> None:
        """Apply the config; ``is_key`` is None when it is configured as a header converter."""

    def from_connect_header(self, topic: str, header_key: str, schema: Schema | None, value: Any) -> bytes | None:
        """Same bytes as ``from_connect_data``."""
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        """Same as ``to_connect_data``."""
        return self.to_connect_data(topic, value)
