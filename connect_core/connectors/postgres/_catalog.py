"""Which tables and columns are captured, what PostgreSQL's catalog says about them, and their event schemas.

Filters follow Debezium: ``schema.include.list``/``exclude.list`` match the schema name, ``table.include.list``/
``exclude.list`` ``schema.table`` and ``column.include.list``/``exclude.list`` ``schema.table.column``, each regex
matched in full (case-insensitively). System schemas are never captured. The snapshot reads tables in
``table.include.list`` order (then by name), as Debezium does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.errors import ConnectError
from connect_core.api.schema import SchemaBuilder, Type
from connect_core.api.struct import Struct
from connect_core.connectors.postgres._envelope import Envelope
from connect_core.connectors.postgres._pgoutput import UNCHANGED_TOAST, insert_reader
from connect_core.connectors.postgres._types import ColumnType, column_mapping, finish

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from connect_core.api.schema import Schema
    from connect_core.connectors.postgres._envelope import SourceBlock
    from connect_core.connectors.postgres.config import PostgresSourceConfig

__all__ = ["Catalog", "ColumnInfo", "TableFilter", "TableSchema"]

SYSTEM_SCHEMAS: Final = frozenset({"pg_catalog", "information_schema", "pg_toast"})


def _compile(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]


class TableFilter:
    """Debezium's schema, table and column selection."""

    def __init__(self, config: PostgresSourceConfig) -> None:
        """Compile the lists once."""
        self._s_in, self._s_out = _compile(config.schema_include_list), _compile(config.schema_exclude_list)
        self._t_in, self._t_out = _compile(config.table_include_list), _compile(config.table_exclude_list)
        self._c_in, self._c_out = _compile(config.column_include_list), _compile(config.column_exclude_list)
        self._cache: dict[tuple[str, str], bool] = {}
        signal = config.signal_data_collection
        # the signal table is always captured, whatever the lists say (Debezium's RelationalTableFilters)
        self.signal_table: tuple[str, str] | None = tuple(signal.split(".", 1)) if signal else None  # type: ignore[assignment]

    def table(self, schema: str, table: str) -> bool:
        """Whether ``schema.table`` is captured."""
        key = (schema, table)
        hit = self._cache.get(key)
        if hit is None:
            name = f"{schema}.{table}"
            in_schema = schema not in SYSTEM_SCHEMAS and not schema.startswith("pg_temp") and (
                any(p.fullmatch(schema) for p in self._s_in) if self._s_in
                else not any(p.fullmatch(schema) for p in self._s_out))
            hit = (in_schema and (any(p.fullmatch(name) for p in self._t_in) if self._t_in
                                  else not any(p.fullmatch(name) for p in self._t_out))) or key == self.signal_table
            self._cache[key] = hit
        return hit

    def order(self, schema: str, table: str) -> tuple[int, str, str]:
        """The snapshot's reading order: the first include pattern that names the table, then the name."""
        name = f"{schema}.{table}"
        rank = next((i for i, p in enumerate(self._t_in) if p.fullmatch(name)), len(self._t_in))
        return rank, schema, table

    def column(self, schema: str, table: str, column: str) -> bool:
        """Whether a column is kept in change events."""
        name = f"{schema}.{table}.{column}"
        if self._c_in:
            return any(p.fullmatch(name) for p in self._c_in)
        return not any(p.fullmatch(name) for p in self._c_out)


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """One column as the schema needs it."""

    name: str
    type: ColumnType
    not_null: bool
    default: str | None  # pg_get_expr of the default
    sql_type: str = "text"  # format_type: the type as SQL names it (for casts)


_CAST = re.compile(r"::[\w\s\".\[\]()]+$")


def _default_text(expression: str | None) -> str | None:
    """The text of a literal default (``5``, ``'a'::text``, ``(-1)``, ``true``); None for expressions."""
    if expression is None:
        return None
    text = expression.strip()
    while True:
        stripped = _CAST.sub("", text).strip()
        if stripped.startswith("(") and stripped.endswith(")"):
            stripped = stripped[1:-1].strip()
        if stripped == text:
            break
        text = stripped
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text):
        return text
    if text in ("true", "false"):
        return text[0]
    return None


