"""``SchemaAndValue``: what a converter returns (Kafka ``org.apache.kafka.connect.data.SchemaAndValue``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

__all__ = ["SchemaAndValue"]


class _Fields(NamedTuple):
    schema: Schema | None
    value: Any


class SchemaAndValue(_Fields):
    """A value with its (possibly absent) schema; a tuple so it costs nothing on the hot path."""

    __slots__ = ()
    NULL: ClassVar[SchemaAndValue]  # Kafka's SchemaAndValue.NULL: what a converter returns for a null


SchemaAndValue.NULL = SchemaAndValue(None, None)
