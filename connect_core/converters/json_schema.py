"""``JsonSchemaConverter``: Confluent's ``io.confluent.connect.json.JsonSchemaConverter`` (JSON + registry)."""

from __future__ import annotations

import decimal
import json
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.converters.json_schema_data import JsonSchemaData
from connect_core.converters.schema_registry.converter import RegistryConverter, WriterSchema

if TYPE_CHECKING:
    from connect_core.api.schema import Schema
    from connect_core.converters.schema_registry.client import RegisteredSchema
    from connect_core.converters.schema_registry.config import SchemaRegistryConverterConfig

__all__ = ["JsonSchemaConverter"]


class JsonSchemaConverter(RegistryConverter):
    """Connect data <-> JSON documents in Confluent's wire format, JSON Schemas in the registry."""

    schema_type = "JSON"

    def _setup(self, config: SchemaRegistryConverterConfig) -> None:
        self.json_data = JsonSchemaData(cache_size=config.schemas_cache_config)

    def writer_schema(self, schema: Schema) -> WriterSchema:
        """The JSON Schema document of a Connect schema; RecordNameStrategy uses its ``title``."""
        document = self.json_data.from_connect_schema(schema)
        text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
        return WriterSchema(text, self.schema_type, _record_name(document), document)

    def parse_registered(self, registered: RegisteredSchema) -> WriterSchema:
        """A registered JSON Schema, parsed."""
        document = _load(registered.schema)
        return WriterSchema(registered.schema, self.schema_type, _record_name(document), document)

    def serialize(self, writer: WriterSchema, schema: Schema, value: Any) -> bytes:
        """Compact JSON of the value (Jackson's ``writeValueAsBytes``)."""
        data = self.json_data.from_connect_data(schema, value)
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=_number).encode("utf-8")

    def deserialize(self, registered: RegisteredSchema, version: int | None, payload: memoryview) -> SchemaAndValue:
        """Parse the JSON (decimals exact) and convert it under the writer's schema."""
        schema = self.json_data.to_connect_schema(_load(registered.schema), registered.schema, version)
        try:
            value = json.loads(bytes(payload), parse_float=decimal.Decimal)
        except ValueError as error:
            raise DataError(f"Converting byte[] to Kafka Connect data failed due to serialization error: {error}") \
                from error
        return SchemaAndValue(schema, self.json_data.to_connect_data(schema, value))


def _load(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise DataError(f"Invalid JSON Schema: {error}") from error
    if not isinstance(document, dict):
        raise DataError("Invalid JSON Schema: not an object")
    return document


def _record_name(document: dict[str, Any]) -> str | None:
    title = document.get("title")
    return title if isinstance(title, str) else None


def _number(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
