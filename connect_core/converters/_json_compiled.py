"""Per-schema compiled JSON plans for ``JsonConverter``: one generated function per struct schema and direction.

Writing: the generated function checks each field value's exact Python type and builds a ``dict`` in schema field
order whose ``orjson.dumps`` is byte for byte Jackson's text: strings, in-range ints, booleans and plain-range
doubles are left to orjson (it writes them exactly as Jackson does, see below), Timestamp/Date/base64 Decimal
values become their ints/strings, and any other value (a double Java prints as ``1.0E10``, a map, a FLOAT32, ...)
is written by the converter's exact writer and embedded as an ``orjson.Fragment``. A value the plan cannot type
(a null for a required field, a struct of another schema, a wrong type) returns None, and the caller takes the
exact path for the whole value, which raises Kafka's error.

orjson and Jackson agree on every string except two cases, which a check of the output catches (the caller then
takes the exact path): control characters other than ``\\b \\t \\n \\f \\r`` (orjson's ``\\u001f`` is lower case,
Jackson's ``\\u001F``) and characters outside the BMP (Jackson escapes them as a surrogate pair, orjson writes the
UTF-8 bytes). Lone surrogates make orjson raise. Doubles in ``[1e-3, 1e7)`` print the same (shortest round-trip
digits, plain notation), ints within 64 bits likewise; ``tests/unit/converters/test_json_compiled.py`` checks it.

Reading: the generated function reads each field of the parsed payload inline when it has the JSON type Kafka
writes for it, and calls the converter's exact reader for anything else (nulls, defaults, coercions, errors).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import decimal as _decimal
import re
from typing import TYPE_CHECKING, Any

import orjson

from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.schema import Type
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.schema import Schema

__all__ = ["compile_reader", "compile_writer", "orjson_text_is_jacksons"]

_INT_RANGES = {Type.INT8: 8, Type.INT16: 16, Type.INT32: 32, Type.INT64: 64}
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_EPOCH_DATE = _dt.date(1970, 1, 1)
_ONE_MS = _dt.timedelta(milliseconds=1)
_ASTRAL = re.compile(rb"[\xf0-\xf4]")  # lead byte of a 4-byte UTF-8 sequence: a character outside the BMP
_MAX_GENERATED_FIELDS = 250  # Python's parser copes with far more; keeps generated code readable in tracebacks


def orjson_text_is_jacksons(text: bytes) -> bool:
    """Whether orjson output is certainly Jackson's text: no ``\\u`` escape and no 4-byte UTF-8 character."""
    return b"\\u" not in text and (text.isascii() or _ASTRAL.search(text) is None)


def _bounds(t: Type) -> tuple[int, int]:
    bits = _INT_RANGES[t]
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


