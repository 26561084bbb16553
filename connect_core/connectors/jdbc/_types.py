"""SQL column metadata to Connect schemas and value converters (Confluent ``GenericDatabaseDialect.addFieldToSchema``).

Columns are first reduced to a JDBC-like type category (what ``java.sql.Types`` gives Confluent), from the
driver's result metadata (pymysql field packets, psycopg type OIDs) or from a declared type name (SQLite).
The category, sign, precision and scale then pick the schema exactly as Confluent does, with two deliberate
differences documented in the README: ``numeric.mapping`` also applies to DECIMAL (MySQL reports every NUMERIC
as DECIMAL, Confluent #563), and BIT(n > 8) becomes bytes instead of an overflowing int8.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import re
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import SchemaBuilder

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.schema import Schema

__all__ = [
    "ColumnDef",
    "column_from_type_name",
    "identity_type",
    "mysql_column",
    "postgres_column",
    "schema_and_converter",
]

PRECISION_PARAM: Final = "connect.decimal.precision"
_INT_BY_PRECISION: Final = ((2, "int8"), (4, "int16"), (9, "int32"), (18, "int64"))
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnDef:
    """One result column as Confluent's ``ColumnDefinition`` sees it."""

    name: str
    category: str  # BOOLEAN BIT TINYINT SMALLINT INTEGER BIGINT REAL DOUBLE NUMERIC DECIMAL STRING BYTES DATE ...
    nullable: bool = True
    signed: bool = True
    precision: int = 0
    scale: int = 0
    autoincrement: bool = False


# -- metadata -> ColumnDef ---------------------------------------------------------------------------
_MYSQL_CODES: Final = {
    0: "DECIMAL", 246: "DECIMAL", 1: "TINYINT", 2: "SMALLINT", 3: "INTEGER", 9: "INTEGER", 8: "BIGINT",
    4: "REAL", 5: "DOUBLE", 7: "TIMESTAMP", 12: "TIMESTAMP", 10: "DATE", 14: "DATE", 11: "TIME", 13: "YEAR",
    16: "BIT", 245: "STRING", 247: "STRING", 248: "STRING", 255: "BYTES", 6: "SKIP",
}
_MYSQL_TEXTUAL: Final = {15, 249, 250, 251, 252, 253, 254}
_NOT_NULL, _UNSIGNED, _AUTO_INCREMENT, _BINARY_CHARSET = 1, 32, 512, 63


def mysql_column(field: Any) -> ColumnDef:
    """A pymysql ``FieldDescriptorPacket`` (Connector/J's view of the same packet) as a ColumnDef."""
    code, flags = field.type_code, field.flags
    if code in _MYSQL_TEXTUAL:
        category = "BYTES" if field.charsetnr == _BINARY_CHARSET else "STRING"
    else:
        category = _MYSQL_CODES.get(code, "STRING")
    signed = not flags & _UNSIGNED
    precision, scale = field.length, field.scale
    if category == "DECIMAL":  # display length counts the sign and the point
        precision = field.length - (1 if scale > 0 else 0) - (1 if signed else 0)
    return ColumnDef(field.name, category, not flags & _NOT_NULL, signed, precision, scale,
                     bool(flags & _AUTO_INCREMENT))


_PG_OIDS: Final = {
    16: "BOOLEAN", 1560: "BIT", 20: "BIGINT", 21: "SMALLINT", 23: "INTEGER", 26: "BIGINT", 700: "REAL",
    701: "DOUBLE", 1700: "NUMERIC", 17: "BYTES", 1082: "DATE", 1083: "TIME", 1114: "TIMESTAMP", 1184: "TIMESTAMP",
}


_PG_UNSET_NUMERIC: Final = 65535  # psycopg's precision/scale of a NUMERIC without typmod (typmod -1)


def postgres_column(desc: Any) -> ColumnDef:
    """A psycopg ``cursor.description`` entry; json, jsonb, uuid and other OIDs become strings as in Confluent.

    A NUMERIC declared without precision reports 0/0 as pgjdbc does (Confluent then maps it to a scale-0 Decimal).
    """
    category = _PG_OIDS.get(desc[1], "STRING")
    precision, scale = desc[4] or 0, desc[5] or 0
    if category == "NUMERIC" and precision == _PG_UNSET_NUMERIC:
        precision = scale = 0
    elif category == "BIT":  # psycopg's internal_size is typmod - 4 for bit(n); bit(1) is a boolean (pgjdbc)
        precision = desc[3] + 4 if isinstance(desc[3], int) and desc[3] > -4 else 1
        if precision <= 1:
            category = "BOOLEAN"
    return ColumnDef(desc[0], category, True, True, precision, scale)


_TYPE_NAME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\))?\s*(UNSIGNED)?"
                        r"(?:\s+ZEROFILL)?(?:\s.*)?$", re.IGNORECASE | re.DOTALL)
