"""Reading the replication slot from a stored position until caught up: pgoutput messages -> change events.

psycopg2's logical replication cursor (``start_replication`` + ``read_message``, never blocking) reads the slot;
``_pgoutput.py`` decodes each message. The stream is caught up when the server's keepalive reports a WAL position
at or past the flush position read when the stream opened, outside a transaction: that is when an invocation ends.

A restart re-reads from the stored ``lsn_commit``: a transaction whose commit is before it is skipped whole, and in
the transaction the stored offset is inside (``txId``), the changes up to ``lsn``/``lsn_events_processed`` are
skipped (Debezium's ``WalPositionLocator`` does the same). The slot moves by ``confirm`` (an offset Kafka has
committed) and, unlike Debezium's, over others' WAL: psycopg2 reports a keepalive's WAL end once all is confirmed.
"""

from __future__ import annotations

import logging
import select
import struct
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.errors import ConnectError, RetriableError
from connect_core.api.record import SourceKeyedValues, SourceRecord
from connect_core.api.struct import Struct, StructLists
from connect_core.connectors._debezium.heartbeat import heartbeat_record
from connect_core.connectors.postgres import _pgoutput as pg
from connect_core.connectors.postgres._offsets import Position, parse_lsn
from connect_core.connectors.postgres._slot import Slot, connect
from connect_core.connectors.postgres._snapshot import read_in_window

if TYPE_CHECKING:
    from collections.abc import Sequence

    from connect_core.connectors._debezium.windows import Windows
    from connect_core.connectors.postgres._catalog import Catalog, TableSchema
    from connect_core.connectors.postgres._envelope import ContextHeaders, Envelope, SourceBlock
    from connect_core.connectors.postgres._incremental import IncrementalSnapshot
    from connect_core.connectors.postgres.config import PostgresSourceConfig

__all__ = ["POLL_TIME_LIMIT_S", "ReplicationStream", "last_offset"]

log = logging.getLogger(__name__)

# Longest a poll reads messages that produce no record: well inside the runner's chunk (10 s) and a function's budget.
POLL_TIME_LIMIT_S: Final = 2.0
# Longest a poll waits for the server while it is not caught up and sends nothing: a WAL sender decodes a whole
# transaction before it sends its first change, and a new session starts decoding again from the slot's restart
# point, so ending early would never get a big transaction through. Below the runner's safety margin (10 s).
SERVER_WAIT_S: Final = 8.0
SLOT_BUSY_WAIT_S: Final = 5.0  # how long a slot still held by an ending WAL sender is waited for
STALE_CONNECTION_S: Final = 30.0  # a connection idle this long is from an earlier invocation (a frozen container)
_WAIT_S: Final = 0.05
_MESSAGE_TYPES: Final = {pg.Insert: "INSERT", pg.Update: "UPDATE", pg.Delete: "DELETE"}
_RELID: Final = struct.Struct("!I").unpack_from
_from_validated: Final = Struct.from_validated


