"""``ProtobufConverter``: Confluent's ``io.confluent.connect.protobuf.ProtobufConverter`` (Protobuf + registry).

The payload after the schema id starts with the message-index list naming the message in the registered file
(``[0]``, one 0 byte, for the first top-level message), then the message bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.converters.proto_binary import decode_message, encode_message
from connect_core.converters.proto_schema import parse_proto
from connect_core.converters.protobuf_data import ProtobufData
from connect_core.converters.schema_registry.converter import RegistryConverter, WriterSchema, remember
from connect_core.converters.schema_registry.wire_format import read_message_indexes, write_message_indexes

if TYPE_CHECKING:
    from connect_core.api.schema import Schema
    from connect_core.converters.schema_registry.client import RegisteredSchema
    from connect_core.converters.schema_registry.config import SchemaRegistryConverterConfig

__all__ = ["ProtobufConverter"]


class ProtobufConverter(RegistryConverter):
    """Connect data <-> Protobuf messages in Confluent's wire format, ``.proto`` schemas in the registry."""

    schema_type = "PROTOBUF"

    def _setup(self, config: SchemaRegistryConverterConfig) -> None:
        self.proto_data = ProtobufData()
        self._schemas: dict[tuple[int, int | None, tuple[int, ...]], tuple[Schema, Any]] = {}

    def writer_schema(self, schema: Schema) -> WriterSchema:
        """The proto3 file of a struct schema; RecordNameStrategy uses the message's full name."""
        text, root = self.proto_data.from_connect_schema(schema)
        return WriterSchema(text, self.schema_type, root.full_name, (root, [0]))

    def parse_registered(self, registered: RegisteredSchema) -> WriterSchema:
        """A registered ``.proto`` file, parsed (its first message is the one written, as Confluent's default)."""
        parsed = parse_proto(registered.schema)
        if not parsed.messages:
            raise DataError("The registered Protobuf schema has no message")
        return WriterSchema(registered.schema, self.schema_type, parsed.messages[0].full_name,
                            (parsed.messages[0], [0]))

    def serialize(self, writer: WriterSchema, schema: Schema, value: Any) -> bytes:
        """Message indexes, then the message."""
        message, indexes = writer.state
        return write_message_indexes(indexes) + encode_message(message, self.proto_data.from_connect_data(
            schema, message, value))

    def deserialize(self, registered: RegisteredSchema, version: int | None, payload: memoryview) -> SchemaAndValue:
        """Read the message indexes, decode that message of the writer's file, map it to Connect."""
        indexes, body = read_message_indexes(payload)
        key = (registered.id or 0, version, tuple(indexes))
        cached = self._schemas.get(key)
        if cached is None:
            message = parse_proto(registered.schema).message_at(indexes)
            cached = remember(self._schemas, key, (self.proto_data.to_connect_schema(message, version), message),
                              self.config.schemas_cache_config)
        schema, message = cached
        return SchemaAndValue(schema, self.proto_data.to_connect_data(schema, message, decode_message(message, body)))
