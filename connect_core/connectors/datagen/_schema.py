"""The configured Avro schema, parsed and converted once: the generator's tree, the Connect value schema and the
key field (kafka-connect-datagen's ``AvroData.toConnectSchema`` with connect.meta.data on)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConfigError, DataError

if TYPE_CHECKING:
    from connect_core.api.avro.data import AvroData
    from connect_core.api.schema import Schema

__all__ = ["DatagenSchema", "load", "strip_comments"]

# a JSON string (kept), or a // line comment or /* block */ comment (dropped)
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)


def strip_comments(text: str) -> str:
    """``text`` without ``//`` and ``/* */`` comments: Avro's Java parser accepts them (Jackson ALLOW_COMMENTS),
    and kafka-connect-datagen's own schemas use them."""
    return _TOKENS.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)


@dataclass(frozen=True, slots=True)
class DatagenSchema:
    """One parsed schema: ``parsed`` for the generator, ``connect`` for records, ``data`` to convert datums."""

    parsed: dict[str, Any]
    connect: Schema
    data: AvroData


def load(text: str, key_field: str) -> DatagenSchema:
    """Parse ``text`` (``ConfigError`` naming the problem) and check that ``key_field`` is one of its fields."""
    from connect_core.api.avro.data import AvroData

    data = AvroData()
    try:
        connect, parsed = data.to_connect_schema(strip_comments(text))
    except (DataError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"Unable to parse the provided schema: {error}") from error
    if parsed.get("type") != "record":
        raise ConfigError("Unable to parse the provided schema: the top-level schema must be a record")
    if key_field and connect.field(key_field) is None:
        raise ConfigError("The schema does not contain the field provided in 'schema.keyfield'")
    return DatagenSchema(parsed, connect, data)
