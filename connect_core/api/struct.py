"""``Struct``: a value of a STRUCT schema (Kafka ``org.apache.kafka.connect.data.Struct``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

from connect_core.api.errors import DataError
from connect_core.api.schema import Field, Type, validate_value

if TYPE_CHECKING:
    from collections.abc import Iterator

    from connect_core.api.schema import Schema

__all__ = ["Struct", "StructLists", "TextStruct"]


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


class StructLists(Sequence["Struct | None"]):
    """Values of one STRUCT ``schema`` given as the lists of their field values, a STRUCT field's value a list of
    its own field values too (structs inside arrays and maps stay structs; ours, not Kafka's): a CDC task's run of
    change events without a ``Struct`` each, for a converter that writes them from the lists. Item ``i`` is the
    ``Struct`` its list stands for (made when read), None where the list is None; ``lists`` is the run's own list,
    appended to as the run grows."""

    __slots__ = ("lists", "schema")

    def __init__(self, schema: Schema, lists: list[list[Any] | None] | None = None) -> None:
        """Values of ``schema`` (a STRUCT schema) given by ``lists`` (none yet by default)."""
        self.schema = schema
        self.lists: list[list[Any] | None] = [] if lists is None else lists

    def __len__(self) -> int:
        return len(self.lists)

    @overload
    def __getitem__(self, index: int) -> Struct | None: ...

    @overload
    def __getitem__(self, index: slice) -> list[Struct | None]: ...

    def __getitem__(self, index: int | slice) -> Struct | None | list[Struct | None]:
        if isinstance(index, slice):
            return [_struct_of(self.schema, values) for values in self.lists[index]]
        return _struct_of(self.schema, self.lists[index])

    def __iter__(self) -> Iterator[Struct | None]:
        schema = self.schema
        return iter([_struct_of(schema, values) for values in self.lists])


def _struct_of(schema: Schema, values: list[Any] | None) -> Struct | None:
    """The struct of ``schema`` over ``values``, its STRUCT fields' lists made structs too (None: None)."""
    if values is None:
        return None
    nested = [(field.index, field.schema) for field in schema.fields if field.schema.type is Type.STRUCT]
    if nested:
        values = values.copy()
        for index, field_schema in nested:
            values[index] = _struct_of(field_schema, values[index])
    return Struct.from_validated(schema, values)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((_hashable(k), _hashable(v)) for k, v in value.items())
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return value
