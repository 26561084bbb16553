"""JSON lines of flat Struct values through one generated function per schema, byte for byte ``to_json_text``.

``RecordFormat`` writes a record as JsonConverter's text (``schemas.enable=false``) plus newline; walking the schema
per field and record dominated the sink's CPU. A struct that carries the text it was read from (``Struct``'s
``_text``: the JSON converter keeps it for a task that ``wants_json_text`` where it is exactly what writing the struct
gives) is written as that text. For a STRUCT of primitives and Connect logical types this module
generates one function per schema (cached by the immutable schema) that checks each value's exact type, builds the
dict in field order and lets ``orjson.dumps`` write it, with Jackson's escapes put back. Where orjson's text could
differ from Jackson's (a double outside ``[1e-3, 1e7)``, NaN, a missing default, a wrong type, a huge int, a lone
surrogate) the function returns None and the caller writes that record the exact way.
"""

from __future__ import annotations

import binascii
import datetime as _dt
import decimal as _decimal
from typing import TYPE_CHECKING, Any

import orjson

from connect_core.api.data_json import to_json_data, to_json_text
from connect_core.api.jackson_json import jackson_escaped, jackson_float_text
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.api.struct import Struct, TextStruct

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.data_json import DecimalFormat
    from connect_core.api.schema import Schema

__all__ = ["compile_line"]

_INTS = frozenset({Type.INT8, Type.INT16, Type.INT32, Type.INT64})
_PLAIN = {Type.STRING: "str", Type.BOOLEAN: "bool"}
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_EPOCH_NAIVE = _dt.datetime(1970, 1, 1)  # naive datetimes are UTC in Connect (``Timestamp.from_logical``)
_EPOCH_UTC = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_ONE_MS = _dt.timedelta(milliseconds=1)


def _scale(schema: Schema) -> int | None:
    try:
        return Decimal.scale(schema)
    except Exception:  # a malformed scale parameter: the exact path reports it per value
        return None


def compile_line(schema: Schema | None, *, base64_decimals: bool,
                 newline: bool = True) -> Callable[[Any], bytes | None] | None:
    """The line writer of values of ``schema`` (None: not a flat struct schema, write every value the exact way).

    ``base64_decimals``: ``json.decimal.format=BASE64``; NUMERIC decimals are left to the exact writer. Without
    ``newline`` a line is its text alone (a struct's ``_text`` itself, not a copy): the caller joins the lines.
    """
    if schema is None or schema.type is not Type.STRUCT or not schema.fields:
        return None
    ns: dict[str, Any] = {
        "_dumps": orjson.dumps, "_NL": orjson.OPT_APPEND_NEWLINE if newline else 0, "_b64": binascii.b2a_base64,
        "_Struct": Struct, "_TextStruct": TextStruct,
        "_escaped": jackson_escaped, "_F": orjson.Fragment, "_f32": jackson_float_text, "_Dec": _decimal.Decimal,
        "_dec": Decimal.from_logical,
        "_at_scale": Decimal.base64_at_scale, "_date": _dt.date,
        "_datetime": _dt.datetime, "_EPOCH": _EPOCH_NAIVE, "_EPOCH_UTC": _EPOCH_UTC, "_MS": _ONE_MS,
        "_date_of": Date.from_logical, "_ts_of": Timestamp.from_logical, "_time_of": Time.from_logical,
    }
    body = ["def line(value):", " if type(value) is not _Struct and type(value) is not _TextStruct: return None",
            " try:"]
    if base64_decimals or not any(field.schema.name == Decimal.LOGICAL_NAME for field in schema.fields):
        # the text the converter read the struct from, where writing it gives those very bytes (Struct's _text)
        ns["_S"] = schema
        text = "t + b'\\n'" if newline else "t"
        body += ["  t = value._text", f"  if t is not None and value.schema is _S: return {text}"]
    body.append("  v = value._values")
    items = []
    for field in schema.fields:
        fs, a = field.schema, f"a{field.index}"
        ns[f"_s{field.index}"] = fs
        convert = _convert(fs, a, f"_s{field.index}", base64_decimals)
        if convert is None:  # nested struct, array, map, NUMERIC decimal: the exact writer for the whole schema
            return None
        on_null = _on_null(fs, a, field.index, ns, base64_decimals)
        if on_null == "return None":  # every conversion below rejects a None (a type check, or raises): no test
            body += [f"  {a} = v[{field.index}]", *(f"  {line}" for line in convert)]
        else:
            body += [f"  {a} = v[{field.index}]", f"  if {a} is None: {on_null}", "  else:",
                     *(f"   {line}" for line in convert)]
        items.append(f"{field.name!r}: {a}")
    body.append("  t = _dumps({" + ", ".join(items) + "}, option=_NL)")
    body.append("  return t if 92 not in t and t.isascii() else _escaped(t)")  # no backslash, no non-ASCII: as is
    body.append(" except Exception:")  # orjson's range or surrogate errors, a bad logical value: the exact path
    body.append("  return None")
    exec(compile("\n".join(body), f"<s3 json line {schema.name or 'struct'}>", "exec"), ns)
    line: Callable[[Any], bytes | None] = ns["line"]
    return line


