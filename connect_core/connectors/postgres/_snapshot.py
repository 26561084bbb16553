"""The initial snapshot: every captured table read in key order as ``op: r`` records, resumable across invocations.

The first snapshot transaction imports the snapshot PostgreSQL exported when the slot was created, so its rows are
exactly the changes committed before the slot's consistent point L0, where streaming starts. The transaction stays
open across the runner's commits (a chunk each) and warm invocations; the server ends it once it sat idle
``SNAPSHOT_IDLE_TIMEOUT_MS`` (between invocations), so it holds back vacuum no longer than that. Only then does
reading resume at the next key in a new transaction, whose snapshot a temporary slot exports with its own consistent
point Lk (an exported snapshot is the one way to know which changes a new transaction's rows hold): a *window*
(``_debezium/windows.py``). A snapshot taken while the slot already exists (``always``, ``when_needed``, a slot made
by someone else) starts streaming at the consistent point of the temporary slot that exported its first snapshot.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.record import SourceRecord
from connect_core.connectors._debezium.snapshot import end_snapshot_transaction, snapshot_flag
from connect_core.connectors._debezium.windows import Windows
from connect_core.connectors.postgres._offsets import snapshot_offset

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.connectors.postgres._catalog import Catalog, TableSchema
    from connect_core.connectors.postgres._envelope import ContextHeaders, SourceBlock

__all__ = ["SNAPSHOT_IDLE_TIMEOUT_MS", "Snapshot", "as_text", "quote", "read_in_window"]

log = logging.getLogger(__name__)

# A snapshot transaction idle this long (no invocation reading) is ended by the server: a schedule's interval.
SNAPSHOT_IDLE_TIMEOUT_MS: Final = 60_000

_COLLATABLE: Final = frozenset({"text", "varchar", "bpchar", "name", "citext"})


def as_text(name: str, columns: dict[str, Any]) -> str:
    """A column's text output as pgoutput sends it (a cast to text would trim char(n)'s padding)."""
    column = columns.get(name)
    ref = f"src.{quote(name)}"
    if column is not None and column.type.name == "bpchar":
        return f"CASE WHEN {ref} IS NULL THEN NULL ELSE format('%%s', {ref}) END"  # %%: psycopg2's escape
    return f"{ref}::text"


def _order_term(name: str, type_name: str) -> str:
    """A key column in the snapshot's order: text in byte order (``COLLATE "C"``), as Python compares strings."""
    return _collated(f"src.{quote(name)}", type_name)


def _collated(term: str, type_name: str) -> str:
    return f'{term} COLLATE "C"' if type_name in _COLLATABLE else term


def quote(name: str) -> str:
    """A PostgreSQL identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def read_in_window(windows: Windows, catalog: Catalog, table: TableSchema, key: tuple[Any, ...] | None,
                   commit_lsn: int) -> bool:
    """Whether a change committed at ``commit_lsn`` to this row is already in a window's ``r`` record."""
    order = catalog.filter.order(table.schema, table.table)

    def starts_before(schema: str, name: str, start: list[str] | None) -> bool:
        here = catalog.filter.order(schema, name)
        return here < order or (here == order and (start is None or (key is not None and _after(key, table, start))))

    return windows.already_read((commit_lsn,), starts_before)


def _after(key: tuple[Any, ...], table: TableSchema, start: list[str]) -> bool:
    """Whether a row key sorts after a window's start key (texts converted as the row's key columns are)."""
    converters = [table.converters[i] for i in table.key_index]
    try:
        return key > tuple(c(t) for c, t in zip(converters, start, strict=True))
    except (TypeError, ValueError):
        return False


