"""A run of record values kept as their JSON text read into the table's Arrow columns at once: the fast path beside
``_types.row_writer`` (a dict row per record), which it agrees with.

A value's text (``Struct._text``, kept by the JSON converter for a task that ``wants_json_text``) is the canonical
JSON of its struct: the schema's fields in order, ASCII without escapes, numbers in range and in their shortest text,
BASE64 decimals. So Arrow's JSON reader, given the fields' types, reads the same values the converter would, and
each column becomes the table's type by one cast. A plan covers the flat schemas of the types the converter keeps
as text; any other pair of schemas, or a value outside what a column takes alike, is read by rows.
"""

from __future__ import annotations

import binascii
import decimal
import io
from typing import TYPE_CHECKING, Any

from connect_core.api.logical import Decimal
from connect_core.api.schema import Type
from connect_core.connectors.iceberg._types import DATE, DECIMAL, TIMESTAMP, column_index

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyiceberg.schema import Schema as IcebergSchema

    from connect_core.api.schema import Schema

__all__ = ["BufferedRows", "ColumnsPlan", "columns_plan"]

class ColumnsPlan:
    """How texts of one Connect schema become rows of one table schema: the reader's field types, then per table
    column the Connect field it reads and how (``cast``, ``timestamp`` from epoch milliseconds, ``decimal`` from
    BASE64, ``null`` for a column the record lacks)."""

    __slots__ = ("arrow", "columns", "iceberg", "parse")

    def __init__(self, iceberg: IcebergSchema, parse: Any, arrow: Any, columns: list[tuple[str, int | None, Any]]
                 ) -> None:
        self.iceberg = iceberg  # the table schema the rows are of
        self.parse = parse
        self.arrow = arrow
        self.columns = columns

    def frame(self, texts: list[bytes]) -> Any:
        """The rows of ``texts`` as an Arrow table of the table's schema; None when one of them takes a value the
        row writer would read otherwise (a decimal beyond the context's precision, an int a column cannot hold):
        read those texts by rows."""
        import pyarrow as pa
        from pyarrow import json as pa_json

        body = b"\n".join(texts)
        try:
            read = pa_json.read_json(io.BytesIO(body),
                                     read_options=pa_json.ReadOptions(use_threads=False, block_size=len(body) + 1),
                                     parse_options=self.parse)
        except pa.ArrowInvalid:
            return None
        if read.num_rows != len(texts):
            return None
        out = []
        for kind, index, target in self.columns:
            if index is None:
                out.append(pa.nulls(len(texts), target))
                continue
            column = read.column(index)
            try:
                if kind == "cast":
                    out.append(column.cast(target))
                elif kind == "timestamp":
                    import pyarrow.compute as pc

                    out.append(pc.multiply(column, 1000).cast(target))
                else:
                    decimals = _decimals(column, target)
                    if decimals is None:
                        return None
                    out.append(decimals)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
        return pa.Table.from_arrays(out, schema=self.arrow)


def _decimals(column: Any, target: Any) -> Any:
    """A BASE64 column (the unscaled value's two's complement, big-endian) as ``target``'s decimals; None when one
    has more digits than ``Decimal.quantize`` in the context (the row writer's error) or the type holds."""
    import pyarrow as pa

    limit = 10 ** min(target.precision, decimal.getcontext().prec)
    a2b, from_bytes = binascii.a2b_base64, int.from_bytes
    unscaled = [None if text is None else from_bytes(a2b(text), "big", signed=True) for text in column.to_pylist()]
    if any(value is not None and not -limit < value < limit for value in unscaled):
        return None
    if column.null_count:
        scale = -target.scale
        return pa.array([None if value is None else decimal.Decimal(value).scaleb(scale) for value in unscaled],
                        type=target)
    data = b"".join([value.to_bytes(16, "little", signed=True) for value in unscaled])  # type: ignore[union-attr]
    return pa.Array.from_buffers(target, len(unscaled), [None, pa.py_buffer(data)])


def _parse_type(schema: Schema) -> Any:
    """The Arrow type the JSON reader reads a field of ``schema`` as; None: not a field kept as text."""
    import pyarrow as pa

    kind, name = schema.type, schema.name
    if name == DECIMAL and kind is Type.BYTES:
        return pa.string()
    if name is not None and name not in (DATE, TIMESTAMP):
        return None
    return {Type.INT8: pa.int8(), Type.INT16: pa.int16(), Type.INT32: pa.int32(), Type.INT64: pa.int64(),
            Type.FLOAT64: pa.float64(), Type.BOOLEAN: pa.bool_(), Type.STRING: pa.string()}.get(kind)


def _column_kind(connect: Schema, column: Any) -> str | None:
    """How a column of Iceberg type ``column`` takes a field of ``connect`` (as ``_types._convert`` would); None:
    by rows."""
    from pyiceberg import types as t

    kind, name = connect.type, connect.name
    if name == DECIMAL:
        try:
            scale = Decimal.scale(connect)
        except Exception:  # a malformed scale: the row writer reports it
            return None
        return "decimal" if isinstance(column, t.DecimalType) and column.scale == scale else None
    if name == TIMESTAMP:
        return "timestamp" if isinstance(column, t.TimestamptzType | t.TimestampType) else None
    if name == DATE:
        return "cast" if isinstance(column, t.DateType) else None
    if kind in (Type.INT8, Type.INT16, Type.INT32, Type.INT64):
        return "cast" if isinstance(column, t.IntegerType | t.LongType) else None
    if kind is Type.FLOAT64:
        return "cast" if isinstance(column, t.DoubleType) else None
    if kind is Type.BOOLEAN:
        return "cast" if isinstance(column, t.BooleanType) else None
    if kind is Type.STRING:
        return "cast" if isinstance(column, t.StringType) else None
    return None


