"""Which columns a record writes and their values (Confluent ``FieldsMetadata`` plus the statement binder).

Records with a Struct value follow Confluent's rules per ``pk.mode``. Schemaless records (a ``dict`` value with no
schema, e.g. JSON with ``schemas.enable=false``) are accepted too, which Confluent rejects: their columns are the
map's keys, types are inferred from the Python values, and the key columns must be known, from ``pk.fields`` or
from the primary key of the existing table.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import zoneinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from connect_core.api.data_json import to_json_data
from connect_core.api.errors import ConnectError, DataError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.api.struct import Struct
from connect_core.connectors.jdbc._sql_builder import ColumnSpec
from connect_core.connectors.jdbc._types import PRECISION_PARAM

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SinkRecord
    from connect_core.api.schema import Schema
    from connect_core.connectors.jdbc.sink_config import JdbcSinkConfig

__all__ = ["RecordFields", "Row", "StructPlan"]

_NESTED = (Type.ARRAY, Type.MAP, Type.STRUCT)
_PY_TYPES: tuple[tuple[type, Type], ...] = (
    (bool, Type.BOOLEAN), (int, Type.INT64), (float, Type.FLOAT64), (str, Type.STRING), (bytes, Type.BYTES),
    (dict, Type.MAP), (list, Type.ARRAY),
)


# Python types ``_bind`` returns unchanged for a non-nested column (datetimes are converted; with text values,
# decimals and dates/times too), so a compiled struct plan binds them without the call.
_PLAIN_BIND = frozenset({int, str, float, bool, bytes, decimal.Decimal, dt.date, dt.time})
_TEXT_SAFE_BIND = frozenset({int, str, float, bool, bytes})


# Per column of a struct: (spec, field position, default, bound as is unless a datetime, i.e. not nested)
StructPlan = tuple[tuple[ColumnSpec, int, Any, bool], ...]


class Row(NamedTuple):
    """One record ready to bind: key and value column specs, and the values in the same order."""

    keys: tuple[ColumnSpec, ...]
    values: tuple[ColumnSpec, ...]
    key_values: tuple[Any, ...]
    value_values: tuple[Any, ...]


_VALUE_CLASSES = {Type.INT8: int, Type.INT16: int, Type.INT32: int, Type.INT64: int, Type.FLOAT32: float,
                  Type.FLOAT64: float, Type.BOOLEAN: bool, Type.STRING: str, Type.BYTES: bytes}
_LOGICAL_CLASSES = {Decimal.LOGICAL_NAME: decimal.Decimal, Timestamp.LOGICAL_NAME: dt.datetime,
                    Date.LOGICAL_NAME: dt.date, Time.LOGICAL_NAME: dt.time}


def _value_class(spec: ColumnSpec) -> type | None:
    """The class a column's Connect values have (a logical type's Python class), None when not one class."""
    if spec.logical is not None:
        return _LOGICAL_CLASSES.get(spec.logical)
    return _VALUE_CLASSES.get(spec.type)


def _spec(name: str, schema: Schema, optional: bool | None = None) -> ColumnSpec:
    scale = precision = None
    if schema.name == Decimal.LOGICAL_NAME:
        scale = Decimal.scale(schema)
        declared = (schema.parameters or {}).get(PRECISION_PARAM)
        precision = int(declared) if declared and declared.isdigit() else None
    return ColumnSpec(name, schema.type, schema.optional if optional is None else optional, schema.name, scale,
                      schema.default_value, precision)


def _inferred(name: str, value: Any, is_key: bool) -> ColumnSpec:
    if isinstance(value, decimal.Decimal):
        return ColumnSpec(name, Type.BYTES, not is_key, Decimal.LOGICAL_NAME, -int(value.as_tuple().exponent))
    if isinstance(value, dt.datetime):
        return ColumnSpec(name, Type.INT64, not is_key, Timestamp.LOGICAL_NAME)
    for py_type, connect_type in _PY_TYPES:
        if isinstance(value, py_type):
            return ColumnSpec(name, connect_type, not is_key)
    return ColumnSpec(name, Type.STRING, not is_key)  # None or unknown: the widest simple type


class RecordFields:
    """Turns records into ``Row``s; schema-derived column specs are cached per (topic, key schema, value schema)."""

    def __init__(
        self, config: JdbcSinkConfig, table_primary_key: Callable[[str], list[str] | None], text_values: bool = False
    ) -> None:
        """Bind to ``config``.

        Args:
            config: the sink config (pk.mode, pk.fields, fields.whitelist, db.timezone).
            table_primary_key: the destination table's key columns for a topic, None when the table is missing.
            text_values: bind decimals and temporal values as text, for drivers without adapters (sqlite3).
        """
        self._config = config
        self._text_values = text_values
        self._table_pk = table_primary_key
        self._tz = zoneinfo.ZoneInfo(config.db_timezone)
        self._whitelist = set(config.fields_whitelist)
        self._plans: dict[tuple[Any, ...], Any] = {}
        self._binders: dict[int, Any] = {}  # compiled per plan, by identity (plans live in _plans as long as this)
        self._record_key = config.pk_mode == "record_key"
        self._utc = self._tz.key == "UTC" and not text_values  # aware UTC datetimes bind as their naive selves
        # (key schema, value schema, key specs, key plan, value specs, value plan) of the last Struct/Struct record
        self._last_pair: tuple[Any, ...] | None = None

    def row(self, record: SinkRecord) -> Row:
        """The row of ``record`` (for a tombstone only the key part is filled)."""
        value = record.value
        key = record.key
        if self._record_key and value.__class__ is Struct and key.__class__ is Struct:
            # The usual upsert record: both plans looked up once per run of records with the same two schemas.
            last = self._last_pair
            if last is None or last[0] is not key.schema or last[1] is not value.schema:
                last = self._last_pair = (key.schema, value.schema, *self.struct_pair(key.schema, value.schema))
            return Row(last[2], last[4], self._bind_struct(key, last[3]), self._bind_struct(value, last[5]))
        if value is not None and not isinstance(value, (Struct, dict)):
            raise DataError(
                "JdbcSinkConnector requires records with a non-null Struct value and non-null Struct schema, or a "
                f"schemaless map value, but found record at (topic='{record.topic}',partition="
                f"{record.kafka_partition},offset={record.kafka_offset}) with a {type(value).__name__} value."
            )
        keys, key_values = self._keys(record)
        if value is None:
            return Row(keys, (), key_values, ())
        key_names = {k.name for k in keys}
        if isinstance(value, Struct):
            values, plan = self._struct_plan("v", value.schema, frozenset(key_names))
            return Row(keys, values, key_values, self._bind_struct(value, plan))
        names = sorted(n for n in value if n not in key_names and self._wanted(n))
        values = tuple(_inferred(n, value[n], False) for n in names)
        return Row(keys, values, key_values, tuple(self._bind(c, value[c.name]) for c in values))

    def struct_pair(self, key_schema: Schema, value_schema: Schema) -> tuple[
            tuple[ColumnSpec, ...], StructPlan, tuple[ColumnSpec, ...], StructPlan]:
        """(key specs, key plan, value specs, value plan) of a Struct key and value with ``pk.mode=record_key``, or
        of a Struct value with ``pk.mode=record_value`` (``key_schema`` is then the value's: the key columns are its
        ``pk.fields``): what :meth:`row` binds such a record with (cached per schema)."""
        key_specs, key_plan = self._struct_plan("key" if self._record_key else "value", key_schema, None)
        value_specs, value_plan = self._struct_plan("v", value_schema, frozenset(k.name for k in key_specs))
        return key_specs, key_plan, value_specs, value_plan

    def column_binder(self, spec: ColumnSpec, simple: bool) -> Callable[[Any], Any]:
        """One column's binding as the compiled binder does it (after the default is applied): ``x`` for a plain
        scalar, a UTC datetime without its zone with ``db.timezone=UTC``, otherwise ``_bind``."""
        bind, plain, utc = self._bind, _PLAIN_BIND if not self._text_values else _TEXT_SAFE_BIND, self._utc
        if not simple:
            return lambda x: bind(spec, x)

        def bound(x: Any) -> Any:
            c = x.__class__
            if c in plain:
                return x
            if x is None:
                return None
            if utc and c is dt.datetime and x.tzinfo is dt.UTC:
                return x.replace(tzinfo=None)
            return bind(spec, x)
        return bound

    def struct_columns(self, key_plan: StructPlan, value_plan: StructPlan) -> list[
            tuple[int, int, Any, type | None, Callable[[Any], Any]]]:
        """Per column of a :meth:`struct_pair` row (key columns, then value columns): (0 for the key struct, 1 for
        the value, field position, default, the Python class of the column's Connect values or None, the column's
        binding after the default), for a writer that skips the bound tuple."""
        return [(part, index, default, _value_class(spec) if simple else None, self.column_binder(spec, simple))
                for part, plan in ((0, key_plan), (1, value_plan)) for spec, index, default, simple in plan]

    @property
    def utc_naive(self) -> bool:
        """Whether an aware UTC datetime binds as its naive self (``db.timezone=UTC``, driver adapters)."""
        return self._utc

    def _wanted(self, name: str) -> bool:
        return not self._whitelist or name in self._whitelist

    def _keys(self, record: SinkRecord) -> tuple[tuple[ColumnSpec, ...], tuple[Any, ...]]:
        mode = self._config.pk_mode
        if mode == "none":
            return (), ()
        if mode == "kafka":
            names = self._config.kafka_pk_names
            specs = (ColumnSpec(names[0], Type.STRING, False), ColumnSpec(names[1], Type.INT32, False),
                     ColumnSpec(names[2], Type.INT64, False))
            return specs, (record.topic, record.kafka_partition, record.kafka_offset)
        if mode == "record_key":
            return self._from(record, record.key, record.key_schema, "key")
        if record.value is None:
            return (), ()
        return self._from(record, record.value, record.value_schema, "value")

    def _from(self, record: SinkRecord, data: Any, schema: Schema | None, part: str) -> tuple[tuple, tuple]:
        if data is None:
            raise DataError(f"PK mode for table '{record.topic}' is record_{part}, but the record {part} is null "
                            f"(topic='{record.topic}',partition={record.kafka_partition},"
                            f"offset={record.kafka_offset})")
        if isinstance(data, Struct):
            specs, plan = self._struct_plan(part, data.schema, None)
            return specs, self._bind_struct(data, plan)
        fields = list(self._config.pk_fields)
        if isinstance(data, dict):
            names = fields or (sorted(data) if part == "key" else self._existing_pk(record))
            missing = [n for n in names if n not in data]
            if missing:
                raise DataError(f"PK field(s) {missing} missing from the record {part} at offset {record.kafka_offset}")
            inferred = tuple(_inferred(n, data[n], True) for n in names)
            return inferred, tuple(self._bind(s, data[s.name]) for s in inferred)
        # A primitive key: one column named by pk.fields (or the table's single key column).
        names = fields or self._existing_pk(record)
        if len(names) != 1:
            raise ConnectError(f"Need exactly one PK column when the record {part} is primitive "
                               f"(table '{record.topic}'), got {names}")
        spec = _spec(names[0], schema, optional=False) if schema is not None else _inferred(names[0], data, True)
        return (spec,), (self._bind(spec, data),)

    def _struct_plan(self, part: str, schema: Schema, key_names: frozenset[str] | None) -> tuple[
            tuple[ColumnSpec, ...], StructPlan]:
        """Column specs of a struct schema and, per column, (spec, field position, default, bound as is), built once
        per schema: PK columns (``key_names`` None: ``pk.fields`` or every field) or the value columns."""
        cache_key = (part, schema, key_names)
        cached = self._plans.get(cache_key)
        if cached is not None:
            return cached
        if key_names is None:
            specs = []
            for name in list(self._config.pk_fields) or [f.name for f in schema.fields]:
                field = schema.field(name)
                if field is None:
                    raise ConnectError(f"PK field '{name}' not found in the record {part} schema")
                specs.append((_spec(name, field.schema, optional=False), field))
        else:
            specs = [(_spec(f.name, f.schema), f) for f in schema.fields
                     if f.name not in key_names and self._wanted(f.name)]
        plan = tuple((spec, field.index, field.schema.default_value, spec.type not in _NESTED)
                     for spec, field in specs)
        cached = self._plans[cache_key] = (tuple(spec for spec, _ in specs), plan)
        return cached

    def _bind_struct(self, struct: Struct, plan: tuple[tuple[ColumnSpec, int, Any, bool], ...]) -> tuple[Any, ...]:
        """``_bind(spec, struct.get(name))`` per column, by position; plain scalars are bound as they are."""
        binder = self._binders.get(id(plan))
        if binder is None:
            binder = self._binders[id(plan)] = self._compile_binder(plan)
        return binder(struct.values())

    def _compile_binder(self, plan: tuple[tuple[ColumnSpec, int, Any, bool], ...]) -> Any:
        """``values -> bound tuple`` for one plan, generated once: per column, a None takes the field's default, a
        plain scalar (``_PLAIN_BIND``) is bound as it is, an aware UTC datetime with ``db.timezone=UTC`` loses its
        zone (what ``_bind`` gives), anything else goes through ``_bind``."""
        namespace: dict[str, Any] = {
            "P": _PLAIN_BIND if not self._text_values else _TEXT_SAFE_BIND, "bind": self._bind,
            "DT": dt.datetime, "UTC": dt.UTC,
        }
        lines = ["def binder(values):"]
        for k, (spec, index, default, simple) in enumerate(plan):
            namespace[f"S{k}"], namespace[f"D{k}"] = spec, default
            lines.append(f"    x = values[{index}]")
            if default is not None:
                lines.append(f"    if x is None: x = D{k}")
            if not simple:
                lines.append(f"    o{k} = bind(S{k}, x)")
                continue
            fallback = f"bind(S{k}, x)"
            if self._utc:
                fallback = f"(x.replace(tzinfo=None) if c is DT and x.tzinfo is UTC else {fallback})"
            lines.append(f"    c = x.__class__; o{k} = x if c in P else None if x is None else {fallback}")
        lines.append(f"    return ({''.join(f'o{k},' for k in range(len(plan)))})")
        exec(compile("\n".join(lines), "<jdbc binder>", "exec"), namespace)
        return namespace["binder"]

    def _existing_pk(self, record: SinkRecord) -> list[str]:
        pk = self._table_pk(record.topic)
        if not pk:
            raise ConnectError(
                f"Cannot find the key columns for schemaless records of topic '{record.topic}': set pk.fields or "
                "create the table with a primary key"
            )
        return pk

    def _bind(self, column: ColumnSpec, value: Any) -> Any:
        """A DB-API parameter for ``value``: timestamps in ``db.timezone`` (naive), nested data as JSON text."""
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
            value = value.astimezone(self._tz).replace(tzinfo=None)
            return value.isoformat(sep=" ") if self._text_values else value
        if self._text_values and isinstance(value, (decimal.Decimal, dt.date, dt.time)):
            return str(value)
        if column.type in _NESTED or isinstance(value, (dict, list, Struct)):
            return json.dumps(to_json_data(None, value, decimal_format="NUMERIC"), default=str,
                              separators=(",", ":"))
        return value
