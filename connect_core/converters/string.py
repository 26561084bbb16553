"""``StringConverter`` (Kafka ``org.apache.kafka.connect.storage.StringConverter``), also a header converter.

As Kafka's, it never fails on the bytes or the text it is given: malformed input decodes to U+FFFD and a character
the charset cannot encode is written as ``?``, exactly where and as Java replaces them (``api/java_charset.py``).
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, field_validator
from typing_extensions import override

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.converter import DataHeaderConverter
from connect_core.api.java_charset import java_decode, java_encode, python_agrees
from connect_core.api.schema import OPTIONAL_STRING_SCHEMA
from connect_core.api.schema_and_value import SchemaAndValue

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from connect_core.api.header import Headers
    from connect_core.api.schema import Schema

__all__ = ["ENCODING_DEFAULT", "StringConverter", "StringConverterConfig"]

ENCODING_DEFAULT = "UTF-8"


class StringConverterConfig(BaseModel):
    """Keys of ``StringConverter`` (Kafka ``StringConverterConfig``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    encoding: str = config_field(
        ENCODING_DEFAULT,
        alias="converter.encoding",
        description="The name of the Java character set to use for encoding strings as byte arrays.",
        importance="HIGH",
        group="Converter",
        display_name="Character Encoding",
    )
    converter_type: str | None = config_field(None, alias="converter.type", description="How this converter is used.")

    @field_validator("encoding")
    @classmethod
    def _known(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise config_error("converter.encoding", value, "Unsupported encoding") from None
        return value


def _to_text(value: Any) -> str:
    # Java's Object.toString for the values a Python pipeline hands us.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


class StringConverter(DataHeaderConverter):
    """Writes ``str(value)`` in the configured encoding; reads an optional string, ignoring any schema."""

    config_model: ClassVar[type[StringConverterConfig]] = StringConverterConfig

    def __init__(self) -> None:
        """Create with UTF-8."""
        self.encoding = "utf-8"
        self._batch_codec = True  # the batch methods may take Python's codec first (api/java_charset.py)

    @override
    def configure(self, configs: dict[str, Any], is_key: bool | None = None) -> None:
        """Read ``converter.encoding`` (also accepted as ``serializer.encoding``/``deserializer.encoding``)."""
        props = dict(configs)
        for alias in ("serializer.encoding", "deserializer.encoding"):
            if alias in props and "converter.encoding" not in props:
                props["converter.encoding"] = props[alias]
        self.encoding = codecs.lookup(parse_config(StringConverterConfig, props).encoding).name
        self._batch_codec = python_agrees(self.encoding)

    @override
    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        """Encode ``value``'s text; None stays None."""
        if value is None:
            return None
        return java_encode(_to_text(value), self.encoding)

    @override
    def to_connect_data(self, topic: str, value: bytes | None, headers: Headers | None = None) -> SchemaAndValue:
        """Decode to ``(OPTIONAL_STRING_SCHEMA, text)``."""
        if value is None:
            return SchemaAndValue(OPTIONAL_STRING_SCHEMA, None)
        return SchemaAndValue(OPTIONAL_STRING_SCHEMA, java_decode(bytes(value), self.encoding))

    def from_connect_values(self, topic: str, schema: Schema | None, values: Sequence[Any]) -> list[bytes | None]:
        """Each value's bytes, equal to ``from_connect_data(topic, schema, value)`` of each in order (it reads
        neither the topic, the schema nor the headers). The source pipeline's batch write (``values_bytes``): a poll
        of strings is encoded in one pass, no call a value (a poll with an unencodable character value by value)."""
        one = self.from_connect_data
        if type(self).from_connect_data is not StringConverter.from_connect_data or not self._batch_codec:
            return [one(topic, schema, value) for value in values]
        encoding = self.encoding
        try:
            return [value.encode(encoding) if value.__class__ is str else one(topic, schema, value)
                    for value in values]
        except UnicodeEncodeError:  # a character to replace: each value as from_connect_data writes it
            return [one(topic, schema, value) for value in values]

    def to_connect_values(self, values: Iterable[bytes | None]) -> list[tuple[Schema | None, Any]]:
        """Each value's ``(schema, value)``, equal to ``to_connect_data`` of each in order (which reads neither the
        topic nor the headers). The sink pipeline's batch read (``convert_clean``, ``record_values``): one call a
        batch, not one a record."""
        one = self.to_connect_data
        if type(self).to_connect_data is not StringConverter.to_connect_data or not self._batch_codec:
            return [one("", value) for value in values]
        encoding, schema, null = self.encoding, OPTIONAL_STRING_SCHEMA, SchemaAndValue(OPTIONAL_STRING_SCHEMA, None)
        out: list[tuple[Schema | None, Any]] = []
        append = out.append
        for value in values:
            if value is None:
                append(null)
            elif value.__class__ is bytes:
                try:
                    append((schema, value.decode(encoding)))
                except UnicodeDecodeError:
                    append(one("", value))  # malformed: replaced as to_connect_data replaces it
            else:
                append(one("", value))
        return out


