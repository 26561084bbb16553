"""The lambda-connect connector SPI and data model (a port of Kafka's ``connect-api``).

Imports only the stdlib, pydantic and typing_extensions; sub-modules are importable directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.lazy_exports import lazy_exports

if TYPE_CHECKING:
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

# Each name's module, imported on first access (PEP 562): importing one submodule, or one name, no longer loads
# every module re-exported here (cold start: a handler pays only for what its first request uses).
_EXPORTS: dict[str, str] = {
    "ConfigError": "connect_core.api.errors",
    "ConnectError": "connect_core.api.errors",
    "ConnectRecord": "connect_core.api.record",
    "DataError": "connect_core.api.errors",
    "Header": "connect_core.api.header",
    "Headers": "connect_core.api.header",
    "RetriableError": "connect_core.api.errors",
    "Schema": "connect_core.api.schema",
    "SchemaAndValue": "connect_core.api.schema_and_value",
    "SchemaBuilder": "connect_core.api.schema",
    "SinkRecord": "connect_core.api.record",
    "SourceRecord": "connect_core.api.record",
    "Struct": "connect_core.api.struct",
    "Type": "connect_core.api.schema",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
