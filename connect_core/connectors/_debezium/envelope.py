"""Schema pieces every Debezium change event shares: the ``transaction`` block and the ``source`` block's head."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from connect_core.api.schema import (
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    SchemaBuilder,
)

if TYPE_CHECKING:
    from connect_core.api.schema import Schema

__all__ = ["SNAPSHOT_VALUES", "source_builder", "transaction_schema"]

# Debezium's SnapshotRecord values, the allowed values of the source block's ``snapshot`` enum.
SNAPSHOT_VALUES: Final = ("true", "first", "first_in_data_collection", "last_in_data_collection", "last", "false",
                          "incremental")


def transaction_schema() -> Schema:
    """Debezium's ``event.block`` (the envelope's optional ``transaction`` field)."""
    return (SchemaBuilder.struct().optional().name("event.block").version(1)
            .field("id", STRING_SCHEMA).field("total_order", INT64_SCHEMA)
            .field("data_collection_order", INT64_SCHEMA).build())


def source_builder(name: str) -> SchemaBuilder:
    """The ``source`` struct ``name`` with the fields every connector's source block starts with (Debezium's
    ``AbstractSourceInfo`` common fields, ``version`` .. ``ts_ns``); the caller adds its own and builds it."""
    snapshot = (SchemaBuilder.string().optional().name("io.debezium.data.Enum").version(1)
                .parameter("allowed", ",".join(SNAPSHOT_VALUES)).default_value("false").build())
    return (SchemaBuilder.struct().name(name).version(1)
            .field("version", STRING_SCHEMA).field("connector", STRING_SCHEMA).field("name", STRING_SCHEMA)
            .field("ts_ms", INT64_SCHEMA).field("snapshot", snapshot).field("db", STRING_SCHEMA)
            .field("sequence", OPTIONAL_STRING_SCHEMA).field("ts_us", OPTIONAL_INT64_SCHEMA)
            .field("ts_ns", OPTIONAL_INT64_SCHEMA))
