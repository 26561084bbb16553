"""The schema registry side of Confluent's converters: REST client, config, wire format, shared converter base."""

from __future__ import annotations

from connect_core.converters.schema_registry.client import (
    RegisteredSchema,
    RegistryRequestError,
    RegistryUnavailableError,
    SchemaRegistryClient,
)
from connect_core.converters.schema_registry.config import SchemaRegistryConverterConfig

__all__ = [
    "RegisteredSchema",
    "RegistryRequestError",
    "RegistryUnavailableError",
    "SchemaRegistryClient",
    "SchemaRegistryConverterConfig",
]