class ReplicationStream:
    """Turns the slot's messages after ``position`` into change event records, ``max_batch`` at a time."""

    def __init__(self, config: PostgresSourceConfig, position: Position, *, ctl: Any,
                 catalog: Catalog, source: SourceBlock, headers: ContextHeaders, partition: dict[str, str],
                 windows: Windows | None, skip_before: int | None, confirm: int | None,
                 incremental: IncrementalSnapshot | None = None) -> None:
        """Nothing connects until the first ``poll``.

        ``skip_before``: transactions committed before this LSN are done (the stored ``lsn_commit``, or a
        snapshot's consistent point); ``confirm``: an LSN from committed offsets to confirm to the slot.
        """
        self._config = config
        self.position = position
        self._ctl = ctl
        self._catalog = catalog
        self._source = source
        self._headers = headers
        self._partition = partition
        self.windows = windows
        self._done_before = skip_before
        self._resume = (position.tx_id, position.lsn, position.events) if position.events else None
        self._confirm = confirm
        self.incremental = incremental
        self._conn: Any = None
        self._cursor: Any = None
        self._target = 0
        self._relations: dict[int, TableSchema | None] = {}
        self._tx: pg.Begin | None = None
        self._skip_tx = False
        self._last_commit: int | None = position.lsn_commit
        self._moved = False
        self._last_emit = time.monotonic()
        self._just_beat = False
        self._emitted_offset: dict[str, Any] | None = None
        self._changes = 0  # change messages read (captured or not)
        self._caught_up = True  # whether the last poll ended caught up (else the connection outlives a chunk)
        self._tx_changes = 0  # ``_changes`` when the current transaction began
        self._keyed = False  # this poll gives runs of one table's changes (``poll_keyed``)
        self._in_runs = 0  # records the poll's runs stand for, less one a run: its count is len(records) plus this
        self._big_tx_passed = False  # a transaction of max.batch.size changes or more committed after the last record
        self._last_poll = 0.0
        self._returned: dict[str, Any] | None = None  # the offset of the last record a poll returned
        self._initial = (replace(position), skip_before, self._resume)  # where it went on from before any

    # -- connection ----------------------------------------------------------------------------------------------
    def _open(self) -> None:
        deadline = time.monotonic() + SLOT_BUSY_WAIT_S
        ended = None
        while True:
            conn = connect(self._config, replication=True)
            cursor = conn.cursor()
            try:
                cursor.start_replication(slot_name=self._config.slot_name, decode=False,
                                         start_lsn=self.position.start_lsn(),
                                         options={"proto_version": "1",
                                                  "publication_names": self._config.publication_name})
                break
            except Exception as e:
                conn.close()
                if type(e).__name__ == "ObjectInUse":
                    # held by an earlier invocation of this connector (a frozen container, one cut off, one just
                    # ending): its session is ended, as the runner already fenced it; anyone else's is waited for
                    if ended is None:
                        ended = self._end_own_sender()
                    if time.monotonic() < deadline:
                        time.sleep(0.2)
                        continue
                raise RetriableError(f"Unable to stream from replication slot {self._config.slot_name}: {e}") from e
        self._conn, self._cursor = conn, cursor
        self._relations.clear()
        self.position.previous_change = None  # the server sends the open transaction again: count its events anew
        if self.position.lsn_commit is not None:
            self._done_before = max(self._done_before or 0, self.position.lsn_commit)
        if self.incremental is not None:
            self.incremental.start()  # a stored incremental snapshot reads its next chunk (once per task)
            self.incremental.read_kafka()  # signals sent to the Kafka signal topic since the last start
        with self._ctl.cursor() as ctl_cursor:
            ctl_cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
            row = ctl_cursor.fetchone()
        self._target = parse_lsn(row[0]) if row else 0
        if self._confirm:
            self._send_confirm()
            if self._conn is None:
                raise RetriableError(f"Unable to confirm LSN {self._confirm} to replication slot "
                                     f"{self._config.slot_name}")

    def _end_own_sender(self) -> int:
        """``Slot.end_own_sender``: the PID ended, 0 when none was (a failure to end it is only logged: the slot is
        then waited for as anyone else's)."""
        try:
            return Slot(self._config, self._ctl).end_own_sender() or 0
        except Exception as e:
            log.warning("could not end the WAL sender holding replication slot %s: %s", self._config.slot_name, e)
            return 0

    def _send_confirm(self) -> None:
        """Confirm the pending LSN on the open connection; one that fails (the session was ended meanwhile: this
        container was frozen and another took the slot over) is closed, the LSN kept for the next open."""
        lsn = self._confirm
        if not lsn or self._cursor is None:
            return
        try:
            self._cursor.send_feedback(write_lsn=lsn, flush_lsn=lsn, force=True)
        except Exception as e:
            log.info("confirming LSN %d to slot %s failed (%s): confirmed at the next open", lsn,
                     self._config.slot_name, str(e).strip())
            self._rewind()
            return
        self._confirm = None
        log.debug("confirmed LSN %d to slot %s", lsn, self._config.slot_name)

    def confirm(self, lsn: int | None) -> None:
        """Kafka committed offsets up to ``lsn``: confirm it to the slot now if streaming, else at the next open."""
        if lsn:
            self._confirm = max(lsn, self._confirm or 0)
            self._send_confirm()

    def end_transaction(self) -> None:
        """Records and offsets so far are committed: close the replication connection until the next poll (a frozen
        function container must not keep the slot active), resuming from the last emitted record.

        While the server is still sending a transaction or decoding one (not caught up), the connection stays open
        for the next chunk: a new session would decode that transaction again from the slot's restart point. A
        connection left so at the end of an invocation is dropped by the next poll when it has been idle for long
        (``STALE_CONNECTION_S``), and the server ends its WAL sender after ``wal_sender_timeout``."""
        if self._conn is None:
            return
        if not self._caught_up:
            return
        self.close()
        last = self._emitted_offset
        if self._tx is not None and last is not None:  # inside a transaction: restart at its records' offset
            restored = Position.from_offset(last)
            self.position = restored
            self._resume = (restored.tx_id, restored.lsn, restored.events)
            self._done_before = restored.lsn_commit
        self._tx = None
        self._skip_tx = False

    def _rewind(self) -> None:
        """Close a connection that failed (or was ended by another container); the next open goes on right after
        the last record a poll returned, as a cold start from its offset would: what a failed poll read (records
        built but never returned, a commit passed over them) is read again, never skipped."""
        self.close()
        if self._returned is not None:
            position = Position.from_offset(self._returned)
            resume = (position.tx_id, position.lsn, position.events) if position.events else None
            skip = position.lsn_commit if position.lsn_commit is not None else position.lsn
        else:
            initial, skip, resume = self._initial
            position = replace(initial)
        self.position, self._done_before, self._resume = position, skip, resume
        self._last_commit = position.lsn_commit
        self._tx = None
        self._skip_tx = False

    def close(self) -> None:
        """Close the replication connection."""
        conn, self._conn, self._cursor = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                log.debug("closing the replication connection failed", exc_info=True)

    # -- reading -------------------------------------------------------------------------------------------------
    def _fresh(self) -> None:
        """Open the connection, or open it again when the last poll was long ago (a frozen container's)."""
        if self._conn is not None and time.monotonic() - self._last_poll > STALE_CONNECTION_S:
            self.end_transaction_now()
        if self._conn is None:
            self._open()

    def end_transaction_now(self) -> None:
        """Close the connection whatever the server is doing (resuming from the last emitted record)."""
        self._caught_up = True
        self.end_transaction()

    def poll_keyed(self, max_batch: int, time_limit_s: float | None = None) -> list[SourceRecord | SourceKeyedValues]:
        """``poll`` with a table's consecutive change events as runs (``SourceKeyedValues``) standing for their
        records (outside snapshot windows and incremental snapshots, and but an update of the key, whose records
        carry headers of their own): the same records in all, the same poll's worth."""
        return self._poll(max_batch, time_limit_s, keyed=True)

    def poll(self, max_batch: int, time_limit_s: float | None = None) -> list[SourceRecord]:
        """Up to about ``max_batch`` records; ``[]`` once caught up (a heartbeat when one is due): ``_poll``, the
        reference of ``poll_keyed``."""
        return self._poll(max_batch, time_limit_s, keyed=False)

    def _poll(self, max_batch: int, time_limit_s: float | None, *, keyed: bool) -> list[Any]:
        """Up to about ``max_batch`` records (as runs too with ``keyed``); ``[]`` once caught up.

        A stretch of changes that are not captured never holds a poll past ``time_limit_s`` (``POLL_TIME_LIMIT_S``)
        at a transaction boundary, or twice that inside a transaction: the poll then ends with a heartbeat that
        stores the position (inside the transaction: its ``lsn``/``lsn_events_processed``), so the next invocation
        goes on from there instead of reading the same stretch again.
        """
        self._fresh()
        self._caught_up = False
        records: list[Any] = []
        self._keyed, self._in_runs = keyed and not self.windows and self.incremental is None, 0
        limit = POLL_TIME_LIMIT_S if time_limit_s is None else time_limit_s
        started = time.monotonic()
        wait_until = started + max(SERVER_WAIT_S, limit)
        stop_at = hard_stop_at = 0.0  # the reading limits count from the first message (not the server's decoding)
        changes = self._changes
        try:
            while len(records) + self._in_runs < max_batch:
                message = self._cursor.read_message()
                if message is None:
                    if self._tx is None and self._cursor.wal_end >= self._target:
                        # caught up; the connection stays open until ``commit`` has confirmed what Kafka committed
                        self._caught_up = True
                        self._last_poll = time.monotonic()
                        # a big transaction committed after the last record would be decoded again by every
                        # invocation: a heartbeat stores the position past it
                        self._heartbeat(records, forced=self._big_tx_passed)
                        self._note_returned(records)
                        return records
                    now = time.monotonic()
                    if now >= wait_until or (stop_at and now >= stop_at and records):
                        break
                    if not _readable(self._cursor, _WAIT_S):
                        self._cursor.send_feedback(reply=True)  # ask for a keepalive: it carries the WAL end
                    continue
                now = time.monotonic()
                if not stop_at or self._resume is not None:  # nor what is skipped after a restart
                    stop_at = now + limit
                    hard_stop_at = stop_at + max(limit, 1.0)  # inside one long transaction of uncaptured changes
                self._handle(message, records)
                if now >= stop_at and (self._tx is None or (now >= hard_stop_at and self._resume is None)):
                    if self._tx is not None and self._changes > changes:
                        self._moved = True  # store the position inside it (a heartbeat when nothing was captured)
                    break
        except (ConnectError, RetriableError):
            self._rewind()
            raise
        except Exception as e:
            self._rewind()
            what = f"Reading replication slot {self._config.slot_name} after LSN {self.position.lsn} failed: {e}"
            if _lost_session(e):
                raise RetriableError(what) from e
            raise ConnectError(what) from e
        self._last_poll = time.monotonic()
        if not records:
            self._heartbeat(records, forced=self._moved)
        if not records:  # the server is still decoding or sending: a heartbeat keeps the invocation polling
            self._heartbeat(records, forced=True, waiting=True)
        self._note_returned(records)
        return records

    def _note_returned(self, records: list[Any]) -> None:
        if records:
            self._returned = last_offset(records)

    def _handle(self, message: Any, records: list[SourceRecord]) -> None:
        payload = message.payload
        lsn = message.data_start
        if (payload[0] == 0x49 and self._tx is not None and not self._skip_tx and self._resume is None  # 'I'
                and not self.windows and self.incremental is None):
            table = self._relations.get(_RELID(payload, 1)[0])
            values = None if table is None else table.insert_values(payload)
            if values is not None:
                self._insert(values, table, lsn, records)  # type: ignore[arg-type]
                return
        decoded = pg.decode(payload)
        kind = type(decoded)
        if kind is pg.Begin:
            self._tx = decoded  # type: ignore[assignment]
            self._tx_changes = self._changes
            self._skip_tx = self._done_before is not None and decoded.final_lsn < self._done_before  # type: ignore[union-attr]
        elif kind is pg.Commit:
            tx = self._tx
            self._tx = None
            if tx is not None and not self._skip_tx:
                self.position.commit(decoded.end_lsn, tx.xid, decoded.commit_ts_us)  # type: ignore[union-attr]
                self._last_commit = decoded.end_lsn  # type: ignore[union-attr]
                self._moved = True
                if self._changes - self._tx_changes >= self._config.max_batch_size:
                    self._big_tx_passed = True
            if self._resume is not None and tx is not None and tx.xid == self._resume[0]:
                self._resume = None
        elif kind is pg.Relation:
            self._relation(decoded)  # type: ignore[arg-type]
        elif kind in _MESSAGE_TYPES and self._tx is not None and not self._skip_tx:
            self._change(decoded, lsn, records)

    def _relation(self, relation: pg.Relation) -> None:
        if not self._catalog.filter.table(relation.namespace, relation.name):
            self._relations[relation.relid] = None
            return
        sent = [(c.name, c.type_oid, c.type_modifier) for c in relation.columns]
        self._relations[relation.relid] = self._catalog.table_schema(self._ctl, relation.relid, relation.namespace,
                                                                     relation.name, sent)

    def _insert(self, values: list[Any], table: TableSchema, lsn: int, records: list[SourceRecord]) -> None:
        """The fast path of ``_change`` for an Insert read by ``TableSchema.insert_values`` (no snapshot window,
        incremental snapshot or restart to skip to): the same record, built from the values at once."""
        tx = self._tx
        assert tx is not None
        position = self.position
        position.change(lsn, tx.xid, tx.commit_ts_us, "INSERT")
        self._changes += 1
        envelope = table.envelope
        key_schema = envelope.key_schema
        key_index = table.key_index
        offset = self._emitted_offset = position.offset()
        if self._keyed:  # into the table's run as lists (StructLists)
            source_values = self._source.values(tx.commit_ts_us, "false", table.schema, table.table, tx.xid, lsn,
                                                self._last_commit)
            self._add(self._run(records, envelope), offset, table.key_values(values),
                      envelope.value_fields(None, values, source_values, "c", _now_us()), tombstone=False)
            return
        row_key = None if key_schema is None else _from_validated(
            key_schema, [values[key_index[0]]] if len(key_index) == 1 else [values[i] for i in key_index])
        source = self._source.struct(tx.commit_ts_us, "false", table.schema, table.table, tx.xid, lsn,
                                     self._last_commit)
        value = envelope.value(None, _from_validated(envelope.row_schema, values), source, "c", _now_us())
        records.append(SourceRecord(self._partition, offset, envelope.topic, None, key_schema, row_key,
                                    envelope.schema, value, None, self._headers.headers()))

    def _change(self, change: Any, lsn: int, records: list[SourceRecord]) -> None:
        tx = self._tx
        assert tx is not None
        position = self.position
        position.change(lsn, tx.xid, tx.commit_ts_us, _MESSAGE_TYPES[type(change)])
        self._changes += 1
        resume = self._resume
        if resume is not None and tx.xid == resume[0]:
            if (lsn, position.events) <= (resume[1], resume[2]):
                return  # emitted (or passed) before the restart
            self._resume = None
        table = self._relations.get(change.relid)
        if table is None:
            return
        if self._keyed:
            self._keyed_change(change, table, lsn, records)
            return
        kind = type(change)
        new = None if kind is pg.Delete else table.row(change.new)
        raw_old = None if kind is pg.Insert else change.old
        old = None if raw_old is None else table.row(raw_old, partial=change.old_is_key)
        row_key = table.key(new if new is not None else old)  # type: ignore[arg-type]
        windows = self.windows
        if windows and read_in_window(windows, self._catalog, table, _key_tuple(table, row_key), tx.final_lsn):
            return
        incremental = self.incremental
        if incremental is not None:
            if kind is pg.Insert and new is not None and incremental.is_signal(table):
                # a signal acts before its own record goes out (its offset carries what it did), as Debezium's
                incremental.signal(list(new.values()), (tx.xid, lsn, self._last_commit, position.offset()),
                                   records)
                if incremental.state.pending:  # the stream must reach the close watermark before it ends
                    self._target = max(self._target, incremental.close_lsn)
            else:
                incremental.deduplicate(table, _key_tuple(table, row_key))
                if old is not None and kind is not pg.Insert:
                    incremental.deduplicate(table, _key_tuple(table, table.key(old)))
        offset = position.offset()
        if incremental is not None:
            incremental.state.store(offset)
        self._emitted_offset = offset
        source = self._source.struct(tx.commit_ts_us, "false", table.schema, table.table, tx.xid, lsn,
                                     self._last_commit)
        envelope = table.envelope
        now_us = _now_us()
        topic, key_schema = envelope.topic, envelope.key_schema
        if kind is pg.Update and old is not None and key_schema is not None and table.key(old) != row_key:
            self._key_update(table, offset, (old, new), source, now_us, records)  # type: ignore[arg-type]
            return
        op = "c" if kind is pg.Insert else "u" if kind is pg.Update else "d"
        value = envelope.value(old if op != "c" else None, new, source, op, now_us)
        records.append(SourceRecord(self._partition, offset, topic, None, key_schema, row_key, envelope.schema, value,
                                    headers=self._headers.headers()))
        if op == "d" and self._config.tombstones_on_delete:
            records.append(SourceRecord(self._partition, offset, topic, None, key_schema, row_key,
                                        headers=self._headers.headers()))

    def _keyed_change(self, change: Any, table: TableSchema, lsn: int, records: list[SourceRecord]) -> None:
        """``_change`` for a keyed poll (no snapshot window, no incremental snapshot): the change into its table's
        run, its structs given as lists (``StructLists``); an update of the key as ``_change`` writes it."""
        tx = self._tx
        assert tx is not None
        kind = type(change)
        new = None if kind is pg.Delete else table.row_values(change.new)
        raw_old = None if kind is pg.Insert else change.old
        old = None if raw_old is None else table.row_values(raw_old, partial=change.old_is_key)
        row_key = table.key_values(new if new is not None else old)  # type: ignore[arg-type]
        offset = self._emitted_offset = self.position.offset()
        source = self._source.values(tx.commit_ts_us, "false", table.schema, table.table, tx.xid, lsn,
                                     self._last_commit)
        envelope = table.envelope
        now_us = _now_us()
        if kind is pg.Update and old is not None and row_key is not None and table.key_values(old) != row_key:
            row_schema = envelope.row_schema
            self._key_update(table, offset, (_from_validated(row_schema, old), _from_validated(row_schema, new)),  # type: ignore[arg-type]
                             _from_validated(self._source.schema, source), now_us, records)
            return
        op = "c" if kind is pg.Insert else "u" if kind is pg.Update else "d"
        self._add(self._run(records, envelope), offset, row_key,
                  envelope.value_fields(old if op != "c" else None, new, source, op, now_us),
                  tombstone=op == "d" and self._config.tombstones_on_delete)

    def _key_update(self, table: TableSchema, offset: dict[str, Any], rows: tuple[Struct, Struct],  # noqa: PLR0917
                    source: Struct, now_us: int, records: list[SourceRecord]) -> None:
        """An update of the key: as Debezium, a delete of the old key (+ tombstone) and a create of the new, each
        with a header naming the other key."""
        old, new = rows
        envelope = table.envelope
        topic, key_schema = envelope.topic, envelope.key_schema
        assert key_schema is not None  # a table with a key
        old_key, row_key = table.key(old), table.key(new)
        new_header = ("__debezium.newkey", key_schema, row_key)
        records.append(SourceRecord(self._partition, offset, topic, None, key_schema, old_key, envelope.schema,
                                    envelope.value(old, None, source, "d", now_us),
                                    headers=self._headers.headers(new_header)))
        if self._config.tombstones_on_delete:
            records.append(SourceRecord(self._partition, offset, topic, None, key_schema, old_key,
                                        headers=self._headers.headers(new_header)))
        records.append(SourceRecord(self._partition, offset, topic, None, key_schema, row_key, envelope.schema,
                                    envelope.value(None, new, source, "c", now_us),
                                    headers=self._headers.headers(("__debezium.oldkey", key_schema, old_key))))

    def _run(self, records: list[Any], envelope: Envelope) -> SourceKeyedValues:
        """The run of ``envelope``'s table the poll's records end with, else a new one at their end."""
        last = records[-1] if records else None
        if (last.__class__ is SourceKeyedValues and last.topic == envelope.topic
                and last.key_schema is envelope.key_schema and last.value_schema is envelope.schema):
            return last
        keys: Sequence[Any] = [] if envelope.key_schema is None else StructLists(envelope.key_schema)
        run = SourceKeyedValues(self._partition, [], envelope.topic, envelope.key_schema, keys, envelope.schema,
                                StructLists(envelope.schema), None, self._headers.headers())
        records.append(run)
        self._in_runs -= 1
        return run

    def _add(self, run: SourceKeyedValues, offset: dict[str, Any], key: list[Any] | None, value: list[Any], *,
             tombstone: bool) -> None:
        """A change's record (and its tombstone) into ``run``, its key and value as lists: what ``_insert`` and
        ``_keyed_change`` append."""
        offsets, key_lists, values = run.source_offsets, run.keys, run.values
        keys = key_lists.lists if isinstance(key_lists, StructLists) else key_lists
        assert isinstance(offsets, list) and isinstance(keys, list) and isinstance(values, StructLists)
        offsets.append(offset)
        keys.append(key)
        values.lists.append(value)
        self._in_runs += 1
        if tombstone:
            offsets.append(offset)
            keys.append(key)
            values.lists.append(None)
            self._in_runs += 1

    # -- heartbeats ----------------------------------------------------------------------------------------------
    def _stored_position(self) -> dict[str, Any]:
        """The position a heartbeat stores: where the stream is, or, while it still passes over what was returned
        before a restart (a loaded server paused it there), where it resumed from: never behind a stored offset."""
        if self._resume is None:
            return self.position.offset()
        return dict(self._returned) if self._returned is not None else self._initial[0].offset()

    def _heartbeat(self, records: list[SourceRecord], *, forced: bool, waiting: bool = False) -> None:
        """When caught up: a heartbeat when the position moved without a record for heartbeat.interval.ms (or,
        ``forced``, after a poll that read only uncaptured changes: their stretch must not be read again)."""
        if records:
            self._last_emit = time.monotonic()
            self._moved = self._just_beat = self._big_tx_passed = False
            return
        if self._just_beat and not waiting:  # the poll after a heartbeat ends the invocation: one per catch-up
            self._just_beat = False
            return
        interval = self._config.heartbeat_interval_ms
        due = interval > 0 and (time.monotonic() - self._last_emit) * 1000 >= interval
        if not due and not forced:
            return
        if not self._moved and not waiting and not (due and self._config.heartbeat_action_query):
            return
        if due and self._config.heartbeat_action_query:
            with self._ctl.cursor() as cursor:
                cursor.execute(self._config.heartbeat_action_query)
        if not self._moved and not waiting:
            return
        offset = self._stored_position()
        if self.incremental is not None:
            self.incremental.state.store(offset)
        self._emitted_offset = offset
        records.append(heartbeat_record(self._partition, offset, self._config.topic_prefix,
                                        headers=self._headers.headers()))
        self._last_emit = time.monotonic()
        self._moved = self._big_tx_passed = False
        self._just_beat = True


