"""The lambda-connect connector SPI and data model (a port of Kafka's ``connect-api``).

Imports only the stdlib, pydantic and typing_extensions; sub-modules are importable directly.
"""

from __future__ import annotations

from connect_core.api.errors import ConfigError, ConnectError, DataError, RetriableError
from connect_core.api.header import Header, Headers
from connect_core.api.record import ConnectRecord, SinkRecord, SourceRecord
from connect_core.api.schema import Schema, SchemaBuilder, Type
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.api.struct import Struct

__all__ = [
    "ConfigError",
    "ConnectError",
    "ConnectRecord",
    "DataError",
    "Header",
    "Headers",
    "RetriableError",
    "Schema",
    "SchemaAndValue",
    "SchemaBuilder",
    "SinkRecord",
    "SourceRecord",
    "Struct",
    "Type",
]
