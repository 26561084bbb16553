"""Row images of WRITE/UPDATE/DELETE_ROWS events (v1, v2) decoded straight from the event's bytes.

One generated function per table map and columns-present bitmap reads a row image into the values
python-mysql-replication's ``RowsEvent.rows`` holds (the named reference path, which stays the fallback for any
column type or event this does not handle); an agreement test holds both to the same rows.
"""

from __future__ import annotations

import codecs
import datetime as dt
import decimal
import struct
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["RowImages", "fast_rows", "reference_rows"]

# the binlog's column type codes (MYSQL_TYPE_*)
_TINY, _SHORT, _LONG, _FLOAT, _DOUBLE, _TIMESTAMP, _LONGLONG, _INT24 = 1, 2, 3, 4, 5, 7, 8, 9
_DATE, _TIME, _DATETIME, _YEAR, _VARCHAR, _BIT = 10, 11, 12, 13, 15, 16
_TIMESTAMP2, _DATETIME2, _TIME2, _NEWDECIMAL, _ENUM, _SET, _BLOB, _STRING = 17, 18, 19, 246, 247, 248, 252, 254
_UPDATE_EVENTS: Final = frozenset({24, 31})  # UPDATE_ROWS_EVENT v1, v2 (not MySQL's PARTIAL_UPDATE_ROWS_EVENT 39)
_ROWS_EVENTS: Final = frozenset({23, 24, 25, 30, 31, 32})
_FIXED: Final = {  # (signed, unsigned) struct formats of the fixed-width types
    _TINY: ("<b", "<B"), _SHORT: ("<h", "<H"), _LONG: ("<i", "<I"), _LONGLONG: ("<q", "<Q"),
    _FLOAT: ("<f", "<f"), _DOUBLE: ("<d", "<d"),
}
_DIG2BYTES: Final = (0, 1, 1, 2, 2, 3, 3, 4, 4, 4)
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
_EXACT: Final = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

RowImages = list[tuple[list[Any] | None, list[Any] | None]]


class _Unsupported(Exception):
    """A column or event the fast reader leaves to the reference."""


def reference_rows(event: Any) -> RowImages:
    """python-mysql-replication's decoding (``RowsEvent.rows``) as (before, after) value lists in table order."""
    names = [c.name for c in event.columns]
    out: RowImages = []
    for row in event.rows:
        if "before_values" in row:
            before, after = row["before_values"], row["after_values"]
            out.append(([before.get(n) for n in names], [after.get(n) for n in names]))
        elif event.event_type in (25, 32):  # DELETE_ROWS
            out.append(([row["values"].get(n) for n in names], None))
        else:
            out.append((None, [row["values"].get(n) for n in names]))
    return out


_readers: dict[tuple[Any, ...], Any] = {}
_signatures: dict[int, tuple[Any, ...]] = {}  # id(columns) -> _signature(columns)
_owners: dict[int, Any] = {}  # id -> the columns list: keeps the ids of _signatures from reuse
_converters: dict[int, Any] = {}  # the same for the converters lists in the keys of _readers
_METADATA: Final = ("unsigned", "max_length", "length_size", "precision", "decimals", "fsp", "bits", "bytes", "size",
                    "character_set_name")


