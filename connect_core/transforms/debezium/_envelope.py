"""What Debezium's SMTs share: the change-event envelope test and field references (Debezium's ``SmtManager``,
``Envelope`` and ``AbstractExtractNewRecordState.FieldReference``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError
from connect_core.api.schema import SchemaBuilder, Type
from connect_core.transforms._util import copy_schema_basics

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Field, Schema
    from connect_core.api.struct import Struct

__all__ = [
    "AFTER", "BEFORE", "ENVELOPE_SUFFIX", "OPERATION", "SOURCE", "FieldReference", "field_references", "get_string",
    "is_envelope", "optional_copy",
]

log = logging.getLogger(__name__)

ENVELOPE_SUFFIX = ".Envelope"
BEFORE = "before"
AFTER = "after"
OPERATION = "op"
SOURCE = "source"
TRANSACTION = "transaction"
_TOP_LEVEL = frozenset({OPERATION, "ts_ms", "ts_us", "ts_ns"})
_TRANSACTION_FIELDS = frozenset({"id", "data_collection_order", "total_order"})
_UPDATE_DESCRIPTION = "updateDescription"  # MongoDB's


def is_envelope(record: ConnectRecord) -> bool:
    """Whether the value schema is a Debezium change event envelope (its name ends in ``.Envelope``)."""
    schema = record.value_schema
    return schema is not None and schema.name is not None and schema.name.endswith(ENVELOPE_SUFFIX)


def optional_copy(schema: Schema) -> Schema:
    """``SchemaUtil.copySchemaBasics(schema).optional().build()``: the type and basics, no default, no fields."""
    if schema.type is Type.ARRAY:
        builder = SchemaBuilder.array(schema.value_schema)  # type: ignore[arg-type]
    elif schema.type is Type.MAP:
        builder = SchemaBuilder.map(schema.key_schema, schema.value_schema)  # type: ignore[arg-type]
    else:
        builder = SchemaBuilder.type(schema.type)
    return copy_schema_basics(schema, builder).optional().build()


def get_string(struct: Struct, name: str) -> str | None:
    """Kafka's ``Struct.getString``: the field's value (or default), DataError for a missing or non-string field."""
    field = struct.schema.field(name)
    if field is None:
        raise DataError(f"{name} is not a valid field name")
    if field.schema.type is not Type.STRING:
        raise DataError(f"Field '{name}' is not of type {Type.STRING.name}")
    value: str | None = struct.get(field)
    return value


class FieldReference:
    """One ``add.fields``/``add.headers`` entry: ``[struct.]field[:new_name]`` read from the envelope."""

    __slots__ = ("field", "new_field", "struct")

    def __init__(self, prefix: str, spec: str) -> None:
        """Parse ``spec`` as Debezium does (``source.ts_ms`` -> ``<prefix>source_ts_ms``, ``op`` -> ``<prefix>op``)."""
        parts = spec.split(":")
        while len(parts) > 1 and parts[-1] == "":  # Java's String.split drops trailing empty strings
            parts.pop()
        splits = [s for s in parts[0].split(".")]
        while len(splits) > 1 and splits[-1] == "":
            splits.pop()
        self.field = splits[0] if len(splits) == 1 else splits[1]
        self.struct: str | None = _host(self.field) if len(splits) == 1 else splits[0]
        if len(parts) == 1:
            self.new_field = prefix + (self.field if len(splits) == 1 else f"{self.struct}_{self.field}")
        elif len(parts) == 2:
            self.new_field = prefix + parts[1]
        else:
            raise ValueError(f"Unexpected field name: {spec}")

    def schema(self, envelope_schema: Schema) -> Schema | None:
        """The optional schema of the new field/header, or None when the envelope has no such field."""
        field = self._field(envelope_schema)
        return None if field is None else optional_copy(field.schema)

    def _field(self, envelope_schema: Schema) -> Field | None:
        if self.struct is None:
            parent = envelope_schema
        else:
            host = envelope_schema.field(self.struct)
            if host is None:  # Debezium dereferences null here
                raise DataError(f"{self.struct} is not a field of {envelope_schema.name}")
            parent = host.schema
        found = parent.field(self.field)
        if found is None:
            log.debug("Field %s not found in %s. Trying in main payload", self.field, self.struct)
            return envelope_schema.field(self.field)
        return found

    def value(self, envelope: Struct) -> Any:
        """The value read from the envelope (None when its host struct, e.g. ``transaction``, is null)."""
        parent = envelope.get_without_default(self.struct) if self.struct is not None else envelope
        if parent is None:
            return None
        if parent.schema.field(self.field) is not None:
            return parent.get_without_default(self.field)
        return envelope.get_without_default(self.field)


def _host(name: str) -> str | None:
    """The struct hosting an unqualified field name (Debezium's ``determineStruct``)."""
    if name in _TRANSACTION_FIELDS:
        return TRANSACTION
    if name in _TOP_LEVEL:
        return None
    if name == _UPDATE_DESCRIPTION:
        return _UPDATE_DESCRIPTION
    return SOURCE


def field_references(prefix: str, specs: list[str]) -> list[FieldReference]:
    """``FieldReference.fromConfiguration``: one reference per comma-separated entry (trimmed)."""
    return [FieldReference(prefix, spec.strip()) for spec in specs]
