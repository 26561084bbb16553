"""The initial snapshot: every captured table read in primary key order, as ``op: r`` records, resumable.

Each transaction is a ``START TRANSACTION WITH CONSISTENT SNAPSHOT``, whose exact binlog position MariaDB reports
(``binlog_snapshot_file``/``_position``). The first one's position P0 is where streaming starts. The transaction stays
open across the runner's commits (a chunk each) and warm invocations; the server closes the session once it sat idle
``SNAPSHOT_IDLE_TIMEOUT_S`` (between invocations). Only then does reading resume at the next primary key in a new
transaction at a later position Pk: a *window* (``_debezium/windows.py``).
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.record import SourceRecord
from connect_core.connectors._debezium.snapshot import end_snapshot_transaction, snapshot_flag
from connect_core.connectors._debezium.windows import Windows
from connect_core.connectors.binlog._offsets import decode_key, encode_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.connectors.binlog._catalog import Catalog
    from connect_core.connectors.binlog._envelope import SourceSchema, TableSchema
    from connect_core.connectors.binlog._offsets import BinlogPosition

__all__ = ["INITIAL", "SNAPSHOT_IDLE_TIMEOUT_S", "Snapshot", "quote", "read_in_window", "windows_of"]

log = logging.getLogger(__name__)

INITIAL: Final = "INITIAL"
# A snapshot session idle this long (no invocation reading) is closed by the server: a schedule's interval.
SNAPSHOT_IDLE_TIMEOUT_S: Final = 60


def quote(name: str) -> str:
    """A MySQL identifier in backquotes."""
    return "`" + name.replace("`", "``") + "`"


def read_in_window(windows: Windows, db: str, table: str, schema: TableSchema, raw: dict[str, Any] | None, *,
                   file: str, pos: int) -> bool:
    """Whether the change at ``file:pos`` to this row is already in a window's ``r`` record."""
    name = (db, table)
    key = None if raw is None or not schema.key_columns else tuple(raw.get(k) for k in schema.key_columns)

    def starts_before(start_db: str, start_table: str, start_key: tuple[Any, ...] | None) -> bool:
        start = (start_db, start_table)
        return start < name or (start == name and (start_key is None or (key is not None and _after(key, start_key))))

    return windows.already_read((file, pos), starts_before)


def windows_of(offset: dict[str, Any] | None) -> Windows:
    """The windows a binlog offset holds (keys as ``encode_key`` stored them)."""
    return Windows.from_offset(offset, decode_key)


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _after(key: tuple[Any, ...], start: tuple[Any, ...]) -> bool:
    try:
        return key > start
    except TypeError:
        return str(key) > str(start)


