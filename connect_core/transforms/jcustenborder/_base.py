"""What the pack's SMTs share: ``BaseTransformation``'s dispatch on the operating side's schema type, its
``UnsupportedOperationException``, and Guava's ``CaseFormat`` (``from``/``to`` of ChangeCase and ChangeTopicCase)."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConfigError, DataError
from connect_core.api.schema import Schema, SchemaBuilder, Type

if TYPE_CHECKING:
    from connect_core.api.struct import Struct

__all__ = ["CASE_FORMATS", "BaseTransformation", "UnsupportedOperationError", "convert_case", "valid_case_format"]

CASE_FORMATS = ("LOWER_HYPHEN", "LOWER_UNDERSCORE", "LOWER_CAMEL", "UPPER_CAMEL", "UPPER_UNDERSCORE")
_LOGICAL = {"org.apache.kafka.connect.data.Timestamp": "Timestamp", "org.apache.kafka.connect.data.Date": "Date",
            "org.apache.kafka.connect.data.Time": "Time", "org.apache.kafka.connect.data.Decimal": "Decimal"}


class UnsupportedOperationError(DataError):
    """Java's ``UnsupportedOperationException``: the SMT does not handle this type of key or value."""


def valid_case_format(key: str, value: Any) -> None:
    """connect-utils' ``ValidEnum.of(CaseFormat.class)``."""
    if value is not None and value not in CASE_FORMATS:
        raise ConfigError(f"Invalid value '{value}' is not a valid value for CaseFormat. Valid values are "
                          f"{', '.join(CASE_FORMATS)}. for configuration {key}")


def _lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def _upper(text: str) -> str:
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in text)


def _first_upper(word: str) -> str:
    return word if not word else _upper(word[0]) + _lower(word[1:])


_SEPARATOR = {"LOWER_HYPHEN": "-", "LOWER_UNDERSCORE": "_", "UPPER_UNDERSCORE": "_", "LOWER_CAMEL": "",
              "UPPER_CAMEL": ""}


def _normalize(fmt: str, word: str, first: bool) -> str:
    if fmt in ("LOWER_HYPHEN", "LOWER_UNDERSCORE"):
        return _lower(word)
    if fmt == "UPPER_UNDERSCORE":
        return _upper(word)
    if fmt == "LOWER_CAMEL" and first:
        return _lower(word)
    return _first_upper(word)


def _boundary(fmt: str, text: str, start: int) -> int:
    for i in range(start, len(text)):
        c = text[i]
        if (fmt.endswith("CAMEL") and "A" <= c <= "Z") or (not fmt.endswith("CAMEL") and c == _SEPARATOR[fmt]):
            return i
    return -1


def convert_case(source: str, target: str, text: str) -> str:
    """Guava's ``CaseFormat.to``: split ``text`` into words as ``source`` writes them, join them as ``target``."""
    if source == target:
        return text
    shortcut = {
        ("LOWER_HYPHEN", "LOWER_UNDERSCORE"): lambda s: s.replace("-", "_"),
        ("LOWER_HYPHEN", "UPPER_UNDERSCORE"): lambda s: _upper(s.replace("-", "_")),
        ("LOWER_UNDERSCORE", "LOWER_HYPHEN"): lambda s: s.replace("_", "-"),
        ("LOWER_UNDERSCORE", "UPPER_UNDERSCORE"): _upper,
        ("UPPER_UNDERSCORE", "LOWER_HYPHEN"): lambda s: _lower(s.replace("_", "-")),
        ("UPPER_UNDERSCORE", "LOWER_UNDERSCORE"): _lower,
    }.get((source, target))
    if shortcut is not None:
        return shortcut(text)
    out: list[str] = []
    i, j = 0, -1
    while True:
        j = _boundary(source, text, j + 1)
        if j == -1:
            break
        if i == 0:
            out = [_normalize(target, text[i:j], True)]
        else:
            out.append(_normalize(target, text[i:j], False))
        out.append(_SEPARATOR[target])
        i = j + len(_SEPARATOR[source])
    if i == 0:
        return _normalize(target, text, True)
    return "".join(out) + _normalize(target, text[i:], False)


def _inferred(value: Any) -> Schema:
    """connect-utils' ``SchemaHelper.schema`` of a schemaless value: its Java type's schema."""
    if isinstance(value, bool):
        return SchemaBuilder.bool().build()
    if isinstance(value, int):
        return SchemaBuilder.int64().build()
    if isinstance(value, float):
        return SchemaBuilder.float64().build()
    if isinstance(value, str):
        return SchemaBuilder.string().build()
    if isinstance(value, (bytes, bytearray)):
        return SchemaBuilder.bytes().build()
    if isinstance(value, dt.datetime):
        return SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").version(1).build()
    if isinstance(value, decimal.Decimal):
        exponent = value.as_tuple().exponent
        return (SchemaBuilder.bytes().name("org.apache.kafka.connect.data.Decimal").version(1)
                .parameter("scale", str(-exponent if isinstance(exponent, int) else 0)).build())
    raise UnsupportedOperationError(f"Unsupported Type: {type(value).__name__}")


class BaseTransformation:
    """``BaseTransformation.process``: maps go to ``process_map``, everything else by its (inferred) schema type to
    ``process_<type>``; a type the SMT does not override fails with "<TYPE> is not a supported type."."""

    def process(self, schema: Schema | None, value: Any) -> tuple[Schema | None, Any]:
        """The new (schema, value) of the operating side."""
        if schema is None and value is None:
            return None, None
        if isinstance(value, dict):
            return self.process_schemaless_map(value)
        if schema is None:
            schema = _inferred(value)
        if schema.type is Type.STRUCT:
            return self.process_struct(schema, value)
        logical = _LOGICAL.get(schema.name or "")
        if logical is not None:
            return self.process_other(logical, schema, value)
        if schema.type is Type.STRING:
            return self.process_string(schema, value)
        if schema.type is Type.BYTES:
            return self.process_bytes(schema, value)
        return self.process_other(schema.type.name, schema, value)

    def process_schemaless_map(self, value: dict[str, Any]) -> tuple[Schema | None, Any]:
        """A schemaless map (``processMap(record, Map)``)."""
        raise UnsupportedOperationError("MAP is not a supported type.")

    def process_struct(self, schema: Schema, value: Struct) -> tuple[Schema | None, Any]:
        """A struct."""
        raise UnsupportedOperationError("STRUCT is not a supported type.")

    def process_string(self, schema: Schema, value: str) -> tuple[Schema | None, Any]:
        """A string."""
        raise UnsupportedOperationError("STRING is not a supported type.")

    def process_bytes(self, schema: Schema, value: bytes) -> tuple[Schema | None, Any]:
        """Bytes."""
        raise UnsupportedOperationError("BYTES is not a supported type.")

    def process_other(self, kind: str, schema: Schema, value: Any) -> tuple[Schema | None, Any]:
        """Any other type (numbers, booleans, arrays, maps with a schema, logical types): unsupported here."""
        raise UnsupportedOperationError(f"{kind} is not a supported type.")