def _on_null(fs: Schema, a: str, index: int, ns: dict[str, Any], base64_decimals: bool) -> str:
    """What a null field does: stays null (optional), becomes the default's JSON when orjson writes it as the exact
    writer does, or hands the record to the exact writer (Kafka's error for a required field)."""
    if fs.default_value is None:
        return "pass" if fs.optional else "return None"
    decimal_format: DecimalFormat = "BASE64" if base64_decimals else "NUMERIC"
    default = to_json_data(fs, fs.default_value, decimal_format=decimal_format)
    try:
        same = jackson_escaped(orjson.dumps(default)) == to_json_text(
            fs, fs.default_value, decimal_format=decimal_format).encode("utf-8")
    except (TypeError, ValueError):
        same = False
    ns[f"_d{index}"] = default
    return f"{a} = _d{index}" if same else "return None"


def _convert(fs: Schema, a: str, s: str, base64_decimals: bool) -> list[str] | None:
    """Lines that check the non-null value ``a`` of field schema ``s`` and turn it into what orjson writes."""
    if fs.name == Decimal.LOGICAL_NAME:
        if not base64_decimals:
            return None
        exact = f"{a} = _b64(_dec({s}, {a}), newline=False).decode('ascii')"
        scale = _scale(fs)
        if scale is None or scale < 0:
            return [exact]
        if scale == 0:
            return [f"t = _at_scale({a}, 0) if type({a}) is _Dec else None",
                    f"if t is None: {exact}",  # another scale, NaN, a subclass: Kafka's check and error
                    f"else: {a} = t"]
        # Decimal.base64_at_scale inline: the text shows the scale and the unscaled digits at once.
        return [f"t = str({a}) if type({a}) is _Dec else ''",
                f"if 'E' in t or len(t) <= {scale} or t[{-scale - 1}] != '.': {exact}",
                "else:",
                " n = int(t.replace('.', ''))",
                f" {a} = _b64(n.to_bytes(((n if n >= 0 else ~n).bit_length() + 8) // 8, 'big', signed=True), "
                "newline=False).decode('ascii')"]
    if fs.name == Date.LOGICAL_NAME:
        return [f"{a} = {a}.toordinal() - {_EPOCH_ORDINAL} if type({a}) is _date else _date_of({s}, {a})"]
    if fs.name == Timestamp.LOGICAL_NAME:
        return [f"{a} = ({a} - (_EPOCH if {a}.tzinfo is None else _EPOCH_UTC)) // _MS if type({a}) is _datetime "
                f"else _ts_of({s}, {a})"]
    if fs.name == Time.LOGICAL_NAME:
        return [f"{a} = _time_of({s}, {a})"]
    if fs.type in _INTS:
        return [f"if type({a}) is not int: return None"]
    if fs.type is Type.FLOAT32:
        return [f"if type({a}) is not float: return None", f"{a} = _F(_f32({a}))"]
    if fs.type is Type.FLOAT64:
        return [f"if type({a}) is not float or not ({a} == 0.0 or 1e-3 <= abs({a}) < 1e7): return None"]
    if fs.type is Type.BYTES:
        return [f"if type({a}) is not bytes: return None", f"{a} = _b64({a}, newline=False).decode('ascii')"]
    if fs.type in _PLAIN:
        return [f"if type({a}) is not {_PLAIN[fs.type]}: return None"]
    return None
