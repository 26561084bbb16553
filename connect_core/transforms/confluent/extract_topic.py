"""ExtractTopic: use the key, the value, a field of either, or a header as the topic name (Confluent's
``io.confluent.connect.transforms.ExtractTopic$Key``/``$Value``/``$Header``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config, valid_string
from connect_core.api.errors import ConfigError, DataError
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms.confluent._data import as_tree
from connect_core.transforms.confluent._json_path import JsonPath, PathNotFoundError

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord

__all__ = ["ExtractTopic", "ExtractTopicConfig"]

_MISSING = object()


class ExtractTopicConfig(BaseModel):
    """Config of ExtractTopic (its documented properties)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    field: str = config_field(
        "", alias="field",
        description="The field name or header key to use as the topic name. Required when extracting from a header "
        "using ExtractTopic$Header. For ExtractTopic$Key or ExtractTopic$Value, leaving this blank configures the SMT "
        "to use the entire key or value as a string for the topic name.",
    )
    field_format: str = config_field(
        "PLAIN", alias="field.format", validator=valid_string("JSON_PATH", "PLAIN"),
        description="The format used to parse the field path. The SMT supports two formats: JSON_PATH and PLAIN. If "
        "set to JSON_PATH, the transformer interprets the field with a JSON path interpreter, which supports nested "
        "field extraction. If set to PLAIN (or left blank), the transformer evaluates the field configuration as a "
        "non-nested field name. When using ExtractTopic$Header, only the default PLAIN format can be used, which "
        "extracts the header value as a string.",
    )
    skip_missing_or_null: bool = config_field(
        False, alias="skip.missing.or.null",
        description="Determines how to handle missing fields or null values. If true, the record is passed on with "
        "its topic unchanged; if false, an exception is thrown.",
    )


class ExtractTopic(RecordSide, Transformation["ConnectRecord"]):
    """Confluent's ExtractTopic: use ExtractTopic.Key, .Value or .Header."""

    config_model: ClassVar[type[BaseModel]] = ExtractTopicConfig
    Key: ClassVar[type[ExtractTopic]]
    Value: ClassVar[type[ExtractTopic]]
    Header: ClassVar[type[ExtractTopic]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the field and its format."""
        cfg = self.config = parse_config(ExtractTopicConfig, configs)
        self._path = JsonPath(cfg.field) if cfg.field and cfg.field_format == "JSON_PATH" else None

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """The record on the extracted topic (or unchanged when skipping a missing/null one)."""
        found = self._extract(record)
        if found is _MISSING or found is None:
            if self.config.skip_missing_or_null:
                return record
            raise DataError(f"Unable to extract the topic name from field '{self.config.field}': it is missing or null")
        if not isinstance(found, str):
            raise DataError(f"The extracted topic name must be a string, found: {type(found).__name__}")
        return record.new_record(found, record.kafka_partition, record.key_schema, record.key, record.value_schema,
                                 record.value, record.timestamp)

    def _extract(self, record: ConnectRecord) -> Any:
        value = self._operating_value(record)
        field = self.config.field
        if not field:
            return value
        if value is None:
            return _MISSING
        if self._path is not None:
            try:
                return self._path.read(as_tree(value))
            except PathNotFoundError:
                return _MISSING
        if isinstance(value, Struct):
            return value.get(field) if value.schema.field(field) is not None else _MISSING
        if isinstance(value, dict):
            return value.get(field, _MISSING)
        raise DataError(f"Cannot extract field '{field}' from a {type(value).__name__}: a struct or a map is needed")


class _Key(KeySide, ExtractTopic):
    """``ExtractTopic$Key``."""


class _Value(ValueSide, ExtractTopic):
    """``ExtractTopic$Value``."""


class _Header(ValueSide, ExtractTopic):
    """``ExtractTopic$Header``: the (last) header named ``field``, a string."""

    def configure(self, configs: dict[str, Any]) -> None:
        """``field`` names the header and is required; only the PLAIN format applies."""
        super().configure(configs)
        if not self.config.field:
            raise ConfigError("Invalid value  for configuration field: a header name is required for "
                              "ExtractTopic$Header")
        if self.config.field_format != "PLAIN":
            raise ConfigError(f"Invalid value {self.config.field_format} for configuration field.format: "
                              "ExtractTopic$Header supports PLAIN only")

    def _extract(self, record: ConnectRecord) -> Any:
        header = record.headers.last_with_name(self.config.field)
        return _MISSING if header is None else header.value


for _attr, _cls in (("Key", _Key), ("Value", _Value), ("Header", _Header)):
    _cls.__name__ = _attr
    _cls.__qualname__ = f"ExtractTopic.{_attr}"
    setattr(ExtractTopic, _attr, _cls)