class _Source:
    """Generated code lines plus the names its constants are bound to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.env: dict[str, Any] = {}

    def const(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.env)}"
        self.env[name] = value
        return name

    def compile(self, name: str) -> Any:
        namespace = dict(self.env)
        exec(compile("\n".join(self.lines), f"<compiled {name}>", "exec"), namespace)
        return namespace[name]


# -- writing ---------------------------------------------------------------------------------------------------------
def compile_writer(
    schema: Schema, field_text: Callable[[Schema, Any], str], replace_null: bool, numeric_decimals: bool
) -> Callable[[list[Any]], dict[str, Any] | None] | None:
    """``build(struct_values) -> dict | None`` for a STRUCT ``schema`` (None: the schema is not compiled).

    ``field_text(schema, value)`` is the converter's exact writer (Jackson's text of one value).
    """
    fields = schema.fields
    if len(fields) > _MAX_GENERATED_FIELDS:
        return None
    src = _Source()
    fragment = src.const("F", orjson.Fragment)
    lines = src.lines
    lines.append("def build(vals):")
    if fields:
        names = ", ".join(f"v{i}" for i in range(len(fields)))
        lines.append(f"    {names}, = vals")
    for i, field in enumerate(fields):
        fs = field.schema
        v, x = f"v{i}", f"x{i}"
        lines.append(f"    if {v} is None:")
        default = fs.default_value
        if default is not None and replace_null:
            try:
                default_text = field_text(fs, default)
            except Exception:  # the exact path reports it
                lines.append("        return None")
            else:
                lines.append(f"        {x} = {src.const('D', orjson.Fragment(default_text))}")
        elif fs.optional:
            lines.append(f"        {x} = None")
        else:
            lines.append("        return None")
        fast = _fast_write(src, fs, v, x, field_text, replace_null, numeric_decimals)
        if fast is not None:
            cond, body = fast
            lines.append(f"    elif {cond}:")
            lines.extend(f"        {line}" for line in body)
        text = src.const("T", lambda value, fs=fs: field_text(fs, value))
        lines.append("    else:")
        lines.append(f"        {x} = {fragment}({text}({v}))")
    items = ", ".join(f"{field.name!r}: x{i}" for i, field in enumerate(fields))
    lines.append(f"    return {{{items}}}")
    return src.compile("build")


def _fast_write(  # noqa: PLR0917 - one branch per type is clearest
    src: _Source, fs: Schema, v: str, x: str, field_text: Callable[[Schema, Any], str], replace_null: bool,
    numeric_decimals: bool,
) -> tuple[str, list[str]] | None:
    """(condition, statements setting ``x``) for a value of the exact type a schema's field usually holds."""
    name, t = fs.name, fs.type
    if name == Timestamp.LOGICAL_NAME:
        dt, utc, epoch, ms = (src.const("C", c) for c in (_dt.datetime, _dt.UTC, _EPOCH, _ONE_MS))
        return (f"{v}.__class__ is {dt}",
                [f"{x} = (({v} if {v}.tzinfo is not None else {v}.replace(tzinfo={utc})) - {epoch}) // {ms}"])
    if name == Date.LOGICAL_NAME:
        date, epoch = src.const("C", _dt.date), src.const("C", _EPOCH_DATE)
        return f"{v}.__class__ is {date}", [f"{x} = ({v} - {epoch}).days"]
    if name == Decimal.LOGICAL_NAME:
        if numeric_decimals:
            return None
        try:
            scale = Decimal.scale(fs)
        except Exception:  # a malformed scale parameter: the exact path reports it
            return None
        dec = src.const("C", _decimal.Decimal)
        encode = src.const("E", _decimal_b64(scale))
        return f"{v}.__class__ is {dec} and ({x} := {encode}({v})) is not None", ["pass"]
    if name is not None and name.startswith("org.apache.kafka.connect.data."):
        return None  # Time, and any logical type added later: the exact writer
    if t is Type.STRING:
        return f"{v}.__class__ is str", [f"{x} = {v}"]
    if t is Type.BOOLEAN:
        return f"{v}.__class__ is bool", [f"{x} = {v}"]
    if t in _INT_RANGES:
        low, high = _bounds(t)
        return f"{v}.__class__ is int and {low} <= {v} <= {high}", [f"{x} = {v}"]
    if t is Type.FLOAT64:
        text = src.const("T", lambda value, fs=fs: field_text(fs, value))
        fragment = src.const("F", orjson.Fragment)
        return (f"{v}.__class__ is float",
                [f"{x} = {v} if (1e-3 <= {v} < 1e7 or -1e7 < {v} <= -1e-3) else {fragment}({text}({v}))"])
    if t is Type.BYTES:
        b64 = src.const("B", base64.b64encode)
        return f"{v}.__class__ is bytes", [f"{x} = {b64}({v}).decode('ascii')"]
    if t is Type.STRUCT:
        nested = compile_writer(fs, field_text, replace_null, numeric_decimals)
        if nested is None:
            return None
        struct, schema, build = src.const("C", Struct), src.const("S", fs), src.const("W", nested)
        return (f"{v}.__class__ is {struct} and {v}.schema is {schema} and ({x} := {build}({v}.values())) "
                "is not None", ["pass"])
    return None


