"""PostgreSQL column types -> Debezium's field schemas, and each value's text form -> its Connect value.

Both the snapshot (``SELECT col::text``) and pgoutput (text format) hand over a column's text output, so one
converter per type serves both. The mapping follows Debezium's ``PostgresValueConverter`` for the default
``binary.handling.mode=bytes`` and ``interval.handling.mode=numeric``; ``decimal.handling.mode`` and
``time.precision.mode`` as configured. A type not listed is left out of the events (Debezium's behaviour) unless
``include.unknown.datatypes`` asks for its text as bytes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import SchemaBuilder

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.schema import Schema

__all__ = ["ColumnType", "Mapped", "column_mapping", "finish", "parse_array"]

Converter = "Callable[[str], Any]"
_EPOCH_DATE: Final = dt.date(1970, 1, 1)
_EPOCH: Final = dt.datetime(1970, 1, 1)
_EPOCH_ORDINAL: Final = _EPOCH_DATE.toordinal()
_ONE_MS: Final = dt.timedelta(milliseconds=1)
_ONE_US: Final = dt.timedelta(microseconds=1)
_DAY_US: Final = 86_400_000_000
_DAYS_PER_MONTH_AVG: Final = decimal.Decimal("365.25") / 12


@dataclass(frozen=True, slots=True)
class ColumnType:
    """What the catalog (or a Relation message) says about a column's type."""

    oid: int
    modifier: int  # atttypmod: -1 when unconstrained
    name: str  # pg_type.typname ("int4", "_text", "mood")
    enum_labels: tuple[str, ...] | None = None  # an enum type's labels in order
    element: ColumnType | None = None  # an array's element type

    @property
    def length(self) -> int | None:
        """varchar(n)/bpchar(n)/bit(n) length, numeric precision."""
        if self.modifier < 0:
            return None
        if self.name in ("numeric", "_numeric"):
            return ((self.modifier - 4) >> 16) & 0xFFFF
        if self.name in ("bit", "varbit"):
            return self.modifier
        return self.modifier - 4

    @property
    def scale(self) -> int | None:
        """numeric scale (None when unconstrained)."""
        return None if self.modifier < 0 else (self.modifier - 4) & 0xFFFF

    @property
    def precision(self) -> int:
        """Fractional second digits of time/timestamp types (6 when unconstrained)."""
        return 6 if self.modifier < 0 else self.modifier


@dataclass(frozen=True, slots=True)
class Mapped:
    """A column's field schema builder (required; the caller makes it optional) and its text converter."""

    builder: SchemaBuilder
    convert: Callable[[str], Any]
    fallback: Any  # what a required field holds when the server sent no value (a delete's non-key column)


def _named(builder: SchemaBuilder, name: str, **params: str) -> SchemaBuilder:
    builder = builder.name(name).version(1)
    for key, value in params.items():
        builder = builder.parameter(key, value)
    return builder


# -- numbers -------------------------------------------------------------------------------------------------------
def _bool(text: str) -> bool:
    return text in ("t", "true")


def _unscaled(value: decimal.Decimal) -> tuple[int, int]:
    sign, digits, exponent = value.as_tuple()
    unscaled = int("".join(map(str, digits)) or "0")
    return (-unscaled if sign else unscaled), -int(exponent)


def _variable_decimal(text: str) -> list[Any]:
    """VariableScaleDecimal's field values (``finish`` makes the struct of the field's own schema)."""
    value = decimal.Decimal(text)
    unscaled, scale = _unscaled(value)
    if scale < 0:
        unscaled, scale = unscaled * 10 ** -scale, 0
    length = ((unscaled if unscaled >= 0 else ~unscaled).bit_length() + 8) // 8
    return [scale, unscaled.to_bytes(length, "big", signed=True)]


