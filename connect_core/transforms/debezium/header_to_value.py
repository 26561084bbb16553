"""HeaderToValue: copy or move headers into fields of the value, nested with dots
(``io.debezium.transforms.HeaderToValue``, Debezium 3.7, with ``ConnectRecordUtil``'s nesting rules)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, parse_config
from connect_core.api.errors import ConfigError, ConnectError
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.transformation import Transformation
from connect_core.transforms._util import copy_schema_basics, require_struct

if TYPE_CHECKING:
    from connect_core.api.record import ConnectRecord
    from connect_core.api.schema import Schema

__all__ = ["HeaderToValue", "HeaderToValueConfig", "NewEntry", "make_new_schema", "make_updated_value"]

ROOT = "payload"
CACHE_SIZE = 64


def _items(key: str, value: Any) -> None:
    for item in value or []:
        if not item:
            raise ConfigError(f"Invalid value {','.join(value)} for configuration {key}: The '{key}' value is "
                              "invalid: Empty elements are not allowed")
        if " " in item:
            raise ConfigError(f"Invalid value {','.join(value)} for configuration {key}: The '{key}' value is "
                              "invalid: Whitespaces are not allowed")


def _operation(key: str, value: Any) -> None:
    if value is not None and str(value).strip().lower() not in ("move", "copy"):
        raise ConfigError(f"Invalid value {value} for configuration {key}: The '{key}' value is invalid: Value must "
                          "be one of move, copy")


class HeaderToValueConfig(BaseModel):
    """Config of HeaderToValue."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    headers: list[str] = config_field(
        ..., alias="headers", type="LIST", importance="HIGH", display_name="Header names list", validator=_items,
        description="Header names in the record whose values are to be copied or moved to record value.",
    )
    fields: list[str] = config_field(
        ..., alias="fields", type="LIST", importance="HIGH", display_name="Field names list", validator=_items,
        description="Field names, in the same order as the header names listed in the headers configuration "
        "property. Supports Struct nesting using dot notation.",
    )
    operation: str = config_field(
        ..., alias="operation", type="STRING", importance="HIGH", display_name="Operation: mover or copy",
        validator=_operation,
        description="Either <code>move</code> if the fields are to be moved to the value (removed from the headers), "
        "or <code>copy</code> if the fields are to be copied to the value (retained in the headers).",
    )


@dataclass(frozen=True)
class NewEntry:
    """A field to add: its (dotted) name, schema and value."""

    name: str
    schema: Schema | None
    value: Any


def _nested(entries: list[NewEntry]) -> list[str]:
    return [e.name for e in entries if "." in e.name]


def _contained(name: str, nested: list[str]) -> bool:
    return any(name + "." in s for s in nested)


def _field_name(destination: str, field_name: str, level: int) -> str | None:
    names = destination.split(".")
    if len(names) == 1 and field_name == ROOT:
        return names[0]
    if len(names) == level + 1 and names[0 if level == 0 else level - 1] == field_name:
        return names[level]
    return None


def _new_parents(current: str, schema: Schema, nested: list[str], level: int) -> list[str]:
    existing = {f.name for f in schema.fields}
    parents: list[str] = []
    for path in nested:
        parts = path.split(".")
        process = (level == 0 and current == ROOT) or (0 < level < len(parts) and parts[level - 1] == current)
        if process and level < len(parts) - 1:
            name = parts[level]
            if name not in existing and name not in parents:
                parents.append(name)
    return parents


def _nested_name(destination: str, parent: str, current: str, level: int) -> str | None:
    parts = destination.split(".")
    if level == 0 and current == ROOT:
        return parts[1] if len(parts) > 1 and parts[0] == parent else None
    if level > 0 and ".".join(parts[:min(level + 1, len(parts))]) == parent and level + 1 < len(parts):
        return parts[level + 1]
    return None


def make_new_schema(old: Schema, entries: list[NewEntry]) -> Schema:
    """``ConnectRecordUtil.makeNewSchema``: ``old`` with the entries added (dotted names nest, new parents are
    optional structs)."""
    nested = _nested(entries)
    for path in nested:
        current = old
        parts = path.split(".")
        for part in parts[:-1]:
            field = current.field(part)
            if field is None:
                break
            if field.schema.type.is_primitive:
                raise ConnectError(f"Field '{part}' is a primitive type, not a struct. Cannot add nested field "
                                   f"'{path}'.")
            current = field.schema
    return _build_schema(ROOT, old, entries, nested, 0)


