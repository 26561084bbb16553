"""Column types -> Connect schemas and value converters, as Debezium's ``BinlogValueConverters`` maps them.

A column is described by ``information_schema.COLUMNS`` (``ColumnDef``); each column gets one schema and one
converter from the Python value PyMySQL (snapshot) or python-mysql-replication (binlog) hands us to the value
Debezium writes: ``io.debezium.time.*`` integers, ISO ``ZonedTimestamp`` strings, Connect ``Decimal`` and so on.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.errors import ConnectError
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import SchemaBuilder

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.schema import Schema

__all__ = ["ColumnDef", "column_schema_and_converter", "same_type", "table_map_column"]

_EPOCH_DATE: Final = dt.date(1970, 1, 1)
_EPOCH: Final = dt.datetime(1970, 1, 1)
_INT_TYPES: Final = {  # (signed, unsigned) Connect type per integer type (bigint.unsigned.handling.mode=long)
    "tinyint": ("int16", "int16"), "smallint": ("int16", "int32"), "mediumint": ("int32", "int32"),
    "int": ("int32", "int64"), "integer": ("int32", "int64"), "bigint": ("int64", "int64"),
}
_STRING_TYPES: Final = frozenset({"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "json",
                                  "nchar", "nvarchar", "uuid", "inet4", "inet6"})
_BYTES_TYPES: Final = frozenset({"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"})
_QUOTED: Final = re.compile(r"'((?:[^']|'')*)'")
_EXACT: Final = decimal.Context(prec=100)  # DECIMAL has up to 65 digits: the default context's 28 would refuse them


@dataclass(frozen=True, slots=True)
class ColumnDef:
    """One column as ``information_schema.COLUMNS`` describes it."""

    name: str
    data_type: str  # DATA_TYPE, lower case
    column_type: str  # COLUMN_TYPE, e.g. "int(10) unsigned", "enum('a','b')"
    nullable: bool
    precision: int | None = None
    scale: int | None = None
    datetime_precision: int | None = None
    default: str | None = None  # COLUMN_DEFAULT as MariaDB shows it: 'NULL', a quoted literal, a number, an expression

    @property
    def unsigned(self) -> bool:
        """Whether COLUMN_TYPE says unsigned."""
        return "unsigned" in self.column_type.lower()

    def allowed_values(self) -> list[str]:
        """The members of an ENUM or SET, in declaration order."""
        body = self.column_type[self.column_type.find("("):]
        return [m.replace("''", "'") for m in _QUOTED.findall(body)]

    def bit_length(self) -> int:
        """N of BIT(N)."""
        match = re.search(r"\((\d+)\)", self.column_type)
        return int(match.group(1)) if match else 1


def _named(builder: SchemaBuilder, name: str, **params: str) -> SchemaBuilder:
    builder = builder.name(name).version(1)
    for key, value in params.items():
        builder = builder.parameter(key, value)
    return builder


def _micros(value: Any) -> int:
    if isinstance(value, dt.timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    if isinstance(value, dt.time):
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
    raise ConnectError(f"Unexpected TIME value {value!r}")


def _epoch_days(value: Any) -> int:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return (value - _EPOCH_DATE).days
    raise ConnectError(f"Unexpected DATE value {value!r}")


def _epoch_micros(value: Any) -> int:
    if not isinstance(value, dt.datetime):
        raise ConnectError(f"Unexpected DATETIME value {value!r}")
    delta = value.replace(tzinfo=None) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _zoned(fsp: int) -> Callable[[Any], str]:
    """Debezium's ``ZonedTimestamp``: ISO-8601 in UTC, the fraction as wide as the column's precision."""

    def convert(value: Any) -> str:
        if isinstance(value, (int, float)):
            value = dt.datetime.fromtimestamp(value, dt.UTC)
        if not isinstance(value, dt.datetime):
            raise ConnectError(f"Unexpected TIMESTAMP value {value!r}")
        value = value.astimezone(dt.UTC) if value.tzinfo is not None else value
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if fsp > 0:
            text += "." + f"{value.microsecond:06d}"[:fsp]
        return text + "Z"

    return convert


def _text(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (set, frozenset)):
        return ",".join(sorted(value))
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, separators=(",", ":"))
    return value if isinstance(value, str) else str(value)


def _bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8", errors="surrogateescape")
    return bytes(value)


def _enum_set(allowed: list[str]) -> Callable[[Any], str]:
    order = {v: i for i, v in enumerate(allowed)}

    def convert(value: Any) -> str:
        if isinstance(value, (set, frozenset, list, tuple)):
            return ",".join(sorted(value, key=lambda v: order.get(v, len(order))))
        return _text(value)

    return convert


def _bits(length: int) -> Callable[[Any], Any]:
    """BIT(N): bytes little-endian (``io.debezium.data.Bits``); binlog values may arrive as a '0101' string."""
    width = (length + 7) // 8

    def convert(value: Any) -> bytes:
        number = int(value, 2) if isinstance(value, str) else int.from_bytes(bytes(value), "big")
        return number.to_bytes(width, "little")

    return convert


def _bit_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip("0") != ""
    if isinstance(value, (bytes, bytearray)):
        return any(value)
    return bool(value)


class _AtScale:
    """``decimal.handling.mode=precise``: the value at the column's scale (a callable the row reader can recognise:
    a DECIMAL it reads at that very scale needs no call)."""

    __slots__ = ("quantum", "scale")

    def __init__(self, scale: int) -> None:
        self.scale = scale
        self.quantum = decimal.Decimal(1).scaleb(-scale)

    def __call__(self, value: Any) -> decimal.Decimal:
        return decimal.Decimal(value).quantize(self.quantum, context=_EXACT)


def _decimal_converter(mode: str, scale: int) -> Callable[[Any], Any]:
    if mode == "double":
        return float
    at_scale = _AtScale(scale)
    if mode == "string":
        return lambda v: str(at_scale(v))
    return at_scale




_Mapped = tuple[SchemaBuilder, "Callable[[Any], Any] | None"]


def _numeric(column: ColumnDef, kind: str, decimal_mode: str) -> _Mapped | None:
    if kind in _INT_TYPES:
        builder = SchemaBuilder.type(_type(_INT_TYPES[kind][1 if column.unsigned else 0]))
        # bigint.unsigned.handling.mode=long: values past Long.MAX_VALUE wrap as Java's BigInteger.longValue()
        return builder, _wrap_long if kind == "bigint" and column.unsigned else int
    if kind == "float":
        return SchemaBuilder.float32(), float
    if kind in ("double", "real", "double precision"):
        return SchemaBuilder.float64(), float
    if kind in ("decimal", "numeric", "dec", "fixed"):
        scale = column.scale or 0
        if decimal_mode == "double":
            builder = SchemaBuilder.float64()
        elif decimal_mode == "string":
            builder = SchemaBuilder.string()
        else:
            builder = Decimal.builder(scale).parameter("connect.decimal.precision", str(column.precision or 10))
        return builder, _decimal_converter(decimal_mode, scale)
    if kind == "bit":
        length = column.bit_length()
        if length == 1:
            return SchemaBuilder.bool(), _bit_bool
        return _named(SchemaBuilder.bytes(), "io.debezium.data.Bits", length=str(length)), _bits(length)
    if kind in ("bool", "boolean"):
        return SchemaBuilder.int16(), int
    return None


def _temporal(column: ColumnDef, kind: str, connect_time: bool) -> _Mapped | None:
    if kind == "date":
        if connect_time:
            return Date.builder(), _as_date
        return _named(SchemaBuilder.int32(), "io.debezium.time.Date"), _epoch_days
    if kind == "time":
        if connect_time:
            return Time.builder(), _as_time
        return _named(SchemaBuilder.int64(), "io.debezium.time.MicroTime"), _micros
    if kind == "datetime":
        if connect_time:
            return Timestamp.builder(), _as_utc_datetime
        if (column.datetime_precision or 0) <= 3:
            return _named(SchemaBuilder.int64(), "io.debezium.time.Timestamp"), _epoch_millis
        return _named(SchemaBuilder.int64(), "io.debezium.time.MicroTimestamp"), _epoch_micros
    if kind == "timestamp":
        return (_named(SchemaBuilder.string(), "io.debezium.time.ZonedTimestamp"),
                _zoned(column.datetime_precision or 0))
    if kind == "year":
        return _named(SchemaBuilder.int32(), "io.debezium.time.Year"), int
    return None


def _textual(column: ColumnDef, kind: str) -> _Mapped | None:
    if kind in ("enum", "set"):
        allowed = column.allowed_values()
        name = "io.debezium.data.Enum" if kind == "enum" else "io.debezium.data.EnumSet"
        return _named(SchemaBuilder.string(), name, allowed=",".join(allowed)), _enum_set(allowed)
    if kind in _STRING_TYPES:
        return SchemaBuilder.string(), _text
    if kind in _BYTES_TYPES:
        return SchemaBuilder.bytes(), _bytes
    return None


def column_schema_and_converter(column: ColumnDef, decimal_mode: str,
                                time_mode: str) -> tuple[Schema, Callable[[Any], Any] | None]:
    """The field schema Debezium gives ``column`` and the converter of its non-null values (None: as is)."""
    kind = column.data_type.lower()
    mapped = (_numeric(column, kind, decimal_mode) or _temporal(column, kind, time_mode == "connect")
              or _textual(column, kind))
    if mapped is None:
        raise ConnectError(f"Column {column.name} has type {column.column_type}, which lambda-connect's binlog "
                           "connector does not capture (spatial types are not supported); leave it out with "
                           "column.exclude.list")
    builder, convert = mapped
    if column.nullable:
        builder = builder.optional()
    default = _default(column, kind)
    if default is not None:
        builder = builder.default_value(default if convert is None else convert(default))
    return builder.build(), convert


_NUMBER = re.compile(r"^-?\d+(\.\d+)?(e[-+]?\d+)?$", re.IGNORECASE)


def _default(column: ColumnDef, kind: str) -> Any:
    """The column's literal default as the value a row would hold (Debezium puts it in the field schema).

    Expressions (``current_timestamp()`` ...) and temporal defaults are left out: lambda-connect does not evaluate
    them as Debezium's DDL parser does.
    """
    text = column.default
    if text is None or text.upper() == "NULL" or kind in ("date", "time", "datetime", "timestamp", "year", "bit"):
        return None
    if len(text) >= 2 and text[0] == text[-1] == "'":
        literal = text[1:-1].replace("''", "'").replace("\\\\", "\\")
        return literal if kind in _STRING_TYPES or kind in ("enum", "set") else None
    if _NUMBER.match(text) and kind not in _STRING_TYPES and kind not in _BYTES_TYPES:
        return decimal.Decimal(text)
    return None


def _epoch_millis(value: Any) -> int:
    return _epoch_micros(value) // 1000


def _wrap_long(value: Any) -> int:
    number = int(value)
    return number - (1 << 64) if number >= 1 << 63 else number


def _type(name: str) -> Any:
    from connect_core.api.schema import Type

    return Type[name.upper()]


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _as_time(value: Any) -> dt.time:
    micros = _micros(value)
    return (dt.datetime.min + dt.timedelta(microseconds=micros % 86_400_000_000)).time()


def _as_utc_datetime(value: Any) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# python-mysql-replication's FIELD_TYPE codes (the binlog's column types)
_MAP_INTS: Final = {1: "tinyint", 2: "smallint", 9: "mediumint", 3: "int", 8: "bigint"}
_MAP_SIMPLE: Final = {4: "float", 5: "double", 13: "year", 10: "date", 14: "date", 11: "time", 19: "time",
                      12: "datetime", 18: "datetime", 7: "timestamp", 17: "timestamp", 245: "json", 255: "geometry"}
_BLOB_SIZES: Final = {1: "tiny", 2: "", 3: "medium", 4: "long"}


def _quoted(values: list[str]) -> str:
    return ",".join("'" + v.replace("'", "''") + "'" for v in values)


def table_map_column(column: Any, nullable: bool) -> ColumnDef:
    """The ``ColumnDef`` of a binlog table map's column (``binlog_row_metadata=FULL``): the column as it was when the
    event was written, whatever ``ALTER TABLE`` came later. No default: the binlog does not carry it."""
    code, name = column.type, column.name
    unsigned = " unsigned" if getattr(column, "unsigned", False) else ""
    binary = (getattr(column, "character_set_name", None) or "").lower() == "binary"
    fsp = getattr(column, "fsp", None)
    if code in _MAP_INTS:
        return ColumnDef(name, _MAP_INTS[code], _MAP_INTS[code] + unsigned, nullable)
    if code == 246:  # NEWDECIMAL
        return ColumnDef(name, "decimal", f"decimal({column.precision},{column.decimals}){unsigned}", nullable,
                         column.precision, column.decimals)
    if code == 16:  # BIT
        return ColumnDef(name, "bit", f"bit({column.bits})", nullable)
    if code == 247:  # ENUM: the library puts "" (the error value) first
        values = list((column.enum_values or [])[1:])
        return ColumnDef(name, "enum", f"enum({_quoted(values)})", nullable)
    if code == 248:  # SET
        return ColumnDef(name, "set", f"set({_quoted(list(column.set_values or []))})", nullable)
    if code in (15, 253):  # VARCHAR, VAR_STRING
        kind = "varbinary" if binary else "varchar"
        return ColumnDef(name, kind, kind, nullable)
    if code == 254:  # STRING
        kind = "binary" if binary else "char"
        return ColumnDef(name, kind, kind, nullable)
    if code in (249, 250, 251, 252):  # the BLOB family: TEXT unless binary, sized by its length bytes
        kind = _BLOB_SIZES.get(getattr(column, "length_size", 2), "") + ("blob" if binary else "text")
        return ColumnDef(name, kind, kind, nullable)
    kind = _MAP_SIMPLE.get(code, f"type {code}")
    return ColumnDef(name, kind, kind + unsigned, nullable, datetime_precision=fsp)


def same_type(event: ColumnDef, current: ColumnDef) -> bool:
    """Whether ``information_schema``'s column today has the type the event's table map wrote (then its default and
    display details still apply to the event)."""
    if event.data_type != current.data_type or event.unsigned != current.unsigned:
        return False
    kind = event.data_type
    if kind == "decimal":
        return (event.precision, event.scale) == (current.precision, current.scale)
    if kind in ("time", "datetime", "timestamp"):
        return (event.datetime_precision or 0) == (current.datetime_precision or 0)
    if kind in ("enum", "set"):
        return event.allowed_values() == current.allowed_values()
    if kind == "bit":
        return event.bit_length() == current.bit_length()
    return True
