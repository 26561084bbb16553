"""``SchemaAndValue``: what a converter returns (Kafka ``org.apache.kafka.connect.data.SchemaAndValue``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

__all__ = ["SchemaAndValue"]


class SchemaAndValue(NamedTuple):
    """A value with its (possibly absent) schema; a tuple so it costs nothing on the hot path."""

    schema: Schema | None
    value: Any


SchemaAndValue.NULL = SchemaAndValue(None, None)  # type: ignore[attr-defined]
