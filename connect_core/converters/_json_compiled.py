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
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson

from connect_core.api.jackson_json import BACKSLASH, UNICODE_ESCAPE, astral_escaped, has_astral
from connect_core.api.logical import Date, Decimal, Timestamp
from connect_core.api.schema import Type
from connect_core.api.struct import Struct, TextStruct

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.schema import Schema

__all__ = ["compile_reader", "compile_string_writer", "compile_text_reader", "compile_writer"]

_INT_RANGES = {Type.INT8: 8, Type.INT16: 16, Type.INT32: 32, Type.INT64: 64}
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_EPOCH_DATE = _dt.date(1970, 1, 1)
_ONE_MS = _dt.timedelta(milliseconds=1)
_EPOCH_ORDINAL = _EPOCH_DATE.toordinal()
_MIN_MS = (_dt.datetime.min.replace(tzinfo=_dt.UTC) - _EPOCH) // _ONE_MS
_MAX_MS = (_dt.datetime.max.replace(tzinfo=_dt.UTC) - _EPOCH) // _ONE_MS
_EXACT = _decimal.Context(prec=_decimal.MAX_PREC, Emax=_decimal.MAX_EMAX, Emin=_decimal.MIN_EMIN)
_MAX_GENERATED_FIELDS = 250  # Python's parser copes with far more; keeps generated code readable in tracebacks


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
    schema: Schema, field_text: Callable[[Schema, Any], str], replace_null: bool, numeric_decimals: bool, *,
    nested: bool = False, lists: bool = False,
) -> Callable[[Any], Any] | None:
    """The compiled writer of a STRUCT ``schema`` (None: the schema is not compiled).

    ``write(struct) -> bytes | None``: the payload text, or None where the exact path must write it (a struct of
    another schema, a value the plan cannot type, text where orjson differs from Jackson). With ``nested``,
    ``build(struct_values) -> dict | None`` instead, for a struct field of an enclosing plan. With ``lists``, the
    value and its STRUCT fields' values are lists of field values (``StructLists``): ``write(values)``.
    ``field_text(schema, value)`` is the converter's exact writer (Jackson's text of one value).
    """
    fields = schema.fields
    if len(fields) > _MAX_GENERATED_FIELDS:
        return None
    src = _Source()
    fragment = src.const("F", orjson.Fragment)
    lines = src.lines
    if nested or lists:
        lines.append("def build(vals):" if nested else "def write(vals):")
    else:
        struct, own = src.const("C", Struct), src.const("S", schema)
        lines.append("def write(value):")
        lines.append(f"    if value.__class__ is not {struct} or value.schema is not {own}:")
        lines.append("        return None")
        lines.append("    vals = value._values")  # Struct.values() without the call (same package, hot path)
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
        if lists and fs.type is Type.STRUCT:
            listed = _list_field_lines(src, fs, v, x, field_text, replace_null, numeric_decimals)
            if listed is None:
                return None
            lines.extend(listed)
            continue
        fast = _fast_write(src, fs, v, x, field_text, replace_null, numeric_decimals)
        if fast is not None:
            cond, body = fast
            lines.append(f"    elif {cond}:")
            lines.extend(f"        {line}" for line in body)
        text = src.const("T", lambda value, fs=fs: field_text(fs, value))
        lines.append("    else:")
        lines.append(f"        {x} = {fragment}({text}({v}))")
    items = "{" + ", ".join(f"{field.name!r}: x{i}" for i, field in enumerate(fields)) + "}"
    if nested:
        lines.append(f"    return {items}")
        return src.compile("build")
    lines.extend(_dump_lines(src, items))
    return src.compile("write")


def _list_field_lines(  # noqa: PLR0917
    src: _Source, fs: Schema, v: str, x: str, field_text: Callable[[Schema, Any], str], replace_null: bool,
    numeric_decimals: bool,
) -> list[str] | None:
    """The branches setting ``x`` from a STRUCT field's list of values (``lists`` plans): anything else is the exact
    path's (None: the field's schema is not compiled)."""
    build = compile_writer(fs, field_text, replace_null, numeric_decimals, nested=True, lists=True)
    if build is None:
        return None
    return [f"    elif {v}.__class__ is list and ({x} := {src.const('W', build)}({v})) is not None:", "        pass",
            "    else:", "        return None"]