def _build_schema(name: str, old: Schema, entries: list[NewEntry], nested: list[str], level: int) -> Schema:
    if old.type.is_primitive:
        return old
    builder = copy_schema_basics(old, SchemaBuilder.struct())
    for field in old.fields:
        schema = _build_schema(field.name, field.schema, entries, nested, level + 1) if _contained(
            field.name, nested) else field.schema
        builder.field(field.name, schema)
    for entry in entries:
        target = _field_name(entry.name, name, level)
        if target is not None and not any(f.name == target for f in builder.fields):
            builder.field(target, entry.schema)  # type: ignore[arg-type]
    for parent in _new_parents(name, old, nested, level):
        parent_builder = SchemaBuilder.struct().optional()
        for entry in entries:
            child = _nested_name(entry.name, parent, name, level)
            if child is not None:
                parent_builder.field(child, entry.schema)  # type: ignore[arg-type]
        builder.field(parent, parent_builder.build())
    return builder.build()


def make_updated_value(original: Struct, entries: list[NewEntry], schema: Schema) -> Struct:
    """``ConnectRecordUtil.makeUpdatedValue``: the values of ``original`` and the entries under ``schema``."""
    return _build_value(ROOT, original, entries, schema, nested=_nested(entries), level=0)


def _build_value(name: str, original: Struct, entries: list[NewEntry], schema: Schema, *, nested: list[str],
                 level: int) -> Struct:
    out = Struct(schema)
    for field in original.schema.fields:
        value = original.get(field)
        if value is None:
            continue
        if _contained(field.name, nested):
            child = require_struct(value, "Nested field")
            value = _build_value(field.name, child, entries, schema.require_field(field.name).schema,
                                 nested=nested, level=level + 1)
        out.put(field.name, value)
    for entry in entries:
        target = _field_name(entry.name, name, level)
        if target is not None:
            out.put(target, entry.value)
    for parent in _new_parents(name, original.schema, nested, level):
        parent_field = schema.field(parent)
        if parent_field is None:
            continue
        parent_value = Struct(parent_field.schema)
        for entry in entries:
            child_name = _nested_name(entry.name, parent, name, level)
            if child_name is not None:
                parent_value.put(child_name, entry.value)
        out.put(parent, parent_value)
    return out


class HeaderToValue(Transformation["ConnectRecord"]):
    """Debezium's ``io.debezium.transforms.HeaderToValue``."""

    config_model: ClassVar[type[BaseModel]] = HeaderToValueConfig

    def configure(self, configs: dict[str, Any]) -> None:
        """Read the header and field lists (same length) and the operation."""
        cfg = self.config = parse_config(HeaderToValueConfig, configs)
        if len(cfg.headers) != len(cfg.fields):
            raise ConfigError("'fields' config must have the same number of elements as 'headers' config.")
        self._move = cfg.operation.strip().lower() == "move"
        self._schemas: OrderedDict[Schema, Schema] = OrderedDict()

    def apply(self, record: ConnectRecord) -> ConnectRecord:
        """The value with the headers' values as fields (the headers removed when moving)."""
        if record.value is None:
            return record
        value = require_struct(record.value, "Header field insertion")
        entries = [NewEntry(self.config.fields[self.config.headers.index(h.key)], h.schema, h.value)
                   for h in record.headers if h.key in self.config.headers]
        if not entries:
            return record
        schema = self._schemas.get(value.schema)
        if schema is None:  # keyed by the value schema alone, as Debezium's cache
            schema = self._schemas[value.schema] = make_new_schema(value.schema, entries)
            if len(self._schemas) > CACHE_SIZE:
                self._schemas.popitem(last=False)
        updated = make_updated_value(value, entries, schema)
        headers = record.headers.duplicate()
        if self._move:
            for name in self.config.headers:
                headers.remove(name)
        return record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key, schema,
                                 updated, record.timestamp, headers)