@dataclass(slots=True)
class TableSchema:
    """Schemas and converters of one table as one list of columns (a Relation message or the catalog) gives it."""

    schema: str
    table: str
    envelope: Envelope
    names: list[str]  # every column sent, in order
    kept: list[int]  # positions (in ``names``) of the captured columns
    converters: list[Callable[[str], Any]]  # per captured column
    fallbacks: list[Any]  # per captured column: a required field's value when the server sent none
    toast: list[Any]  # per captured column: the placeholder of an unchanged TOASTed value
    key_index: list[int]  # positions (in the captured columns) of the key columns

    plan: list[tuple[int, Callable[[str], Any] | None]] = field(default_factory=list)  # (position, converter)
    # an Insert message's row values (None: take ``_pgoutput.decode`` and ``row``, the reference)
    insert_values: Callable[[bytes], list[Any] | None] = field(init=False)

    def __post_init__(self) -> None:
        # a text column's converter (``str``) would return its value as it is: no call for it
        self.plan = [(p, None if c is str else c) for p, c in zip(self.kept, self.converters, strict=True)]
        self.insert_values = insert_reader(len(self.names), self.plan)

    def row(self, values: Sequence[object], *, partial: bool = False) -> Struct:
        """The ``before``/``after`` struct of ``row_values``."""
        return Struct.from_validated(self.envelope.row_schema, self.row_values(values, partial=partial))

    def row_values(self, values: Sequence[object], *, partial: bool = False) -> list[Any]:
        """What ``row_reference`` makes the struct of, in one comprehension when every column was sent (the common
        case of a change or a snapshot row; a key-only old row's nulls and unchanged TOASTed values take the
        reference)."""
        if len(values) == len(self.names) and UNCHANGED_TOAST not in values:
            if None not in values:
                return [values[p] if c is None else c(values[p]) for p, c in self.plan]  # type: ignore[arg-type]
            if not partial:
                return [v if (v := values[p]) is None or c is None else c(v) for p, c in self.plan]  # type: ignore[arg-type]
        return self.row_reference(values, partial=partial)._values

    def row_reference(self, values: Sequence[object], *, partial: bool = False) -> Struct:
        """The ``before``/``after`` struct of column texts in ``names`` order; ``partial``: only key columns sent."""
        out: list[Any] = []
        for i, position in enumerate(self.kept):
            raw = values[position] if position < len(values) else None
            if raw is None:
                out.append(self.fallbacks[i] if partial else None)
            elif raw is UNCHANGED_TOAST:
                out.append(self.toast[i])
            else:
                out.append(self.converters[i](raw))  # type: ignore[arg-type]
        return Struct.from_validated(self.envelope.row_schema, out)

    def key(self, row: Struct) -> Struct | None:
        """The key struct of a row struct (None for a table without key)."""
        schema = self.envelope.key_schema
        if schema is None:
            return None
        return Struct.from_validated(schema, self.key_values(row._values))  # type: ignore[arg-type]

    def key_values(self, row: list[Any]) -> list[Any] | None:
        """The key's field values of a row's field values (None for a table without key)."""
        if self.envelope.key_schema is None:
            return None
        return [row[i] for i in self.key_index]


def _placeholder(schema: Schema, text: str) -> Any:
    if schema.type is Type.STRING:
        return text
    if schema.type is Type.BYTES and schema.name is None:
        return text.encode()
    if schema.type is Type.ARRAY and schema.value_schema is not None and schema.value_schema.type is Type.STRING:
        return [text]
    return None


def build_table_schema(prefix: str, schema: str, table: str, columns: Sequence[ColumnInfo],
                       key_columns: Sequence[str], *, config: PostgresSourceConfig, table_filter: TableFilter,
                       source: SourceBlock) -> TableSchema:
    """Debezium's schemas for ``schema.table`` with ``columns`` (in the order the server sends them)."""
    topic = f"{prefix}.{schema}.{table}"
    row = SchemaBuilder.struct().name(topic + ".Value").optional()
    kept: list[int] = []
    converters: list[Callable[[str], Any]] = []
    fallbacks: list[Any] = []
    toast: list[Any] = []
    by_name: dict[str, Schema] = {}
    decimal_mode, time_mode = config.decimal_handling_mode.lower(), config.time_precision_mode.lower()
    for position, column in enumerate(columns):
        if not table_filter.column(schema, table, column.name) and column.name not in key_columns:
            continue
        mapped = column_mapping(column.type, decimal_mode, time_mode, config.include_unknown_datatypes)
        if mapped is None:
            continue  # a type Debezium does not map: left out of the events
        builder = mapped.builder if column.not_null else mapped.builder.optional()
        convert = finish(builder.build(), mapped.convert)
        default = _default_text(column.default)
        default_value = None
        if default is not None:
            try:
                default_value = convert(default)
                builder = builder.default_value(default_value)
            except (ValueError, ArithmeticError):
                default_value = None
        field_schema = builder.build()
        convert = finish(field_schema, mapped.convert)
        row = row.field(column.name, field_schema)
        by_name[column.name] = field_schema
        kept.append(position)
        converters.append(convert)
        fallbacks.append(None if not column.not_null else (default_value if default_value is not None
                                                           else mapped.fallback))
        toast.append(_placeholder(field_schema, config.unavailable_value_placeholder))
    names = [c.name for c in columns]
    captured = [names[p] for p in kept]
    keys = [k for k in key_columns if k in by_name]
    key_schema = None
    if keys:
        key_builder = SchemaBuilder.struct().name(topic + ".Key")
        for name in keys:
            key_builder = key_builder.field(name, by_name[name])
        key_schema = key_builder.build()
    envelope = Envelope.build(topic, row.build(), key_schema, source)
    return TableSchema(schema, table, envelope, names, kept, converters, fallbacks, toast,
                       [captured.index(k) for k in keys])