def compile_string_writer() -> Callable[[Any], bytes | None]:
    """``write(value)`` for a top-level unnamed STRING schema (what FileStreamSource records carry)."""
    src = _Source()
    src.lines.append("def write(value):")
    src.lines.append("    if value.__class__ is not str:")
    src.lines.append("        return None")
    src.lines.extend(_dump_lines(src, "value"))
    return src.compile("write")


def _dump_lines(src: _Source, node: str) -> list[str]:
    """``orjson.dumps(node)`` as Jackson writes it: None where a ``\\u`` escape is in it (``orjson_text_is_jacksons``
    of api/jackson_json, inlined), its characters outside the BMP as Jackson's surrogate pairs (``astral_escaped``)."""
    dumps, error = src.const("J", orjson.dumps), src.const("X", orjson.JSONEncodeError)
    escape, astral, escaped = (src.const("A", UNICODE_ESCAPE.search), src.const("A", has_astral),
                               src.const("A", astral_escaped))
    return [
        "    try:",
        f"        text = {dumps}({node})",
        f"    except {error}:",  # lone surrogates and the like: the exact path decides
        "        return None",
        f"    if {BACKSLASH} in text and {escape}(text) is not None:",
        "        return None",
        f"    if text.isascii() or not {astral}(text):",
        "        return text",
        f"    return {escaped}(text)",
    ]


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
        date = src.const("C", _dt.date)
        return f"{v}.__class__ is {date}", [f"{x} = {v}.toordinal() - {_EPOCH_ORDINAL}"]
    if name == Decimal.LOGICAL_NAME:
        if numeric_decimals:
            return None
        try:
            scale = Decimal.scale(fs)
        except Exception:  # a malformed scale parameter: the exact path reports it
            return None
        if scale < 0:
            return None  # str() prints these with an exponent: the exact writer
        dec, exact = src.const("C", _decimal.Decimal), src.const("T", lambda value, fs=fs: field_text(fs, value))
        fragment, at_scale = src.const("F", orjson.Fragment), src.const("B", Decimal.base64_at_scale)
        return f"{v}.__class__ is {dec}", [
            f"{x} = {at_scale}({v}, {scale})",
            f"if {x} is None:",
            f"    {x} = {fragment}({exact}({v}))",  # another scale or not finite: the exact writer, Kafka's error
        ]
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
        nested = compile_writer(fs, field_text, replace_null, numeric_decimals, nested=True)
        if nested is None:
            return None
        struct, schema, build = src.const("C", Struct), src.const("S", fs), src.const("W", nested)
        return (f"{v}.__class__ is {struct} and {v}.schema is {schema} and ({x} := {build}({v}._values)) "
                "is not None", ["pass"])
    return None


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
    schema_name, new = src.const("S", schema), src.const("C", Struct.__new__)
    struct_class = src.const("C", Struct)
    read_generic = src.const("G", generic)
    lines.append("def read(node):")
    lines.append("    if node.__class__ is not dict:")
    lines.append(f"        return {read_generic}({schema_name}, node)")
    _read_nodes(src, [field.name for field in fields])
    for i, field in enumerate(fields):
        fs = field.schema
        v = f"v{i}"
        fs_name = src.const("S", fs)
        if fs.name == Decimal.LOGICAL_NAME and fs.type is Type.BYTES and _scale_or_none(fs) is not None:
            # base64 two's complement bytes, decoded inline (strict a2b_base64: a subset of validated b64decode)
            a2b, from_bytes = src.const("C", binascii.a2b_base64), src.const("C", int.from_bytes)
            # u * 1E-scale in an unbounded context: the digits of u at exponent -scale, exactly
            # Decimal(f"{u}E-scale") (what the exact reader builds), without writing and parsing the text; the
            # context converts the int itself (exactly), cheaper than a Decimal(u) first
            multiply = src.const("C", _EXACT.multiply)
            factor = src.const("C", _decimal.Decimal(f"1E{-_scale_or_none(fs)}"))  # type: ignore[operator]
            errors = src.const("C", (binascii.Error, ValueError))
            lines.append(f"    if {v}.__class__ is str:")
            lines.append("        try:")
            lines.append(f"            u = {from_bytes}({a2b}({v}, strict_mode=True), 'big', signed=True)")
            lines.append(f"        except {errors}:")
            lines.append(f"            {v} = {read_generic}({fs_name}, {v})")
            lines.append("        else:")
            lines.append(f"            {v} = {multiply}(u, {factor})")
            lines.append("    else:")
            lines.append(f"        {v} = {read_generic}({fs_name}, {v})")
            continue
        fast = _fast_read(src, fs, v, generic, field_reader)
        if fast is None:
            lines.append(f"    {v} = {read_generic}({fs_name}, {v})")
            continue
        cond, expr = fast
        # A null for an optional field without a default is null (the exact reader's answer), without the call.
        null = f"None if {v} is None else " if fs.optional and fs.default_value is None else ""
        lines.append(f"    {v} = {expr} if {cond} else {null}{read_generic}({fs_name}, {v})")
    values = ", ".join(f"v{i}" for i in range(len(fields)))
    # Struct.from_validated inlined: a new struct over the values, which the plan has typed for the schema
    lines.append(f"    struct = {new}({struct_class})")
    lines.append(f"    struct.schema = {schema_name}")
    lines.append(f"    struct._values = [{values}]")
    lines.append("    struct._text = None")
    lines.append("    return struct")
    return src.compile("read")


