"""Reading the binlog from a stored position until caught up: row events -> Debezium change events.

One ``BinLogStreamReader`` (python-mysql-replication) per run, in non-blocking mode: the server answers EOF once
everything written so far was sent, which is when a function invocation should end. Positions and the skip counts
of a transaction interrupted between two records follow Debezium (``_offsets.py``), so every record's offset
restarts exactly after it.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.errors import ConnectError, RetriableError
from connect_core.api.record import RowOffsets, SourceKeyedValues, SourceRecord
from connect_core.api.struct import Struct, StructLists
from connect_core.connectors._debezium.heartbeat import heartbeat_record
from connect_core.connectors.binlog._rows import fast_rows, reference_rows
from connect_core.connectors.binlog._snapshot import read_in_window

if TYPE_CHECKING:
    from collections.abc import Sequence

    from connect_core.connectors._debezium.windows import Windows
    from connect_core.connectors.binlog._catalog import Catalog, TableFilter
    from connect_core.connectors.binlog._envelope import SourceSchema, TableSchema
    from connect_core.connectors.binlog._incremental import BinlogChunkReader
    from connect_core.connectors.binlog._offsets import BinlogPosition
    from connect_core.connectors.binlog._rows import RowImages
    from connect_core.connectors.binlog._schema_changes import SchemaChanges

__all__ = ["POLL_TIME_LIMIT_S", "READ_ROWS_FAST", "BinlogStream", "connection_settings"]

log = logging.getLogger(__name__)

# Longest a poll reads events that produce no record: well inside the runner's chunk (10 s) and a function's budget.
POLL_TIME_LIMIT_S: Final = 2.0
# row images read from the event's bytes (``_rows.fast_rows``); False: python-mysql-replication's decoding for all
READ_ROWS_FAST = True
_TX_CONTROL: Final = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "XA START", "XA END", "XA COMMIT"})


def connection_settings(host: str, port: int, user: str, password: str) -> dict[str, Any]:
    """PyMySQL connect arguments for the replication and control connections: plain connections, as Debezium's
    ``database.ssl.mode=disable`` (PyMySQL would otherwise build a TLS context per connection and use TLS whenever
    the server offers it)."""
    return {"host": host, "port": port, "user": user, "password": password, "connect_timeout": 10,
            "charset": "utf8mb4", "ssl_disabled": True}


class BinlogStream:
    """Turns binlog events after ``position`` into change event records, ``max_batch`` at a time."""

    def __init__(self, settings: dict[str, Any], server_id: int, position: BinlogPosition, partition: dict[str, str],
                 catalog: Catalog, *, table_filter: TableFilter, source: SourceSchema, ctl: Any,
                 tombstones: bool, schema_changes: SchemaChanges | None, heartbeat_ms: int, prefix: str,
                 windows: Windows | None = None, store_position: bool = False,
                 incremental: BinlogChunkReader | None = None) -> None:
        """Nothing connects until the first ``poll``; ``ctl`` is a PyMySQL connection for table metadata."""
        self._settings = settings
        self._server_id = server_id
        self.position = position
        self._partition = partition
        self._catalog = catalog
        self._filter = table_filter
        self._source = source
        self._ctl = ctl
        self._tombstones = tombstones
        self._schema_changes = schema_changes
        self._heartbeat_ms = heartbeat_ms
        self._prefix = prefix
        self.windows = windows
        self.incremental = incremental
        self._reader: Any = None
        self._watermarks_at_open = 0  # the incremental snapshot's watermarks written when the reader opened
        self._skip_events = position.events  # a restart inside a transaction: Debezium's initialEventsToSkip
        self._skip_rows = position.rows
        self._gtid: str | None = None
        self._last_emit = time.monotonic()
        self._moved = False
        # a fresh start (no stored offset yet): the first end of the binlog stores the position even without a
        # change event, or changes made before the next invocation would be missed
        self._store_position = store_position
        self._last_offset: dict[str, Any] | None = None
        self._just_beat = False
        # each table's latest table map: its columns (python-mysql-replication's list, shared by the row events after
        # it) and their nullability, which only the table map event carries
        self._maps: dict[tuple[str, str], tuple[list[Any], list[bool]]] = {}
        self._keyed = False  # this poll gives runs of one table's changes (``poll(keyed=True)``)
        self._in_runs = 0  # records the poll's runs stand for, less one a run: its count is len(records) plus this

    def chunk_committed(self) -> None:
        """Records and offsets so far are committed, the invocation goes on. Inside a transaction the reader reads on:
        reopened, it would read the transaction again from its start, skipping what is done, after every chunk (a
        million-row transaction read fifty times over in its hundred chunks). Between transactions, or when this
        task wrote to the binlog since the reader opened (an incremental snapshot's watermarks: a non-blocking
        reader's end of the binlog is where it caught up, so it would not see them), it ends as at the end of an
        invocation (``end_transaction``)."""
        incremental = self.incremental
        if self.position.in_transaction and (incremental is None
                                             or incremental.watermarks == self._watermarks_at_open):
            return
        self.end_transaction()

    def end_transaction(self) -> None:
        """Records and offsets so far are committed: close the replication connection until the next poll.

        A connection must not outlive the invocation that opened it: a frozen function container would keep its
        replica registration, and the server refuses another one with the same server id. The next poll reopens
        at the last record's offset (inside a transaction: its start, skipping what is done) or, between
        transactions, after the last one read.
        """
        if self._reader is None:
            return
        self.close()
        position = self.position
        if position.in_transaction:
            last = self._last_offset
            if last is not None and (last["file"], last["pos"]) == (position.file, position.pos):
                restart = type(position).from_offset(last)
            else:
                restart = type(position).from_offset({**position.offset(), "event": 0, "row": 0})
            restart.gtids = dict(position.gtids)
            self.position = restart
            self._skip_events, self._skip_rows = restart.events, restart.rows
        else:
            self._skip_events = self._skip_rows = 0
        self._gtid = None

    def close(self) -> None:
        """Close the replication connection."""
        reader, self._reader = self._reader, None
        if reader is not None:
            try:
                reader.close()
            except Exception:  # closing must not mask why we stop
                log.debug("closing the binlog reader failed", exc_info=True)

    def _open(self) -> Any:
        from pymysqlreplication import BinLogStreamReader
        from pymysqlreplication.event import MariadbGtidEvent, QueryEvent, RotateEvent, XidEvent
        from pymysqlreplication.row_event import DeleteRowsEvent, TableMapEvent, UpdateRowsEvent, WriteRowsEvent

        from connect_core.connectors.binlog._time2 import install

        install()
        return BinLogStreamReader(
            connection_settings=self._settings, server_id=self._server_id, resume_stream=True,
            log_file=self.position.file, log_pos=self.position.pos, blocking=False,
            only_events=[MariadbGtidEvent, QueryEvent, XidEvent, RotateEvent, TableMapEvent, WriteRowsEvent,
                         UpdateRowsEvent, DeleteRowsEvent],
            enable_logging=False,
        )

    def poll_keyed(self, max_batch: int, time_limit_s: float | None = None) -> list[SourceRecord | SourceKeyedValues]:
        """``poll`` with a table's consecutive change events as runs (``SourceKeyedValues``) standing for their
        records (outside snapshot windows and incremental snapshots, whose rows are records): the same records in
        all, the same poll's worth."""
        return self._poll(max_batch, time_limit_s, keyed=True)

    def poll(self, max_batch: int, time_limit_s: float | None = None) -> list[SourceRecord]:
        """Up to about ``max_batch`` records; ``[]`` once the reader reached the end of the binlog.

        The reference of ``poll_keyed`` (``_poll`` without runs). A busy binlog of changes that are not captured
        (other tables, other databases) never fills a batch nor reaches its end: see ``_poll``.
        """
        return self._poll(max_batch, time_limit_s, keyed=False)

    def _poll(self, max_batch: int, time_limit_s: float | None, *, keyed: bool) -> list[Any]:
        """Up to about ``max_batch`` records (as runs too with ``keyed``); ``[]`` at the end of the binlog.

        A busy binlog of changes that are not captured (other tables, other databases) never fills a batch nor
        reaches its end: past ``time_limit_s`` (``POLL_TIME_LIMIT_S``) the poll returns what it has at the next
        transaction boundary (with nothing captured, the position: a heartbeat with ``heartbeat.interval.ms`` > 0, else
        a record that carries only the offset, as a function resumes at its stored offset), and at twice the
        limit (a second more at least) wherever it is: the invocation commits and ends within its budget, and the
        next one continues from there.
        """
        if self._reader is None:
            if self.incremental is not None:
                self.incremental.start()  # a stored incremental snapshot reads its next chunk (once per task)
                self.incremental.read_kafka()  # signals sent to the Kafka signal topic since the last start
            self._reader = self._open()
            self._watermarks_at_open = 0 if self.incremental is None else self.incremental.watermarks
        records: list[Any] = []
        self._keyed, self._in_runs = keyed and not self.windows and self.incremental is None, 0
        limit = POLL_TIME_LIMIT_S if time_limit_s is None else time_limit_s
        stop_at = time.monotonic() + limit
        hard_stop_at = stop_at + max(limit, 1.0)  # inside one long transaction of uncaptured changes
        try:
            while len(records) + self._in_runs < max_batch:
                event = self._reader.fetchone()
                if event is None:
                    self.close()
                    self._heartbeat(records)
                    return records
                self._handle(event, records)
                now = time.monotonic()
                boundary = self._moved and not self.position.in_transaction  # after a transaction read here
                if now >= stop_at and (boundary or now >= hard_stop_at):
                    if not records:
                        # the scanned stretch must not be read again by every invocation (each starts at the stored
                        # offset): the position is stored even when heartbeat.interval.ms is 0 (``_heartbeat``)
                        self._store_position = True
                        self._heartbeat(records)
                        return records
                    break
        except (ConnectError, RetriableError):
            self.close()
            raise
        except Exception as e:
            self.close()
            name = type(e).__name__
            if name in ("OperationalError", "InterfaceError"):
                raise RetriableError(f"Reading the binlog at {self.position.file}:{self.position.pos} failed: "
                                     f"{e}") from e
            raise ConnectError(f"Reading the binlog at {self.position.file}:{self.position.pos} failed: {e}") from e
        if records:
            self._last_emit = time.monotonic()
            self._store_position = False
        return records

    def _handle(self, event: Any, records: list[SourceRecord]) -> None:
        from pymysqlreplication.event import MariadbGtidEvent, QueryEvent, RotateEvent, XidEvent
        from pymysqlreplication.row_event import TableMapEvent

        position = self.position
        packet = event.packet
        end = packet.log_pos
        if isinstance(event, RotateEvent):
            # the binlog only rotates between transactions: a rotate inside one is the artificial event of a
            # reconnection (python-mysql-replication reopens a dropped connection by itself, at the event it had
            # reached), and moving the restart position there would make it a point the next reader cannot decode
            # from (its row events need the table maps before it): the position keeps the transaction's start
            if not position.in_transaction:
                position.rotate(event.next_binlog, event.position)
            return
        if not end:  # artificial events (format description at the start of a stream)
            return
        start = end - packet.event_size
        position.event_at(start, end)
        self._moved = True
        if event.timestamp:
            position.ts_sec = event.timestamp
        if packet.server_id:
            position.server_id = packet.server_id
        if isinstance(event, MariadbGtidEvent):
            self._gtid = event.gtid
            standalone = bool(event.flags & 0x01)  # FL_STANDALONE: a DDL statement, no transaction around it
            if not standalone:
                position.begin(start)
                self._complete()
            return
        if isinstance(event, QueryEvent):
            query = event.query.strip() if isinstance(event.query, str) else bytes(event.query).decode(errors="replace")
            upper = query.upper()
            if upper == "BEGIN":
                position.begin(start)
                self._complete()
            elif upper in ("COMMIT", "ROLLBACK"):
                position.commit(end, self._gtid)
                self._gtid = None
            elif not upper.startswith(("SAVEPOINT", "XA ")):
                self._ddl(event, query, end, records)
            return
        if isinstance(event, XidEvent):
            position.commit(end, self._gtid)
            self._gtid = None
            return
        if isinstance(event, TableMapEvent):
            bits = bytes(event.null_bitmask or b"")
            nullable = [bool(bits[i // 8] & (1 << (i % 8))) if i // 8 < len(bits) else True
                        for i in range(len(event.columns))]
            self._maps[(event.schema, event.table)] = (event.columns, nullable)
            self._complete()
            return
        self._rows(event, start, records)
        self._complete()

    def _complete(self) -> None:
        """One more event of the running transaction is done (Debezium's ``completeEvent``)."""
        if self.position.in_transaction:
            self.position.events += 1
        if self._skip_events:
            self._skip_events -= 1

    def _ddl(self, event: Any, query: str, end: int, records: list[SourceRecord]) -> None:
        """A DDL statement: forget cached table definitions, then (optionally) the schema change record."""
        db = event.schema.decode() if isinstance(event.schema, (bytes, bytearray)) else str(event.schema or "")
        self._catalog.forget_all()
        self.position.commit(end, self._gtid)
        gtid, self._gtid = self._gtid, None
        if self._schema_changes is not None and (not db or self._filter.database(db)):
            record = self._schema_changes.record(self._ctl, db, query, position=self.position, gtid=gtid,
                                                 timestamp=event.timestamp, partition=self._partition)
            if record is not None:
                records.append(record)

    def _rows(self, event: Any, start: int, records: list[SourceRecord]) -> None:
        from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent

        position = self.position
        if self._skip_events:  # a restart inside a transaction: this event was done before
            return
        skip_rows, self._skip_rows = self._skip_rows, 0
        db, table = event.schema, event.table
        if not self._filter.table(db, table):
            return
        names = tuple(c.name for c in event.columns)
        schema = self._event_schema(event, names)
        kept = self._catalog.kept_positions(schema, names)
        op = "u" if isinstance(event, UpdateRowsEvent) else "d" if isinstance(event, DeleteRowsEvent) else "c"
        windows, incremental = self.windows, self.incremental
        rows, converted = self._images(event, schema, kept)
        row_schema, key_schema, key_index, envelope = (schema.row_schema, schema.key_schema, schema.key_index,
                                                       schema.envelope)
        total, ts_ms, topic, partition = len(rows), event.timestamp * 1000, schema.topic, self._partition
        # what every row of the event shares, built once: its source block but the row, its offset but the row
        source, struct, run = self._source, Struct.from_validated, self._run(records, schema) if self._keyed else None
        source_values = source.values(ts_ms, None, db, table, position.server_id, self._gtid, position.file, start)
        source_schema, row_at = source.schema, source.row_at
        offset_at = position.offsets_by_row()
        # Debezium's processing time: the rows of one event are read within the same moment
        now, tombstones = _now(), self._tombstones and op == "d"
        if run is not None:  # a keyed poll (outside windows and incremental snapshots): the rows into the run
            self._keyed_rows(run, schema, (rows, converted, kept, names), skip_rows, op, source_values, now)
            position.rows = 0
            return
        for index in range(skip_rows, total):
            raw_before, raw_after = rows[index]
            if windows and self._in_window((db, table, schema), names, raw_before, raw_after, start):
                continue
            if converted:
                before = None if raw_before is None else struct(row_schema, raw_before)
                after = None if raw_after is None else struct(row_schema, raw_after)
            else:
                before, after = (self._struct(schema, names, kept, raw) for raw in (raw_before, raw_after))
            image_struct: Struct = after if after is not None else before  # type: ignore[assignment]
            key = None if key_schema is None else struct(key_schema, [image_struct._values[i] for i in key_index])
            position.rows = index + 1
            if incremental is not None:
                self._incremental(schema, op, before, after, (start, index), records)
                offset = position.offset()
                incremental.state.store(offset)
            else:
                offset = offset_at(index + 1)
            self._last_offset = offset
            source_values_of_row = source_values.copy()
            source_values_of_row[row_at] = index
            source_block = struct(source_schema, source_values_of_row)
            if op == "u" and key_schema is not None and key != schema.key(before):  # type: ignore[arg-type]
                self._key_change(schema, offset, before, after, source_block, now, records)  # type: ignore[arg-type]
                continue
            records.append(SourceRecord(partition, offset, topic, None, key_schema, key, envelope, struct(
                envelope, [before, after, source_block, None, op, now, now * 1000, now * 1_000_000])))
            if tombstones:
                records.append(SourceRecord(partition, offset, topic, None, key_schema, key))
        position.rows = 0

    def _run(self, records: list[Any], schema: TableSchema) -> SourceKeyedValues:
        """The run of ``schema``'s table the poll's records end with, else a new one at their end: its offsets made
        when read, its keys and values given as the lists of their fields (``RowOffsets``, ``StructLists``)."""
        last = records[-1] if records else None
        if (last.__class__ is SourceKeyedValues and last.topic == schema.topic and last.key_schema is schema.key_schema
                and last.value_schema is schema.envelope):
            return last
        keys: Sequence[Any] = [] if schema.key_schema is None else StructLists(schema.key_schema)
        run = SourceKeyedValues(self._partition, RowOffsets(), schema.topic, schema.key_schema, keys, schema.envelope,
                                StructLists(schema.envelope))
        records.append(run)
        self._in_runs -= 1
        return run

    def _keyed_rows(self, run: SourceKeyedValues, schema: TableSchema,  # noqa: PLR0917
                    images: tuple[RowImages, bool, list[int] | None, tuple[str, ...]], first: int, op: str,
                    source_values: list[Any], now: int) -> None:
        """``_rows``'s loop for a keyed poll (no snapshot window, no incremental snapshot): the records of each row
        from ``first`` on into ``run``, as ``_rows`` (and ``_key_change``, for an update of the key) append them,
        each struct given as the list of its field values."""
        rows, converted, kept, names = images
        key_index, keyed, row_at = schema.key_index, schema.key_schema is not None, self._source.row_at
        offset_at, tombstones = self.position.offsets_by_row(), self._tombstones and op == "d"
        offsets, keys, values = run.source_offsets, run.keys, run.values
        assert isinstance(offsets, RowOffsets) and isinstance(values, StructLists)
        rows_of_offsets = offsets.rows_of(offset_at)  # each entry's row: its offset made only when read
        key_lists = keys.lists if isinstance(keys, StructLists) else keys
        assert isinstance(key_lists, list)
        add_offset, add_key, add_value = rows_of_offsets.append, key_lists.append, values.lists.append
        added, ts_us, ts_ns = 0, now * 1000, now * 1_000_000
        for index in range(first, len(rows)):
            before, after = rows[index]
            if not converted:
                before, after = (None if raw is None else self._struct(schema, names, kept, raw)._values  # type: ignore[union-attr]
                                 for raw in (before, after))
            image: list[Any] = after if after is not None else before  # type: ignore[assignment]
            key = [image[i] for i in key_index] if keyed else None
            row = index + 1  # its offset: offset_at(row)
            source = source_values.copy()
            source[row_at] = index
            if op == "u" and keyed and key != (old_key := [before[i] for i in key_index]):  # type: ignore[index]
                # an update of the key: as Debezium, a delete (+ tombstone) of the old key and a create
                deleted = [before, None, source, None, "d", now, ts_us, ts_ns]
                created = [None, after, source, None, "c", now, ts_us, ts_ns]
                written = ((old_key, deleted), (old_key, None), (key, created)) if self._tombstones else (
                    (old_key, deleted), (key, created))
                rows_of_offsets.extend([row] * len(written))
                key_lists.extend(k for k, _v in written)
                values.lists.extend(v for _k, v in written)
                added += len(written)
                continue
            add_offset(row)
            add_key(key)
            add_value([before, after, source, None, op, now, ts_us, ts_ns])
            added += 1
            if tombstones:
                add_offset(row)
                add_key(key)
                add_value(None)
                added += 1
        if len(rows) > first:
            self._last_offset = offset_at(len(rows))
        self._in_runs += added

    def _in_window(self, table: tuple[str, str, TableSchema], names: tuple[str, ...], raw_before: list[Any] | None,
                   raw_after: list[Any] | None, start: int) -> bool:
        """Whether a row of the event's (database, table, schema) falls inside an open snapshot window (the window's
        read of it goes out instead)."""
        assert self.windows is not None
        image = raw_after if raw_after is not None else raw_before
        values = None if image is None else dict(zip(names, image, strict=True))
        return read_in_window(self.windows, *table, values, file=self.position.file, pos=start)

    def _key_change(self, schema: TableSchema, offset: dict[str, Any], before: Struct, after: Struct,  # noqa: PLR0917
                    source: Struct, now: int, records: list[SourceRecord]) -> None:
        """An update of the primary key: as Debezium, a delete (+ tombstone) of the old key and a create."""
        key_schema, topic, partition = schema.key_schema, schema.topic, self._partition
        old_key = schema.key(before)
        records.append(SourceRecord(partition, offset, topic, None, key_schema, old_key, schema.envelope,
                                    schema.envelope_value(before, None, source, "d", now)))
        if self._tombstones:
            records.append(SourceRecord(partition, offset, topic, None, key_schema, old_key))
        records.append(SourceRecord(partition, offset, topic, None, key_schema, schema.key(after), schema.envelope,
                                    schema.envelope_value(None, after, source, "c", now)))

    def _images(self, event: Any, schema: TableSchema, kept: list[int] | None) -> tuple[RowImages, bool]:
        """The event's row images and whether they hold converted values: straight from the event's bytes; inside
        snapshot windows (which compare raw key values) or when the fast reader declines, raw values to convert."""
        rows = fast_rows(event, schema.converters, kept) if READ_ROWS_FAST and not self.windows else None
        if rows is not None:
            return rows, True
        return (fast_rows(event) if READ_ROWS_FAST else None) or reference_rows(event), False

    def _event_schema(self, event: Any, names: tuple[str, ...]) -> TableSchema:
        """A row event's table schema: as its table map described the columns, else as the catalog has them."""
        db, table = event.schema, event.table
        mapped = self._maps.get((db, table))
        if mapped is not None and mapped[0] is event.columns:  # decoded with the columns it was written with
            return self._catalog.event_schema(self._ctl, db, table, event.columns, mapped[1])
        return self._catalog.schema(self._ctl, db, table, names)

    def _incremental(self, schema: TableSchema, op: str, before: Struct | None, after: Struct | None,  # noqa: PLR0917
                     where: tuple[int, int], records: list[SourceRecord]) -> None:
        """A row of a change event: a signal (an insert into the signal table) acts before its own record goes out,
        so that record's offset carries what it did, as Debezium's; any other row leaves an open window."""
        incremental = self.incremental
        assert incremental is not None
        position, (db, table) = self.position, (schema.db, schema.table)
        if op == "c" and after is not None and incremental.is_signal(db, table):
            point = ((position.server_id, self._gtid, position.file, *where), position.offset())
            incremental.signal(list(after.values()), point, records)
            return
        incremental.deduplicate(db, table, schema.key(after if after is not None else before))  # type: ignore[arg-type]
        if before is not None and op == "u":
            incremental.deduplicate(db, table, schema.key(before))

    @staticmethod
    def _struct(schema: TableSchema, names: tuple[str, ...], kept: list[int] | None,
                raw: list[Any] | None) -> Struct | None:
        if raw is None:
            return None
        if kept is not None:
            raw = [raw[i] for i in kept]
        return schema.row(raw)

    def _heartbeat(self, records: list[SourceRecord]) -> None:
        """At the end of the binlog: a heartbeat when the position moved without a record for heartbeat.interval.ms.

        Only with ``heartbeat.interval.ms`` > 0, as Debezium: nothing is written to ``__debezium-heartbeat.<prefix>``
        otherwise (a cluster without topic auto-creation, or with prefixed ACLs, would refuse it for ever). When the
        position must be stored without a change event (a new connector's first end of the binlog, a long stretch of
        uncaptured changes) and heartbeats are off, the record carries only the offset (topic None: nothing is
        produced, the offset is committed; ``api/record.py``).
        """
        if records or self.position.in_transaction:
            if records:
                self._store_position = self._just_beat = False
            return
        if self._just_beat:  # the poll after a heartbeat ends the invocation: one heartbeat per catch-up at most
            self._just_beat = False
            return
        if not self._store_position and (self._heartbeat_ms <= 0 or not self._moved
                                         or (time.monotonic() - self._last_emit) * 1000 < self._heartbeat_ms):
            return
        self._store_position = False
        offset = self.position.offset()
        if self.incremental is not None:
            self.incremental.state.store(offset)
        if self._heartbeat_ms > 0:
            records.append(heartbeat_record(self._partition, offset, self._prefix))
        else:
            records.append(SourceRecord(self._partition, offset, None))
        self._last_emit = time.monotonic()
        self._moved = False
        self._just_beat = True


def _now() -> int:
    return int(time.time() * 1000)
