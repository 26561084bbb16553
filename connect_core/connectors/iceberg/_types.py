"""Iceberg's type mapping (``SchemaUtils.SchemaGenerator``), partition specs and the record-to-row conversion.

pyiceberg is imported inside the functions: importing the connector package loads none of it (cold start).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import itertools
import re
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError
from connect_core.api.schema import Type
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyiceberg.partitioning import PartitionSpec
    from pyiceberg.schema import Schema as IcebergSchema
    from pyiceberg.types import IcebergType

    from connect_core.api.schema import Schema

__all__ = ["SchemaUpdates", "column_index", "infer_type", "partition_spec", "record_schema", "row_writer",
           "schema_updates", "to_iceberg_type", "to_row"]

DECIMAL = "org.apache.kafka.connect.data.Decimal"
DATE = "org.apache.kafka.connect.data.Date"
TIME = "org.apache.kafka.connect.data.Time"
TIMESTAMP = "org.apache.kafka.connect.data.Timestamp"
_TRANSFORM = re.compile(r"^(\w+)\((.+)\)$")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def to_iceberg_type(schema: Schema, ids: Callable[[], int], force_optional: bool) -> IcebergType:
    """``SchemaGenerator.toIcebergType``: Timestamp -> timestamptz, Decimal -> decimal(38, scale), int8/16 -> int."""
    from pyiceberg import types as t

    kind, name = schema.type, schema.name
    if kind is Type.BOOLEAN:
        return t.BooleanType()
    if kind is Type.BYTES:
        if name == DECIMAL:
            return t.DecimalType(38, int((schema.parameters or {})["scale"]))
        return t.BinaryType()
    if kind in (Type.INT8, Type.INT16):
        return t.IntegerType()
    if kind is Type.INT32:
        return t.DateType() if name == DATE else t.TimeType() if name == TIME else t.IntegerType()
    if kind is Type.INT64:
        return t.TimestamptzType() if name == TIMESTAMP else t.LongType()
    if kind is Type.FLOAT32:
        return t.FloatType()
    if kind is Type.FLOAT64:
        return t.DoubleType()
    if kind is Type.ARRAY:
        assert schema.value_schema is not None
        element = to_iceberg_type(schema.value_schema, ids, force_optional)
        return t.ListType(ids(), element, element_required=not (force_optional or schema.value_schema.optional))
    if kind is Type.MAP:
        assert schema.key_schema is not None and schema.value_schema is not None
        key = to_iceberg_type(schema.key_schema, ids, force_optional)
        value = to_iceberg_type(schema.value_schema, ids, force_optional)
        return t.MapType(ids(), key, ids(), value,
                         value_required=not (force_optional or schema.value_schema.optional))
    if kind is Type.STRUCT:
        return t.StructType(*[
            t.NestedField(ids(), f.name, to_iceberg_type(f.schema, ids, force_optional),
                          required=not (force_optional or f.schema.optional)) for f in schema.fields])
    if kind is Type.STRING and name == "uuid":
        return t.UUIDType()
    return t.StringType()


def infer_type(value: Any, ids: Callable[[], int]) -> IcebergType | None:
    """``SchemaGenerator.inferIcebergType`` for schemaless values (JSON): int -> long, float -> double, a map ->
    a struct of optional fields; None (the field is left out) for a null or an empty list/map."""
    from pyiceberg import types as t

    if value is None:
        return None
    if isinstance(value, str):
        return t.StringType()
    if isinstance(value, bool):
        return t.BooleanType()
    if isinstance(value, decimal.Decimal):
        sign, digits, exponent = value.as_tuple()
        scale = max(0, -int(exponent))
        precision = max(len(digits), scale)
        return t.DecimalType(precision, scale) if precision <= 38 else None
    if isinstance(value, int):
        return t.LongType()
    if isinstance(value, float):
        return t.DoubleType()
    if isinstance(value, list):
        element = infer_type(value[0], ids) if value else None
        return None if element is None else t.ListType(ids(), element, element_required=False)
    if isinstance(value, dict):
        fields = []
        for key, item in value.items():
            kind = infer_type(item, ids) if key is not None else None
            if kind is not None:
                fields.append(t.NestedField(ids(), str(key), kind, required=False))
        return t.StructType(*fields) if fields else None
    return None


def record_schema(value_schema: Schema | None, value: Any, force_optional: bool) -> IcebergSchema:
    """The table schema Iceberg creates from a record: its Connect schema's, or one inferred from its map."""
    from pyiceberg.schema import Schema as IcebergSchema
    from pyiceberg.types import StructType

    counter = itertools.count(1)
    ids = counter.__next__
    struct = (to_iceberg_type(value_schema, ids, force_optional) if value_schema is not None
              else infer_type(value, ids))
    if not isinstance(struct, StructType):
        raise DataError(f"Cannot create a table from a record value of type {type(value).__name__}")
    return IcebergSchema(*struct.fields)


