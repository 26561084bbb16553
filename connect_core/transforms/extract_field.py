"""ExtractField: replace the key/value with one of its fields (Kafka ``transforms.ExtractField``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config, valid_string
from connect_core.api.errors import ConfigError, DataError
from connect_core.api.transformation import Transformation
from connect_core.transforms._sides import KeySide, RecordSide, ValueSide
from connect_core.transforms._util import (
    attach_variants,
    replace_null_field,
    require_map_or_null,
    require_struct_or_null,
)

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Schema
    from connect_core.api.struct import Struct

__all__ = [
    "ExtractField",
    "ExtractFieldConfig",
    "FIELD_CONFIG",
    "FIELD_SYNTAX_VERSION_CONFIG",
    "FIELD_SYNTAX_VERSION_DEFAULT",
    "parse_field_path",
]

FIELD_CONFIG = "field"
FIELD_SYNTAX_VERSION_CONFIG = "field.syntax.version"
FIELD_SYNTAX_VERSION_DEFAULT = "V1"
PURPOSE = "field extraction"
NESTED_PURPOSE = "nested field access"


def parse_field_path(path: str, version: str) -> tuple[str, ...]:
    """Split a field path as Kafka's ``SingleFieldPath`` does (KIP-821): V1 is one name; V2 splits on dots, and a
    step starting with a backtick runs to the next backtick that ends the path or precedes a dot (a backslash before
    such a backtick escapes it; any other backtick, and its backslash, belong to the name)."""
    if version.upper() == "V1":
        return (path,)
    steps: list[str] = []
    i, n = 0, len(path)
    while i < n:
        if path[i] != "`":
            end = path.find(".", i)
            steps.append(path[i:] if end < 0 else path[i:end])
            i = n if end < 0 else end + 1
            continue
        opening, i = i, i + 1
        name, start = [], i
        while True:
            i = path.find("`", i)
            escaped = i > 0 and path[i - 1] == "\\"
            if i < 0 or (i == n - 1 and escaped):
                raise ConfigError(f"Incomplete backtick pair in path: [{path}], consider adding a backslash before "
                                  f"backtick at position {opening} to escape it")
            if i == n - 1:  # the closing backtick ends the path
                name.append(path[start:i])
                i += 1
                break
            if path[i + 1] != ".":  # part of the name; look further
                i += 1
                continue
            if escaped:  # an escaped backtick before a dot: a backtick of the name
                name.append(path[start:i - 1] + "`")
                i += 1
                start = i
                continue
            name.append(path[start:i])
            i += 2
            break
        steps.append("".join(name))
    if path.endswith("."):
        steps.append("")
    return tuple(steps)


class ExtractFieldConfig(BaseModel):
    """Config of ExtractField (Kafka ``ExtractField.CONFIG_DEF``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    field: str = config_field(
        ..., alias=FIELD_CONFIG,
        description="Field name to extract.",
    )
    field_syntax_version: str = config_field(
        FIELD_SYNTAX_VERSION_DEFAULT, alias=FIELD_SYNTAX_VERSION_CONFIG, importance="HIGH",
        validator=valid_string("V1", "V2", case_insensitive=True),
        description="Defines the version of the syntax to access fields. If set to <code>V1</code>, then the field "
        "paths are limited to access the elements at the root level of the struct or map. If set to <code>V2</code>, "
        "the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If "
        "dots are already included in the field name, then backtick pairs can be used to wrap field names containing "
        "dots. E.g. to access the subfield <code>baz</code> from a field named \"foo.bar\" in a struct/map the "
        "following format can be used to access its elements: <code>`foo.bar`.baz</code>.",
    )
    replace_null_with_default: bool = replace_null_field()


class ExtractField(RecordSide, Transformation["ConnectRecord"]):
    """Extract one (possibly nested) field (Kafka ``ExtractField``); use ExtractField.Key or ExtractField.Value."""

    config_model: ClassVar[type[BaseModel]] = ExtractFieldConfig
    Key: ClassVar[type[ExtractField]]
    Value: ClassVar[type[ExtractField]]

    def configure(self, configs: dict[str, Any]) -> None:
        """Parse the field path once."""
        self.config = parse_config(ExtractFieldConfig, configs)
        self._path = parse_field_path(self.config.field, self.config.field_syntax_version)
        self._replace_null = self.config.replace_null_with_default

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """Extract the field; null keys/values extract to null."""
        schema = self._operating_schema(record)
        value = self._operating_value(record)
        if schema is None:
            current: Any = require_map_or_null(value, PURPOSE)
            *parents, last = self._path
            for step in parents:
                if current is None:
                    break
                current = require_map_or_null(current.get(step), NESTED_PURPOSE)
            return self._new_record(record, None, None if current is None else current.get(last))
        struct = require_struct_or_null(value, PURPOSE)
        field_schema = self._field_schema(schema)
        return self._new_record(record, field_schema, None if struct is None else self._struct_value(struct))

    def _field_schema(self, schema: Schema) -> Schema:
        current = schema
        for step in self._path:
            field = current.field(step)  # DataError on a schema without fields, as Kafka's Schema.field
            if field is None:
                raise DataError("Unknown field: " + self.config.field)
            current = field.schema
        return current

    def _struct_value(self, struct: Struct) -> Any:
        current: Any = struct
        last = len(self._path) - 1
        for i, step in enumerate(self._path):
            if current is None:
                return None
            if i == last:
                return current.get(step) if self._replace_null else current.get_without_default(step)
            current = current.get(step)
        return current


class _Key(KeySide, ExtractField):
    """``ExtractField$Key``: extracts a field from the record key."""


class _Value(ValueSide, ExtractField):
    """``ExtractField$Value``: extracts a field from the record value."""


attach_variants(ExtractField, _Key, _Value)