class Snapshot:
    """Reads the captured tables after a stored (table, key), ``fetch_size`` rows per query."""

    def __init__(self, begin: Callable[[], tuple[Any, int]], catalog: Catalog, source: SourceBlock,
                 headers: ContextHeaders, partition: dict[str, str], *, fetch_size: int,
                 offset: dict[str, Any] | None, start: dict[str, Any]) -> None:
        """Resume from ``offset`` (a snapshot offset) or start afresh when None.

        ``begin`` opens a snapshot transaction and returns (connection, consistent point); ``start`` is the
        snapshot's own offset part (``lsn`` where streaming starts, ``txId``, ``ts_usec``).
        """
        self._begin_tx = begin
        self._catalog = catalog
        self._source = source
        self._headers = headers
        self._partition = partition
        self._fetch = fetch_size
        self._start = start
        self._conn: Any = None
        self.windows = Windows.from_offset(offset)
        table = json.loads(offset["snapshot_table"]) if offset and offset.get("snapshot_table") else None
        self._resume_table: tuple[str, str] | None = (str(table[0]), str(table[1])) if table else None
        key = offset.get("snapshot_key") if offset else None
        self._resume_key: list[str] | None = json.loads(key) if key else None
        self._first = offset is None
        self._tables: list[tuple[int, str, str]] = []
        self._index = 0
        self.emitted = False
        self.completed = False  # the last record emitted carries ``snapshot_completed``
        self.done = False

    def close(self) -> None:
        """End the snapshot transaction."""
        conn, self._conn = self._conn, None
        end_snapshot_transaction(conn)

    def _open(self) -> None:
        conn, lsn = self._begin_tx()
        self._conn = conn
        self._tables = self._catalog.tables(conn)
        if self._resume_table is not None:  # a later transaction: a new window from where reading resumes
            self.windows.add(*self._resume_table, self._resume_key, self._resume_key, lsn)
        self._index = 0
        if self._resume_table is not None:
            order = self._catalog.filter.order(*self._resume_table)
            self._index = next((i for i, t in enumerate(self._tables) if self._catalog.filter.order(t[1], t[2])
                                >= order), len(self._tables))
            here = self._tables[self._index] if self._index < len(self._tables) else None
            if here is None or (here[1], here[2]) != self._resume_table:
                self._resume_key = None  # that table is gone: go on with the next one

    def poll(self) -> list[SourceRecord]:
        """The next rows as ``r`` records; ``[]`` and ``done`` once every table was read. A kept transaction that
        fails (the server ended it while idle) is replaced by a new one, a new window, once."""
        if self._conn is None:
            self._open()
            return self._read()
        try:
            return self._read()
        except Exception as error:
            log.info("the snapshot transaction is gone (%s): resuming in a new one", str(error).strip())
            self.close()
            self._open()
            return self._read()

    def _read(self) -> list[SourceRecord]:
        while self._index < len(self._tables):
            relid, schema, table = self._tables[self._index]
            records = self._chunk(relid, schema, table)
            if records:
                self.emitted = True
                self._resume_table = (schema, table)
                return records
            self._index += 1
            self._resume_key = None
            self._resume_table = (schema, table + "\x00")  # sorts right after this table
        self.close()
        self.done = True
        return []

    def _chunk(self, relid: int, schema: str, table: str) -> list[SourceRecord]:
        conn = self._conn
        described = self._catalog.table_schema(conn, relid, schema, table)
        columns, _ = self._catalog.describe(conn, relid)
        key_names = [described.names[described.kept[i]] for i in described.key_index]
        # every column is referenced through the table's alias: an output column of the same name is text
        select = ", ".join(as_text(n, columns) for n in described.names)
        if key_names:
            keys = [_order_term(n, columns[n].type.name) for n in key_names]
            select += ", " + ", ".join(f"src.{quote(n)}::text" for n in key_names)
            casts = [_collated(f"%s::{columns[n].sql_type}", columns[n].type.name) for n in key_names]
        else:  # no key: physical order (at least once if the table changes while its snapshot spans invocations)
            keys, casts = ["src.ctid"], ["%s::tid"]
            select += ", src.ctid::text"
        sql = f"SELECT {select} FROM {quote(schema)}.{quote(table)} AS src"
        params: list[Any] = []
        if self._resume_key is not None:
            sql += f" WHERE ({', '.join(keys)}) > ({', '.join(casts)})"
            params = list(self._resume_key)
        sql += f" ORDER BY {', '.join(keys)} LIMIT {self._fetch + 1}"
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        more = len(rows) > self._fetch
        rows = rows[:self._fetch]
        if not rows:
            return []
        width = len(described.names)
        last_table = self._index == len(self._tables) - 1
        return self._records(described, rows, width, more=more, last_table=last_table)

    def _records(self, described: TableSchema, rows: list[Any], width: int, *, more: bool,
                 last_table: bool) -> list[SourceRecord]:
        start = self._start
        envelope = described.envelope
        records = []
        first_of_table = self._resume_key is None
        now_us = time.time_ns() // 1000
        for i, raw in enumerate(rows):
            last_of_table = not more and i == len(rows) - 1
            flag = snapshot_flag(first=self._first, first_in_table=first_of_table and i == 0,
                                 last_in_table=last_of_table, last_table=last_table)
            self._first = False
            after = described.row(raw[:width])
            key_texts = list(raw[width:])
            complete = self.completed = last_of_table and last_table
            offset = snapshot_offset(start, completed=complete)
            if not complete:
                table_name = described.table if not last_of_table else described.table + "\x00"
                offset["snapshot_table"] = json.dumps([described.schema, table_name], separators=(",", ":"))
                offset["snapshot_key"] = None if last_of_table else json.dumps(key_texts, separators=(",", ":"))
            source = self._source.struct(start["ts_usec"], flag, described.schema, described.table, start.get("txId"),
                                         start["lsn"], None)
            records.append(SourceRecord(self._partition, offset, envelope.topic, None, envelope.key_schema,
                                        described.key(after), envelope.schema,
                                        envelope.value(None, after, source, "r", now_us),
                                        headers=self._headers.headers()))
        self._resume_key = list(rows[-1][width:])
        return records