class Snapshot:
    """Reads the captured tables after a stored (table, key), ``fetch_size`` rows per query."""

    def __init__(self, connect: Callable[[], Any], catalog: Catalog, source: SourceSchema,
                 partition: dict[str, str], *, fetch_size: int, offset: dict[str, Any] | None,
                 max_batch: int | None = None) -> None:
        """Resume from ``offset`` (a snapshot offset) or start afresh when None; a poll gives at most ``max_batch``
        records (``max.batch.size``, as Debezium's queue hands them out), the rest of a query's ``fetch_size`` rows
        wait for the next polls of the same transaction."""
        self._connect = connect
        self._catalog = catalog
        self._source = source
        self._partition = partition
        self._fetch = fetch_size
        self._batch = max_batch or fetch_size
        self._rows: list[Any] = []  # rows the last query read that no poll has handed out yet (this transaction's)
        self._more = False  # whether the last query found rows past its fetch_size
        self._conn: Any = None
        self.position: BinlogPosition | None = None
        self.windows = windows_of(offset)
        table = json.loads(offset["snapshot_table"]) if offset and offset.get("snapshot_table") else None
        self._resume_table: tuple[str, str] | None = (str(table[0]), str(table[1])) if table else None
        key = offset.get("snapshot_key") if offset else None
        self._resume_key = decode_key(json.loads(key)) if key else None
        self._resume_rows = int(offset.get("snapshot_rows") or 0) if offset else 0
        self._stored = offset
        self._tables: list[tuple[str, str]] = []
        self._index = 0
        self._first = offset is None
        self.emitted = False  # whether any record (and so an offset) came from this snapshot
        self.done = False

    def close(self) -> None:
        """End the snapshot transaction (rows it read and no poll handed out are read again by the next one)."""
        self._rows, self._more = [], False
        conn, self._conn = self._conn, None
        end_snapshot_transaction(conn)

    def _begin(self) -> None:
        from connect_core.connectors.binlog._offsets import BinlogPosition

        conn = self._connect()
        with conn.cursor() as cursor:
            cursor.execute(f"SET SESSION wait_timeout = {SNAPSHOT_IDLE_TIMEOUT_S}")  # closed once none reads it
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            cursor.execute("SHOW STATUS LIKE 'binlog_snapshot_%'")
            status = dict(cursor.fetchall())
            file, pos = status["Binlog_snapshot_file"], int(status["Binlog_snapshot_position"])
            cursor.execute("SELECT BINLOG_GTID_POS(%s, %s)", (file, pos))
            gtid_row = cursor.fetchone()
        self._conn = conn
        self._tables = self._catalog.tables(conn)
        if self.position is None and self._stored is None:  # the snapshot starts: streaming will start here
            self.position = BinlogPosition.from_offset({"file": file, "pos": pos,
                                                        "gtids": gtid_row[0] if gtid_row else None})
        else:
            if self.position is None:
                self.position = BinlogPosition.from_offset(self._stored or {})
            if self._resume_table is not None:  # a later transaction: a new window from where reading resumes
                key = self._resume_key
                self.windows.add(*self._resume_table, None if key is None else encode_key(key), key, file, pos)
        self._index = 0
        if self._resume_table is not None:
            self._index = next((i for i, t in enumerate(self._tables) if t >= self._resume_table), len(self._tables))
            if self._index < len(self._tables) and self._tables[self._index] != self._resume_table:
                self._resume_key, self._resume_rows = None, 0  # that table is gone: go on with the next one

    def poll(self) -> list[SourceRecord]:
        """The next rows as ``r`` records; ``[]`` and ``done`` once every table was read. A kept transaction that
        fails (the server closed its idle session) is replaced by a new one, a new window, once."""
        if self._conn is None:
            self._begin()
            return self._read()
        try:
            return self._read()
        except Exception as error:
            log.info("the snapshot transaction is gone (%s): resuming in a new one", str(error).strip())
            self.close()
            self._begin()
            return self._read()

    def _read(self) -> list[SourceRecord]:
        while self._index < len(self._tables):
            db, table = self._tables[self._index]
            records = self._chunk(db, table)
            if records:
                self.emitted = True
                self._resume_table = (db, table)
                return records
            self._index += 1
            self._resume_key, self._resume_rows = None, 0
            self._resume_table = (db, table + "\x00")  # sorts right after this table
        self.close()
        self.done = True
        return []

    def _chunk(self, db: str, table: str) -> list[SourceRecord]:
        conn = self._conn
        schema = self._catalog.schema(conn, db, table)
        if not self._rows:
            self._rows, self._more = self._query(conn, schema, db, table)
        rows, self._rows = self._rows[:self._batch], self._rows[self._batch:]
        if not rows:
            return []
        last_table = self._index == len(self._tables) - 1
        return self._records(schema, db, table, rows, more=self._more or bool(self._rows), last_table=last_table)

    def _query(self, conn: Any, schema: TableSchema, db: str, table: str) -> tuple[list[Any], bool]:
        """The next ``fetch_size`` rows after the resume point, and whether more follow."""
        columns = ", ".join(quote(c) for c in schema.columns)
        keys = schema.key_columns
        sql = f"SELECT {columns} FROM {quote(db)}.{quote(table)}"
        params: tuple[Any, ...] = ()
        if keys:
            if self._resume_key is not None:
                sql += f" WHERE ({', '.join(quote(k) for k in keys)}) > ({', '.join(['%s'] * len(keys))})"
                params = self._resume_key
            sql += f" ORDER BY {', '.join(quote(k) for k in keys)} LIMIT {self._fetch + 1}"
        else:
            sql += f" LIMIT {self._fetch + 1} OFFSET {self._resume_rows}"
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            rows = list(cursor.fetchall())
        more = len(rows) > self._fetch
        return rows[:self._fetch], more

    def _records(self, schema: TableSchema, db: str, table: str, rows: list[Any], *, more: bool,
                 last_table: bool) -> list[SourceRecord]:
        assert self.position is not None
        position = self.position
        now = int(time.time() * 1000)
        position.ts_sec = now // 1000
        key_index = schema.key_index
        base = position.offset()
        base.pop("event", None)
        base.pop("row", None)
        records = []
        first_of_table = self._resume_key is None and self._resume_rows == 0
        for i, raw in enumerate(rows):
            last_of_table = not more and i == len(rows) - 1
            flag = snapshot_flag(first=self._first, first_in_table=first_of_table and i == 0,
                                 last_in_table=last_of_table, last_table=last_table)
            self._first = False
            after = schema.row(raw)
            offset = dict(base)
            if last_of_table and last_table:
                pass  # the snapshot is complete with this record: streaming resumes from P0
            else:
                offset["snapshot"] = INITIAL
                offset["snapshot_table"] = _text([db, table])
                if key_index:
                    offset["snapshot_key"] = _text(encode_key([raw[schema.columns.index(k)]
                                                               for k in schema.key_columns]))
                else:
                    offset["snapshot_rows"] = self._resume_rows + i + 1
                if last_of_table:  # the next record comes from the next table
                    offset["snapshot_key"] = None
                    offset["snapshot_rows"] = 0
                    offset["snapshot_table"] = _text([db, table + "\x00"])  # sorts right after this table
            source = self._source.struct(now, flag, db, table, 0, None, position.file, position.pos, 0)
            records.append(SourceRecord(self._partition, offset, schema.topic, None, schema.key_schema,
                                        schema.key(after), schema.envelope,
                                        schema.envelope_value(None, after, source, "r", now)))
        if key_index:
            self._resume_key = tuple(rows[-1][schema.columns.index(k)] for k in schema.key_columns)
        else:
            self._resume_rows += len(rows)
        return records
