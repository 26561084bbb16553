"""Converters: Kafka's JSON, String, ByteArray and SimpleHeader converters, byte-compatible with Kafka.

``CONVERTERS`` maps Kafka's Java class names (and short names) to ``"module:Class"`` strings so the runtime
imports only the converter a function uses.
"""

from __future__ import annotations

__all__ = ["CONVERTERS", "HEADER_CONVERTERS"]

CONVERTERS: dict[str, str] = {
    "org.apache.kafka.connect.json.JsonConverter": "connect_core.converters.json:JsonConverter",
    "org.apache.kafka.connect.storage.StringConverter": "connect_core.converters.string:StringConverter",
    "org.apache.kafka.connect.converters.ByteArrayConverter": "connect_core.converters.byte_array:ByteArrayConverter",
    "JsonConverter": "connect_core.converters.json:JsonConverter",
    "StringConverter": "connect_core.converters.string:StringConverter",
    "ByteArrayConverter": "connect_core.converters.byte_array:ByteArrayConverter",
}

HEADER_CONVERTERS: dict[str, str] = {
    **CONVERTERS,
    "org.apache.kafka.connect.storage.SimpleHeaderConverter": (
        "connect_core.converters.simple_header:SimpleHeaderConverter"
    ),
    "SimpleHeaderConverter": "connect_core.converters.simple_header:SimpleHeaderConverter",
}
