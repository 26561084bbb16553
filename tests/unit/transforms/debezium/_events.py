"""Debezium change events (PostgreSQL connector shape) for the Debezium SMT tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.api.record import SourceRecord
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct

if TYPE_CHECKING:
    from connect_core.api.header import Headers

TOPIC = "pg.public.customers"
ROW = (SchemaBuilder.struct().name(f"{TOPIC}.Value").optional()
       .field("id", Schema.INT32_SCHEMA).field("name", Schema.OPTIONAL_STRING_SCHEMA)
       .field("score", SchemaBuilder.int32().optional().default_value(0).build()).build())
SOURCE = (SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
          .field("db", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA)
          .field("ts_ms", Schema.INT64_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA).build())
TRANSACTION = (SchemaBuilder.struct().name("event.block").optional().field("id", Schema.STRING_SCHEMA)
               .field("total_order", Schema.INT64_SCHEMA).field("data_collection_order", Schema.INT64_SCHEMA).build())
ENVELOPE = (SchemaBuilder.struct().name(f"{TOPIC}.Envelope").version(2).field("before", ROW).field("after", ROW)
            .field("source", SOURCE).field("transaction", TRANSACTION).field("op", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build())
KEY = SchemaBuilder.struct().name(f"{TOPIC}.Key").field("id", Schema.INT32_SCHEMA).build()


def row(id_: int = 1, name: str | None = "Ann", score: int | None = 5) -> Struct:
    """One row."""
    return Struct(ROW).put("id", id_).put("name", name).put("score", score)


def event(op: str, before: Struct | None, after: Struct | None, *, tx: bool = True, headers: Headers | None = None,
          ) -> SourceRecord:
    """A change event record keyed by the row id."""
    value = Struct(ENVELOPE).put("before", before).put("after", after).put("op", op).put("ts_ms", 1_000)
    value.put("source", Struct(SOURCE).put("db", "shop").put("table", "customers").put("ts_ms", 900).put("lsn", 77))
    if tx:
        value.put("transaction", Struct(TRANSACTION).put("id", "tx1").put("total_order", 3)
                  .put("data_collection_order", 1))
    row_ = after if after is not None else before
    key: Any = Struct(KEY).put("id", row_.get("id")) if row_ is not None else None
    return SourceRecord({}, {}, TOPIC, 0, KEY, key, ENVELOPE, value, 5_000, headers)


def tombstone() -> SourceRecord:
    """The tombstone Debezium writes after a delete."""
    return SourceRecord({}, {}, TOPIC, 0, KEY, Struct(KEY).put("id", 1), None, None, 5_000)
