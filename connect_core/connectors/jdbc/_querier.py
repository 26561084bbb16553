"""``TableQuerier``: one table (or the custom query) read once per invocation, in ``batch.max.rows`` batches.

Confluent's ``BulkTableQuerier``, ``TimestampIncrementingTableQuerier`` and ``TimestampTableQuerier`` in one
class: the WHERE/ORDER BY shapes of ``TimestampIncrementingCriteria``, its offsets, and timestamp mode's
protection against partially read groups of equal timestamps (PR #1093). A scheduled invocation runs each
querier once and then ends, so ``poll.interval.ms`` becomes the schedule instead of a sleep.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConnectError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.record import FieldOffsets, SourceRecord, SourceValues
from connect_core.api.schema import SchemaBuilder, validate_value
from connect_core.api.struct import Struct
from connect_core.connectors.jdbc._offsets import INCREMENTING_FIELD, Offset
from connect_core.connectors.jdbc._types import ColumnDef, identity_type, schema_and_converter, to_instant

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from connect_core.api.schema import Schema
    from connect_core.connectors.jdbc._dialect import ColumnInfo, Dialect, TableId

__all__ = ["QuerySpec", "TableQuerier"]

log = logging.getLogger(__name__)


class QuerySpec:
    """What a querier reads: a table or a query, its offset columns, where its records go."""

    def __init__(  # noqa: PLR0917 - a plain record of settings
        self, table: TableId | None, query: str, suffix: str, topic: str, partition: dict[str, str],
        timestamp_columns: list[str], incrementing_column: str | None, delay_ms: int, grace_ms: int = 0,
    ) -> None:
        """``incrementing_column`` None means the mode has none; ``timestamp_columns`` empty likewise."""
        self.table, self.query, self.suffix, self.topic, self.partition = table, query, suffix, topic, partition
        self.timestamp_columns, self.incrementing_column, self.delay_ms = \
            timestamp_columns, incrementing_column, delay_ms
        self.grace_ms = grace_ms

    @property
    def tracks_gaps(self) -> bool:
        """Incrementing mode with ``incrementing.grace.period.ms``: late rows below the watermark are found."""
        return self.grace_ms > 0 and self.incrementing_column is not None and not self.timestamp_columns

    @property
    def incremental(self) -> bool:
        """Whether records carry offsets (every mode but bulk)."""
        return bool(self.timestamp_columns) or self.incrementing_column is not None


class TableQuerier:
    """Runs one query per invocation and turns its rows into records with Confluent's offsets."""

    def __init__(self, dialect: Dialect, spec: QuerySpec, offset: Offset, settings: tuple[str, str, dt.tzinfo],
                 info: dict[str, ColumnInfo] | None = None) -> None:
        """``settings`` = (numeric.mapping, timestamp.granularity, db.timezone); ``info`` = table metadata."""
        self.dialect, self.spec, self.offset = dialect, spec, offset
        self._numeric, self._granularity, self._tz = settings
        self._info = info
        self._cursor: Any = None
        self._held: tuple[Any, ...] | None = None
        self.done = False
        self._setters: list[tuple[str, int, Callable[[Any], Any]]] = []
        self._schema: Schema | None = None
        self._row_struct: Callable[[tuple[Any, ...]], Struct] | None = None
        self._ts_idx: list[int] = []
        self._inc_idx: int | None = None
        self._db_now_ms = 0  # the database clock when the current query started (gap tracking)

    # -- SQL ---------------------------------------------------------------------------------------
    def sql(self) -> str:
        """The statement, exactly Confluent's shape for the mode (identifiers qualified by the table)."""
        spec, d = self.spec, self.dialect
        base = spec.query if spec.table is None else f"SELECT * FROM {d.table_sql(spec.table)}"
        mark = d.placeholder
        if mark == "%s" and spec.incremental:
            base = base.replace("%", "%%")
        ts_cols = [d.column_sql(spec.table, c) for c in spec.timestamp_columns]
        ts = ts_cols[0] if len(ts_cols) == 1 else f"COALESCE({','.join(ts_cols)})"
        inc = d.column_sql(spec.table, spec.incrementing_column) if spec.incrementing_column else ""
        if ts_cols and inc:
            where = (f" WHERE {ts} < {mark} AND (({ts} = {mark} AND {inc} > {mark}) OR {ts} > {mark})"
                     f" ORDER BY {ts},{inc} ASC")
        elif ts_cols:
            where = f" WHERE {ts} > {mark} AND {ts} < {mark} ORDER BY {ts} ASC"
        elif inc:
            where = f" WHERE {inc} > {mark} ORDER BY {inc} ASC"
        else:
            where = ""
        suffix = spec.suffix.strip()
        if suffix and mark == "%s" and spec.incremental:
            suffix = suffix.replace("%", "%%")
        return base + where + (f" {suffix}" if suffix else "")

    def params(self, now: dt.datetime | None) -> tuple[Any, ...]:
        """Bind values: timestamps as wall-clock time in ``db.timezone``, as Confluent's Calendar binding."""
        spec = self.spec
        if not spec.incremental:
            return ()
        inc = self.offset.incrementing_or_default
        if not spec.timestamp_columns:
            return (inc,)
        assert now is not None
        begin = self._bind(self.offset.instant)
        end = self._bind(now - dt.timedelta(milliseconds=spec.delay_ms))
        return (end, begin, inc, begin) if spec.incrementing_column else (begin, end)

    def _bind(self, instant: dt.datetime) -> Any:
        wall = instant.astimezone(self._tz).replace(tzinfo=None)
        return str(wall) if self.dialect.family == "sqlite" else wall

    # -- reading -----------------------------------------------------------------------------------
    def _start(self, conn: Any) -> None:
        needs_clock = bool(self.spec.timestamp_columns) or self.spec.tracks_gaps
        now = self.dialect.current_time(conn, self._tz) if needs_clock else None
        self._db_now_ms = int(now.timestamp() * 1000) if now is not None else 0
        cursor = self.dialect.streaming_cursor(conn)
        params = self.params(now)
        if params:
            cursor.execute(self.sql(), params)
        else:
            cursor.execute(self.sql())
        self._cursor = cursor
        self._columns: list[ColumnDef] = []  # known after the first fetch (server-side cursors)

    def _build_schema(self, first_rows: list[tuple[Any, ...]]) -> None:
        self._columns = self.dialect.result_columns(self._cursor, self._info)
        name = self.spec.table.table if self.spec.table is not None else None
        builder = SchemaBuilder.struct()
        if name:
            builder.name(name)
        for idx, described in enumerate(self._columns):
            col = described if described.category != "UNKNOWN" else \
                _infer(described, next((r[idx] for r in first_rows if r[idx] is not None), None))
            mapped = schema_and_converter(col, self._numeric, self._granularity, self._tz)
            if mapped is not None:
                builder.field(col.name, mapped[0])
                self._setters.append((col.name, idx, mapped[1]))
        self._schema = builder.build()
        self._row_struct = compile_row_struct(self._schema, self._setters)
        labels = [c.name for c in self._columns]
        self._ts_idx = [_index(labels, c) for c in self.spec.timestamp_columns]
        if self.spec.incrementing_column:
            self._inc_idx = _index(labels, self.spec.incrementing_column)

    def poll(self, conn: Any, max_rows: int) -> list[SourceRecord]:
        """Up to ``max_rows`` records; ``[]`` once the query is exhausted (the querier is then ``done``)."""
        batch = self.poll_values(conn, max_rows)
        return [] if batch is None else batch.records()

    def poll_values(self, conn: Any, max_rows: int) -> SourceValues | None:
        """``poll``'s records as one ``SourceValues`` (one partition, topic and schema; no key, no timestamp): the
        rows' Structs and their offsets, no ``SourceRecord`` a row; None once the query is exhausted."""
        if self.done:
            return None
        if self._cursor is None:
            self._start(conn)
        while True:
            fetched = self._cursor.fetchmany(max_rows)
            if fetched and fetched[0].__class__ is not tuple:  # pymysql gives tuples already; others rows or lists
                fetched = [tuple(r) for r in fetched]
            elif fetched.__class__ is not list:
                fetched = list(fetched)
            exhausted = len(fetched) < max_rows
            rows = ([self._held] if self._held is not None else []) + fetched
            self._held = None
            lookahead = bool(self.spec.timestamp_columns) and not self.spec.incrementing_column
            if lookahead and not exhausted and rows:
                self._held = rows.pop()  # the next row decides the offset of the last one emitted
            if self._schema is None and rows:
                self._build_schema(rows)
            if self.spec.tracks_gaps:
                rows = [row for row in rows if self._new_or_late(row)]
            values, offsets = self._rows_and_offsets(rows)
            if exhausted:
                self.close(conn, commit=True)
                self.done = True
                if self.spec.tracks_gaps:
                    self._age_gaps()
            if values:
                return SourceValues(self.spec.partition, offsets, self.spec.topic, self._schema, values)
            if self.done:
                return None

    def _rows_and_offsets(self, rows: list[tuple[Any, ...]]) -> tuple[list[Struct], Sequence[dict[str, Any] | None]]:
        """The one place the offsets plan is chosen: incrementing mode's ids (offsets made when read), else
        ``_offsets`` row by row (its reference)."""
        if not rows:
            return [], []
        if self._incrementing_only():
            return self._incrementing_values(rows)
        return [self._struct(row) for row in rows], self._offsets(rows)

    def _incrementing_only(self) -> bool:
        spec = self.spec
        return self._inc_idx is not None and not spec.timestamp_columns and not spec.tracks_gaps

    def _incrementing_values(self, rows: list[tuple[Any, ...]]) -> tuple[list[Struct], FieldOffsets]:
        """Incrementing mode's values and offsets: each offset is ``{"incrementing": id}`` (what ``Offset.to_map``
        gives), made only when read, and ``self.offset`` moves once per batch, to the last row's id."""
        assert self._row_struct is not None and self._inc_idx is not None
        inc_idx = self._inc_idx
        ids = [row[inc_idx] for row in rows]
        if set(map(type, ids)) == {int}:
            values = list(map(self._row_struct, rows))
        else:  # a DECIMAL id, a null or a bad type: checked row by row, in the order the reference does
            ids, values = [], []
            for row in rows:
                ids.append(self._incrementing(row))
                values.append(self._row_struct(row))
        self.offset = Offset(incrementing=ids[-1])
        return values, FieldOffsets(INCREMENTING_FIELD, ids)

    def _struct(self, row: tuple[Any, ...]) -> Struct:
        assert self._row_struct is not None
        return self._row_struct(row)

    def _offsets(self, rows: list[tuple[Any, ...]]) -> list[dict[str, Any] | None]:
        """Each row's offset map in turn (``self.offset`` moving row by row); ``None`` each in bulk mode."""
        if not self.spec.incremental:
            return [None] * len(rows)
        out: list[dict[str, Any] | None] = []
        for i, row in enumerate(rows):
            self.offset = self._next_offset(row, rows[i + 1] if i + 1 < len(rows) else self._held)
            out.append(self.offset.to_map())
        return out

    # -- incrementing.grace.period.ms: gaps below the highest emitted id may still fill ------------------------
    def _new_or_late(self, row: tuple[Any, ...]) -> bool:
        """Whether to emit ``row``: above everything emitted, or filling a gap; an id emitted before is skipped."""
        inc = self._incrementing(row)
        top = self.offset.emitted_max if self.offset.emitted_max is not None else self.offset.incrementing_or_default
        gaps = list(self.offset.gaps)
        if inc > top:
            if inc > top + 1 and top >= 0:
                gaps.append((top + 1, inc - 1, self._db_now_ms))
            self.offset = self._watermarked(inc, gaps)
            return True
        for i, (low, high, seen) in enumerate(gaps):
            if low <= inc <= high:  # a late commit: emit it, the gap shrinks or splits
                gaps[i:i + 1] = [g for g in ((low, inc - 1, seen), (inc + 1, high, seen)) if g[0] <= g[1]]
                self.offset = self._watermarked(top, gaps)
                return True
        return False

    def _age_gaps(self) -> None:
        """Give up on gaps older than the grace period (a rolled-back insert never fills its id)."""
        if self.offset.emitted_max is None:
            return
        grace = self.spec.grace_ms
        kept = [gap for gap in self.offset.gaps if self._db_now_ms - gap[2] < grace]
        self.offset = self._watermarked(self.offset.emitted_max, kept)

    @staticmethod
    def _watermarked(top: int, gaps: list[tuple[int, int, int]]) -> Offset:
        ordered = tuple(sorted(gaps))
        watermark = ordered[0][0] - 1 if ordered else top
        return Offset(incrementing=watermark, emitted_max=top, gaps=ordered)

    def _next_offset(self, row: tuple[Any, ...], following: tuple[Any, ...] | None) -> Offset:
        if self.spec.tracks_gaps:
            return self.offset  # already moved by _new_or_late
        inc = self._incrementing(row) if self._inc_idx is not None else None
        if not self._ts_idx:
            return Offset(incrementing=inc)
        ts = self._timestamp(row)
        if ts is None:
            raise ConnectError(f"All timestamp columns {self.spec.timestamp_columns} are null in a returned row")
        if inc is None and following is not None:
            # Timestamp mode: only move past T once no more rows with T can follow (Confluent PR #1093).
            after = self._timestamp(following)
            if after is not None and after <= ts:
                return self.offset
        return Offset.from_instant(ts, inc)

    def _timestamp(self, row: tuple[Any, ...]) -> dt.datetime | None:
        for idx in self._ts_idx:  # COALESCE semantics
            if row[idx] is not None:
                return to_instant(row[idx], self._tz)
        return None

    def _incrementing(self, row: tuple[Any, ...]) -> int:
        assert self._inc_idx is not None
        value = row[self._inc_idx]
        if value is None:
            raise ConnectError(f"Null value for incrementing column {self.spec.incrementing_column}")
        if isinstance(value, decimal.Decimal):
            if value != value.to_integral_value() or value > 2**63 - 1:
                raise ConnectError("Scale of Decimal value for incrementing column must be 0 and its value at "
                                   "most Long.MAX_VALUE")
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConnectError(f"Invalid type for incrementing column: {type(value).__name__}")
        return value

    def reset(self) -> None:
        """Forget the open cursor after a failed query, so the next ``poll`` queries again from ``offset``
        (Confluent ``resetAndRequeueHead``); the connection it belonged to is replaced by the caller."""
        cursor, self._cursor, self._held, self.done = self._cursor, None, None, False
        if cursor is not None:
            try:
                cursor.close()
            except Exception:  # the cursor of a failed query or a lost connection: nothing left to release
                log.debug("closing the cursor of a failed query", exc_info=True)

    def close(self, conn: Any, *, commit: bool = False) -> None:
        """Close the cursor; committing ends the read transaction so the next query sees new rows."""
        if self._cursor is not None:
            try:
                self._cursor.close()
            finally:
                self._cursor = None
                if commit:
                    conn.commit()


