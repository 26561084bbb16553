"""BytesToString: decode bytes (the whole key/value, or the listed struct fields) to strings (jcustenborder's
``BytesToString``)."""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_error, config_field, parse_config
from connect_core.api.errors import DataError
from connect_core.api.java_charset import java_decode
from connect_core.api.schema import OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, SchemaBuilder, Type
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import attach_variants
from connect_core.transforms.jcustenborder._base import BaseTransformation

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Schema

__all__ = ["BytesToString", "BytesToStringConfig"]


def _charset(key: str, value: Any) -> None:
    try:
        codecs.lookup(value)
    except LookupError:
        raise config_error(key, value, "unknown charset") from None


class BytesToStringConfig(BaseModel):
    """Config of BytesToString (``BytesToStringConfig.config()``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    charset: str = config_field("UTF-8", alias="charset", importance="HIGH", validator=_charset,
                                description="The charset to use when creating the output string.")
    fields: list[str] = config_field([], alias="fields", type="LIST", importance="HIGH",
                                     description="The fields to transform.")


class BytesToString(RecordSide, BaseTransformation, Transformation["ConnectRecord"]):
    """``BytesToString``: use BytesToString.Key or .Value."""

    config_model: ClassVar[type[BaseModel]] = BytesToStringConfig
    Key: ClassVar[type[BytesToString]]
    Value: ClassVar[type[BytesToString]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the charset and the fields."""
        self.config = parse_config(BytesToStringConfig, configs)
        self._fields = set(self.config.fields)
        self._schemas: dict[Schema, Schema] = {}

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Decode the operating side."""
        schema, value = self.process(self._operating_schema(record), self._operating_value(record))
        return self._new_record(record, schema, value, record.headers.duplicate())

    def _decode(self, data: bytes | None) -> str:
        if data is None:
            raise DataError("Cannot decode a null byte array")  # the original: NullPointerException
        return java_decode(bytes(data), self.config.charset)

    def process_bytes(self, schema: Schema, value: bytes) -> tuple[Schema | None, Any]:
        """The whole side is bytes: a string."""
        return (OPTIONAL_STRING_SCHEMA if schema.optional else STRING_SCHEMA), self._decode(value)

    def process_struct(self, schema: Schema, value: Struct) -> tuple[Schema | None, Any]:
        """The listed bytes fields become strings; the struct keeps its name and optionality."""
        out_schema = self._schemas.get(schema)
        if out_schema is None:
            builder = SchemaBuilder.struct()
            if schema.name:
                builder.name(schema.name)
            if schema.optional:
                builder.optional()
            for field in schema.fields:
                converted = OPTIONAL_STRING_SCHEMA if field.schema.optional else STRING_SCHEMA
                builder.field(field.name, converted if field.name in self._fields else field.schema)
            out_schema = self._schemas[schema] = builder.build()
        out = Struct(out_schema)
        for field in out_schema.fields:
            if field.name in self._fields:
                source = value.schema.field(field.name)
                if source is not None and source.schema.type is not Type.BYTES:
                    raise DataError(f"Field '{field.name}' is not of type BYTES")
                out.put(field.name, self._decode(value.get(field.name)))
            else:
                out.put(field.name, value.get(field.name))
        return out_schema, out


class _Key(KeySide, BytesToString):
    """``BytesToString$Key``."""


class _Value(ValueSide, BytesToString):
    """``BytesToString$Value``."""


attach_variants(BytesToString, _Key, _Value)
