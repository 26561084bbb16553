"""JSON exactly as Kafka Connect's internal converter writes it (JsonConverter, schemas.enable=false).

Internal-topic values are schemaless JSON written by Jackson, so plain ``json.dumps`` is almost but
not quite right. The differences, checked against Kafka 4.1.1's JsonConverter:

* doubles use Java's ``Double.toString``: ``1.0``, ``1.0E7``, ``1.5E-5`` (Python: ``1.0``, ``10000000.0``, ``1.5e-05``);
* NaN and infinities are written as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``;
* control characters other than ``\\b \\t \\n \\f \\r`` are escaped with upper-case hex (``\\u001F``);
* characters outside the Basic Multilingual Plane are escaped as a surrogate pair (``\\uD83D\\uDE00``),
  while other non-ASCII text is written raw as UTF-8;
* bytes become standard base64 strings (Jackson's binary nodes).

Field order is the caller's dict order, which is the order Kafka's struct schemas declare.
"""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

__all__ = ["dumps", "java_double", "loads"]

_ESCAPED = re.compile(r'[\x00-\x1f"\\\U00010000-\U0010ffff]')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_JAVA_PLAIN_MIN = 1e-3  # Double.toString switches to computerized scientific notation outside [1e-3, 1e7)
_JAVA_PLAIN_MAX = 1e7
_JAVA_MIN_VALUE = 5e-324  # Double.MIN_VALUE: every JDK prints "4.9E-324", not the shortest "5.0E-324"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04X}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"


def _string(value: str) -> str:
    return '"' + _ESCAPED.sub(_escape, value) + '"'


def java_double(value: float) -> str:
    """``Double.toString`` for a finite double, from Python's shortest round-trip digits.

    Java 19+ also prints the shortest digits; older JDKs occasionally print one more digit, which
    still parses to the same double.
    """
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    digits, exponent = ("49", -324) if magnitude == _JAVA_MIN_VALUE else _digits(magnitude)
    if _JAVA_PLAIN_MIN <= magnitude < _JAVA_PLAIN_MAX:
        point = exponent + 1  # digits before the decimal point
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    fraction = digits[1:] or "0"
    return f"{sign}{digits[0]}.{fraction}E{exponent}"


def _digits(magnitude: float) -> tuple[str, int]:
    """Shortest significant digits (no trailing zeros) and the decimal exponent of the first one."""
    coefficient, _, exp = repr(magnitude).partition("e")  # "1.5e-05", "1e+16", "123.456", "0.001"
    whole, _, fraction = coefficient.partition(".")
    exponent = int(exp) if exp else 0
    digits = (whole + fraction).lstrip("0")
    leading_zeros = len(whole + fraction) - len(digits)
    return digits.rstrip("0") or "0", exponent + len(whole) - 1 - leading_zeros


def _write(value: Any, out: list[str]) -> None:  # noqa: C901, PLR0912 - one branch per JSON type
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        if math.isnan(value):
            out.append('"NaN"')
        elif math.isinf(value):
            out.append('"Infinity"' if value > 0 else '"-Infinity"')
        else:
            out.append(java_double(value))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(_string(key))
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