def columns_plan(connect: Schema, iceberg: IcebergSchema, fold: bool) -> ColumnsPlan | None:
    """The plan for texts of ``connect`` (a STRUCT schema) into rows of ``iceberg``; None when some field or
    column is outside it (a nested or unkept type, a pair of types the row writer converts otherwise, a required
    column the record may leave null)."""
    import pyarrow as pa
    from pyarrow import json as pa_json
    from pyiceberg.io.pyarrow import schema_to_pyarrow

    fields = connect.fields
    parse_types = [_parse_type(field.schema) for field in fields]
    if not fields or any(kind is None for kind in parse_types):
        return None
    arrow = schema_to_pyarrow(iceberg, include_field_ids=False)
    names = [field.name for field in fields]
    lowered = [name.lower() for name in names]
    columns: list[tuple[str, int | None, Any]] = []
    for column in iceberg.fields:
        target = arrow.field(column.name).type
        index = column_index(names, lowered, column.name, fold)
        if index is None:
            if column.required:
                return None
            columns.append(("null", None, target))
            continue
        field_schema = fields[index].schema
        how = _column_kind(field_schema, column.field_type)
        if how is None or (column.required and field_schema.optional):
            return None
        columns.append((how, index, target))
    parse = pa_json.ParseOptions(explicit_schema=pa.schema(list(zip(names, parse_types, strict=True))),
                                 unexpected_field_behavior="error")
    return ColumnsPlan(iceberg, parse, arrow, columns)


class BufferedRows:
    """One buffer's rows in arrival order, with the offset of each: runs of dict rows (the row writer's) and runs of
    values kept as text, each text run read at once (``ColumnsPlan.frame``) when another kind of row or plan
    follows it, or at ``settle``; a run the plan declines is read by rows: ``row_of(value, table schema, offset)``,
    the row writer's row, raising its error for that record."""

    __slots__ = ("offsets", "plan", "row_of", "segments", "values")

    def __init__(self, row_of: Callable[[Any, IcebergSchema, int], dict[str, Any]]) -> None:
        self.row_of = row_of
        self.segments: list[Any] = []  # lists of dict rows, and Arrow tables of text runs
        self.values: list[Any] = []  # the text run being gathered (structs with ``_text``), after the segments
        self.plan: ColumnsPlan | None = None  # the text run's plan
        self.offsets: list[int] = []

    def __len__(self) -> int:
        return len(self.offsets)

    def add(self, value: Any, offset: int, plan: ColumnsPlan | None, schema: IcebergSchema) -> None:
        """Append ``value``: read with the rest of its run from its text by ``plan``, or (None) by rows now."""
        if plan is not None:
            self.add_text(plan, value, offset)
        else:
            self.add_row(self.row_of(value, schema, offset), offset)

    def add_row(self, row: dict[str, Any], offset: int) -> None:
        """Append a dict row."""
        if self.values:
            self.settle()
        segments = self.segments
        if not segments or segments[-1].__class__ is not list:
            segments.append([])
        segments[-1].append(row)
        self.offsets.append(offset)

    def add_text(self, plan: ColumnsPlan, value: Any, offset: int) -> None:
        """Append a value read by ``plan`` from its text."""
        if self.values and plan is not self.plan:
            self.settle()
        self.plan = plan
        self.values.append(value)
        self.offsets.append(offset)

    def settle(self) -> None:
        """Read the text run gathered so far: one Arrow table, or dict rows where the plan declines it."""
        values, plan = self.values, self.plan
        if not values or plan is None:
            return
        frame = plan.frame([value._text for value in values])
        if frame is not None:
            self.segments.append(frame)
        else:
            offsets = self.offsets[len(self.offsets) - len(values):]
            rows = [self.row_of(value, plan.iceberg, offset) for value, offset in zip(values, offsets, strict=True)]
            if self.segments and self.segments[-1].__class__ is list:
                self.segments[-1].extend(rows)
            else:
                self.segments.append(rows)
        self.values = []
        self.plan = None

    def table(self, arrow: Any) -> Any:
        """Every row as one Arrow table of ``arrow`` (the table's schema now: a text run read before an evolution
        gets the columns added since as nulls, widened ones cast)."""
        import pyarrow as pa

        self.settle()
        frames = [pa.Table.from_pylist(segment, schema=arrow) if segment.__class__ is list else _aligned(segment, arrow)
                  for segment in self.segments]
        return frames[0] if len(frames) == 1 else pa.concat_tables(frames)


def _aligned(frame: Any, arrow: Any) -> Any:
    """``frame`` as a table of schema ``arrow``: its columns by name, cast where the type changed, nulls for a
    column it lacks."""
    import pyarrow as pa

    if frame.schema.equals(arrow):
        return frame
    names = set(frame.column_names)
    columns = [(frame.column(field.name) if field.type == frame.schema.field(field.name).type
                else frame.column(field.name).cast(field.type)) if field.name in names
               else pa.nulls(frame.num_rows, field.type) for field in arrow]
    return pa.Table.from_arrays(columns, schema=arrow)
