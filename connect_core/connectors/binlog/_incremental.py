"""Incremental snapshots of the binlog source: the MySQL/MariaDB side of ``_debezium/incremental.py``'s chunk loop.

Chunks are read on the control connection (autocommit) in primary key order after the last key sent, up to the key
that was largest when the table's reading began; watermarks are autocommitted inserts into the signal table, so the
binlog holds open watermark < the chunk's snapshot < close watermark. The ``r`` records carry the binlog position of
the close watermark's row event that released them (``file``, ``pos``, ``row``), ``source.snapshot`` =
``incremental`` and the time they were sent, as Debezium's.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.record import SourceRecord
from connect_core.connectors._debezium.incremental import ChunkReader

if TYPE_CHECKING:
    from connect_core.connectors._debezium.incremental import ChunkRow, DataCollection, IncrementalState
    from connect_core.connectors._debezium.serialized_key import JavaValue
    from connect_core.connectors.binlog._catalog import Catalog
    from connect_core.connectors.binlog._envelope import SourceSchema, TableSchema

__all__ = ["BinlogChunkReader", "SignalPoint"]

log = logging.getLogger(__name__)

# How a key column's value is kept in the offset: the Java class the JDBC driver reads it as
_JAVA_KINDS: Final = {"int": "Integer", "mediumint": "Integer", "smallint": "Short", "bigint": "Long"}

# (source struct arguments after ts/snapshot/db/table: server id, gtid, file, pos, row; the stream's offset)
SignalPoint = tuple[tuple[int, str | None, str, int, int], dict[str, Any]]


def quote(name: str) -> str:
    """A MySQL identifier in backquotes."""
    return "`" + name.replace("`", "``") + "`"


class BinlogChunkReader(ChunkReader):
    """Runs the incremental snapshots one binlog task's stream asks for."""

    def __init__(self, ctl: Any, catalog: Catalog, *, source: SourceSchema, partition: dict[str, str],
                 signal_table: tuple[str, str], chunk_size: int, state: IncrementalState) -> None:
        """``ctl``: the task's autocommit PyMySQL connection."""
        super().__init__(state, chunk_size)
        self._ctl = ctl
        self._catalog = catalog
        self._source = source
        self._partition = partition
        self.signal_table = signal_table
        self._signal_sql = f"INSERT INTO {quote(signal_table[0])}.{quote(signal_table[1])} VALUES (%s, %s, %s)"
        self._table: TableSchema | None = None
        self._kinds: list[str] = []
        self.watermarks = 0  # written so far: a binlog reader opened before the last one cannot see it

    def is_signal(self, db: str, table: str) -> bool:
        """Whether ``db.table`` is the signal table."""
        return (db, table) == self.signal_table

    def deduplicate(self, db: str, table: str, key: Any) -> None:
        """A streamed change event of ``db.table`` with key struct ``key``: drop the row from an open window."""
        if key is not None:
            self.state.deduplicate(f"{db}.{table}", tuple(key.values()))

    def signal(self, values: list[Any], point: SignalPoint, records: list[SourceRecord]) -> None:
        """A row inserted into the signal table at ``point``; a closed window's rows go to ``records``."""
        self.on_signal(values, lambda rows: self._send_window(rows, point, records))

    # -- ChunkReader -----------------------------------------------------------------------------------------------
    def known_tables(self) -> list[str]:
        """``database.table`` of every captured table."""
        return [f"{db}.{t}" for db, t in self._catalog.tables(self._ctl)]

    def write_watermark(self, signal_id: str, kind: str, data: str) -> None:
        """An autocommitted insert into the signal table."""
        with self._ctl.cursor() as cursor:
            cursor.execute(self._signal_sql, (signal_id, kind, data))
        self.watermarks += 1

    def prepare_table(self, collection: DataCollection) -> bool:
        """The table's schema as it is now (once per table)."""
        if self._table is not None and f"{self._table.db}.{self._table.table}" == collection.id:
            return True
        self._table = None
        db, _, table = collection.id.partition(".")
        if (db, table) not in self._catalog.tables(self._ctl):
            log.warning("incremental snapshot: %s is not a captured table: skipped", collection.id)
            return False
        schema = self._catalog.schema(self._ctl, db, table)
        if not schema.key_columns:
            log.warning("incremental snapshot of %s skipped because the table has no primary keys", collection.id)
            return False
        columns, _pk = self._catalog.describe(self._ctl, db, table)
        self._kinds = [_kind(columns[k].data_type, columns[k].column_type) for k in schema.key_columns]
        self._table = schema
        return True

    def _typed(self, values: list[Any]) -> list[JavaValue]:
        return [(k, None if v is None else v if k != "String" else str(v)) for k, v in zip(self._kinds, values,
                                                                                           strict=True)]

    def maximum_key(self, collection: DataCollection) -> list[JavaValue] | None:
        """``SELECT <key> ... ORDER BY <key> DESC LIMIT 1``."""
        table = self._table
        assert table is not None
        keys = [quote(k) for k in table.key_columns]
        where = f" WHERE {collection.additional_condition}" if collection.additional_condition else ""
        with self._ctl.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(keys)} FROM {quote(table.db)}.{quote(table.table)}{where} "
                           f"ORDER BY {', '.join(k + ' DESC' for k in keys)} LIMIT 1")
            row = cursor.fetchone()
        return None if row is None else self._typed(list(row))

    def read_rows(self, collection: DataCollection) -> list[ChunkRow]:
        """The next chunk: after ``chunk_end``, up to ``maximum_key``, in key order."""
        state, table = self.state, self._table
        assert state.maximum_key is not None and table is not None
        keys = ", ".join(quote(k) for k in table.key_columns)
        marks = ", ".join(["%s"] * len(table.key_columns))
        where = [f"({keys}) <= ({marks})"]
        params = [v for _k, v in state.maximum_key]
        if state.chunk_end is not None:
            where.insert(0, f"({keys}) > ({marks})")
            params = [v for _k, v in state.chunk_end] + params
        if collection.additional_condition:
            where.append(collection.additional_condition.replace("%", "%%"))
        columns = ", ".join(quote(c) for c in table.columns)
        with self._ctl.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {quote(table.db)}.{quote(table.table)} "
                           f"WHERE {' AND '.join(where)} ORDER BY {keys} LIMIT {self.chunk_size}", params)
            raw_rows = cursor.fetchall()
        out: list[ChunkRow] = []
        positions = [table.columns.index(k) for k in table.key_columns]
        for raw in raw_rows:
            after = table.row(raw)
            key = table.key(after)
            out.append((tuple(key.values()) if key is not None else (), after,
                        self._typed([raw[i] for i in positions])))
        return out

    def _send_window(self, window: list[Any], point: SignalPoint, records: list[SourceRecord]) -> None:
        """The rows left in the window as ``r`` records (Debezium's ``sendWindowEvents``)."""
        state, table = self.state, self._table
        if table is None:
            return
        (server_id, gtid, file, pos, row), stream_offset = point
        for after, key_values in window:
            state.last_sent = key_values
            now = int(time.time() * 1000)
            offset = state.store({**stream_offset, "ts_sec": now // 1000})
            source = self._source.struct(now, "incremental", table.db, table.table, server_id, gtid, file, pos, row)
            records.append(SourceRecord(self._partition, offset, table.topic, None, table.key_schema,
                                        table.key(after), table.envelope,
                                        table.envelope_value(None, after, source, "r", now)))


def _kind(data_type: str, column_type: str) -> str:
    unsigned = "unsigned" in column_type.lower()
    if data_type == "int" and unsigned:
        return "Long"
    if data_type == "bigint" and unsigned:
        return "String"  # a BigInteger in Java: kept as its text
    return _JAVA_KINDS.get(data_type, "String")