def partition_spec(schema: IcebergSchema, partition_by: list[str]) -> PartitionSpec:
    """``SchemaUtils.createPartitionSpec``: ``col``, ``year(col)``/``years``, ``month``, ``day``, ``hour``,
    ``bucket(col, N)``, ``truncate(col, N)``.

    Raises:
        DataError: an unsupported transform (Iceberg's "Unsupported transform: x").
    """
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.transforms import (
        BucketTransform,
        DayTransform,
        HourTransform,
        IdentityTransform,
        MonthTransform,
        Transform,
        TruncateTransform,
        YearTransform,
    )

    fields = []
    for index, expr in enumerate(partition_by):
        match = _TRANSFORM.match(expr)
        transform: Transform[Any, Any]
        if match is None:
            column, transform, suffix = expr, IdentityTransform(), ""
        else:
            name, args = match[1], match[2]
            simple = {"year": YearTransform, "years": YearTransform, "month": MonthTransform,
                      "months": MonthTransform, "day": DayTransform, "days": DayTransform, "hour": HourTransform,
                      "hours": HourTransform}
            if name in simple:
                column, transform = args.strip(), simple[name]()
                suffix = "_" + name.rstrip("s")
            elif name in ("bucket", "truncate"):
                column, width = (part.strip() for part in args.split(",", 1))
                transform = BucketTransform(int(width)) if name == "bucket" else TruncateTransform(int(width))
                suffix = "_bucket" if name == "bucket" else "_trunc"  # PartitionSpec.Builder's target names
            else:
                raise DataError(f"Unsupported transform: {name}")
        source = schema.find_field(column)
        fields.append(PartitionField(source.field_id, 1000 + index, transform,
                                     column if isinstance(transform, IdentityTransform) else column + suffix))
    return PartitionSpec(*fields)


def _timestamp(value: Any) -> _dt.datetime | None:
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.UTC)
    if isinstance(value, bool):
        raise DataError(f"Cannot convert to timestamp: {value}")
    if isinstance(value, int | float):
        return _EPOCH + _dt.timedelta(milliseconds=value)
    if isinstance(value, str):
        parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)
    return None


def _convert(value: Any, kind: IcebergType) -> Any:
    """One value as the Iceberg type expects it (``RecordConverter``'s conversions, the common ones)."""
    from pyiceberg import types as t

    if value is None:
        return None
    if isinstance(kind, t.StructType):
        return {f.name: _convert(_field(value, f.name, False), f.field_type) for f in kind.fields}
    if isinstance(kind, t.ListType):
        return [_convert(item, kind.element_type) for item in value]
    if isinstance(kind, t.MapType):
        return {_convert(k, kind.key_type): _convert(v, kind.value_type) for k, v in value.items()}
    if isinstance(kind, t.TimestamptzType | t.TimestampType):
        stamp = _timestamp(value)
        return stamp if isinstance(kind, t.TimestamptzType) or stamp is None else stamp.replace(tzinfo=None)
    if isinstance(kind, t.DateType):
        return _dt.date.fromisoformat(value) if isinstance(value, str) else (
            _dt.date(1970, 1, 1) + _dt.timedelta(days=value) if isinstance(value, int) else value)
    if isinstance(kind, t.DecimalType):
        number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))
        return number.quantize(decimal.Decimal(1).scaleb(-kind.scale))
    if isinstance(kind, t.IntegerType | t.LongType):
        return int(value)
    if isinstance(kind, t.FloatType | t.DoubleType):
        return float(value)
    if isinstance(kind, t.StringType):
        return value if isinstance(value, str) else str(value)
    if isinstance(kind, t.BooleanType):
        return value if isinstance(value, bool) else str(value).lower() == "true"
    return value


