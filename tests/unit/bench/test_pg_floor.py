"""Case 4e without services: the floor's pgoutput decoding (the same columns and keys as ours'
``connectors/postgres/_pgoutput.py`` finds, Debezium's values)."""

from __future__ import annotations

import base64
import struct

import pytest

from bench import pg_floor
from bench.cases import connect_java
from connect_core.connectors.postgres import _pgoutput as pg

# the dataset's columns as pgoutput sends them: (name, type oid, type modifier, key)
COLUMNS = (("id", 20, -1, True), ("name", 1043, 44, False), ("qty", 23, -1, False), ("price", 1700, (12 << 16 | 2) + 4,
           False), ("score", 701, -1, False), ("active", 16, -1, False), ("created_at", 1114, 3, False),
           ("day", 1082, -1, False), ("note", 1043, 204, False), ("category", 21, -1, False))


def _relation(relid: int) -> bytes:
    out = b"R" + struct.pack("!I", relid) + b"bench\0t\0" + b"d" + struct.pack("!h", len(COLUMNS))
    for name, oid, modifier, key in COLUMNS:
        out += (b"\x01" if key else b"\x00") + name.encode() + b"\0" + struct.pack("!Ii", oid, modifier)
    return out


def _insert(relid: int, *values: str | None) -> bytes:
    out = b"I" + struct.pack("!I", relid) + b"N" + struct.pack("!h", len(values))
    for value in values:
        out += b"n" if value is None else b"t" + struct.pack("!i", len(value.encode())) + value.encode()
    return out


ROW = ("42", "name-42", "42", "-1234.05", "10.5", "t", "2024-01-01 00:00:42.5", "2024-02-11", None, "0")


def test_the_floor_reads_relation_and_insert_messages_as_ours_decodes_them() -> None:
    relation = pg_floor._relation(_relation(16390))
    schema, table, columns, keys, _ = relation
    ours = pg.decode(_relation(16390))
    assert isinstance(ours, pg.Relation)
    assert (schema, table) == (ours.namespace, ours.name) == ("bench", "t")
    assert [name for name, _ in columns] == [c.name for c in ours.columns]
    assert keys == [c.name for c in ours.columns if c.key] == ["id"]
    source = {"lsn": 1}
    key, value = pg_floor._change(_insert(16390, *ROW), relation, source)
    insert = pg.decode(_insert(16390, *ROW))
    assert isinstance(insert, pg.Insert) and len(insert.new) == len(value["after"])
    assert key == {"id": 42}
    assert value["after"] == {"id": 42, "name": "name-42", "qty": 42, "price": _precise(-123405), "score": 10.5,
                              "active": True, "created_at": 1_704_067_242_500, "day": 19_764, "note": None,
                              "category": 0}
    assert [k for k in value] == ["before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns"]
    assert value["op"] == "c" and value["before"] is None and value["source"] is source
    assert value["ts_ns"] // 1000 == value["ts_us"] and value["ts_us"] // 1000 == value["ts_ms"]


def test_the_unwrapped_floor_serializes_each_relations_schemas_once_as_jsonconverter_would() -> None:
    """4u's floor: ``{"schema": ..., "payload":`` of the key and of the new row, Debezium's Connect types (numeric's
    precision and scale from the type modifier, the time types' logical names), every column but the key optional."""
    import json

    relation = pg_floor._relation(_relation(16390))
    key_head, value_head = pg_floor._schema_heads("p.bench.t", relation)
    after = pg_floor._after(_insert(16390, *ROW), relation)
    key = json.loads(key_head + b'{"id":42}}')
    value = json.loads(value_head + json.dumps(after).encode() + b"}")
    assert key == {"schema": {"type": "struct", "fields": [{"type": "int64", "optional": False, "field": "id"}],
                              "optional": False, "name": "p.bench.t.Key"}, "payload": {"id": 42}}
    assert value["payload"] == after and value["schema"]["name"] == "p.bench.t.Value"
    fields = {f["field"]: f for f in value["schema"]["fields"]}
    assert list(fields) == [name for name, *_ in COLUMNS]
    assert fields["price"] == {"type": "bytes", "optional": True, "name": "org.apache.kafka.connect.data.Decimal",
                               "version": 1, "parameters": {"scale": "2", "connect.decimal.precision": "12"},
                               "field": "price"}
    assert (fields["created_at"]["name"], fields["day"]["name"]) == ("io.debezium.time.Timestamp",
                                                                     "io.debezium.time.Date")
    assert [fields[n]["type"] for n in ("qty", "score", "active", "category", "note")] == [
        "int32", "double", "boolean", "int16", "string"]


def _precise(unscaled: int) -> str:
    """Java's ``BigInteger.toByteArray`` of ``unscaled``, base64: Debezium's precise decimal in JSON."""
    size = 1
    while not -(1 << (8 * size - 1)) <= unscaled < 1 << (8 * size - 1):
        size += 1
    return base64.b64encode(unscaled.to_bytes(size, "big", signed=True)).decode()


@pytest.mark.parametrize(("text", "unscaled"), [
    (b"0.01", 1), (b"10.00", 1000), (b"1.27", 127), (b"1.28", 128), (b"-1.28", -128), (b"-1.29", -129),
    (b"0.00", 0), (b"9999999999.99", 999_999_999_999),
])
def test_decimals_are_the_two_s_complement_bytes_java_writes(text: bytes, unscaled: int) -> None:
    assert pg_floor._decimal(text) == _precise(unscaled)
    assert pg_floor._decimal(b"0.01") == "AQ==" and pg_floor._decimal(b"10.00") == "A+g="  # ours' bytes


def test_timestamps_in_milliseconds_and_dates_in_days() -> None:
    assert pg_floor._timestamp_ms(b"1970-01-01 00:00:00") == 0
    assert pg_floor._timestamp_ms(b"2024-01-01 00:00:01") == 1_704_067_201_000
    assert pg_floor._timestamp_ms(b"1969-12-31 23:59:59.999") == -1
    assert pg_floor._date_days(b"1970-01-02") == 1 and pg_floor._date_days(b"1969-12-31") == -1


def test_4e_and_4m_are_case_4_rows_that_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_JAVA_CASES", "4e,4m")
    assert connect_java.sub_cases() == ("4e", "4m")
    monkeypatch.delenv("BENCH_JAVA_CASES")
    assert {"4e", "4m"} <= set(connect_java.sub_cases())
