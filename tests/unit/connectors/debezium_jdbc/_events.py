"""Debezium change events as Debezium's PostgreSQL connector emits them (envelope schema, source block, op), for
the JDBC sink tests: the customers table of Debezium's tutorial with a few semantic types."""

from __future__ import annotations

import decimal
from typing import Any

from connect_core.api.logical import Decimal
from connect_core.api.record import SinkRecord
from connect_core.api.schema import Schema, SchemaBuilder
from connect_core.api.struct import Struct

TOPIC = "dbserver1.inventory.customers"
KEY = (SchemaBuilder.struct().name("dbserver1.inventory.customers.Key").field("id", SchemaBuilder.int32().build())
       .build())
ROW = (SchemaBuilder.struct().name("dbserver1.inventory.customers.Value").optional()
       .field("id", SchemaBuilder.int32().build())
       .field("first_name", SchemaBuilder.string().build())
       .field("email", SchemaBuilder.string().optional().build())
       .field("born", SchemaBuilder.int32().name("io.debezium.time.Date").version(1).optional().build())
       .field("updated", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").version(1).optional().build())
       .field("created", SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").version(1).optional().build())
       .field("price", Decimal.builder(2).optional().build())
       .field("active", SchemaBuilder.bool().optional().build())
       .build())
SOURCE = (SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
          .field("connector", SchemaBuilder.string().build())
          .field("db", SchemaBuilder.string().build())
          .field("schema", SchemaBuilder.string().build())
          .field("table", SchemaBuilder.string().build())
          .build())


def envelope_schema(row: Schema = ROW) -> Schema:
    """``<topic>.Envelope`` over ``row``."""
    return (SchemaBuilder.struct().name("dbserver1.inventory.customers.Envelope").version(2)
            .field("before", row).field("after", row).field("source", SOURCE)
            .field("op", SchemaBuilder.string().build())
            .field("ts_ms", SchemaBuilder.int64().optional().build()).build())


ENVELOPE = envelope_schema()


def row(id_: int, first_name: str, **values: Any) -> Struct:
    """A row of ``ROW``; ``values`` fill the optional columns (Connect values: days, micros, ISO text...)."""
    struct = Struct(ROW).put("id", id_).put("first_name", first_name)
    for name, value in values.items():
        struct.put(name, decimal.Decimal(value) if name == "price" else value)
    return struct


def key(id_: int) -> Struct:
    """The record key of customer ``id_``."""
    return Struct(KEY).put("id", id_)


def event(op: str, offset: int, before: Struct | None = None, after: Struct | None = None,
          topic: str = TOPIC) -> SinkRecord:
    """A change event (op c, r, u, d or t) at ``offset``; the key is the after (or before) row's id."""
    source = (Struct(SOURCE).put("connector", "postgresql").put("db", "inventorydb").put("schema", "inventory")
              .put("table", "customers"))
    value = (Struct(ENVELOPE).put("before", before).put("after", after).put("source", source).put("op", op)
             .put("ts_ms", 1_700_000_000_000))
    subject = after if after is not None else before
    record_key = None if subject is None else key(subject.get("id"))
    return SinkRecord(topic, 0, None if record_key is None else KEY, record_key, ENVELOPE, value, offset)


def tombstone(id_: int, offset: int, topic: str = TOPIC) -> SinkRecord:
    """The tombstone after a delete: the key, no value and no value schema."""
    return SinkRecord(topic, 0, KEY, key(id_), None, None, offset)


def flat(after: Struct, offset: int, topic: str = TOPIC) -> SinkRecord:
    """The row as ``ExtractNewRecordState`` leaves it (no envelope)."""
    return SinkRecord(topic, 0, KEY, key(after.get("id")), ROW, after, offset)
