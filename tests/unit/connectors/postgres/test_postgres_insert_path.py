"""The Insert fast path (``TableSchema.insert_values`` + ``ReplicationStream._insert``) against the reference
(``_pgoutput.decode`` + ``TableSchema.row`` + ``ReplicationStream._change``): the same values and records."""

from __future__ import annotations

import random
import struct
from types import SimpleNamespace
from typing import Any

import pytest

from connect_core.api.config import parse_config
from connect_core.connectors.postgres import _pgoutput as pg
from connect_core.connectors.postgres._catalog import Catalog, ColumnInfo, TableFilter, build_table_schema
from connect_core.connectors.postgres._envelope import ContextHeaders, SourceBlock
from connect_core.connectors.postgres._offsets import Position
from connect_core.connectors.postgres._stream import ReplicationStream
from connect_core.connectors.postgres._types import ColumnType
from connect_core.connectors.postgres.config import PostgresSourceConfig

BASE = {"database.hostname": "db", "database.user": "u", "database.dbname": "d", "topic.prefix": "p",
        "column.exclude.list": r"public\.t\.skipped"}
COLUMNS = [
    ColumnInfo("id", ColumnType(23, -1, "int4"), True, None),
    ColumnInfo("name", ColumnType(25, -1, "text"), True, None),
    ColumnInfo("price", ColumnType(1700, (12 << 16) + 2 + 4, "numeric"), False, None),
    ColumnInfo("skipped", ColumnType(25, -1, "text"), False, None),
    ColumnInfo("at", ColumnType(1114, 3, "timestamp"), False, None),
    ColumnInfo("day", ColumnType(1082, -1, "date"), False, None),
    ColumnInfo("ok", ColumnType(16, -1, "bool"), True, None),
]
VALUES = {"id": ["1", "-7", "2147483647"], "name": ["", "a", "é€𝄞", "x" * 300, "y" * 200],
          "price": ["0.00", "-12.50", "9.99"],
          "skipped": ["", "s", "ß"], "at": ["2024-01-01 00:00:01", "1999-12-31 23:59:59.123"],
          "day": ["2024-01-02", "1970-01-01"], "ok": ["t", "f"]}


def _config() -> PostgresSourceConfig:
    return parse_config(PostgresSourceConfig, BASE)


def _table() -> Any:
    config = _config()
    return build_table_schema("p", "public", "t", COLUMNS, ["id"], config=config, table_filter=TableFilter(config),
                              source=SourceBlock("p", "d"))


def _tuple(values: list[object]) -> bytes:
    out = struct.pack("!h", len(values))
    for value in values:
        if value is None:
            out += b"n"
        elif value is pg.UNCHANGED_TOAST:
            out += b"u"
        elif isinstance(value, bytes):
            out += b"b" + struct.pack("!i", len(value)) + value
        else:
            raw = str(value).encode()
            out += b"t" + struct.pack("!i", len(raw)) + raw
    return out


RELID = 0x0060A5C1  # a byte above 0x7F: the relid is no text, and ASCII values are still read as text


def _insert(values: list[object], relid: int = RELID) -> bytes:
    return b"I" + struct.pack("!I", relid) + b"N" + _tuple(values)


def _rows(seed: int, count: int) -> list[list[object]]:
    rng = random.Random(seed)
    rows: list[list[object]] = []
    for _ in range(count):
        row: list[object] = [rng.choice(VALUES[c.name]) for c in COLUMNS]
        for i in range(len(row)):
            if i and rng.random() < 0.15:
                row[i] = None
        rows.append(row)
    return rows


def test_insert_values_are_what_decode_then_row_make() -> None:
    table = _table()
    for values in _rows(1, 400):
        payload = _insert(values)
        assert table.insert_values(payload) == table.row(pg.decode(payload).new)._values  # type: ignore[union-attr]


@pytest.mark.parametrize("values", [
    ["1", "a", "1.00", "s", "2024-01-01 00:00:01", "2024-01-02"],  # a column fewer than the relation
    ["1", "a", "1.00", "s", "2024-01-01 00:00:01", "2024-01-02", "t", "x"],  # a column more
    ["1", pg.UNCHANGED_TOAST, "1.00", "s", "2024-01-01 00:00:01", "2024-01-02", "t"],
    ["1", "a", "1.00", pg.UNCHANGED_TOAST, "2024-01-01 00:00:01", "2024-01-02", "t"],  # even in a skipped column
    ["1", b"a", "1.00", "s", "2024-01-01 00:00:01", "2024-01-02", "t"],  # binary
])
def test_what_the_fast_path_does_not_read_is_left_to_the_reference(values: list[object]) -> None:
    assert _table().insert_values(_insert(values)) is None


def _stream(fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[ReplicationStream, Any]:
    config = _config()
    source = SourceBlock("p", "d")
    stream = ReplicationStream(config, Position(lsn=0), ctl=None,
                               catalog=Catalog(config, source, TableFilter(config)), source=source,
                               headers=ContextHeaders("p"), partition={"server": "p"}, windows=None, skip_before=None,
                               confirm=None)
    table = _table()
    if not fast:
        monkeypatch.setattr(table, "insert_values", lambda payload: None)
    stream._relations[RELID] = table
    return stream, table


def _comparable(record: Any) -> tuple[Any, ...]:
    value = list(record.value._values)
    value[5:8] = [None] * 3  # ts_ms, ts_us, ts_ns: the clock when the record was made
    headers = [(h.key, h.value) for h in record.headers if not h.key.endswith("runId")]
    return (record.topic, record.kafka_partition, record.key_schema, record.key, record.value_schema, value,
            record.source_partition, record.source_offset, headers)


def test_the_streams_insert_path_makes_the_records_of_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = [b"B" + struct.pack("!QqI", 500, 1_000_000, 42)]
    for i, values in enumerate(_rows(2, 300)):
        messages.append(_insert(values))
        if i % 50 == 0:  # an uncaptured table's change and one the fast path cannot read, in between
            messages.append(_insert(values, relid=7))
            messages.append(_insert([*values, "extra"]))
    messages.append(b"C" + struct.pack("!bQQq", 0, 600, 680, 5))
    messages.append(b"B" + struct.pack("!QqI", 700, 2_000_000, 43))
    messages += [_insert(values) for values in _rows(3, 20)]
    made = []
    for fast in (True, False):
        stream, _table_schema = _stream(fast, monkeypatch)
        records: list[Any] = []
        for lsn, payload in enumerate(messages, start=1000):
            stream._handle(SimpleNamespace(payload=payload, data_start=lsn), records)
        made.append(([_comparable(r) for r in records], stream.position.offset(), stream._changes,
                     stream._emitted_offset))
    assert made[0] == made[1]
    assert len(made[0][0]) == 320 + 6
