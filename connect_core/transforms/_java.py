"""Java number semantics the SMTs need to match Kafka byte for byte (narrowing casts, ``toString``, parsing)."""

from __future__ import annotations

import decimal
import math
import re
import struct
from typing import Any

_INT_BITS = {8: (-(1 << 7), (1 << 7) - 1), 16: (-(1 << 15), (1 << 15) - 1),
             32: (-(1 << 31), (1 << 31) - 1), 64: (-(1 << 63), (1 << 63) - 1)}
_JAVA_INT = re.compile(r"[+-]?\d+")
_JAVA_FLOAT = re.compile(r"[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?")
_FLOAT32_MAX = 3.4028235677973366e38


def wrap(value: int, bits: int) -> int:
    """Two's-complement wrap of an int to ``bits`` (Java's narrowing of integral types)."""
    mask = (1 << bits) - 1
    value &= mask
    return value - (1 << bits) if value >> (bits - 1) else value


def narrow(value: Any, bits: int) -> int:
    """Java ``Number.byteValue()``/``shortValue()``/``intValue()``/``longValue()`` of an int, float or Decimal."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return 0
        lo, hi = _INT_BITS[64 if bits == 64 else 32]
        as_int = hi if value >= hi else lo if value <= lo else int(value)
        return wrap(as_int, bits)
    return wrap(int(value), bits)


def to_float32(value: float) -> float:
    """Round a double to the nearest float32 (Java ``floatValue()``), overflowing to infinity like Java."""
    try:
        return struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        if abs(value) < _FLOAT32_MAX * (1 + 2**-24):
            return math.copysign(_FLOAT32_MAX, value)
        return math.copysign(math.inf, value)


def parse_int(text: str, bits: int) -> int:
    """Java ``Byte/Short/Integer/Long.parseX``; ValueError (NumberFormatException) if invalid or out of range."""
    if not _JAVA_INT.fullmatch(text):
        raise ValueError(text)
    value = int(text)
    lo, hi = _INT_BITS[bits]
    if not lo <= value <= hi:
        raise ValueError(text)
    return value


def parse_float(text: str) -> float:
    """Java ``Double.parseDouble`` (surrounding whitespace trimmed, ``f``/``d`` suffix allowed)."""
    stripped = text.strip()
    if not _JAVA_FLOAT.fullmatch(stripped):
        raise ValueError(text)
    if stripped[-1] in "fFdD" and not stripped.endswith("Infinity"):
        stripped = stripped[:-1]
    return float(stripped.replace("Infinity", "inf"))


def _sci(value: float, digits: str, exponent: int) -> str:
    mantissa = digits[0] + "." + (digits[1:] or "0")
    return f"{'-' if value < 0 else ''}{mantissa}E{exponent}"


def _java_fp_string(value: float, repr_text: str) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign, digits_t, exp = decimal.Decimal(repr_text).as_tuple()
    digits = "".join(map(str, digits_t)).rstrip("0") or "0"
    exponent = len(digits_t) + int(exp) - 1  # decimal exponent of the first digit
    if 1e-3 <= abs(value) < 1e7:
        text = format(decimal.Decimal(repr_text).copy_abs(), "f")
        if "." not in text:
            text += ".0"
        return ("-" if sign else "") + text
    return _sci(value, digits, exponent)


def double_to_string(value: float) -> str:
    """Java ``Double.toString`` (shortest repr, scientific notation outside [1e-3, 1e7))."""
    return _java_fp_string(value, repr(value))


def float_to_string(value: float) -> str:
    """Java ``Float.toString`` of a float32 value: the shortest decimal that round-trips through float32."""
    if math.isnan(value) or math.isinf(value) or value == 0:
        return _java_fp_string(value, repr(value))
    for precision in range(1, 10):
        text = f"{value:.{precision}g}"
        if to_float32(float(text)) == value:
            return _java_fp_string(value, text)
    return _java_fp_string(value, repr(value))