def compile_text_reader(schema: Schema, read: Callable[[Any], Any], *,
                        lazy: bool = False) -> Callable[[Any, bytes], Any] | None:
    """``read_text(node, raw) -> Struct``: ``read(node)``, keeping ``raw`` (the payload's bytes) as the struct's
    ``_text`` where writing the struct as schemaless JSON (BASE64 decimals) gives exactly ``raw``. None: no value of
    ``schema`` is kept so (a field that is not a string, boolean, int, double, Timestamp, Date or BASE64 Decimal).
    With ``lazy``, a struct that keeps its text is a ``TextStruct``, its values read (by ``read``) when first read.

    ``raw`` is kept when it is ASCII without a backslash (no escapes to compare), its keys are the schema's fields in
    order, every field has the JSON type Kafka writes (an optional field without default may be null) with a value
    that comes back as the same text (a double in ``[1e-3, 1e7)`` or ``0.0``, a Decimal's minimal two's complement
    in canonical base64, a Timestamp or Date in the datetime range), and orjson writes the parsed node as ``raw``
    (no whitespace, the shortest numbers). Every other payload is ``read(node)`` without text.
    """
    fields = schema.fields
    if not fields or len(fields) > _MAX_GENERATED_FIELDS:
        return None
    src = _Source()
    lines = src.lines
    names = src.const("N", tuple(field.name for field in fields))
    fallback, dumps = src.const("R", read), src.const("C", orjson.dumps)
    lines += ["def read_text(node, raw):",
              f"    if node.__class__ is not dict or tuple(node) != {names} or not raw.isascii() or 92 in raw:",
              f"        return {fallback}(node)",
              f"    {', '.join(f'v{i}' for i in range(len(fields)))}{',' if len(fields) == 1 else ''} = node.values()"]
    conditions: list[str] = []
    values: list[str] = []
    decoded: list[str] = []
    for i, field in enumerate(fields):
        typed = _text_field(src, field.schema, f"v{i}", decoded, fallback)
        if typed is None:
            return None
        condition, value = typed
        fs = field.schema
        if fs.optional and fs.default_value is None:  # null reads as null and writes as null
            condition = f"(v{i} is None or {condition})"
            value = value if value == f"v{i}" else f"(None if v{i} is None else {value})"
        conditions.append(f"({condition})")
        values.append(value)
    lines.append(f"    if not ({' and '.join(conditions)}):")
    lines.append(f"        return {fallback}(node)")
    lines += decoded
    lines.append(f"    if {dumps}(node) != raw:")
    lines.append(f"        return {fallback}(node)")
    new, schema_name = src.const("C", Struct.__new__), src.const("S", schema)
    if lazy:
        lines += [f"    struct = {new}({src.const('C', TextStruct)})", f"    struct.schema = {schema_name}",
                  "    struct._node = node", f"    struct._read = {fallback}", "    struct._text = raw",
                  "    return struct"]
        return src.compile("read_text")
    lines += [f"    struct = {new}({src.const('C', Struct)})", f"    struct.schema = {schema_name}",
              f"    struct._values = [{', '.join(values)}]", "    struct._text = raw", "    return struct"]
    return src.compile("read_text")