def _field(value: Any, name: str, case_insensitive: bool) -> Any:
    """A field of a Struct or map by name (``RecordConverter``'s look-up, case-insensitive when configured)."""
    if isinstance(value, Struct):
        if value.schema.field(name) is not None:
            return value.get(name)
        if case_insensitive:
            for f in value.schema.fields:
                if f.name.lower() == name.lower():
                    return value.get(f.name)
        return None
    if isinstance(value, dict):
        if name in value or not case_insensitive:
            return value.get(name)
        lowered = name.lower()
        return next((v for k, v in value.items() if isinstance(k, str) and k.lower() == lowered), None)
    raise DataError(f"Cannot convert a record value of type {type(value).__name__} to an Iceberg row")


def to_row(value: Any, schema: IcebergSchema, case_insensitive: bool) -> dict[str, Any]:
    """A record value (Struct or map) as a row of the table's columns; fields the table lacks are dropped."""
    return {f.name: _convert(_field(value, f.name, case_insensitive), f.field_type) for f in schema.fields}


def row_writer(connect: Schema, iceberg: IcebergSchema,
               case_insensitive: bool) -> Callable[[list[Any]], dict[str, Any]]:
    """``to_row`` of a Struct of ``connect`` compiled once per pair of schemas: ``write(struct.values())``.

    Each column's field is found once (as ``_field`` finds it), a null takes the field's default (``Struct.get``),
    and a value of the exact Python type a column's type keeps as it is (``_convert``'s answer) is taken without
    the call; any other value goes through ``_convert``, so the rows and errors are ``to_row``'s.
    """
    from pyiceberg import types as t

    env: dict[str, Any] = {"convert": _convert, "datetime": _dt.datetime, "date": _dt.date, "Decimal": decimal.Decimal}
    names = [f.name for f in connect.fields]
    lowered = [n.lower() for n in names]
    lines = ["def write(vals):"]
    items = []
    for i, column in enumerate(iceberg.fields):
        name, kind = column.name, column.field_type
        index = column_index(names, lowered, name, case_insensitive)
        if index is None:
            items.append(f"{name!r}: None")
            continue
        env[f"k{i}"] = kind
        lines.append(f"    v = vals[{index}]")
        default = connect.fields[index].schema.default_value
        if default is not None:
            env[f"d{i}"] = default
            lines.append(f"    if v is None: v = d{i}")
        kept = _kept_as_is(kind, t)
        if kept is not None:
            condition, value = kept
            if value != "v":
                env[f"q{i}"] = decimal.Decimal(1).scaleb(-kind.scale)  # type: ignore[attr-defined]
                value = value.replace("Q", f"q{i}")
            lines.append(f"    x{i} = None if v is None else {value} if {condition} else convert(v, k{i})")
        else:
            lines.append(f"    x{i} = None if v is None else convert(v, k{i})")
        items.append(f"{name!r}: x{i}")
    lines.append("    return {" + ", ".join(items) + "}")
    exec(compile("\n".join(lines), "<iceberg row writer>", "exec"), env)
    writer: Callable[[list[Any]], dict[str, Any]] = env["write"]
    return writer


def column_index(names: list[str], lowered: list[str], column: str, fold: bool) -> int | None:
    """The position among a Connect schema's field ``names`` (``lowered``: the same, lower-cased) of the field a
    table column reads (``_field``'s look-up: the exact name, else the first that folds alike when ``fold``);
    None: the record has no such field."""
    if column in names:
        return names.index(column)
    if fold and column.lower() in lowered:
        return lowered.index(column.lower())
    return None