def fast_rows(event: Any, converters: list[Callable[[Any], Any] | None] | None = None,
              kept: list[int] | None = None) -> RowImages | None:
    """The event's rows read from its bytes, or None when the reference must decode them (its packet is untouched).

    Without ``converters``, each image holds every column's value as the reference's; with them (a ``TableSchema``'s,
    for the columns at ``kept``, None: all), the converted values of those columns: what ``TableSchema.row`` makes of
    the reference's.
    """
    if event.event_type not in _ROWS_EVENTS:
        return None
    wrapper = event.packet
    packet = wrapper.packet
    if getattr(wrapper, "_BinLogPacketWrapper__data_buffer", b""):
        return None
    data: bytes = packet._data
    start: int = packet._position
    end = start + event.event_size - wrapper.read_bytes
    columns = event.columns
    width = (len(columns) + 7) // 8
    if event.number_of_columns != len(columns) or width != len(event.columns_present_bitmap):
        return None
    try:
        if event.event_type in _UPDATE_EVENTS:
            if width != len(event.columns_present_bitmap2):
                return None
            before = _reader(columns, event.columns_present_bitmap, converters, kept)
            after = _reader(columns, event.columns_present_bitmap2, converters, kept)
            if before is None or after is None:
                return None
            return _updates(data, start, end, before, after)
        image = _reader(columns, event.columns_present_bitmap, converters, kept)
        if image is None:
            return None
        rows: RowImages = []
        p = start
        delete = event.event_type in (25, 32)
        while p < end:
            values, p = image(data, p)
            rows.append((values, None) if delete else (None, values))
        return rows if p == end else None
    except (_Unsupported, IndexError, ValueError, struct.error, KeyError, TypeError):
        return None


def _updates(data: bytes, p: int, end: int, before: Callable[[bytes, int], tuple[list[Any], int]],
             after: Callable[[bytes, int], tuple[list[Any], int]]) -> RowImages | None:
    rows: RowImages = []
    while p < end:
        old, p = before(data, p)
        new, p = after(data, p)
        rows.append((old, new))
    return rows if p == end else None


def _reader(columns: list[Any], present: bytes, converters: list[Callable[[Any], Any] | None] | None,
            kept: list[int] | None) -> Callable[[bytes, int], tuple[list[Any], int]] | None:
    """The generated reader of a table map's columns: each transaction's table map is a new list of the library's
    columns, so readers are found by what the columns are (worked out once per list), not by the list."""
    signature = _signatures.get(id(columns))
    if signature is None:
        if len(_signatures) > 4096:
            _signatures.clear()
            _owners.clear()
        signature = _signatures[id(columns)] = _signature(columns)
        _owners[id(columns)] = columns
    key = (signature, bytes(present), id(converters), None if kept is None else tuple(kept))
    if key in _readers:
        reader: Callable[[bytes, int], tuple[list[Any], int]] | None = _readers[key]
        return reader
    try:
        reader = _compile(columns, present, converters, kept)
    except _Unsupported:
        reader = None
    if len(_readers) > 4096:
        _readers.clear()
        _converters.clear()
    _readers[key] = reader
    _converters[id(converters)] = converters
    return reader


def _signature(columns: list[Any]) -> tuple[Any, ...]:
    """Everything of the table map's columns that a generated reader depends on."""
    def one(column: Any) -> tuple[Any, ...]:
        enum, members = getattr(column, "enum_values", None), getattr(column, "set_values", None)
        return (column.type, column.name, *(getattr(column, name, None) for name in _METADATA),
                None if enum is None else tuple(enum), None if members is None else tuple(members))

    return tuple(one(column) for column in columns)


def _encoding(column: Any) -> str | None:
    """The Python codec of a character column as the reference picks it; None: the value stays bytes."""
    name = column.character_set_name
    if name is None:
        return "utf-8"
    from pymysql.charset import charset_by_name

    charset = charset_by_name(name)
    encoding = charset.encoding if charset else name
    try:
        codecs.lookup(encoding)
    except LookupError:
        return None
    return encoding


_C_CODECS = frozenset({"utf-8", "ascii", "iso8859-1"})  # decoded in C already: nothing to gain
# codecs whose ASCII bytes may stand for other characters depending on what came before (escapes, shifts)
_STATEFUL = ("iso2022", "hz", "utf")


def _ascii_first(encoding: str) -> bool:
    """Whether a column's codec (cp1252: MariaDB's ``latin1``; the other 8-bit tables, the EUC and Shift JIS
    families) decodes ASCII bytes as ASCII does: then ASCII values may be decoded as ASCII, in C, to the same
    strings."""
    name = codecs.lookup(encoding).name
    if name in _C_CODECS or name.startswith(_STATEFUL):
        return False
    ascii_bytes = bytes(range(128))
    try:
        return ascii_bytes.decode(encoding) == ascii_bytes.decode("ascii")
    except UnicodeDecodeError:
        return False


