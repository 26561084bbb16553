"""The scalar part of Kafka's ``Values.parseString`` (used by InsertHeader to type its literal).

Booleans, integers (smallest fitting INT8..INT64), floats (FLOAT32 when finite as float, else FLOAT64) and
strings are inferred; arrays, maps and ISO dates stay strings (a known simplification).
"""

from __future__ import annotations

import decimal
import math
import re
from typing import Any

from connect_core.api.logical import Decimal
from connect_core.api.schema import (
    BOOLEAN_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
)
from connect_core.transforms._java import to_float32

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INT_SCHEMAS = ((INT8_SCHEMA, 7), (INT16_SCHEMA, 15), (INT32_SCHEMA, 31), (INT64_SCHEMA, 63))


def parse_string(text: str | None) -> tuple[Schema | None, Any]:
    """Infer (schema, value) from a literal the way Kafka's ``Values.parseString`` does for scalars."""
    if text is None:
        return None, None
    if text == "":
        return STRING_SCHEMA, text
    stripped = text.strip()
    if stripped.lower() in ("true", "false"):
        return BOOLEAN_SCHEMA, stripped.lower() == "true"
    if _NUMBER.fullmatch(stripped):
        number = decimal.Decimal(stripped)
        if number == number.to_integral_value() and "." not in stripped and "e" not in stripped.lower():
            as_int = int(number)
            for schema, bits in _INT_SCHEMAS:
                if -(1 << bits) <= as_int < (1 << bits):
                    return schema, as_int
            return Decimal.schema(0), number
        as_float = to_float32(float(number))
        if not math.isinf(as_float):
            return FLOAT32_SCHEMA, as_float
        return FLOAT64_SCHEMA, float(number)
    return STRING_SCHEMA, text
