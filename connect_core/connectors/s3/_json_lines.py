"""JSON lines of flat Struct values through one generated function per schema, byte for byte ``to_json_text``.

``RecordFormat`` writes a record as ``data_json.to_json_text`` + newline (JsonConverter's shapes with
``schemas.enable=false``, the stdlib encoder's text). That walks the schema per field and record and dominated the
sink's CPU time. For a STRUCT schema whose fields are primitives or the four Connect logical types, this module
generates one function per schema (cached by the schema object: schemas are immutable) that reads the values by
position, checks each one's exact Python type (a null: the schema's default, precomputed), builds the dict in field
order and lets ``orjson.dumps`` write it.

orjson's text equals ``json.dumps(separators=(",", ":"), ensure_ascii=False)``'s for every ``str``, ``bool``,
``None``, ``int`` within 64 bits, and every finite ``float`` that is 0 or at least 1e-4 in magnitude (below that
Python prints ``1e-05`` where orjson prints ``0.00001``); ``tests/unit/connectors/s3/test_json_lines.py`` checks it.
A value outside that (a small float, NaN, a null where the schema wants a default or fails, a wrong type, a huge
int, a lone surrogate) makes the function return None and the caller writes that record the exact way, which
gives the same text or raises the same error as before.
"""

from __future__ import annotations

import binascii
import json
from typing import TYPE_CHECKING, Any

import orjson

from connect_core.api.data_json import to_json_data
from connect_core.api.logical import Date, Decimal, Time, Timestamp
from connect_core.api.schema import Type
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.schema import Schema

__all__ = ["compile_line"]

_INTS = frozenset({Type.INT8, Type.INT16, Type.INT32, Type.INT64})
_PLAIN = {Type.STRING: "str", Type.BOOLEAN: "bool", Type.BYTES: "bytes"}
_LOGICAL = {Date.LOGICAL_NAME: Date.from_logical, Time.LOGICAL_NAME: Time.from_logical,
            Timestamp.LOGICAL_NAME: Timestamp.from_logical}
_MAX_FLOAT = 1.7976931348623157e308


def compile_line(schema: Schema | None, *, base64_decimals: bool) -> Callable[[Any], bytes | None] | None:
    """The line writer of values of ``schema`` (None: not a flat struct schema, write every value the exact way).

    ``base64_decimals``: ``json.decimal.format=BASE64``; NUMERIC decimals are left to the exact writer.
    """
    if schema is None or schema.type is not Type.STRUCT or not schema.fields:
        return None
    namespace: dict[str, Any] = {"_dumps": orjson.dumps, "_NL": orjson.OPT_APPEND_NEWLINE, "_b64": binascii.b2a_base64,
                                 "_Struct": Struct, "_MAX": _MAX_FLOAT}
    body = ["def line(value):", " if type(value) is not _Struct: return None", " try:", "  v = value._values"]
    items = []
    for field in schema.fields:
        fs, i = field.schema, field.index
        a = f"a{i}"
        body.append(f"  {a} = v[{i}]")
        if fs.default_value is not None:  # its JSON, when orjson writes it as the exact writer does
            default = to_json_data(fs, fs.default_value, decimal_format="BASE64" if base64_decimals else "NUMERIC")
            try:
                same = orjson.dumps(default) == json.dumps(default, separators=(",", ":"), ensure_ascii=False,
                                                           allow_nan=True).encode("utf-8")
            except (TypeError, ValueError):
                same = False
            namespace[f"_d{i}"] = default
            body.append(f"  if {a} is None: {a} = _d{i}" if same else f"  if {a} is None: return None")
        elif not fs.optional:
            body.append(f"  if {a} is None: return None")  # Kafka's error: the exact writer raises it
        else:
            body.append(f"  if {a} is None: pass")
        body.append("  else:")
        guard = "   "
        if fs.name == Decimal.LOGICAL_NAME:
            if not base64_decimals:
                return None
            namespace[f"_s{i}"] = fs
            namespace["_dec"] = Decimal.from_logical
            body.append(f"{guard}{a} = _b64(_dec(_s{i}, {a}), newline=False).decode('ascii')")
        elif fs.name in _LOGICAL:
            namespace[f"_s{i}"], namespace[f"_l{i}"] = fs, _LOGICAL[fs.name]
            body.append(f"{guard}{a} = _l{i}(_s{i}, {a})")
        elif fs.type in _INTS:
            body.append(f"{guard}if type({a}) is not int: return None")
        elif fs.type in (Type.FLOAT32, Type.FLOAT64):
            body.append(f"{guard}if type({a}) is not float or not ({a} == 0.0 or 1e-4 <= abs({a}) <= _MAX): "
                        "return None")
        elif fs.type in _PLAIN:
            body.append(f"{guard}if type({a}) is not {_PLAIN[fs.type]}: return None")
            if fs.type is Type.BYTES:
                body.append(f"{guard}{a} = _b64({a}, newline=False).decode('ascii')")
        else:  # nested struct, array, map: the exact writer for the whole schema
            return None
        items.append(f"{field.name!r}: {a}")
    body.append("  return _dumps({" + ", ".join(items) + "}, option=_NL)")
    body.append(" except Exception:")  # orjson's range or surrogate errors, a bad logical value: the exact path
    body.append("  return None")
    exec(compile("\n".join(body), f"<s3 json line {schema.name or 'struct'}>", "exec"), namespace)
    line: Callable[[Any], bytes | None] = namespace["line"]
    return line