def _decimal_b64(scale: int) -> Callable[[_decimal.Decimal], str | None]:
    """Kafka's base64 Decimal bytes (two's complement, minimal length) of a value of exactly ``scale``, else None.

    ``str`` of a finite Decimal without an exponent part shows exactly ``-exponent`` digits after the point, so the
    text tells the scale and the unscaled digits at once (cheaper than ``as_tuple``/``scaleb``).
    """
    b64 = binascii.b2a_base64

    def encode(value: _decimal.Decimal) -> str | None:
        if not value.is_finite():
            return None
        text = str(value)
        if "E" in text:
            return None
        if scale > 0:
            if len(text) <= scale or text[-scale - 1] != ".":
                return None
            text = text.replace(".", "")
        elif scale < 0 or "." in text:
            return None  # negative scales print with an exponent anyway
        unscaled = int(text)
        length = ((unscaled if unscaled >= 0 else ~unscaled).bit_length() + 8) // 8
        return b64(unscaled.to_bytes(length, "big", signed=True), newline=False).decode("ascii")

    return encode


# -- reading ---------------------------------------------------------------------------------------------------------
def compile_reader(
    schema: Schema, generic: Callable[[Schema, Any], Any], field_reader: Callable[[Schema], Callable[[Any], Any]]
) -> Callable[[Any], Any] | None:
    """``read(node) -> Struct`` for a STRUCT ``schema`` (None: the schema is not compiled).

    ``generic(schema, node)`` is the converter's exact reader; ``field_reader(schema)`` its per-field reader for
    logical types (used for base64 Decimals).
    """
    fields = schema.fields
    if len(fields) > _MAX_GENERATED_FIELDS:
        return None
    src = _Source()
    lines = src.lines
    schema_name, make = src.const("S", schema), src.const("C", Struct.from_validated)
    read_generic = src.const("G", generic)
    lines.append("def read(node):")
    lines.append("    if node.__class__ is not dict:")
    lines.append(f"        return {read_generic}({schema_name}, node)")
    lines.append("    get = node.get")
    for i, field in enumerate(fields):
        fs = field.schema
        v = f"v{i}"
        fs_name = src.const("S", fs)
        lines.append(f"    {v} = get({field.name!r})")
        fast = _fast_read(src, fs, v, generic, field_reader)
        if fast is None:
            lines.append(f"    {v} = {read_generic}({fs_name}, {v})")
            continue
        cond, expr = fast
        lines.append(f"    {v} = {expr} if {cond} else {read_generic}({fs_name}, {v})")
    values = ", ".join(f"v{i}" for i in range(len(fields)))
    lines.append(f"    return {make}({schema_name}, [{values}])")
    return src.compile("read")


def _fast_read(
    src: _Source, fs: Schema, v: str, generic: Callable[[Schema, Any], Any],
    field_reader: Callable[[Schema], Callable[[Any], Any]],
) -> tuple[str, str] | None:
    """(condition on the parsed node ``v``, expression of its Connect value) for the JSON type Kafka writes."""
    name, t = fs.name, fs.type
    if name == Timestamp.LOGICAL_NAME and t is Type.INT64:
        epoch, delta = src.const("C", _EPOCH), src.const("C", _dt.timedelta)
        low, high = _bounds(Type.INT64)
        return f"{v}.__class__ is int and {low} <= {v} <= {high}", f"{epoch} + {delta}(0, 0, 0, {v})"  # ms
    if name == Date.LOGICAL_NAME and t is Type.INT32:
        epoch, delta = src.const("C", _EPOCH_DATE), src.const("C", _dt.timedelta)
        low, high = _bounds(Type.INT32)
        return f"{v}.__class__ is int and {low} <= {v} <= {high}", f"{epoch} + {delta}(days={v})"
    if name == Decimal.LOGICAL_NAME and t is Type.BYTES:
        read = src.const("R", field_reader(fs))
        return f"{v}.__class__ is str", f"{read}({v})"
    if name is not None:
        if name.startswith("org.apache.kafka.connect.data."):
            return None
    if t is Type.STRING:
        return f"{v}.__class__ is str", v
    if t is Type.BOOLEAN:
        return f"{v}.__class__ is bool", v
    if t in _INT_RANGES:
        low, high = _bounds(t)
        return f"{v}.__class__ is int and {low} <= {v} <= {high}", v
    if t is Type.FLOAT64 and name is None:
        return f"{v}.__class__ is float", f"{v} + 0.0"  # BigDecimal has no negative zero: Kafka reads -0.0 as 0.0
    if t is Type.STRUCT:
        nested = compile_reader(fs, generic, field_reader)
        if nested is None:
            return None
        return f"{v}.__class__ is dict", f"{src.const('R', nested)}({v})"
    return None
