"""``String.valueOf`` of Connect data as the Java objects of a Kafka Connect worker print it.

Kafka's FileStreamSink writes ``println(record.value())``: a ``Struct`` prints ``Struct{a=1,b=x}`` (fields in schema
order, null fields left out, values by their own ``toString``: strings unquoted), a ``List`` ``[a, b]`` and a
``Map`` ``{k=v, k2=v2}`` in the iteration order of the ``java.util.HashMap`` every converter builds (JsonConverter,
with or without schemas; Confluent's AvroData). That order is the map's bucket order: ``hashCode`` of the key
(``String.hashCode`` over UTF-16 units, ``Long.hashCode`` ...) spread by ``h ^ (h >>> 16)``, masked by the table
size (16, doubled when the map grows past 3/4 of it, or when a bucket of a table under 64 gets its 9th entry), and
insertion order within a bucket. A bucket that reaches 9 entries in a table of 64 or more becomes a red-black tree in
Java, whose order is not modelled here: such a map (or one whose keys have no modelled ``hashCode``) prints in
insertion order. Logical values print as ``java.util.Date`` in UTC (a Lambda function's time zone) and
``BigDecimal``; Checked against the JVM in ``tests/compat/test_java_text_compat.py``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import struct as _struct
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.java_text import java_double_str, java_float_str
from connect_core.api.schema import Type
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.schema import Schema

__all__ = ["hash_map_order", "java_hash_code", "java_string"]

_INITIAL_CAPACITY: Final = 16
_TREEIFY_THRESHOLD: Final = 8
_MIN_TREEIFY_CAPACITY: Final = 64
_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _int32(n: int) -> int:
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= 1 << 31 else n


def _string_hash(text: str) -> int:
    h = 0
    for unit in _struct.unpack(f"<{len(text.encode('utf-16-le', 'surrogatepass')) // 2}H",
                               text.encode("utf-16-le", "surrogatepass")):
        h = (31 * h + unit) & 0xFFFFFFFF
    return _int32(h)


def _long_hash(n: int) -> int:
    n &= 0xFFFFFFFFFFFFFFFF
    return _int32(n ^ (n >> 32))


def java_hash_code(value: Any, kind: Type | None = None) -> int | None:
    """``hashCode()`` of the Java object a converter makes of ``value`` (``kind``: its Connect type, when a schema
    says; a schemaless integer is a ``Long``, a float a ``Double``); None when not modelled."""
    if value is None:
        return 0
    if isinstance(value, str):
        return _string_hash(value)
    if isinstance(value, bool):
        return 1231 if value else 1237
    if isinstance(value, int):
        if kind in (Type.INT8, Type.INT16, Type.INT32):
            return _int32(value)
        return _long_hash(value)
    if isinstance(value, float):
        if kind is Type.FLOAT32:
            bits = 0x7FC00000 if math.isnan(value) else _struct.unpack(">I", _struct.pack(">f", value))[0]
            return _int32(bits)
        bits = 0x7FF8000000000000 if math.isnan(value) else _struct.unpack(">Q", _struct.pack(">d", value))[0]
        return _long_hash(bits)
    return None


def hash_map_order(keys: list[Any], hash_of: Callable[[Any], int | None]) -> list[int] | None:
    """Positions of ``keys`` (distinct, in insertion order) in a default ``HashMap``'s iteration order, or None when a
    key's hash is not modelled or a bucket would become a tree."""
    hashes = []
    for key in keys:
        h = hash_of(key)
        if h is None:
            return None
        h &= 0xFFFFFFFF
        hashes.append(h ^ (h >> 16))
    capacity, threshold = _INITIAL_CAPACITY, _INITIAL_CAPACITY * 3 // 4
    buckets: list[list[int]] = [[] for _ in range(capacity)]

    def resize() -> None:
        nonlocal capacity, threshold, buckets
        capacity, threshold = capacity * 2, threshold * 2
        grown: list[list[int]] = [[] for _ in range(capacity)]
        for bucket in buckets:  # each old bucket splits in two, keeping its order
            for index in bucket:
                grown[hashes[index] & (capacity - 1)].append(index)
        buckets = grown

    for size, spread in enumerate(hashes, start=1):
        bucket = buckets[spread & (capacity - 1)]
        bucket.append(size - 1)
        if len(bucket) > _TREEIFY_THRESHOLD:  # putVal's treeifyBin: a small table grows instead
            if capacity < _MIN_TREEIFY_CAPACITY:
                resize()
            else:
                return None
        if size > threshold:
            resize()
    return [index for bucket in buckets for index in bucket]


def _date(value: dt.datetime) -> str:
    """``java.util.Date.toString`` in UTC: ``Thu Jan 01 00:00:00 UTC 1970``."""
    return (f"{_DAYS[value.weekday()]} {_MONTHS[value.month - 1]} {value.day:02d} {value.hour:02d}:"
            f"{value.minute:02d}:{value.second:02d} UTC {value.year}")


def _as_utc(value: dt.date | dt.time) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return dt.datetime.combine(_EPOCH.date(), value.replace(tzinfo=None), tzinfo=dt.UTC)


def java_string(value: Any, schema: Schema | None = None) -> str:
    """``String.valueOf`` of the Java object a converter makes of ``value`` (of ``schema``, when known)."""
    if value.__class__ is str:
        return value
    if value is None:
        return "null"
    if isinstance(value, Struct):
        fields = value.schema.fields
        parts = [f"{f.name}={java_string(v, f.schema)}" for f, v in zip(fields, value.values(), strict=True)
                 if v is not None]
        return "Struct{" + ",".join(parts) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_float_str(value) if schema is not None and schema.type is Type.FLOAT32 else java_double_str(value)
    if isinstance(value, dict):
        key_schema = value_schema = None
        if schema is not None and schema.type is Type.MAP:
            key_schema, value_schema = schema.key_schema, schema.value_schema
        keys = list(value)
        kind = key_schema.type if key_schema is not None else None
        order = hash_map_order(keys, lambda key: java_hash_code(key, kind)) if keys else []
        ordered = keys if order is None else [keys[i] for i in order]
        return "{" + ", ".join(f"{java_string(k, key_schema)}={java_string(value[k], value_schema)}"
                               for k in ordered) + "}"
    if isinstance(value, (list, tuple)):
        items = schema.value_schema if schema is not None and schema.type is Type.ARRAY else None
        return "[" + ", ".join(java_string(item, items) for item in value) + "]"
    if isinstance(value, (bytes, bytearray, memoryview)):  # Java prints byte[] as [B@<identity hash>: not repeatable
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, decimal.Decimal):
        return str(value)  # the General Decimal Arithmetic to-scientific-string, which BigDecimal.toString follows
    if isinstance(value, (dt.date, dt.time)):
        return _date(_as_utc(value))
    return str(value)
