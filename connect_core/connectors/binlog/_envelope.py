"""Debezium's change event: key struct, ``Envelope`` value (before/after/source/op/ts_ms/transaction), source block.

Schema names are Debezium's (``<prefix>.<db>.<table>.Key``/``.Value``/``.Envelope``, ``io.debezium.connector.
<mysql|mariadb>.Source``, ``event.block``) so a JsonConverter or Avro consumer of Debezium's topics reads ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.schema import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    SchemaBuilder,
)
from connect_core.api.struct import Struct
from connect_core.connectors._debezium.envelope import source_builder, transaction_schema
from connect_core.connectors.binlog._types import column_schema_and_converter

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from connect_core.api.schema import Schema
    from connect_core.connectors.binlog._types import ColumnDef

__all__ = ["DEBEZIUM_VERSION", "SourceSchema", "TableSchema"]

DEBEZIUM_VERSION: Final = "3.3.0.Final"  # the Debezium release whose events these are checked against (tests/compat)
_NON_NAME = re.compile(r"[^A-Za-z0-9_]")


def _adjust(name: str) -> str:
    """Debezium's default ``schema.name.adjustment.mode=none`` keeps names; Avro-invalid characters stay as they are."""
    return name


class SourceSchema:
    """The ``source`` block of one connector flavour (``mysql`` or ``mariadb``)."""

    def __init__(self, connector: str, server_name: str) -> None:
        """Build the schema once; ``connector`` is ``mysql`` or ``mariadb``, ``server_name`` the topic prefix."""
        self.schema = (
            source_builder(f"io.debezium.connector.{connector}.Source").field("table", OPTIONAL_STRING_SCHEMA)
            .field("server_id", INT64_SCHEMA).field("gtid", OPTIONAL_STRING_SCHEMA).field("file", STRING_SCHEMA)
            .field("pos", INT64_SCHEMA).field("row", INT32_SCHEMA).field("thread", OPTIONAL_INT64_SCHEMA)
            .field("query", OPTIONAL_STRING_SCHEMA).build()
        )
        self._head = [DEBEZIUM_VERSION, connector, server_name]
        self.row_at = [field.name for field in self.schema.fields].index("row")  # where ``values`` puts the row

    def values(self, ts_ms: int, snapshot: str | None, db: str, table: str | None, server_id: int,  # noqa: PLR0917
               gtid: str | None, file: str, pos: int, row: int = 0, thread: int | None = None,
               query: str | None = None) -> list[Any]:
        """One source block's field values in the schema's order (the rows of one event differ only at ``row_at``)."""
        return [*self._head, ts_ms, snapshot, db, None, ts_ms * 1000, ts_ms * 1_000_000, table, server_id, gtid, file,
                pos, row, thread, query]

    def struct(self, ts_ms: int, snapshot: str | None, db: str, table: str | None, server_id: int,  # noqa: PLR0917
               gtid: str | None, file: str, pos: int, row: int, thread: int | None = None,
               query: str | None = None) -> Struct:
        """One source block."""
        return Struct.from_validated(self.schema, self.values(ts_ms, snapshot, db, table, server_id, gtid, file, pos,
                                                              row, thread, query))


@dataclass(slots=True)
class TableSchema:
    """Schemas and converters of one table as one set of columns describes it."""

    topic: str
    db: str
    table: str
    columns: list[str]  # captured columns, in table order
    key_columns: list[str]
    key_schema: Schema | None
    row_schema: Schema
    envelope: Schema
    converters: list[Callable[[Any], Any] | None]
    key_index: list[int]  # positions of the key columns within ``columns``

    @classmethod
    def build(cls, prefix: str, db: str, table: str, columns: Sequence[ColumnDef], key_columns: Sequence[str], *,
              source: SourceSchema, decimal_mode: str, time_mode: str) -> TableSchema:
        """Debezium's schemas for ``db.table`` with ``columns`` (already filtered by column.exclude.list)."""
        base = f"{prefix}.{db}.{table}"
        row = SchemaBuilder.struct().name(_adjust(base + ".Value")).optional()
        converters: list[Callable[[Any], Any] | None] = []
        by_name: dict[str, Schema] = {}
        for column in columns:
            schema, convert = column_schema_and_converter(column, decimal_mode, time_mode)
            row = row.field(column.name, schema)
            converters.append(convert)
            by_name[column.name] = schema
        names = [c.name for c in columns]
        keys = [k for k in key_columns if k in by_name]
        key_schema = None
        if keys:
            key_builder = SchemaBuilder.struct().name(_adjust(base + ".Key"))
            for name in keys:
                key_builder = key_builder.field(name, by_name[name])
            key_schema = key_builder.build()
        row_schema = row.build()
        envelope = (SchemaBuilder.struct().name(_adjust(base + ".Envelope")).version(2)
                    .field("before", row_schema).field("after", row_schema).field("source", source.schema)
                    .field("transaction", transaction_schema()).field("op", STRING_SCHEMA)
                    .field("ts_ms", OPTIONAL_INT64_SCHEMA).field("ts_us", OPTIONAL_INT64_SCHEMA)
                    .field("ts_ns", OPTIONAL_INT64_SCHEMA).build())
        return cls(base, db, table, names, keys, key_schema, row_schema, envelope, converters,
                   [names.index(k) for k in keys])

    def row(self, values: Sequence[Any]) -> Struct:
        """The ``before``/``after`` struct from raw column values in ``columns`` order."""
        out = [None if v is None or c is None else c(v) for v, c in zip(values, self.converters, strict=True)]
        return Struct.from_validated(self.row_schema, out)

    def key(self, row: Struct) -> Struct | None:
        """The key struct of a row struct (None for a table without primary key)."""
        if self.key_schema is None:
            return None
        return Struct.from_validated(self.key_schema, [row._values[i] for i in self.key_index])

    def envelope_value(self, before: Struct | None, after: Struct | None, source: Struct, op: str,
                       ts_ms: int) -> Struct:
        """The envelope struct (no transaction metadata: ``provide.transaction.metadata`` is not supported)."""
        return Struct.from_validated(self.envelope, [
            before, after, source, None, op, ts_ms, ts_ms * 1000, ts_ms * 1_000_000,
        ])