def _text_field(src: _Source, fs: Schema, v: str, decoded: list[str], fallback: str) -> tuple[str, str] | None:
    """(condition on the parsed node ``v`` that it reads and writes back as its own text, its Connect value);
    ``decoded`` gets the lines that decode a Decimal (they return the exact read where its text is not canonical)."""
    name, t = fs.name, fs.type
    if name == Decimal.LOGICAL_NAME and t is Type.BYTES:
        scale = _scale_or_none(fs)
        if scale is None or scale < 0:
            return None
        a2b, b2a = src.const("C", binascii.a2b_base64), src.const("C", binascii.b2a_base64)
        multiply, from_bytes = src.const("C", _EXACT.multiply), src.const("C", int.from_bytes)
        factor, errors = src.const("C", _decimal.Decimal(f"1E{-scale}")), src.const("C", (binascii.Error, ValueError))
        b = f"b_{v}"
        # the bytes Kafka writes back are the unscaled value's minimal two's complement, in canonical base64
        decoded += ["    try:", f"        {b} = None if {v} is None else {a2b}({v}, strict_mode=True)",
                    f"    except {errors}:", f"        return {fallback}(node)",
                    f"    if {b} is not None and (not {b} or len({b}) > 1 and ({b}[0] == 0 and {b}[1] < 128 or "
                    f"{b}[0] == 255 and {b}[1] >= 128) or {b2a}({b}, newline=False) != {v}.encode()):",
                    f"        return {fallback}(node)"]
        return f"{v}.__class__ is str", f"{multiply}({from_bytes}({b}, 'big', signed=True), {factor})"
    if t is Type.FLOAT64 and name is None:
        # the doubles orjson and Jackson print alike; -0.0 reads as 0.0 (Kafka's BigDecimal), so it is not kept
        return (f"{v}.__class__ is float and (1e-3 <= {v} < 1e7 or -1e7 < {v} <= -1e-3 or {v} == 0.0 "
                f"and {v}.hex() == '0x0.0p+0')", v)
    if t in _INT_RANGES or t is Type.STRING or t is Type.BOOLEAN:  # Kafka's other logical types: None
        return _fast_read(src, fs, v, _no_reader, lambda schema: _no_reader)
    return None


def _no_reader(*args: Any) -> None:
    """Never called: ``_fast_read`` needs a reader only for the types ``_text_field`` keeps apart."""


def _read_nodes(src: _Source, names: list[str]) -> None:
    """``v0, v1, ...`` = the parsed nodes of the fields ``names`` (None where the key is missing)."""
    if not names:
        return
    if len(names) == 1:  # itemgetter of one name returns the node, not a tuple; a subscript beats ``get``
        src.lines.extend(["    try:", f"        v0 = node[{names[0]!r}]", "    except KeyError:", "        v0 = None"])
        return
    # every field's node in one C call; a missing key (null, as Kafka reads it) takes one get per field
    getter = src.const("C", itemgetter(*names))
    src.lines.append("    try:")
    src.lines.append(f"        {', '.join(f'v{i}' for i in range(len(names)))} = {getter}(node)")
    src.lines.append("    except KeyError:")
    src.lines.append("        get = node.get")
    src.lines.extend(f"        v{i} = get({name!r})" for i, name in enumerate(names))


def _scale_or_none(schema: Schema) -> int | None:
    try:
        return Decimal.scale(schema)
    except Exception:  # a malformed scale parameter: the exact reader reports it
        return None


def _fast_read(
    src: _Source, fs: Schema, v: str, generic: Callable[[Schema, Any], Any],
    field_reader: Callable[[Schema], Callable[[Any], Any]],
) -> tuple[str, str] | None:
    """(condition on the parsed node ``v``, expression of its Connect value) for the JSON type Kafka writes."""
    name, t = fs.name, fs.type
    if name == Timestamp.LOGICAL_NAME and t is Type.INT64:
        # datetime's range only (years 1-9999); anything else takes the exact reader and its error
        epoch, one_ms = src.const("C", _EPOCH), src.const("C", _ONE_MS)
        return f"{v}.__class__ is int and {_MIN_MS} <= {v} <= {_MAX_MS}", f"{epoch} + {one_ms} * {v}"
    if name == Date.LOGICAL_NAME and t is Type.INT32:
        from_ordinal = src.const("C", _dt.date.fromordinal)
        low, high = 1 - _EPOCH_ORDINAL, _dt.date.max.toordinal() - _EPOCH_ORDINAL
        return f"{v}.__class__ is int and {low} <= {v} <= {high}", f"{from_ordinal}({v} + {_EPOCH_ORDINAL})"
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
