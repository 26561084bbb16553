"""Incremental snapshots of the PostgreSQL source: signals from the signal table, chunks, watermarks, ``read`` events.

The state and the signals' meaning are shared with the binlog source (``_debezium/incremental.py``); this module
does what is PostgreSQL's: reading a table's largest key and its next chunk (in key order, the table's own collation
as Debezium's query gets it), writing the window watermarks into the signal table, and building the ``r`` records
(``source.snapshot`` = ``incremental``, ``lsn``/``txId`` of the close watermark that released them, as Debezium's).
The stream (``_stream.py``) calls ``on_signal`` for each row inserted into the signal table and ``deduplicate`` for
every change it emits.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.record import SourceRecord
from connect_core.connectors._debezium.incremental import (
    CLOSE_WINDOW,
    EXECUTE,
    OPEN_WINDOW,
    PAUSE,
    RESUME,
    STOP,
    IncrementalState,
    Signal,
)
from connect_core.connectors.postgres._offsets import parse_lsn
from connect_core.connectors.postgres._snapshot import as_text, quote

if TYPE_CHECKING:
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


class IncrementalSnapshot:
    """Runs the incremental snapshots one task's stream asks for."""

    def __init__(self, config: PostgresSourceConfig, ctl: Any, *, catalog: Catalog, source: SourceBlock,
                 headers: ContextHeaders, partition: dict[str, str], state: IncrementalState) -> None:
        """``ctl``: the task's autocommit session (watermarks and chunk queries); ``state`` from the offset."""
        self._config = config
        self._ctl = ctl
        self._catalog = catalog
        self._source = source
        self._headers = headers
        self._partition = partition
        self.state = state
        signal = catalog.filter.signal_table
        self.signal_table = signal
        self._signal_sql = f"INSERT INTO {quote(signal[0])}.{quote(signal[1])} VALUES (%s, %s, %s)" if signal else ""
        self._table: _Table | None = None
        self._started = False
        self.close_lsn = 0  # the WAL flush position after the last close watermark

    # -- what the stream calls -------------------------------------------------------------------------------------
    def start(self) -> None:
        """Once per task, when streaming starts: a snapshot stored in the offset goes on with its next chunk."""
        if self._started:
            return
        self._started = True
        if self.state.running:
            log.info("incremental snapshot of %s in progress: reading the next chunk", self.state.current)
            self._read_chunk()

    def is_signal(self, table: TableSchema) -> bool:
        """Whether a captured table is the signal table."""
        return (table.schema, table.table) == self.signal_table

    def deduplicate(self, table: TableSchema, key: tuple[Any, ...] | None) -> None:
        """A streamed change event of ``table``: drop its row from an open window."""
        self.state.deduplicate(f"{table.schema}.{table.table}", key)

    def on_signal(self, values: list[Any], point: StreamPoint, records: list[SourceRecord]) -> None:
        """A row inserted into the signal table, at ``point`` of the stream; window rows go to ``records``."""
        from connect_core.connectors._debezium.incremental import parse_signal

        signal = parse_signal(values)
        if signal is None:
            return
        state, kind = self.state, signal.type
        if kind == OPEN_WINDOW:
            state.open_window(signal.id)
        elif kind == CLOSE_WINDOW:
            if state.close_window(signal.id):
                self._send_window(point, records)
                self._read_chunk()
        elif kind == EXECUTE:
            self._execute(signal)
        elif kind == STOP:
            state.request_stop(signal)
        elif kind == PAUSE:
            if state.running and not state.paused:
                log.info("pausing the incremental snapshot (signal %s)", signal.id)
                state.paused = True
        elif kind == RESUME:
            if state.running and state.paused:
                log.info("resuming the incremental snapshot (signal %s)", signal.id)
                state.paused = False
                self._read_chunk()
        else:
            log.warning("signal %s of type %s is not supported by lambda-connect: ignored", signal.id, kind)

    # -- signals ---------------------------------------------------------------------------------------------------
    def _known(self) -> list[str]:
        return [f"{s}.{t}" for _oid, s, t in self._catalog.tables(self._ctl)]

    def _execute(self, signal: Signal) -> None:
        kind = str(signal.data.get("type") or "incremental").lower()
        if kind != "incremental":
            log.warning("execute-snapshot signal %s asks for a %s snapshot; lambda-connect runs incremental "
                        "snapshots only: ignored", signal.id, kind)
            return
        was_running = self.state.running
        added = self.state.add(signal, self._known())
        if added:
            log.info("incremental snapshot of %s requested (signal %s)", [c.id for c in added], signal.id)
        if added and not was_running:
            self._read_chunk()

    # -- chunks ----------------------------------------------------------------------------------------------------
    def _watermark(self, suffix: str, kind: str, data: dict[str, str]) -> None:
        assert self.state.chunk_id is not None
        with self._ctl.cursor() as cursor:
            cursor.execute(self._signal_sql, (self.state.chunk_id + suffix, kind, json.dumps(data)))

    def _read_chunk(self) -> None:
        """Debezium's ``readChunk``: apply stop requests, then open a window, read the next chunk, close it."""
        state = self.state
        state.apply_stops(self._known())
        if not state.running:
            self._table = None
            return
        if state.paused:
            return
        state.new_chunk()
        current = state.current
        opened = {"openWindowTimestamp": _instant()}
        if current is not None and current.correlation_id:
            opened["correlationId"] = current.correlation_id
        if current is not None:
            opened["dataCollectionId"] = current.id
        self._watermark("-open", OPEN_WINDOW, opened)
        while state.running:
            table = self._current_table()
            if table is None:
                state.next_collection()
                continue
            if state.maximum_key is None:
                state.maximum_key = self._maximum_key(table)
                if state.maximum_key is None:
                    log.info("incremental snapshot of %s: the table is empty", state.current)
                    state.next_collection()
                    continue
            rows = self._chunk(table)
            if not rows:
                log.info("incremental snapshot of %s finished", state.current)
                state.next_collection()
                continue
            width = len(table.described.names)
            for raw in rows:
                after = table.described.row(raw[:width])
                key = table.described.key(after)
                state.window[tuple(key.values()) if key is not None else ()] = (
                    after, [(k, _typed(k, t)) for k, t in zip(table.kinds, raw[width:], strict=True)])
            state.chunk_end = list(state.window.values())[-1][1]
            break
        self._watermark("-close", CLOSE_WINDOW, {**opened, "closeWindowTimestamp": _instant()})
        state.pending = True
        with self._ctl.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
            row = cursor.fetchone()
        self.close_lsn = parse_lsn(row[0]) if row else 0

    def _current_table(self) -> _Table | None:
        current = self.state.current
        assert current is not None
        if self._table is not None and f"{self._table.described.schema}.{self._table.described.table}" == current.id:
            return self._table
        self._table = None
        found = next(((oid, s, t) for oid, s, t in self._catalog.tables(self._ctl) if f"{s}.{t}" == current.id), None)
        if found is None:
            log.warning("incremental snapshot: %s is not a captured table: skipped", current.id)
            return None
        described = self._catalog.table_schema(self._ctl, *found)
        columns, _ = self._catalog.describe(self._ctl, found[0])
        if not described.key_index:
            log.warning("incremental snapshot of %s skipped because the table has no primary keys", current.id)
            return None
        self._table = _Table(found[0], described, columns)
        return self._table

    def _condition(self) -> str:
        current = self.state.current
        return current.additional_condition if current is not None and current.additional_condition else ""

    def _maximum_key(self, table: _Table) -> list[JavaValue] | None:
        where = f" WHERE {self._condition()}" if self._condition() else ""
        order = ", ".join(f"{t} DESC" for t in table.terms)
        with self._ctl.cursor() as cursor:
            cursor.execute(f"SELECT {table.keys_text} FROM {table.name} AS src{where} "
                           f"ORDER BY {order} LIMIT 1".replace("%", "%%"))
            row = cursor.fetchone()
        return None if row is None else [(k, _typed(k, t)) for k, t in zip(table.kinds, row, strict=True)]

    def _chunk(self, table: _Table) -> list[Any]:
        state = self.state
        assert state.maximum_key is not None
        terms = ", ".join(table.terms)
        casts = ", ".join(table.casts)
        where = [f"({terms}) <= ({casts})"]
        params = [None if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                  for _k, v in state.maximum_key]
        if state.chunk_end is not None:
            where.insert(0, f"({terms}) > ({casts})")
            params = [None if v is None else str(v) for _k, v in state.chunk_end] + params
        condition = self._condition()
        if condition:
            where.append(condition.replace("%", "%%"))
        sql = (f"SELECT {table.select}, {table.keys_text} FROM {table.name} AS src "
               f"WHERE {' AND '.join(where)} ORDER BY {terms} LIMIT {self._config.incremental_snapshot_chunk_size}")
        with self._ctl.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def _send_window(self, point: StreamPoint, records: list[SourceRecord]) -> None:
        """Emit the rows left in the window as ``r`` records (Debezium's ``sendWindowEvents``)."""
        state, table = self.state, self._table
        window = list(state.window.values())
        state.window.clear()
        if table is None or not window:
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


def _instant() -> str:
    """Now as Java's ``Instant.toString`` writes it (ISO-8601, UTC, ``Z``)."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
