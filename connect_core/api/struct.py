"""``Struct``: a value of a STRUCT schema (Kafka ``org.apache.kafka.connect.data.Struct``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError
from connect_core.api.schema import Field, Type, validate_value

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

__all__ = ["Struct", "TextStruct"]


class Struct:
    """Field values stored by position, validated on ``put`` so bad data fails where it is produced.

    ``_text`` (ours, not Kafka's): the schemaless JSON text a converter read this struct from, kept only where
    writing the struct as schemaless JSON (BASE64 decimals) gives those very bytes, for a task that writes it so;
    None otherwise, and ``put`` drops it.
    """

    __slots__ = ("_text", "_values", "schema")

    def __init__(self, schema: Schema) -> None:
        """Create an empty struct of ``schema`` (must be a STRUCT schema)."""
        if schema.type is not Type.STRUCT:
            raise DataError(f"Not a struct schema: {schema!r}")
        self.schema = schema
        self._values: list[Any] = [None] * len(schema.fields)
        self._text: bytes | None = None

    @classmethod
    def from_validated(cls, schema: Schema, values: list[Any]) -> Struct:
        """A struct over ``values`` (by field position) that already fit ``schema``'s fields.

        For compiled copy plans (converters, SMTs) that copy a value from a field of the very same schema object,
        where ``put`` would only repeat a check the value passed when it was first stored.
        """
        struct = cls.__new__(cls)
        struct.schema = schema
        struct._values = values
        struct._text = None
        return struct

    def _lookup(self, name_or_field: str | Field) -> Field:
        if isinstance(name_or_field, Field):
            return name_or_field
        field = self.schema.field(name_or_field)
        if field is None:
            raise DataError(f"{name_or_field} is not a valid field name")
        return field

    def put(self, name_or_field: str | Field, value: Any) -> Struct:
        """Set a field after validating ``value`` against its schema; returns self for chaining."""
        if name_or_field is None:
            raise DataError("field cannot be null.")
        field = self._lookup(name_or_field)
        validate_value(field.schema, value, field.name)
        self._values[field.index] = value
        self._text = None
        return self

    def get(self, name_or_field: str | Field) -> Any:
        """A field's value, or the field schema's default when unset (Kafka ``Struct.get``)."""
        field = self._lookup(name_or_field)
        value = self._values[field.index]
        if value is None:
            return field.schema.default_value
        return value

    def get_without_default(self, name_or_field: str | Field) -> Any:
        """A field's raw value, None when unset."""
        return self._values[self._lookup(name_or_field).index]

    def values(self) -> list[Any]:
        """The raw values by field position (unset = None), for serialisers; read-only by contract (a change
        through it would leave ``_text`` stale)."""
        return self._values

    def validate(self) -> None:
        """Raise ``DataError`` if a required field without default is unset (or any value is invalid)."""
        for field in self.schema.fields:
            value = self._values[field.index]
            fs = field.schema
            if value is None and (fs.optional or fs.default_value is not None):
                continue
            validate_value(fs, value, field.name)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Struct):
            return NotImplemented
        return self.schema == other.schema and self._values == other._values

    def __hash__(self) -> int:
        return hash((self.schema, tuple(_hashable(v) for v in self._values)))

    def __repr__(self) -> str:
        parts = [f"{f.name}={self._values[f.index]!r}" for f in self.schema.fields if self._values[f.index] is not None]
        return "Struct{" + ",".join(parts) + "}"


class TextStruct(Struct):
    """A ``Struct`` read from JSON text that keeps its ``_text`` (ours, not Kafka's): its values are read from
    ``_node`` (``_read(_node)``, the exact read of the parsed node, or of the text itself where it was not parsed)
    only when something first reads them, so a task that writes the text alone never has them built. Read or
    changed, it is a ``Struct`` like any other."""

    __slots__ = ("_node", "_read")

    def __getattr__(self, name: str) -> Any:
        if name != "_values":
            raise AttributeError(name)
        values: list[Any] = self._read(self._node)._values
        self._values = values
        return values


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((_hashable(k), _hashable(v)) for k, v in value.items())
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return value
