"""JSON exactly as Kafka Connect's internal converter writes it (JsonConverter, schemas.enable=false).

Internal-topic values (configs, offsets, statuses) are schemaless JSON written by Jackson; the one home of that text
is :mod:`connect_core.api.jackson_json` (Java's ``Double.toString``, quoted NaN and infinities, upper-case ``\\u001F``
escapes, surrogate pairs outside the BMP, bytes as base64). Field order is the caller's dict order, which is the
order Kafka's struct schemas declare.
"""

from __future__ import annotations

import json
from typing import Any

from connect_core.api.jackson_json import jackson_json, jackson_json_readable

__all__ = ["dumps", "loads"]


def dumps(value: Any) -> bytes:
    """Serialise a schemaless value to the exact UTF-8 bytes Kafka Connect's internal converter writes.

    Raises:
        TypeError: a value JSON cannot hold (an object, a non-string key).
    """
    fast = jackson_json(value)
    return fast if fast is not None else jackson_json_readable(value).encode("utf-8", "surrogatepass")


def loads(data: bytes) -> Any:
    """Parse internal-topic JSON (any valid JSON; escapes such as surrogate pairs are standard)."""
    return json.loads(data)
