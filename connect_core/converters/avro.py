"""``AvroConverter``: Confluent's ``io.confluent.connect.avro.AvroConverter`` (Avro + schema registry)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.api.avro.binary import decode, encode, parse_schema, schema_json
from connect_core.api.avro.data import AvroData
from connect_core.api.errors import DataError
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.converters.schema_registry.converter import RegistryConverter, WriterSchema, remember

if TYPE_CHECKING:
    from connect_core.api.schema import Schema
    from connect_core.converters.schema_registry.client import RegisteredSchema
    from connect_core.converters.schema_registry.config import SchemaRegistryConverterConfig

__all__ = ["AvroConverter"]


class AvroConverter(RegistryConverter):
    """Connect data <-> Avro binary in Confluent's wire format, schemas in the registry (``AvroData`` mapping)."""

    schema_type = "AVRO"

    def _setup(self, config: SchemaRegistryConverterConfig) -> None:
        self.avro_data = AvroData(config.schemas_cache_config, connect_meta_data=config.connect_meta_data,
                                  enhanced_schema_support=config.enhanced_avro_schema_support)
        self._connect_schemas: dict[tuple[int, int | None], tuple[Schema, dict[str, Any]]] = {}

    def writer_schema(self, schema: Schema) -> WriterSchema:
        """The Avro schema text of a Connect schema; RecordNameStrategy uses the record's full name."""
        avro_json, parsed = self.avro_data.from_connect_schema(schema)
        return WriterSchema(schema_json(avro_json), self.schema_type, _record_name(parsed), parsed)

    def parse_registered(self, registered: RegisteredSchema) -> WriterSchema:
        """A registered Avro schema, parsed."""
        parsed = parse_schema(registered.schema)
        return WriterSchema(registered.schema, self.schema_type, _record_name(parsed), parsed)

    def serialize(self, writer: WriterSchema, schema: Schema, value: Any) -> bytes:
        """Avro binary of the value under the writer schema (the data's own or the subject's latest)."""
        try:
            return encode(writer.state, self.avro_data.from_connect_data(schema, writer.state, value))
        except (KeyError, IndexError, StopIteration, ValueError) as error:
            raise DataError(f"Failed to serialize Avro data: the value does not fit schema "
                            f"{_record_name(writer.state) or writer.state['type']}: {error}") from error

    def deserialize(self, registered: RegisteredSchema, version: int | None, payload: memoryview) -> SchemaAndValue:
        """Decode with the writer's schema and map to Connect (schema converted once per id and version)."""
        key = (registered.id or 0, version)
        converted = self._connect_schemas.get(key)
        if converted is None:
            converted = remember(self._connect_schemas, key,
                                 self.avro_data.to_connect_schema(registered.schema, version),
                                 self.config.schemas_cache_config)
        schema, parsed = converted
        datum = decode(parsed, payload)
        return SchemaAndValue(schema, self.avro_data.to_connect_data(schema, parsed, datum))


def _record_name(parsed: dict[str, Any]) -> str | None:
    return parsed.get("fullname") if parsed["type"] == "record" else None
