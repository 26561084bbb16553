"""Java number semantics the SMTs need to match Kafka byte for byte (narrowing casts, parsing).

``Double.toString``, ``Float.toString`` and the float32 cast live in :mod:`connect_core.api.java_text`.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["narrow", "parse_float", "parse_int", "wrap"]

_INT_BITS = {8: (-(1 << 7), (1 << 7) - 1), 16: (-(1 << 15), (1 << 15) - 1),
             32: (-(1 << 31), (1 << 31) - 1), 64: (-(1 << 63), (1 << 63) - 1)}
_JAVA_INT = re.compile(r"[+-]?\d+")
_JAVA_FLOAT = re.compile(r"[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?")


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