def _compile(columns: list[Any], present: bytes, converters: list[Callable[[Any], Any] | None] | None,
             kept: list[int] | None) -> Callable[[bytes, int], tuple[list[Any], int]]:
    """Generate the reader of one row image: null bitmap, then each present non-null column's bytes (converted when
    ``converters`` are given)."""
    env: dict[str, Any] = {}
    lines = ["def image(d, p):"]
    count = sum(1 for i in range(len(columns)) if present[i // 8] & (1 << (i % 8)))
    nbytes = (count + 7) // 8
    lines.append(f"    nb = int.from_bytes(d[p:p + {nbytes}], 'little'); p += {nbytes}")
    out = list(range(len(columns))) if kept is None else kept
    convert: dict[int, Callable[[Any], Any] | None] = {}
    if converters is not None:
        if len(converters) != len(out):
            raise _Unsupported
        convert = dict(zip(out, converters, strict=True))
    k = 0
    for i, column in enumerate(columns):
        if not column.name:
            raise _Unsupported
        if not present[i // 8] & (1 << (i % 8)):
            lines.append(f"    v{i} = None")
            continue
        lines.append(f"    if nb & {1 << k}:")
        lines.append(f"        v{i} = None")
        lines.append("    else:")
        converter = convert.get(i)
        code = None if converter is None else _fused_code(i, column, converter, env)
        if code is None:
            code = _column_code(i, column, env)
            if converter is not None and not _identity(column, converter):
                env[f"c{i}"] = converter
                code.append(f"    if v{i} is not None: v{i} = c{i}(v{i})")
        lines.extend("    " + line for line in code)
        k += 1
    lines.append("    return [" + ", ".join(f"v{i}" for i in out) + "], p")
    exec(compile("\n".join(lines), "<binlog row image>", "exec"), env)
    reader: Callable[[bytes, int], tuple[list[Any], int]] = env["image"]
    return reader


def _identity(column: Any, converter: Callable[[Any], Any]) -> bool:
    """Whether ``converter`` gives back what the reader makes of ``column`` (no call needed)."""
    from connect_core.connectors.binlog._types import _AtScale, _text

    kind = column.type
    if converter.__class__ is _AtScale:  # read at the column's scale already (``_decimal_reader``)
        return kind == _NEWDECIMAL and converter.scale == column.decimals
    if converter is int:
        return kind in (_TINY, _SHORT, _LONG, _LONGLONG, _INT24, _YEAR)
    if converter is float:
        return kind in (_FLOAT, _DOUBLE)
    if converter is _text:
        return kind in (_VARCHAR, _STRING, _BLOB) and _encoding(column) is not None
    return False


def _fused_code(i: int, column: Any, converter: Callable[[Any], Any], env: dict[str, Any]) -> list[str] | None:
    """A reader that makes the converted value at once, for the converters of the common types (None: other)."""
    from connect_core.connectors.binlog._types import _bytes, _epoch_days, _epoch_micros, _epoch_millis

    kind = column.type
    if kind == _DATETIME2 and converter in (_epoch_micros, _epoch_millis):
        env[f"r{i}"] = _datetime2_micros(getattr(column, "fsp", 0) or 0, millis=converter is _epoch_millis)
        return [f"    v{i}, p = r{i}(d, p)"]
    if kind == _DATE and converter is _epoch_days:
        env[f"r{i}"] = _plain_temporal_reader(_DATE)
        return [f"    v{i}, p = r{i}(d, p)", f"    if v{i} is not None: v{i} = v{i}.toordinal() - {_EPOCH_ORDINAL}"]
    if kind in (_VARCHAR, _STRING, _BLOB) and converter is _bytes and _encoding(column) is None:
        code = _column_code(i, column, env)
        code[-1] = code[-1].replace(" if n else ''", "")  # bytes also when empty: _bytes("") is b""
        return code
    return None


def _datetime2_micros(fsp: int, *, millis: bool) -> Callable[[bytes, int], tuple[int | None, int]]:
    """DATETIME2 straight to microseconds (or milliseconds) since the epoch, as ``_types._epoch_micros`` of the
    reference's ``datetime``; anything the reference would not read as a valid datetime goes to the reference."""
    frac_size = (fsp + 1) // 2
    odd = fsp % 2 == 1
    scale = 10 ** (6 - fsp)
    size = 5 + frac_size
    to_date = dt.date

    def read(d: bytes, p: int) -> tuple[int | None, int]:
        packed = int.from_bytes(d[p:p + 5], "big")
        year_month = (packed >> 22) & 0x1FFFF
        hour, minute, second = (packed >> 12) & 0x1F, (packed >> 6) & 0x3F, packed & 0x3F
        try:
            days = to_date(year_month // 13, year_month % 13, (packed >> 17) & 0x1F).toordinal() - _EPOCH_ORDINAL
        except ValueError:
            return None, p + size
        if hour > 23 or minute > 59 or second > 59:
            raise _Unsupported
        micros = 0
        if frac_size:
            stored = int.from_bytes(d[p + 5:p + size], "big", signed=True)
            micros = (int(stored / 10) if odd else stored) * scale
            if micros < 0 or micros > 999_999:
                raise _Unsupported
        value = ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000) + micros
        return (value // 1000 if millis else value), p + size

    return read


def _column_code(i: int, column: Any, env: dict[str, Any]) -> list[str]:
    """Statements that set ``v<i>`` from ``d`` at ``p`` and move ``p`` past the value."""
    kind = column.type
    v = f"v{i}"
    if kind in _FIXED:
        fmt = _FIXED[kind][1 if column.unsigned else 0]
        env[f"u{i}"] = struct.Struct(fmt).unpack_from
        return [f"    {v}, = u{i}(d, p); p += {struct.calcsize(fmt)}"]
    if kind == _INT24:
        sign = "" if column.unsigned else f"; {v} = {v} - 0x1000000 if {v} >= 0x800000 else {v}"
        return [f"    {v} = d[p] | d[p + 1] << 8 | d[p + 2] << 16; p += 3{sign}"]
    if kind in (_VARCHAR, _STRING, _BLOB):
        size = column.length_size if kind == _BLOB else (2 if column.max_length > 255 else 1)
        if size not in (1, 2, 3, 4):
            raise _Unsupported
        length = " | ".join(f"d[p + {b}] << {8 * b}" if b else "d[p]" for b in range(size))
        encoding = _encoding(column)
        value = f"d[p + {size}:p + {size} + n]"
        # no Python codec: bytes, except that the reference's ``decode`` of no bytes gives "" before any codec lookup
        if encoding is None:
            decoded = f"{value} if n else ''"
        elif _ascii_first(encoding):  # ASCII text decoded by the C codec: the same string, 8x faster than cp1252's
            decoded = f"(s.decode('ascii') if (s := {value}).isascii() else s.decode({encoding!r}))"
        else:
            decoded = f"{value}.decode({encoding!r})"
        return [f"    n = {length}", f"    {v} = {decoded}; p += {size} + n"]
    if kind == _NEWDECIMAL:
        env[f"r{i}"] = _decimal_reader(column.precision, column.decimals)
        return [f"    {v}, p = r{i}(d, p)"]
    if kind in (_ENUM, _SET):
        size = column.size
        if size not in (1, 2, 3, 4, 8):
            raise _Unsupported
        number = f"int.from_bytes(d[p:p + {size}], 'little')"
        if kind == _ENUM:
            env[f"e{i}"] = column.enum_values
            pick = f"e{i}[{number}]" if column.enum_values else "None"
            return [f"    {v} = {pick}; p += {size}"]
        env[f"s{i}"] = _set_reader(column.set_values)
        return [f"    {v} = s{i}({number}); p += {size}"]
    if kind == _YEAR:
        return [f"    {v} = d[p] + 1900; p += 1"]
    if kind == _BIT:
        width, bits = column.bytes, column.bits
        return [f"    {v} = format(int.from_bytes(d[p:p + {width}], 'big') & {(1 << bits) - 1}, '0{bits}b'); "
                f"p += {width}"]
    reader = _temporal_reader(kind, getattr(column, "fsp", 0) or 0)
    env[f"r{i}"] = reader
    return [f"    {v}, p = r{i}(d, p)"]


def _set_reader(values: list[str] | None) -> Callable[[int], set[str] | None]:
    members = list(values or [])

    def read(mask: int) -> set[str] | None:
        chosen = {value for index, value in enumerate(members) if mask & (1 << index)}
        return chosen or None

    return read


def _decimal_reader(precision: int, scale: int) -> Callable[[bytes, int], tuple[decimal.Decimal, int]]:
    """DECIMAL(precision, scale) in MySQL's binary format; the value as the reference builds it from its text.

    The unscaled integer times ``1E-scale`` in an unbounded context is that very value (its digits at exponent
    ``-scale``), without writing and parsing the text; a negative zero (``-0.00``: the text's sign) takes the text.
    """
    integral = precision - scale
    groups_int, lead = divmod(integral, 9)
    groups_frac, tail = divmod(scale, 9)
    lead_size, tail_size = _DIG2BYTES[lead], _DIG2BYTES[tail]
    size = lead_size + 4 * groups_int + 4 * groups_frac + tail_size
    to_decimal = decimal.Decimal
    multiply = _EXACT.multiply
    factor = decimal.Decimal(f"1E{-scale}")

    sign_bit = 1 << (8 * size - 1)
    mask = (1 << (8 * size)) - 1
    tail_bits, tail_mask, tail_scale = 8 * tail_size, (1 << (8 * tail_size)) - 1, 10 ** tail
    # each group of nine digits after the leading ones, from the most significant: its shift within the value
    shifts = [32 * (groups_int + groups_frac - 1 - index) + tail_bits for index in range(groups_int + groups_frac)]
    lead_shift = 32 * (groups_int + groups_frac) + tail_bits

    def read(d: bytes, p: int) -> tuple[decimal.Decimal, int]:
        if p + size > len(d):
            raise _Unsupported
        whole = int.from_bytes(d[p:p + size], "big")
        negative = not whole & sign_bit
        whole ^= sign_bit
        if negative:
            whole ^= mask
        # the leading digits, then groups of nine (base 10**9), then the last fraction digits (base 10**tail)
        unscaled = whole >> lead_shift
        for shift in shifts:
            unscaled = unscaled * 1_000_000_000 + ((whole >> shift) & 0xFFFFFFFF)
        if tail_size:
            unscaled = unscaled * tail_scale + (whole & tail_mask)
        if negative:
            if not unscaled:
                return to_decimal("-0." + "0" * scale if scale else "-0"), p + size
            unscaled = -unscaled
        return multiply(unscaled, factor), p + size

    return read


def _fraction(fsp: int) -> tuple[int, int]:
    """(bytes, microseconds per stored unit) of a fractional-seconds part of precision ``fsp``."""
    size = (fsp + 1) // 2
    return size, 10 ** (6 - 2 * size)


def _temporal_reader(kind: int, fsp: int) -> Callable[[bytes, int], tuple[Any, int]]:
    frac_size, unit = _fraction(fsp)
    odd = fsp % 2 == 1
    scale = 10 ** (6 - fsp)

    def fraction(d: bytes, p: int) -> int:
        stored = int.from_bytes(d[p:p + frac_size], "big", signed=True)
        return (int(stored / 10) if odd else stored) * scale

    if kind == _DATETIME2:
        def datetime2(d: bytes, p: int) -> tuple[dt.datetime | None, int]:
            packed = int.from_bytes(d[p:p + 5], "big")
            year_month = (packed >> 22) & 0x1FFFF
            try:
                value = dt.datetime(year_month // 13, year_month % 13, (packed >> 17) & 0x1F, (packed >> 12) & 0x1F,
                                    (packed >> 6) & 0x3F, packed & 0x3F)
            except ValueError:
                return None, p + 5 + frac_size
            if frac_size:
                micros = fraction(d, p + 5)
                if micros > 0:
                    value = value.replace(microsecond=micros)
            return value, p + 5 + frac_size
        return datetime2
    if kind == _TIMESTAMP2:
        from_seconds = dt.datetime.utcfromtimestamp  # the reference's value: naive UTC

        def timestamp2(d: bytes, p: int) -> tuple[dt.datetime, int]:
            value = from_seconds(int.from_bytes(d[p:p + 4], "big", signed=True))
            if frac_size:
                micros = fraction(d, p + 4)
                if micros > 0:
                    value = value.replace(microsecond=micros)
            return value, p + 4 + frac_size
        return timestamp2
    if kind == _TIME2:
        def time2(d: bytes, p: int) -> tuple[dt.timedelta, int]:
            # MySQL's my_time_packed_from_binary: the integer part offset by 0x800000, the fraction signed
            hms = int.from_bytes(d[p:p + 3], "big") - 0x800000
            if frac_size == 3:
                packed = int.from_bytes(d[p:p + 6], "big") - 0x800000000000
            else:
                frac = int.from_bytes(d[p + 3:p + 3 + frac_size], "big") if frac_size else 0
                if hms < 0 and frac:
                    hms += 1
                    frac -= 1 << (8 * frac_size)
                packed = (hms << 24) + frac * unit
            sign = -1 if packed < 0 else 1
            packed = abs(packed)
            whole = packed >> 24
            micros = packed % (1 << 24)
            seconds = ((whole >> 12) % 1024) * 3600 + ((whole >> 6) % 64) * 60 + whole % 64
            return sign * dt.timedelta(seconds=seconds, microseconds=micros), p + 3 + frac_size
        return time2
    return _plain_temporal_reader(kind)


def _plain_temporal_reader(kind: int) -> Callable[[bytes, int], tuple[Any, int]]:
    """DATE and the formats without fractional seconds (TIMESTAMP, TIME, DATETIME before MySQL 5.6)."""
    if kind == _DATE:
        def date(d: bytes, p: int) -> tuple[dt.date | None, int]:
            packed = d[p] | d[p + 1] << 8 | d[p + 2] << 16
            year, month, day = packed >> 9, (packed >> 5) & 0x0F, packed & 0x1F
            if not (year and month and day):
                return None, p + 3
            return dt.date(year, month, day), p + 3
        return date
    if kind == _TIMESTAMP:
        from_seconds = dt.datetime.utcfromtimestamp

        def timestamp(d: bytes, p: int) -> tuple[dt.datetime, int]:
            return from_seconds(int.from_bytes(d[p:p + 4], "little")), p + 4
        return timestamp
    if kind == _TIME:
        def time(d: bytes, p: int) -> tuple[dt.timedelta, int]:
            packed = d[p] | d[p + 1] << 8 | d[p + 2] << 16
            return dt.timedelta(hours=packed // 10000, minutes=(packed % 10000) // 100, seconds=packed % 100), p + 3
        return time
    if kind == _DATETIME:
        def datetime(d: bytes, p: int) -> tuple[dt.datetime | None, int]:
            packed = int.from_bytes(d[p:p + 8], "little")
            day_part, time_part = divmod(packed, 1_000_000)
            year, month, day = day_part // 10000, (day_part % 10000) // 100, day_part % 100
            if not packed or not (year and month and day):
                return None, p + 8
            return dt.datetime(year, month, day, time_part // 10000, (time_part % 10000) // 100,
                               time_part % 100), p + 8
        return datetime
    raise _Unsupported