def _kept_as_is(kind: IcebergType, t: Any) -> tuple[str, str] | None:
    """(condition on ``v``, its converted value) where ``_convert`` gives ``v`` back, or a Decimal quantized
    (``Q``: the column's quantum); None: every value goes through ``_convert``."""
    if isinstance(kind, t.StringType):
        return "v.__class__ is str", "v"
    if isinstance(kind, t.IntegerType | t.LongType):
        return "v.__class__ is int", "v"
    if isinstance(kind, t.FloatType | t.DoubleType):
        return "v.__class__ is float", "v"
    if isinstance(kind, t.BooleanType):
        return "v.__class__ is bool", "v"
    if isinstance(kind, t.TimestamptzType):
        return "v.__class__ is datetime and v.tzinfo is not None", "v"
    if isinstance(kind, t.DateType):
        return "v.__class__ is date", "v"
    if isinstance(kind, t.DecimalType):
        return "v.__class__ is Decimal", "v.quantize(Q)"
    return None


class SchemaUpdates:
    """What a record asks of a table's schema (Iceberg's ``SchemaUpdate.Consumer``): columns to add (nested ones
    under their struct), types to widen, columns to make optional."""

    def __init__(self) -> None:
        """No update."""
        self.add: list[tuple[tuple[str, ...], IcebergType]] = []  # path of the new column, its type
        self.widen: list[tuple[tuple[str, ...], IcebergType]] = []
        self.optional: list[tuple[str, ...]] = []

    def __bool__(self) -> bool:
        return bool(self.add or self.widen or self.optional)


def schema_updates(table: IcebergSchema, value_schema: Schema | None, value: Any,
                   case_insensitive: bool) -> SchemaUpdates:
    """``RecordConverter``'s evolution: a field the table (or a nested struct of it) lacks becomes an optional
    column there, typed from the Connect schema (``toIcebergType``) or inferred from a schemaless value (``null``
    adds nothing); with a Connect schema, int32 becomes long for an int64 field and float for a float64 one
    (``needsDataTypeUpdate``), and a required column whose field is optional becomes optional."""
    evolution = _Evolution(case_insensitive)
    if isinstance(value, Struct):
        evolution.struct(table.as_struct(), value.schema if value_schema is None else value_schema, value, ())
    elif isinstance(value, dict):
        evolution.map(table.as_struct(), value, ())
    return evolution.updates


class _Evolution:
    """The walk of ``schema_updates`` over a record and the table's struct."""

    def __init__(self, case_insensitive: bool) -> None:
        self.updates = SchemaUpdates()
        self.fold = case_insensitive
        self.ids = itertools.count(1).__next__

    def lookup(self, struct: Any, name: str) -> Any:
        for f in struct.fields:
            if f.name == name or (self.fold and f.name.lower() == name.lower()):
                return f
        return None

    def struct(self, struct: Any, connect: Schema, data: Any, path: tuple[str, ...]) -> None:
        from pyiceberg import types as t

        updates = self.updates
        for field in connect.fields:
            column = self.lookup(struct, field.name)
            if column is None:
                updates.add.append((path + (field.name,), to_iceberg_type(field.schema, self.ids, True)))
                continue
            at = path + (column.name,)
            kind = column.field_type
            if isinstance(kind, t.IntegerType) and field.schema.type is Type.INT64:
                updates.widen.append((at, t.LongType()))
            elif isinstance(kind, t.FloatType) and field.schema.type is Type.FLOAT64:
                updates.widen.append((at, t.DoubleType()))
            if column.required and field.schema.optional:
                updates.optional.append(at)
            if isinstance(kind, t.StructType) and field.schema.type is Type.STRUCT and isinstance(data, Struct):
                inner = data.get(field.name)
                if isinstance(inner, Struct):
                    self.struct(kind, field.schema, inner, at)

    def map(self, struct: Any, data: dict[Any, Any], path: tuple[str, ...]) -> None:
        from pyiceberg import types as t

        for key, item in data.items():
            if key is None:
                continue
            column = self.lookup(struct, str(key))
            if column is None:
                kind = infer_type(item, self.ids)
                if kind is not None:
                    self.updates.add.append((path + (str(key),), kind))
            elif isinstance(column.field_type, t.StructType) and isinstance(item, dict):
                self.map(column.field_type, item, path + (column.name,))