_NAMES: Final = {
    "TINYINT": "TINYINT", "SMALLINT": "SMALLINT", "INT2": "SMALLINT", "MEDIUMINT": "INTEGER", "INT": "INTEGER",
    "INT4": "INTEGER", "INTEGER": "INTEGER", "BIGINT": "BIGINT", "INT8": "BIGINT", "REAL": "REAL",
    "FLOAT4": "REAL", "FLOAT": "DOUBLE", "DOUBLE": "DOUBLE", "DOUBLE PRECISION": "DOUBLE", "FLOAT8": "DOUBLE",
    "NUMERIC": "NUMERIC", "DECIMAL": "DECIMAL", "BOOLEAN": "BOOLEAN", "BOOL": "BOOLEAN", "BIT": "BIT",
    "BLOB": "BYTES", "BINARY": "BYTES", "VARBINARY": "BYTES", "BYTEA": "BYTES", "DATE": "DATE", "TIME": "TIME",
    "DATETIME": "TIMESTAMP", "TIMESTAMP": "TIMESTAMP",
}


def column_from_type_name(name: str, type_name: str, nullable: bool = True, *, sqlite: bool = False) -> ColumnDef:
    """A ColumnDef from a declared type such as ``DECIMAL(10,2)``; SQLite's INTEGER is 64-bit, so BIGINT there."""
    match = _TYPE_NAME.match(type_name or "")
    if match is None:
        return ColumnDef(name, "UNKNOWN", nullable)
    base = match[1].upper()
    category = _NAMES.get(base, "STRING")
    if sqlite and category == "INTEGER":
        category = "BIGINT"
    precision = int(match[2]) if match[2] else (1 if category == "BIT" else 0)
    return ColumnDef(name, category, nullable, not match[4], precision, int(match[3]) if match[3] else 0)


# -- ColumnDef -> schema + converter ---------------------------------------------------------------
def _int_type(precision: int) -> str:
    return next(t for limit, t in _INT_BY_PRECISION if precision <= limit)


def _numeric(col: ColumnDef, mapping: str) -> tuple[str, int]:
    """("int8".."int64" | "float64" | "decimal", scale) for a NUMERIC/DECIMAL column."""
    p, s = col.precision, col.scale
    if mapping == "precision_only" and s == 0 and 0 < p <= 18:
        return _int_type(p), 0
    if mapping in ("best_fit", "best_fit_eager_double"):
        if 0 < p <= 18 and -84 < s <= 0:
            return _int_type(p), 0
        if s > 0 and (p <= 18 or mapping == "best_fit_eager_double"):
            return "float64", 0
    return "decimal", s


def _to_int(value: Any) -> int:
    return int(value)


def _to_float(value: Any) -> float:
    return float(value)


