"""JSON exactly as Kafka Connect's internal converter writes it (JsonConverter, schemas.enable=false).

Internal-topic values are schemaless JSON written by Jackson, so plain ``json.dumps`` is almost but
not quite right. The differences, checked against Kafka 4.1.1's JsonConverter:

* doubles use Java's ``Double.toString``: ``1.0``, ``1.0E7``, ``1.5E-5`` (Python: ``1.0``, ``10000000.0``, ``1.5e-05``);
* NaN and infinities are written as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``;
* control characters other than ``\\b \\t \\n \\f \\r`` are escaped with upper-case hex (``\\u001F``);
* characters outside the Basic Multilingual Plane are escaped as a surrogate pair (``\\uD83D\\uDE00``),
  while other non-ASCII text is written raw as UTF-8;
* bytes become standard base64 strings (Jackson's binary nodes).

Numbers and strings are formatted by :mod:`connect_core.api.java_text`, the one home of those Java formats.
Field order is the caller's dict order, which is the order Kafka's struct schemas declare.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

from connect_core.api.java_text import jackson_string, java_double_str

__all__ = ["dumps", "loads"]


def _write(value: Any, out: list[str]) -> None:  # noqa: C901, PLR0912 - one branch per JSON type
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(jackson_string(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        if math.isnan(value):
            out.append('"NaN"')
        elif math.isinf(value):
            out.append('"Infinity"' if value > 0 else '"-Infinity"')
        else:
            out.append(java_double_str(value))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(jackson_string(key))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, bytes | bytearray | memoryview):
        out.append('"' + base64.b64encode(bytes(value)).decode("ascii") + '"')
    else:
        raise TypeError(f"Cannot write {type(value).__name__} as Kafka Connect internal JSON")


def dumps(value: Any) -> bytes:
    """Serialise a schemaless value to the exact UTF-8 bytes Kafka Connect's internal converter writes."""
    out: list[str] = []
    _write(value, out)
    return "".join(out).encode("utf-8", "surrogatepass")


def loads(data: bytes) -> Any:
    """Parse internal-topic JSON (any valid JSON; escapes such as surrogate pairs are standard)."""
    return json.loads(data)
