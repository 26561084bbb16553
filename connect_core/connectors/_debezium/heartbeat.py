"""Debezium's heartbeat record: key ``ServerNameKey``, value ``Heartbeat``, topic ``__debezium-heartbeat.<prefix>``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.record import SourceRecord
from connect_core.api.schema import INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from connect_core.api.header import Headers

__all__ = ["HEARTBEAT_KEY_SCHEMA", "HEARTBEAT_VALUE_SCHEMA", "heartbeat_record"]

HEARTBEAT_KEY_SCHEMA: Final = (SchemaBuilder.struct().name("io.debezium.connector.common.ServerNameKey").version(1)
                               .field("serverName", STRING_SCHEMA).build())
HEARTBEAT_VALUE_SCHEMA: Final = (SchemaBuilder.struct().name("io.debezium.connector.common.Heartbeat").version(1)
                                 .field("ts_ms", INT64_SCHEMA).build())


def heartbeat_record(partition: dict[str, Any], offset: dict[str, Any], prefix: str, *,
                     headers: Headers | None = None) -> SourceRecord:
    """A heartbeat carrying ``offset`` for the connector whose ``topic.prefix`` is ``prefix``, stamped now."""
    key = Struct.from_validated(HEARTBEAT_KEY_SCHEMA, [prefix])
    value = Struct.from_validated(HEARTBEAT_VALUE_SCHEMA, [int(time.time() * 1000)])
    return SourceRecord(partition, offset, f"__debezium-heartbeat.{prefix}", None, HEARTBEAT_KEY_SCHEMA, key,
                        HEARTBEAT_VALUE_SCHEMA, value, headers=headers)
