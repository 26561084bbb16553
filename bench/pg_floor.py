"""The raw floor of the PostgreSQL CDC rows (4e, and 4u's source half): psycopg2 reading a slot of its own with
ours' driver path, pgoutput decoded by hand, Debezium's key, envelope and headers (or, for 4u, the row as
``ExtractNewRecordState`` leaves it, with schemas) written with orjson through a transactional producer."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import TYPE_CHECKING, Any

from bench import common
from bench.counting import WAIT_S
from bench.pg_tables import DEBEZIUM_POSTGRES, PgTables, unique_name

if TYPE_CHECKING:
    from collections.abc import Callable

DEBEZIUM_VERSION = DEBEZIUM_POSTGRES.rsplit(":", 1)[1]


_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in Unix microseconds: pgoutput's timestamps count from there
_EPOCH = dt.datetime(1970, 1, 1)
_MS = dt.timedelta(milliseconds=1)
_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()


def _decimal(text: bytes) -> str:
    """numeric(p,s) text (always ``s`` decimals) as Debezium's precise decimal: base64 of the unscaled value's
    big-endian two's complement (Java's ``BigInteger.toByteArray``)."""
    import base64

    unscaled = int(text.replace(b".", b""))
    size = (unscaled if unscaled >= 0 else ~unscaled).bit_length() // 8 + 1  # Java's bitLength() // 8 + 1
    return base64.b64encode(unscaled.to_bytes(size, "big", signed=True)).decode()


def _timestamp_ms(text: bytes) -> int:
    return (dt.datetime.fromisoformat(text.decode()) - _EPOCH) // _MS


def _date_days(text: bytes) -> int:
    return dt.date.fromisoformat(text.decode()).toordinal() - _EPOCH_DAY


# pgoutput text values -> Debezium's JSON values, by type oid: the dataset's types with Debezium's defaults
# (decimal.handling.mode=precise, time.precision.mode=adaptive: timestamp(3) in milliseconds, date in days)
_CONVERT: dict[int, Callable[[bytes], Any]] = {
    20: int, 23: int, 21: int, 1043: bytes.decode, 25: bytes.decode, 1700: _decimal, 701: float,
    16: lambda v: v == b"t", 1114: _timestamp_ms, 1082: _date_days,
}

# a pgoutput Relation: (schema, table, [(column, converter)], key columns, [each column's Connect field schema])
_Relation = tuple[str, str, list[tuple[str, "Callable[[bytes], Any]"]], list[str], list[dict[str, Any]]]

# Debezium's Connect schema of each of the dataset's types, by type oid (numeric's precision and scale from the typmod)
_SCHEMA_TYPES: dict[int, dict[str, Any]] = {
    20: {"type": "int64"}, 23: {"type": "int32"}, 21: {"type": "int16"}, 1043: {"type": "string"},
    25: {"type": "string"}, 701: {"type": "double"}, 16: {"type": "boolean"},
    1114: {"type": "int64", "name": "io.debezium.time.Timestamp", "version": 1},
    1082: {"type": "int32", "name": "io.debezium.time.Date", "version": 1},
}


def _field_schema(name: str, oid: int, typmod: int, optional: bool) -> dict[str, Any]:
    """One column's field in JsonConverter's schema (pgoutput does not say whether a column is nullable: the
    floor takes every column but the key as optional)."""
    if oid == 1700:
        precision, scale = (typmod - 4) >> 16, (typmod - 4) & 0xFFFF
        return {"type": "bytes", "optional": optional, "name": "org.apache.kafka.connect.data.Decimal",
                "version": 1, "parameters": {"scale": str(scale), "connect.decimal.precision": str(precision)},
                "field": name}
    return {**_SCHEMA_TYPES[oid], "optional": optional, "field": name}


class PgFloor:
    """The raw floor of 4e on the same copy as ours: its own slot and publication on the table, made before the
    copy; ``run`` reads the slot with psycopg2 (``start_replication`` + ``read_message``, ours' driver path),
    decodes pgoutput's Relation/Begin/Insert/Commit messages, builds Debezium's key, envelope, ``source`` block and
    context headers as dicts, writes them with ``orjson.dumps`` through a transactional producer (one transaction)
    and confirms the commit's LSN to the slot. No offsets stored, no schema checks: nothing moves the same bytes
    with less."""

    def __init__(self, tables: PgTables, bootstrap: str, table: str, prefix: str, *, unwrapped: bool = False) -> None:
        """The slot, the publication, the topic and the producer (outside the measured span, as ours' are).
        ``unwrapped``: each change as ``ExtractNewRecordState`` leaves it (the new row) through JsonConverter with
        schemas (4u's source half): the key and value schemas serialized once per relation, the row per change."""
        import psycopg2
        import psycopg2.extras
        from confluent_kafka import Producer
        from confluent_kafka.admin import AdminClient, NewTopic

        self.tables, self.table, self.prefix, self.unwrapped = tables, table, prefix, unwrapped
        self.slot = unique_name("raw")
        tables.slots.append(self.slot)
        tables.sql(f"CREATE PUBLICATION pub_{self.slot} FOR TABLE {tables.schema}.{table}")
        pg = tables.pg
        self.replication = psycopg2.connect(host=pg["host"], port=int(pg["port"]), user=pg["user"],
                                            password=pg["password"], dbname=pg["database"],
                                            connection_factory=psycopg2.extras.LogicalReplicationConnection)
        self.replication.cursor().create_replication_slot(self.slot, output_plugin="pgoutput")
        self.topic = f"{prefix}.{tables.schema}.{table}"
        admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive: a dropped client fails its futures
        admin.create_topics([NewTopic(self.topic, 1, 1)])[self.topic].result(30)
        self.producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": common.unique("raw-pg-tx"),
                                  "linger.ms": 5, "delivery.report.only.error": True})
        self.producer.init_transactions(60)
        self.headers: list[tuple[str, str | bytes | None]] = [
            ("__debezium.context.connectorLogicalName", prefix.encode()), ("__debezium.context.taskId", b"0"),
            ("__debezium.context.connectorName", b"postgresql"),
            ("__debezium.context.runId", str(uuid.uuid4()).encode())]

    def run(self, records: int) -> int:
        """Read the slot until the transaction holding the ``records``-th insert of the table committed; produce
        every insert; commit; confirm. Returns the records produced."""
        import select

        cursor = self.replication.cursor()
        cursor.start_replication(slot_name=self.slot, decode=False,
                                 options={"proto_version": "1", "publication_names": f"pub_{self.slot}"})
        producer, topic, headers, prefix = self.producer, self.topic, self.headers, self.prefix
        produce, poll = producer.produce, producer.poll
        relations: dict[int, _Relation] = {}
        heads: dict[int, tuple[bytes, bytes]] = {}  # unwrapped: the key's and value's bytes before the row
        txn: list[Any] = [0, 0, None]  # the open transaction's xid, commit time (Unix µs), the last commit's LSN
        encode = self._encoder(txn, heads)
        sent = 0
        deadline = time.monotonic() + WAIT_S
        producer.begin_transaction()
        while True:
            message = cursor.read_message()
            if message is None:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"raw floor: {sent} of {records} changes within {WAIT_S} s")
                if not select.select([cursor], [], [], 0.05)[0]:
                    cursor.send_feedback(reply=True)
                continue
            payload = message.payload
            kind = payload[0]
            if kind == 0x49:  # Insert: relid, 'N', columns
                relid = int.from_bytes(payload[1:5], "big")
                relation = relations.get(relid)
                if relation is None:
                    continue
                value, key = encode(payload, relid, relation, message.data_start)
                while True:
                    try:
                        produce(topic, value, key, headers=headers)
                        break
                    except BufferError:  # the local queue is full: let librdkafka send
                        poll(0.05)
                sent += 1
            elif kind == 0x42:  # Begin: final LSN, commit timestamp, xid
                txn[0] = int.from_bytes(payload[17:21], "big")
                txn[1] = int.from_bytes(payload[9:17], "big", signed=True) + _PG_EPOCH_US
            elif kind == 0x43:  # Commit: flags, commit LSN, end LSN, timestamp
                txn[2] = int.from_bytes(payload[10:18], "big")
                if sent >= records:
                    break
            elif kind == 0x52:  # Relation
                relid = int.from_bytes(payload[1:5], "big")
                relations[relid] = relation = _relation(payload)
                heads[relid] = _schema_heads(f"{prefix}.{relation[0]}.{relation[1]}", relation)
        producer.commit_transaction(60)
        cursor.send_feedback(write_lsn=txn[2], flush_lsn=txn[2], force=True)
        return sent

    def _encoder(self, txn: list[Any], heads: dict[int, tuple[bytes, bytes]],
                 ) -> Callable[[bytes, int, _Relation, int], tuple[bytes, bytes]]:
        """An Insert's value and key bytes: Debezium's envelope, or the unwrapped row with schemas (``unwrapped``);
        ``txn`` is the open transaction's (xid, commit time, last commit LSN), ``heads`` each relation's schemas."""
        import orjson

        dumps, db, prefix = orjson.dumps, self.tables.pg["database"], self.prefix

        def enveloped(payload: bytes, relid: int, relation: _Relation, lsn: int) -> tuple[bytes, bytes]:
            xid, commit_us, last_commit = txn
            source = {"version": DEBEZIUM_VERSION, "connector": "postgresql", "name": prefix,
                      "ts_ms": commit_us // 1000, "snapshot": "false", "db": db,
                      "sequence": dumps([None if last_commit is None else str(last_commit), str(lsn)]).decode(),
                      "ts_us": commit_us, "ts_ns": commit_us * 1000, "schema": relation[0],
                      "table": relation[1], "txId": xid, "lsn": lsn, "xmin": None, "origin": None,
                      "origin_lsn": None}
            key, value = _change(payload, relation, source)
            return dumps(value), dumps(key)

        def unwrapped(payload: bytes, relid: int, relation: _Relation, lsn: int) -> tuple[bytes, bytes]:
            after = _after(payload, relation)
            key_head, value_head = heads[relid]
            return (value_head + dumps(after) + b"}",
                    key_head + dumps({name: after[name] for name in relation[3]}) + b"}")

        return unwrapped if self.unwrapped else enveloped

    def close(self) -> None:
        """Release the replication connection (the slot is dropped with the tables' others)."""
        self.replication.close()


