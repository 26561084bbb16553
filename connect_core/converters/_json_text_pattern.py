"""A payload kept as its own text without parsing it: one regular expression per struct schema, for lazy text.

``compile_text_reader`` parses a payload, checks its fields and writes it back to see whether the bytes are what
writing the struct gives. Where nothing reads the values (``keep_json_text(lazy=True)``: no SMT), this module's
expression says so from the bytes alone: it matches only payloads that text reader keeps (the schema's fields in
order, each in its canonical text and in range, ASCII without escapes), so such a payload becomes a ``TextStruct``
whose values are parsed only if something reads them. Anything else takes the text reader (or the exact read and
its error); ``tests/unit/converters/test_json_text_pattern.py`` holds both paths to the same structs and bytes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import orjson

from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.schema import Type
from connect_core.api.struct import Struct, TextStruct

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.schema import Schema

__all__ = ["compile_text_pattern"]

_MAX_FIELDS = 250  # as the generated readers
_DIGITS = {Type.INT8: 2, Type.INT16: 4, Type.INT32: 9, Type.INT64: 18}  # fewer digits than the type's range holds
_NAME = re.compile(r"[ !#-\[\]-~]*")  # a field name JSON writes as is (printable ASCII, no quote or backslash)
_STRING = r'"[ !#-\[\]-~]*"'
# Timestamp ms of at most 13 digits and Date days within -99,999..999,999 are inside datetime's years 1-9999
_TIMESTAMP = r"(?:0|-?[1-9]\d{0,12})"
_DATE = r"(?:0|[1-9]\d{0,5}|-[1-9]\d{0,4})"
# A double in [1e-3, 1e7) of at most 15 significant digits, no trailing zero but ``.0``: its shortest round-trip text
# (15 digits always round-trip, so no shorter text reads as the same double), which Kafka writes back (not -0.0)
_DOUBLE = (r"(?:-?[1-9]\d{0,6}\.(?:0|\d{0,7}[1-9])"
           r"|-?0\.(?:[1-9]|0[1-9]|00[1-9])(?:\d{0,4}[1-9])?|0\.0)")
# A Decimal's unscaled value in canonical base64 (unused bits zero, padded) of its minimal two's complement: not a
# 0x00 byte before one below 0x80 ("A[A-H]"), nor 0xFF before one at 0x80 or above ("/[4-9+/]"), unless one byte
_B64 = "[A-Za-z0-9+/]"
_DECIMAL = (rf'"(?!A[A-H](?!==)|/[4-9+/](?!==))(?:{_B64}{{4}})*'
            rf'(?:{_B64}[AQgw]==|{_B64}{{2}}[AEIMQUYcgkosw048]=|{_B64}{{4}})"')


def _int(digits: int) -> str:
    return rf"(?:0|-?[1-9]\d{{0,{digits - 1}}})"


def _field(fs: Schema) -> str | None:
    """The canonical text of a non-null value of ``fs`` (None: a type whose text is not kept)."""
    name, t = fs.name, fs.type
    if name == Decimal.LOGICAL_NAME and t is Type.BYTES:
        try:
            scale = Decimal.scale(fs)
        except Exception:  # a malformed scale: the exact read reports it
            return None
        return _DECIMAL if scale >= 0 else None
    if name == Timestamp.LOGICAL_NAME and t is Type.INT64:
        return _TIMESTAMP
    if name == Date.LOGICAL_NAME and t is Type.INT32:
        return _DATE
    if name is not None and name.startswith("org.apache.kafka.connect.data."):
        return None  # Time, or a logical type on another type: the text reader decides
    if t is Type.FLOAT64:
        return _DOUBLE if name is None else None
    if t is Type.STRING:
        return _STRING
    if t is Type.BOOLEAN:
        return "(?:true|false)"
    return _int(_DIGITS[t]) if t in _DIGITS else None


def compile_text_pattern(schema: Schema, read: Callable[[Any], Any]) -> Callable[[bytes], Struct | None] | None:
    """``from_text(raw)``: a ``TextStruct`` of ``schema`` keeping ``raw`` when the expression matches it, else None
    (read it the other way); its values are ``read(orjson.loads(raw))`` when first read. None: the schema has a field
    whose text is not kept this way."""
    fields = schema.fields
    if not fields or len(fields) > _MAX_FIELDS:
        return None
    parts = []
    for field in fields:
        text = _field(field.schema)
        if text is None or _NAME.fullmatch(field.name) is None:
            return None
        if field.schema.optional and field.schema.default_value is None:
            text = f"(?:{text}|null)"
        parts.append(f'"{re.escape(field.name)}":{text}')
    match = re.compile(("\\{" + ",".join(parts) + "\\}").encode("ascii")).fullmatch
    loads, new = orjson.loads, Struct.__new__

    def read_raw(raw: bytes) -> Any:
        return read(loads(raw))

    def from_text(raw: bytes) -> Struct | None:
        if match(raw) is None:
            return None
        struct = new(TextStruct)
        struct.schema = schema
        struct._node = raw  # type: ignore[attr-defined]
        struct._read = read_raw  # type: ignore[attr-defined]
        struct._text = raw
        return struct

    return from_text