def finish(schema: Schema, convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """The converter for a field of ``schema``: struct values (VariableScaleDecimal) become structs of it."""
    from connect_core.api.schema import Type
    from connect_core.api.struct import Struct

    if schema.type is Type.STRUCT:
        return lambda text: Struct.from_validated(schema, convert(text))
    return convert


def _numeric(kind: ColumnType, mode: str) -> Mapped:
    scale = kind.scale
    if mode == "double":
        return Mapped(SchemaBuilder.float64(), float, 0.0)
    if mode == "string":
        return Mapped(SchemaBuilder.string(), lambda t: t, "")
    if scale is None:  # unconstrained numeric: Debezium's VariableScaleDecimal
        from connect_core.api.schema import BYTES_SCHEMA, INT32_SCHEMA

        builder = (SchemaBuilder.struct().name("io.debezium.data.VariableScaleDecimal").version(1)
                   .doc("Variable scaled decimal").field("scale", INT32_SCHEMA).field("value", BYTES_SCHEMA))
        return Mapped(builder, _variable_decimal, None)
    quantum = decimal.Decimal(1).scaleb(-scale)
    builder = Decimal.builder(scale).parameter("connect.decimal.precision", str(kind.length))
    return Mapped(builder, lambda t: decimal.Decimal(t).quantize(quantum), decimal.Decimal(0).quantize(quantum))


def _money(mode: str) -> Mapped:
    def parse(text: str) -> decimal.Decimal:
        negative = text.startswith("-") or text.startswith("(")
        value = decimal.Decimal(re.sub(r"[^0-9.]", "", text) or "0").quantize(decimal.Decimal("0.01"))
        return -value if negative else value

    if mode == "double":
        return Mapped(SchemaBuilder.float64(), lambda t: float(parse(t)), 0.0)
    if mode == "string":
        return Mapped(SchemaBuilder.string(), lambda t: str(parse(t)), "")
    return Mapped(Decimal.builder(2), parse, decimal.Decimal("0.00"))


# -- time ----------------------------------------------------------------------------------------------------------
_TIME = re.compile(r"(\d+):(\d\d):(\d\d)(?:\.(\d+))?")
_ZONE = re.compile(r"([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$")


def _time_micros(text: str) -> int:
    match = _TIME.match(text)
    if match is None:
        raise ValueError(f"not a time: {text}")
    hours, minutes, seconds, fraction = match.groups()
    micros = int(((fraction or "") + "000000")[:6])
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1_000_000 + micros


def _date(text: str) -> dt.date:
    if text.endswith(" BC"):
        raise ValueError(f"dates before the common era are not captured: {text}")
    if text in ("infinity", "-infinity"):
        return dt.date.max if text == "infinity" else dt.date.min
    return dt.date.fromisoformat(text)


def _timestamp(text: str) -> dt.datetime:
    """What ``_timestamp_reference`` makes; the server's usual ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in one call."""
    if len(text) >= 19 and text[4] == "-" and text[10] == " ":
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return _timestamp_reference(text)
        if value.tzinfo is None:
            return value
    return _timestamp_reference(text)


def _timestamp_reference(text: str) -> dt.datetime:
    """A ``timestamp`` text (ISO DateStyle, no zone) as a naive datetime."""
    if text in ("infinity", "-infinity"):
        return dt.datetime.max if text == "infinity" else dt.datetime.min
    date, _, clock = text.partition(" ")
    micros = _time_micros(clock)
    return dt.datetime.combine(_date(date), dt.time()) + dt.timedelta(microseconds=micros)


def _zone_offset(text: str) -> tuple[str, dt.timedelta]:
    match = _ZONE.search(text)
    if match is None:
        return text, dt.timedelta(0)
    sign, hours, minutes, seconds = match.groups()
    offset = dt.timedelta(hours=int(hours), minutes=int(minutes or 0), seconds=int(seconds or 0))
    return text[:match.start()], -offset if sign == "-" else offset


def _epoch_micros(value: dt.datetime) -> int:
    """Microseconds since the epoch (the reference of ``_epoch_micros_of`` and ``_epoch_millis_of``)."""
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _epoch_micros_of(text: str) -> int:
    """``_epoch_micros(_timestamp(text))``: one timedelta division (a floor, as ``//`` of the microseconds)."""
    return (_timestamp(text) - _EPOCH) // _ONE_US


def _epoch_millis_of(text: str) -> int:
    """``_epoch_micros(_timestamp(text)) // 1000``."""
    return (_timestamp(text) - _EPOCH) // _ONE_MS


def _epoch_days_of(text: str) -> int:
    """``(_date(text) - _EPOCH_DATE).days`` without the timedelta."""
    return _date(text).toordinal() - _EPOCH_ORDINAL


def _iso_utc(value: dt.datetime, digits: int, time_only: bool = False) -> str:
    """``ZonedTimestamp``: the column's fraction digits; ``ZonedTime``: the fraction without trailing zeros."""
    text = value.strftime("%H:%M:%S" if time_only else "%Y-%m-%dT%H:%M:%S")
    if time_only:
        micros = value.microsecond
        if micros:
            text += "." + f"{micros:06d}".rstrip("0")
    elif digits:
        text += "." + f"{value.microsecond:06d}"[:digits]
    return text + "Z"


def _timestamptz(digits: int) -> Callable[[str], str]:
    def convert(text: str) -> str:
        local, offset = _zone_offset(text)
        return _iso_utc(_timestamp(local) - offset, digits)

    return convert


def _timetz(digits: int) -> Callable[[str], str]:
    def convert(text: str) -> str:
        local, offset = _zone_offset(text)
        micros = (_time_micros(local) - int(offset.total_seconds() * 1_000_000)) % _DAY_US
        return _iso_utc(_EPOCH + dt.timedelta(microseconds=micros), digits, time_only=True)

    return convert


_INTERVAL_ISO = re.compile(r"P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?"
                           r"(?:(-?\d+(?:\.\d+)?)S)?)?$")


def _interval_micros(text: str) -> int:
    """An ``IntervalStyle=iso_8601`` interval as Debezium's MicroDuration (a month is 365.25/12 days)."""
    match = _INTERVAL_ISO.match(text)
    if match is None:
        raise ValueError(f"not an ISO 8601 interval: {text}")
    years, months, days, hours, minutes, seconds = (g or "0" for g in match.groups())
    whole = decimal.Decimal(seconds)
    months_us = int(decimal.Decimal(int(years) * 12 + int(months)) * _DAYS_PER_MONTH_AVG * _DAY_US)
    return (months_us + int(days) * _DAY_US + (int(hours) * 3600 + int(minutes) * 60) * 1_000_000
            + int(whole * 1_000_000))


def _temporal(kind: ColumnType, time_mode: str) -> Mapped | None:
    name = kind.name
    connect = time_mode == "connect"
    if name == "date":
        if connect:
            return Mapped(Date.builder(), _date, _EPOCH_DATE)
        return Mapped(_named(SchemaBuilder.int32(), "io.debezium.time.Date"),
                      _epoch_days_of, 0)
    if name == "time":
        if connect:
            return Mapped(Time.builder(), lambda t: (_EPOCH + dt.timedelta(microseconds=_time_micros(t))).time(),
                          dt.time())
        if kind.precision <= 3 and time_mode == "adaptive":
            return Mapped(_named(SchemaBuilder.int32(), "io.debezium.time.Time"), lambda t: _time_micros(t) // 1000,
                          0)
        return Mapped(_named(SchemaBuilder.int64(), "io.debezium.time.MicroTime"), _time_micros, 0)
    if name == "timestamp":
        if connect:
            return Mapped(Timestamp.builder(), lambda t: _timestamp(t).replace(tzinfo=dt.UTC),
                          _EPOCH.replace(tzinfo=dt.UTC))
        if kind.precision <= 3:
            return Mapped(_named(SchemaBuilder.int64(), "io.debezium.time.Timestamp"),
                          _epoch_millis_of, 0)
        return Mapped(_named(SchemaBuilder.int64(), "io.debezium.time.MicroTimestamp"),
                      _epoch_micros_of, 0)
    if name == "timestamptz":
        return Mapped(_named(SchemaBuilder.string(), "io.debezium.time.ZonedTimestamp"),
                      _timestamptz(kind.precision), "")
    if name == "timetz":
        return Mapped(_named(SchemaBuilder.string(), "io.debezium.time.ZonedTime"), _timetz(kind.precision), "")
    if name == "interval":
        return Mapped(_named(SchemaBuilder.int64(), "io.debezium.time.MicroDuration"), _interval_micros, 0)
    return None


# -- text, binary and the rest -------------------------------------------------------------------------------------
def _bytea(text: str) -> bytes:
    if text.startswith("\\x"):
        return bytes.fromhex(text[2:])
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")  # bytea_output=escape


def _bits(length: int) -> Callable[[str], bytes]:
    def convert(text: str) -> bytes:
        number = int(text, 2) if text else 0
        width = max((len(text) + 7) // 8, 1) if length < 0 else (length + 7) // 8
        return number.to_bytes(width, "little")

    return convert


_STRINGS: Final = frozenset({"text", "varchar", "bpchar", "char", "name", "inet", "cidr", "macaddr", "macaddr8",
                             "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange", "citext"})
_SIMPLE: Final[dict[str, tuple[Callable[[], SchemaBuilder], Callable[[str], Any], Any]]] = {
    "bool": (SchemaBuilder.bool, _bool, False), "int2": (SchemaBuilder.int16, int, 0),
    "int4": (SchemaBuilder.int32, int, 0), "int8": (SchemaBuilder.int64, int, 0),
    "oid": (SchemaBuilder.int64, int, 0), "float4": (SchemaBuilder.float32, float, 0.0),
    "float8": (SchemaBuilder.float64, float, 0.0), "bytea": (SchemaBuilder.bytes, _bytea, b""),
}


def _other(kind: ColumnType) -> Mapped | None:
    name = kind.name
    if name in _SIMPLE:
        builder, convert, fallback = _SIMPLE[name]
        return Mapped(builder(), convert, fallback)
    if name in _STRINGS:
        return Mapped(SchemaBuilder.string(), str, "")
    if name in ("json", "jsonb"):
        return Mapped(_named(SchemaBuilder.string(), "io.debezium.data.Json"), str, "")
    if name == "uuid":
        return Mapped(_named(SchemaBuilder.string(), "io.debezium.data.Uuid"), str, "")
    if name == "xml":
        return Mapped(_named(SchemaBuilder.string(), "io.debezium.data.Xml"), str, "")
    if name in ("bit", "varbit"):
        length = kind.length or 1
        if name == "bit" and length == 1:
            return Mapped(SchemaBuilder.bool(), lambda t: t == "1", False)
        return Mapped(_named(SchemaBuilder.bytes(), "io.debezium.data.Bits", length=str(length)),
                      _bits(length if name == "bit" else -1), b"")
    if kind.enum_labels is not None:
        return Mapped(_named(SchemaBuilder.string(), "io.debezium.data.Enum", allowed=",".join(kind.enum_labels)),
                      str, "")
    return None


def column_mapping(kind: ColumnType, decimal_mode: str, time_mode: str, unknown_as_bytes: bool) -> Mapped | None:
    """The field schema builder and text converter Debezium gives ``kind`` (None: the column is left out)."""
    if kind.element is not None:
        element = column_mapping(kind.element, decimal_mode, time_mode, unknown_as_bytes)
        if element is None or kind.element.element is not None:
            return None
        element_schema = element.builder.optional().build()
        convert = finish(element_schema, element.convert)
        return Mapped(SchemaBuilder.array(element_schema),
                      lambda t: [None if v is None else convert(v) for v in parse_array(t)], [])
    if kind.name == "numeric":
        return _numeric(kind, decimal_mode)
    if kind.name == "money":
        return _money(decimal_mode)
    mapped = _temporal(kind, time_mode) or _other(kind)
    if mapped is None and unknown_as_bytes:
        return Mapped(SchemaBuilder.bytes(), lambda t: t.encode(), b"")
    return mapped


def parse_array(text: str) -> list[str | None]:
    """A one-dimensional array literal (``{a,NULL,"b c"}``) as its element texts; NULL (unquoted) is None."""
    if not text.startswith("{"):  # explicit bounds: [1:2]={...}
        text = text[text.index("=") + 1:]
    inner = text[1:-1]
    out: list[str | None] = []
    i, n = 0, len(inner)
    if n == 0:
        return out
    while i <= n:
        if i < n and inner[i] == '"':
            i += 1
            chars: list[str] = []
            while inner[i] != '"':
                if inner[i] == "\\":
                    i += 1
                chars.append(inner[i])
                i += 1
            out.append("".join(chars))
            i += 2  # the quote and the comma
            continue
        end = inner.find(",", i)
        end = n if end < 0 else end
        item = inner[i:end]
        out.append(None if item == "NULL" else item)
        i = end + 1
    return out