def _change(payload: bytes, relation: _Relation, source: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An Insert message's key and Debezium envelope (``op`` c; text values converted by column type)."""
    after = _after(payload, relation)
    now_ns = time.time_ns()
    return ({name: after[name] for name in relation[3]},
            {"before": None, "after": after, "source": source, "transaction": None, "op": "c",
             "ts_ms": now_ns // 1_000_000, "ts_us": now_ns // 1000, "ts_ns": now_ns})


def _schema_heads(topic: str, relation: _Relation) -> tuple[bytes, bytes]:
    """JsonConverter's ``{"schema": ..., "payload":`` of the key and of the unwrapped value of ``relation``."""
    import orjson

    keys = [field for field in relation[4] if field["field"] in relation[3]]
    key = {"type": "struct", "fields": keys, "optional": False, "name": f"{topic}.Key"}
    value = {"type": "struct", "fields": relation[4], "optional": True, "name": f"{topic}.Value"}
    return tuple(b'{"schema":' + orjson.dumps(schema) + b',"payload":' for schema in (key, value))  # type: ignore[return-value]


def _after(payload: bytes, relation: _Relation) -> dict[str, Any]:
    """An Insert message's new row (text values converted by column type)."""
    after: dict[str, Any] = {}
    at = 8
    for name, convert in relation[2]:
        if payload[at] == 0x74:  # 't': a text value
            size = int.from_bytes(payload[at + 1:at + 5], "big")
            after[name] = convert(payload[at + 5:at + 5 + size])
            at += 5 + size
        else:  # 'n': null
            after[name] = None
            at += 1
    return after



def _relation(payload: bytes) -> _Relation:
    """A pgoutput Relation message: (schema, table, [(column, converter)], key columns)."""
    at = 5
    end = payload.index(b"\0", at)
    schema = payload[at:end].decode()
    at = end + 1
    end = payload.index(b"\0", at)
    table = payload[at:end].decode()
    at = end + 2  # the replica identity byte
    count = int.from_bytes(payload[at:at + 2], "big")
    at += 2
    columns, keys, fields = [], [], []
    for _ in range(count):
        flags = payload[at]
        end = payload.index(b"\0", at + 1)
        name = payload[at + 1:end].decode()
        oid = int.from_bytes(payload[end + 1:end + 5], "big")
        typmod = int.from_bytes(payload[end + 5:end + 9], "big", signed=True)
        at = end + 9
        columns.append((name, _CONVERT[oid]))
        fields.append(_field_schema(name, oid, typmod, not flags & 1))
        if flags & 1:
            keys.append(name)
    return schema, table, columns, keys, fields
