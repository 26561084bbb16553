"""Converters: Kafka's JSON, String, ByteArray, number/boolean and SimpleHeader converters, byte-compatible with Kafka,
and Confluent's schema registry converters (Avro, JSON Schema, Protobuf) in Confluent's wire format.

``CONVERTERS`` maps Kafka's Java class names (and short names) to ``"module:Class"`` strings so the runtime
imports only the converter a function uses.
"""

from __future__ import annotations

__all__ = ["CONVERTERS", "HEADER_CONVERTERS"]

_KAFKA_CONVERTERS: dict[str, str] = {
    "org.apache.kafka.connect.json.JsonConverter": "connect_core.converters.json:JsonConverter",
    "org.apache.kafka.connect.storage.StringConverter": "connect_core.converters.string:StringConverter",
    "org.apache.kafka.connect.converters.ByteArrayConverter": "connect_core.converters.byte_array:ByteArrayConverter",
    "org.apache.kafka.connect.converters.IntegerConverter": "connect_core.converters.number:IntegerConverter",
    "org.apache.kafka.connect.converters.LongConverter": "connect_core.converters.number:LongConverter",
    "org.apache.kafka.connect.converters.FloatConverter": "connect_core.converters.number:FloatConverter",
    "org.apache.kafka.connect.converters.DoubleConverter": "connect_core.converters.number:DoubleConverter",
    "org.apache.kafka.connect.converters.ShortConverter": "connect_core.converters.number:ShortConverter",
    "org.apache.kafka.connect.converters.BooleanConverter": "connect_core.converters.number:BooleanConverter",
    "JsonConverter": "connect_core.converters.json:JsonConverter",
    "IntegerConverter": "connect_core.converters.number:IntegerConverter",
    "LongConverter": "connect_core.converters.number:LongConverter",
    "FloatConverter": "connect_core.converters.number:FloatConverter",
    "DoubleConverter": "connect_core.converters.number:DoubleConverter",
    "ShortConverter": "connect_core.converters.number:ShortConverter",
    "BooleanConverter": "connect_core.converters.number:BooleanConverter",
    "StringConverter": "connect_core.converters.string:StringConverter",
    "ByteArrayConverter": "connect_core.converters.byte_array:ByteArrayConverter",
}

# Confluent's schema registry converters: key/value converters only (not HeaderConverters, as in Confluent).
_REGISTRY_CONVERTERS: dict[str, str] = {
    "io.confluent.connect.avro.AvroConverter": "connect_core.converters.avro:AvroConverter",
    "io.confluent.connect.json.JsonSchemaConverter": "connect_core.converters.json_schema:JsonSchemaConverter",
    "io.confluent.connect.protobuf.ProtobufConverter": "connect_core.converters.protobuf:ProtobufConverter",
    "AvroConverter": "connect_core.converters.avro:AvroConverter",
    "ProtobufConverter": "connect_core.converters.protobuf:ProtobufConverter",
    "JsonSchemaConverter": "connect_core.converters.json_schema:JsonSchemaConverter",
}

CONVERTERS: dict[str, str] = {**_KAFKA_CONVERTERS, **_REGISTRY_CONVERTERS}

HEADER_CONVERTERS: dict[str, str] = {
    **_KAFKA_CONVERTERS,
    "org.apache.kafka.connect.storage.SimpleHeaderConverter": (
        "connect_core.converters.simple_header:SimpleHeaderConverter"
    ),
    "SimpleHeaderConverter": "connect_core.converters.simple_header:SimpleHeaderConverter",
}