def _index(labels: list[str], column: str) -> int:
    if column in labels:
        return labels.index(column)
    lowered = [label.lower() for label in labels]
    if column.lower() in lowered:
        return lowered.index(column.lower())
    raise ConnectError(f"Column {column} not found in the query result (columns: {','.join(labels)})")


def _infer(col: ColumnDef, sample: Any) -> ColumnDef:
    """A type for a column the driver does not describe (SQLite query mode), from its first non-null value."""
    if isinstance(sample, bool):
        category = "BOOLEAN"
    elif isinstance(sample, int):
        category = "BIGINT"
    elif isinstance(sample, float):
        category = "DOUBLE"
    elif isinstance(sample, (bytes, bytearray, memoryview)):
        category = "BYTES"
    else:
        category = "STRING"
    return ColumnDef(col.name, category, True)


_EXACT_LOGICAL: dict[str, type] = {
    Decimal.LOGICAL_NAME: decimal.Decimal, Timestamp.LOGICAL_NAME: dt.datetime, Date.LOGICAL_NAME: dt.date,
    Time.LOGICAL_NAME: dt.time,
}


def compile_row_struct(
    schema: Schema, setters: list[tuple[str, int, Callable[[Any], Any]]]
) -> Callable[[tuple[Any, ...]], Struct]:
    """``build(row) -> Struct``, generated once per result set: what ``put(name, convert(value))`` per column does.

    The schema comes from the same result set's metadata, so values are placed by position; a converter whose
    output equals its input for the driver's usual Python type is not called for that type, and a value that is
    not of the exact type (or range) the field schema expects still goes through ``validate_value`` with Kafka's
    error (drivers may return unexpected types: unsigned BIGINTs past int64, strings for odd columns, ...).
    """
    env: dict[str, Any] = {"make": Struct.from_validated, "schema": schema, "validate": validate_value}
    lines = ["def build(row):"]
    for k, (field, (name, idx, convert)) in enumerate(zip(schema.fields, setters, strict=True)):
        fs = field.schema
        v = f"v{k}"
        env[f"S{k}"], env[f"C{k}"], env[f"N{k}"] = fs, convert, name
        lines.append(f"    {v} = row[{idx}]")
        lines.append(f"    if {v} is None:")
        lines.append("        pass" if fs.optional else f"        validate(S{k}, None, N{k})")
        lines.append("    else:")
        same = identity_type(convert)
        if same is not None:
            env[f"T{k}"] = same
            lines.append(f"        if {v}.__class__ is not T{k}:")
            lines.append(f"            {v} = C{k}({v})")
        else:
            lines.append(f"        {v} = C{k}({v})")
        fast = fs.plain_value_check
        if fast is not None:
            env[f"E{k}"] = fast[0]
            check = f"{v}.__class__ is E{k}" + (f" and {fast[1]} <= {v} <= {fast[2]}" if fast[1] is not None else "")
        elif fs.name in _EXACT_LOGICAL:
            env[f"E{k}"] = _EXACT_LOGICAL[fs.name]
            check = f"{v}.__class__ is E{k}"
        else:
            check = "False"
        lines.append(f"        if not ({check}):")
        lines.append(f"            validate(S{k}, {v}, N{k})")
    lines.append(f"    return make(schema, [{', '.join(f'v{k}' for k in range(len(setters)))}])")
    namespace = dict(env)
    exec(compile("\n".join(lines), f"<row struct {schema.name or 'query'}>", "exec"), namespace)
    build: Callable[[tuple[Any, ...]], Struct] = namespace["build"]
    return build