class Catalog:
    """Table, column and type descriptions read from ``pg_catalog``, cached per table until it changes."""

    def __init__(self, config: PostgresSourceConfig, source: SourceBlock, table_filter: TableFilter) -> None:
        """Nothing is read until asked for."""
        self._config = config
        self._source = source
        self.filter = table_filter
        self._types: dict[int, ColumnType] = {}
        self._key_overrides = _key_overrides(config.message_key_columns)

    def tables(self, conn: Any) -> list[tuple[int, str, str]]:
        """Every captured table as (oid, schema, name), in snapshot order."""
        with conn.cursor() as cursor:
            cursor.execute("SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
                           "c.relnamespace WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition")
            rows = cursor.fetchall()
        found = [(int(oid), s, t) for oid, s, t in rows if self.filter.table(s, t)]
        return sorted(found, key=lambda r: self.filter.order(r[1], r[2]))

    def column_type(self, conn: Any, oid: int, modifier: int) -> ColumnType:
        """A type by oid (enum labels and array element resolved)."""
        base = self._types.get(oid)
        if base is None:
            with conn.cursor() as cursor:
                cursor.execute("SELECT typname, typtype, typelem, typcategory, ARRAY(SELECT enumlabel::text FROM "
                               "pg_enum WHERE enumtypid = t.oid ORDER BY enumsortorder) FROM pg_type t WHERE oid = %s",
                               (oid,))
                row = cursor.fetchone()
            if row is None:
                raise ConnectError(f"Type oid {oid} is not in pg_type")
            name, kind, element, category, labels = row
            element_type = self.column_type(conn, int(element), -1) if category == "A" and element else None
            base = self._types[oid] = ColumnType(oid, -1, name, tuple(labels) if kind == "e" else None, element_type)
        if modifier == base.modifier:
            return base
        element_type = base.element
        if element_type is not None:
            element_type = ColumnType(element_type.oid, modifier, element_type.name, element_type.enum_labels)
        return ColumnType(oid, modifier, base.name, base.enum_labels, element_type)

    def describe(self, conn: Any, relid: int) -> tuple[dict[str, ColumnInfo], list[str]]:
        """A table's columns by name (attnum order) and its key columns (primary key, or message.key.columns)."""
        with conn.cursor() as cursor:
            cursor.execute("SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, pg_get_expr(d.adbin, d.adrelid), "
                           "format_type(a.atttypid, NULL) "
                           "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = "
                           "a.attnum WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                           (relid,))
            rows = cursor.fetchall()
            cursor.execute("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
                           "a.attnum = ANY(i.indkey) WHERE i.indrelid = %s AND i.indisprimary ORDER BY "
                           "array_position(i.indkey, a.attnum)", (relid,))
            pk = [r[0] for r in cursor.fetchall()]
            cursor.execute("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
                           "c.relnamespace WHERE c.oid = %s", (relid,))
            names = cursor.fetchone()
        columns = {r[0]: ColumnInfo(r[0], self.column_type(conn, int(r[1]), int(r[2])), bool(r[3]), r[4], r[5])
                   for r in rows}
        if names is not None:
            override = self.key_columns(names[0], names[1])
            if override is not None:
                pk = override
        return columns, pk

    def key_columns(self, schema: str, table: str) -> list[str] | None:
        """The ``message.key.columns`` of a table, when set for it."""
        name = f"{schema}.{table}"
        for pattern, columns in self._key_overrides:
            if pattern.fullmatch(name):
                return columns
        return None

    def table_schema(self, conn: Any, relid: int, schema: str, table: str,
                     sent: Sequence[tuple[str, int, int]] | None = None) -> TableSchema:
        """The ``TableSchema`` for the columns ``sent`` (a Relation message's name, type oid, modifier) or the
        table's current columns. A column the catalog no longer has (dropped since) is optional, no default."""
        described, pk = self.describe(conn, relid)
        if sent is None:
            columns = list(described.values())
        else:
            columns = []
            for name, oid, modifier in sent:
                known = described.get(name)
                kind = self.column_type(conn, oid, modifier)
                columns.append(ColumnInfo(name, kind, known.not_null, known.default) if known is not None
                               else ColumnInfo(name, kind, False, None))
        return build_table_schema(self._config.topic_prefix, schema, table, columns, pk, config=self._config,
                                  table_filter=self.filter, source=self._source)


def _key_overrides(text: str | None) -> list[tuple[re.Pattern[str], list[str]]]:
    out = []
    for item in (text or "").split(";"):
        if ":" in item:
            table, _, columns = item.strip().rpartition(":")
            out.append((re.compile(table.strip(), re.IGNORECASE), [c.strip() for c in columns.split(",") if c.strip()]))
    return out
