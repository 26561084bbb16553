"""Incremental snapshots of the PostgreSQL source: signals from the signal table, chunks, watermarks, ``read`` events.

The state, the signals' meaning and the chunk loop are shared with the binlog source (``_debezium/incremental.py``);
this module does what is PostgreSQL's: reading a table's largest key and its next chunk (in key order, the table's
own collation as Debezium's query gets it), writing the window watermarks into the signal table, and building the
``r`` records (``source.snapshot`` = ``incremental``, without ``lsn``/``txId`` but with the close watermark's
``sequence``, as Debezium's). The stream (``_stream.py``) calls ``signal`` for each row inserted into the signal
table and ``deduplicate`` for every change it emits.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.record import SourceRecord
from connect_core.connectors._debezium.incremental import ChunkReader
from connect_core.connectors.postgres._offsets import parse_lsn
from connect_core.connectors.postgres._snapshot import as_text, quote

if TYPE_CHECKING:
    from connect_core.connectors._debezium.incremental import ChunkRow, DataCollection, IncrementalState
    from connect_core.connectors._debezium.serialized_key import JavaValue
    from connect_core.connectors.postgres._catalog import Catalog, ColumnInfo, TableSchema
    from connect_core.connectors.postgres._envelope import ContextHeaders, SourceBlock
    from connect_core.connectors.postgres.config import PostgresSourceConfig

__all__ = ["IncrementalSnapshot", "StreamPoint"]

log = logging.getLogger(__name__)

# How a key column's value is kept in the offset (the Java class PostgreSQL's JDBC driver reads it as)
_JAVA_KINDS: Final = {"int2": "Short", "int4": "Integer", "int8": "Long", "oid": "Long", "bool": "Boolean",
                      "float4": "Float", "float8": "Double"}

StreamPoint = tuple[int, int, int | None, dict[str, Any]]  # (txId, lsn, last commit LSN, the stream's offset)


def _typed(kind: str, text: str) -> Any:
    if kind in ("Short", "Integer", "Long"):
        return int(text)
    if kind in ("Float", "Double"):
        return float(text)
    if kind == "Boolean":
        return text in ("t", "true")
    return text


class _Table:
    """What a chunk query needs of the current table."""

    def __init__(self, relid: int, described: TableSchema, columns: dict[str, ColumnInfo]) -> None:
        self.relid = relid
        self.described = described
        key_names = [described.names[described.kept[i]] for i in described.key_index]
        self.key_names = key_names
        self.kinds = [_JAVA_KINDS.get(columns[n].type.name, "String") for n in key_names]
        self.terms = [f"src.{quote(n)}" for n in key_names]
        self.casts = [f"%s::{columns[n].sql_type}" for n in key_names]
        self.select = ", ".join(as_text(n, columns) for n in described.names)
        self.keys_text = ", ".join(f"{t}::text" for t in self.terms)
        self.name = f"{quote(described.schema)}.{quote(described.table)}"
        self.id = f"{described.schema}.{described.table}"


class IncrementalSnapshot(ChunkReader):
    """Runs the incremental snapshots one task's stream asks for."""

    def __init__(self, config: PostgresSourceConfig, ctl: Any, *, catalog: Catalog, source: SourceBlock,
                 headers: ContextHeaders, partition: dict[str, str], state: IncrementalState) -> None:
        """``ctl``: the task's autocommit session (watermarks and chunk queries); ``state`` from the offset."""
        super().__init__(state, config.incremental_snapshot_chunk_size)
        self._ctl = ctl
        self._catalog = catalog
        self._source = source
        self._headers = headers
        self._partition = partition
        signal = catalog.filter.signal_table
        self.signal_table = signal
        self._signal_sql = f"INSERT INTO {quote(signal[0])}.{quote(signal[1])} VALUES (%s, %s, %s)" if signal else ""
        self._table: _Table | None = None
        self.close_lsn = 0  # the WAL flush position after the last close watermark

    # -- what the stream calls -------------------------------------------------------------------------------------
    def is_signal(self, table: TableSchema) -> bool:
        """Whether a captured table is the signal table."""
        return (table.schema, table.table) == self.signal_table

    def deduplicate(self, table: TableSchema, key: tuple[Any, ...] | None) -> None:
        """A streamed change event of ``table``: drop its row from an open window."""
        self.state.deduplicate(f"{table.schema}.{table.table}", key)

    def signal(self, values: list[Any], point: StreamPoint, records: list[SourceRecord]) -> None:
        """A row inserted into the signal table at ``point`` of the stream; a closed window's rows go to
        ``records``."""
        self.on_signal(values, lambda rows: self._send_window(rows, point, records))

    # -- ChunkReader -----------------------------------------------------------------------------------------------
    def known_tables(self) -> list[str]:
        """``schema.table`` of every captured table."""
        return [f"{s}.{t}" for _oid, s, t in self._catalog.tables(self._ctl)]

    def write_watermark(self, signal_id: str, kind: str, data: str) -> None:
        """An autocommitted insert into the signal table."""
        with self._ctl.cursor() as cursor:
            cursor.execute(self._signal_sql, (signal_id, kind, data))

    def window_closed(self) -> None:
        """Note the WAL flush position: the stream must read that far before it ends."""
        with self._ctl.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
            row = cursor.fetchone()
        self.close_lsn = parse_lsn(row[0]) if row else 0

    def prepare_table(self, collection: DataCollection) -> bool:
        """Describe the table (once per table)."""
        if self._table is not None and self._table.id == collection.id:
            return True
        self._table = None
        found = next(((oid, s, t) for oid, s, t in self._catalog.tables(self._ctl) if f"{s}.{t}" == collection.id),
                     None)
        if found is None:
            log.warning("incremental snapshot: %s is not a captured table: skipped", collection.id)
            return False
        described = self._catalog.table_schema(self._ctl, *found)
        columns, _ = self._catalog.describe(self._ctl, found[0])
        if not described.key_index:
            log.warning("incremental snapshot of %s skipped because the table has no primary keys", collection.id)
            return False
        self._table = _Table(found[0], described, columns)
        return True

    def maximum_key(self, collection: DataCollection) -> list[JavaValue] | None:
        """``SELECT <key> ... ORDER BY <key> DESC LIMIT 1``."""
        table = self._table
        assert table is not None
        condition = collection.additional_condition
        where = f" WHERE {condition}" if condition else ""  # executed without parameters: % stays as is
        order = ", ".join(f"{t} DESC" for t in table.terms)
        with self._ctl.cursor() as cursor:
            cursor.execute(f"SELECT {table.keys_text} FROM {table.name} AS src{where} "
                           f"ORDER BY {order} LIMIT 1")
            row = cursor.fetchone()
        return None if row is None else [(k, _typed(k, t)) for k, t in zip(table.kinds, row, strict=True)]

    def read_rows(self, collection: DataCollection) -> list[ChunkRow]:
        """The next chunk: after ``chunk_end``, up to ``maximum_key``, in key order."""
        state, table = self.state, self._table
        assert state.maximum_key is not None and table is not None
        terms = ", ".join(table.terms)
        casts = ", ".join(table.casts)
        where = [f"({terms}) <= ({casts})"]
        params = [None if v is None else str(v) for _k, v in state.maximum_key]
        if state.chunk_end is not None:
            where.insert(0, f"({terms}) > ({casts})")
            params = [None if v is None else str(v) for _k, v in state.chunk_end] + params
        if collection.additional_condition:
            where.append(collection.additional_condition.replace("%", "%%"))
        sql = (f"SELECT {table.select}, {table.keys_text} FROM {table.name} AS src "
               f"WHERE {' AND '.join(where)} ORDER BY {terms} LIMIT {self.chunk_size}")
        with self._ctl.cursor() as cursor:
            cursor.execute(sql, params)
            raw_rows = cursor.fetchall()
        width = len(table.described.names)
        out: list[ChunkRow] = []
        for raw in raw_rows:
            after = table.described.row(raw[:width])
            key = table.described.key(after)
            out.append((tuple(key.values()) if key is not None else (), after,
                        [(k, _typed(k, t)) for k, t in zip(table.kinds, raw[width:], strict=True)]))
        return out

    def _send_window(self, window: list[Any], point: StreamPoint, records: list[SourceRecord]) -> None:
        """The rows left in the window as ``r`` records (Debezium's ``sendWindowEvents``)."""
        state, table = self.state, self._table
        if table is None:
            return
        tx_id, lsn, last_commit, stream_offset = point
        envelope = table.described.envelope
        for after, key_values in window:
            state.last_sent = key_values
            now_us = time.time_ns() // 1000
            offset = state.store({**stream_offset, "ts_usec": now_us})
            source = self._source.struct(now_us, "incremental", table.described.schema, table.described.table,
                                         tx_id, lsn, last_commit)
            records.append(SourceRecord(self._partition, offset, envelope.topic, None, envelope.key_schema,
                                        table.described.key(after), envelope.schema,
                                        envelope.value(None, after, source, "r", now_us),
                                        headers=self._headers.headers()))