def _now_us() -> int:
    """Debezium's processing time of a change event (its envelope's ``ts_ms``/``ts_us``/``ts_ns``)."""
    return time.time_ns() // 1000


def last_offset(records: list[SourceRecord | SourceKeyedValues]) -> dict[str, Any] | None:
    """The source offset of the last record ``records`` stand for (not empty)."""
    last = records[-1]
    return last.source_offsets[-1] if isinstance(last, SourceKeyedValues) else last.source_offset


def _lost_session(error: Exception) -> bool:
    """Whether a read failed with the session (the server ended it, the network, the slot taken over: psycopg2's
    OperationalError and its subclasses such as AdminShutdown), not with what it read."""
    import psycopg2

    return isinstance(error, (psycopg2.OperationalError, psycopg2.InterfaceError)) \
        or type(error).__name__ == "DatabaseError"


def _key_tuple(table: TableSchema, key: Struct | None) -> tuple[Any, ...] | None:
    if key is None:
        return None
    return tuple(key._values)


def _readable(cursor: Any, timeout_s: float) -> bool:
    """Wait until the replication connection has data; ``poll``, as ``select`` refuses descriptors past 1,023 (a
    long-lived process with many connections, such as a warm container serving many connectors, gets there)."""
    poller = select.poll()
    poller.register(cursor.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(timeout_s * 1000))