def _to_bytes(value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def _to_str(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return value if isinstance(value, str) else str(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):  # PostgreSQL bit(1) arrives as '0' / '1'
        return value.strip() not in ("", "0", "f", "false")
    if isinstance(value, (bytes, bytearray)):
        return any(value)
    return bool(value)


def _bits_to_bytes(value: Any) -> bytes:
    if isinstance(value, str):  # PostgreSQL bit(n) arrives as a string of 0/1
        return int(value, 2).to_bytes((len(value) + 7) // 8, "big")
    return bytes(value)


def _bit_to_int8(value: Any) -> int:
    if isinstance(value, str):
        raw = int(value, 2)
    else:
        raw = int.from_bytes(value, "big") if isinstance(value, (bytes, bytearray)) else int(value)
    return raw - 256 if raw > 127 else raw  # Java getByte wraps


_DECIMAL_CONTEXT: Final = decimal.Context(prec=1000, rounding=decimal.ROUND_HALF_UP)  # JDBC getBigDecimal(col, scale)


def _decimal(scale: int) -> Callable[[Any], decimal.Decimal]:
    """``getBigDecimal(col, scale)``: the value at the column's scale.

    A driver ``Decimal`` already at that scale (pymysql parses the column's text, which has exactly ``scale``
    fraction digits) is returned as it is: a finite value of the quantum's exponent (``same_quantum``, in C) whose
    digits fit the context is what ``quantize`` would give back (the same sign, digits and exponent), without its
    work per value; anything else is quantized.
    """
    quantum = decimal.Decimal(1).scaleb(-scale)
    exact = decimal.Decimal
    same_quantum = quantum.same_quantum
    digits_below = _DECIMAL_CONTEXT.prec - scale  # adjusted() + scale + 1 digits at the quantum's exponent

    def convert(value: Any) -> decimal.Decimal:
        if value.__class__ is exact and same_quantum(value) and value.adjusted() < digits_below:
            return value
        # The default context (28 digits) cannot hold DECIMAL(38,10) or DECIMAL(65,30) values: use a wide one.
        number = decimal.Decimal(str(value) if isinstance(value, float) else value)
        return number.quantize(quantum, context=_DECIMAL_CONTEXT)

    return convert


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int):  # MySQL YEAR, which Connector/J reports as DATE
        return dt.date(value, 1, 1)
    return dt.date.fromisoformat(str(value)[:10])


def _to_time(value: Any) -> dt.time:
    if isinstance(value, dt.timedelta):  # pymysql returns TIME as a duration
        micros = value // dt.timedelta(microseconds=1) % (86_400 * 10**6)
        return (dt.datetime.min + dt.timedelta(microseconds=micros)).time()
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(str(value))


def to_instant(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """A DB timestamp as an aware UTC datetime; naive values are wall-clock time in ``db.timezone``."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    elif not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(dt.UTC)


def epoch_nanos(instant: dt.datetime) -> int:
    """Nanoseconds since the epoch of an aware datetime (exact, no float)."""
    return (instant - _EPOCH) // dt.timedelta(microseconds=1) * 1000


def _instant(tz: dt.tzinfo) -> Callable[[Any], dt.datetime]:
    """``to_instant`` with the driver's usual value (a naive datetime) handled first.

    ``combine(value, value.time(), tz)`` is ``value.replace(tzinfo=tz)`` (the same fields and ``fold``) without
    ``replace``'s keyword parsing, for every TIMESTAMP column of every row.
    """
    utc = tz is dt.UTC
    datetime = dt.datetime
    combine = datetime.combine

    def convert(value: Any) -> dt.datetime:
        if value.__class__ is datetime and value.tzinfo is None:
            aware = combine(value, value.time(), tz)
            return aware if utc else aware.astimezone(dt.UTC)
        return to_instant(value, tz)

    return convert


def _timestamp(granularity: str, optional: bool, tz: dt.tzinfo) -> tuple[Schema, Callable[[Any], Any]]:
    if granularity == "connect_logical":
        builder = Timestamp.builder()
        return (builder.optional() if optional else builder).build(), _instant(tz)
    unit = 1000 if granularity.startswith("micros") else 1
    if granularity.endswith("_long"):
        builder = SchemaBuilder.int64()
        fn: Callable[[Any], Any] = lambda v: epoch_nanos(to_instant(v, tz)) // unit  # noqa: E731
    elif granularity.endswith("iso_datetime_string"):
        builder = SchemaBuilder.string()
        digits = 6 if unit == 1000 else 9
        fn = lambda v: _iso(to_instant(v, tz).astimezone(tz), digits)  # noqa: E731
    else:
        builder = SchemaBuilder.string()
        fn = lambda v: str(epoch_nanos(to_instant(v, tz)) // unit)  # noqa: E731
    return (builder.optional() if optional else builder).build(), fn


def _iso(value: dt.datetime, digits: int) -> str:
    fraction = f"{value.microsecond:06d}" + ("000" if digits == 9 else "")
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + fraction


_SIMPLE: Final = {
    "BOOLEAN": (SchemaBuilder.bool, _to_bool), "REAL": (SchemaBuilder.float32, _to_float),
    "DOUBLE": (SchemaBuilder.float64, _to_float), "BIGINT": (SchemaBuilder.int64, _to_int),
    "STRING": (SchemaBuilder.string, _to_str), "BYTES": (SchemaBuilder.bytes, _to_bytes),
}
_SIGNED_INTS: Final = {"TINYINT": ("int8", "int16"), "SMALLINT": ("int16", "int32"), "INTEGER": ("int32", "int64")}


def schema_and_converter(
    col: ColumnDef, numeric_mapping: str, granularity: str, tz: dt.tzinfo
) -> tuple[Schema, Callable[[Any], Any]] | None:
    """The field schema and the value converter of ``col``, or None when Confluent skips the column."""
    cat, optional = col.category, col.nullable
    fn: Callable[[Any], Any]
    if cat in _SIMPLE:
        factory, fn = _SIMPLE[cat]
        builder = factory()
    elif cat in _SIGNED_INTS:
        builder, fn = getattr(SchemaBuilder, _SIGNED_INTS[cat][0 if col.signed else 1])(), _to_int
    elif cat == "BIT":
        if col.precision > 8:
            builder, fn = SchemaBuilder.bytes(), _bits_to_bytes
        else:
            builder, fn = SchemaBuilder.int8(), _bit_to_int8
    elif cat in ("NUMERIC", "DECIMAL"):
        kind, scale = _numeric(col, numeric_mapping)
        if kind == "decimal":
            builder = Decimal.builder(scale).parameter(PRECISION_PARAM, str(col.precision))
            fn = _decimal(scale)
        else:
            builder, fn = getattr(SchemaBuilder, kind)(), (_to_float if kind == "float64" else _to_int)
    elif cat in ("DATE", "YEAR"):
        builder, fn = Date.builder(), _to_date
    elif cat == "TIME":
        builder, fn = Time.builder(), _to_time
    elif cat == "TIMESTAMP":
        return _timestamp(granularity, optional, tz)
    else:
        return None
    return (builder.optional() if optional else builder).build(), fn


_IDENTITY_TYPES: Final[dict[Callable[[Any], Any], type]] = {
    _to_int: int, _to_float: float, _to_str: str, _to_bytes: bytes, _to_bool: bool, _to_date: dt.date,
}


def identity_type(convert: Callable[[Any], Any]) -> type | None:
    """The Python type a value converter returns unchanged (a driver value of exactly that type needs no call)."""
    return _IDENTITY_TYPES.get(convert)
