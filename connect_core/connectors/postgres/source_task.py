"""PostgresSourceTask: one invocation = resume at the stored offset, snapshot or stream until caught up, return.

``start`` reads the offset of partition ``{"server": <topic.prefix>}`` and decides, as Debezium's ``snapshot.mode``
does, whether to (re)snapshot or stream (``always``: once per connector start, ``_debezium/snapshot.py``). ``poll``
returns the snapshot's ``r`` records first, then the slot's change events, and ``[]`` once caught up; the runner
commits them with their offsets in one Kafka transaction, and only then (``commit``, or at the next start) is the
slot's confirmed position moved, so a killed invocation re-reads and never loses. The slot's lag is published each
invocation as the plugin metric ``LAG_METRIC`` (KIP-877; docs/connectors/postgres-cdc.md).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.config import parse_config
from connect_core.api.errors import ConnectError
from connect_core.api.file_roots import file_roots_of
from connect_core.api.record import SourceRecord
from connect_core.api.task import SourceTask
from connect_core.connectors._debezium.incremental import IncrementalState
from connect_core.connectors._debezium.kafka_signals import kafka_channel
from connect_core.connectors._debezium.snapshot import SnapshotEpoch
from connect_core.connectors._debezium.windows import Windows
from connect_core.connectors.postgres._catalog import Catalog, TableFilter
from connect_core.connectors.postgres._envelope import ContextHeaders, SourceBlock
from connect_core.connectors.postgres._incremental import IncrementalSnapshot
from connect_core.connectors.postgres._offsets import PARTITION_KEY, Position, snapshot_offset, snapshot_running
from connect_core.connectors.postgres._slot import Slot, connect
from connect_core.connectors.postgres._snapshot import SNAPSHOT_IDLE_TIMEOUT_MS, Snapshot
from connect_core.connectors.postgres._stream import ReplicationStream, last_offset
from connect_core.connectors.postgres.config import PostgresSourceConfig

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SourceKeyedValues
    from connect_core.connectors._debezium.kafka_signals import KafkaSignalChannel

__all__ = ["LAG_METRIC", "PostgresSourceTask"]

log = logging.getLogger(__name__)

LAG_METRIC: Final = "replication-slot-lag-bytes"


class PostgresSourceTask(SourceTask):
    """Captures row changes from a logical replication slot (pgoutput) as Debezium change events."""

    def __init__(self) -> None:
        """Create a stopped task."""
        self._config: PostgresSourceConfig | None = None
        self._ctl: Any = None
        self._slot: Slot | None = None
        self._snapshot: Snapshot | None = None
        self._stream: ReplicationStream | None = None
        self._partition: dict[str, str] = {}
        self._parts: dict[str, Any] = {}
        self._export: tuple[Any, int, str | None] | None = None  # the new slot's exported snapshot, until imported
        self._start: dict[str, Any] = {}
        self._last_offset: dict[str, Any] | None = None
        self._incremental_state = IncrementalState()
        self._lag_bytes: int | None = None
        self._signals: KafkaSignalChannel | None = None
        self._epoch = SnapshotEpoch({}, "")

    def start(self, props: dict[str, str]) -> None:
        """Parse the config, connect, and pick up where the stored offset says."""
        roots = file_roots_of(self)
        config = self._config = parse_config(PostgresSourceConfig, props).with_tls_files(roots.resolve)
        self._epoch = SnapshotEpoch(props, config.mode)
        self._partition = {PARTITION_KEY: config.topic_prefix}
        source = SourceBlock(config.topic_prefix, config.dbname)
        table_filter = TableFilter(config)
        self._parts = {"source": source, "headers": ContextHeaders(config.topic_prefix),
                       "catalog": Catalog(config, source, table_filter)}
        self._ctl = connect(config)
        try:
            self._slot = Slot(config, self._ctl)
            self._slot.check_server()
            self._register_lag_metric()
            stored = self.context.offset_storage_reader.offset(self._partition)
            self._incremental_state = IncrementalState.stored(stored, config.topic_prefix)
            self._signals = kafka_channel(config, props, config.topic_prefix, stored)
            self._resume(config, stored)
        except BaseException:
            self.stop()
            raise

    def _resume(self, config: PostgresSourceConfig, stored: dict[str, Any] | None) -> None:
        slot = self._slot
        assert slot is not None
        catalog: Catalog = self._parts["catalog"]
        slot.ensure_publication([(s, t) for _oid, s, t in catalog.tables(self._ctl)])
        slot_lsn = slot.confirmed_flush()
        if slot_lsn is not None:
            log.info("replication slot %s keeps %s bytes of WAL behind the server's position", slot.name,
                     self._measure_lag())
        mode = config.mode
        if stored is not None and slot_lsn is None:
            if mode != "when_needed":
                raise ConnectError(
                    f"The connector has a stored offset (LSN {stored.get('lsn')}) but replication slot {slot.name} "
                    "does not exist any more, so the changes since are lost. Reconfigure the connector with "
                    "snapshot.mode=when_needed to take a new snapshot, or reset its offsets.")
            log.warning("replication slot %s is gone: taking a new snapshot (when_needed)", slot.name)
            stored = None
        fresh = mode == "always" and self._epoch.is_new(stored)  # the connector started since the last snapshot
        if stored is not None and snapshot_running(stored) and not fresh:
            log.info("resuming the initial snapshot of %s", config.topic_prefix)
            self._start = {"lsn": int(stored["lsn"]), "txId": stored.get("txId"), "ts_usec": int(stored["ts_usec"])}
            self._snapshot = self._new_snapshot(stored)
            return
        if stored is None or fresh:
            if config.snapshots_data:
                self._begin_snapshot(slot_lsn)
                self._epoch.unstored = self._epoch.epoch is not None
                return
            if slot_lsn is None:
                conn, slot_lsn, _ = slot.create(export=False)
                conn.close()
            if stored is None:
                self._stream = self._new_stream(Position(lsn=slot_lsn), None, skip_before=None, confirm=None)
                return
        if not config.streams:
            return  # initial_only (or configuration_based without streaming): the snapshot was all
        position = Position.from_offset(stored)
        skip = position.lsn_commit if position.lsn_commit is not None else position.lsn
        self._stream = self._new_stream(position, Windows.from_offset(stored), skip_before=skip,
                                        confirm=position.lsn_commit)

    def _begin_snapshot(self, slot_lsn: int | None) -> None:
        """A new snapshot: from the new slot's exported snapshot, or (a slot exists) from a temporary slot's."""
        slot = self._slot
        assert slot is not None
        if slot_lsn is None:
            self._export = slot.create(export=True)
        else:
            self._export = slot.export_snapshot()
        self._start = {"lsn": self._export[1], "txId": None, "ts_usec": time.time_ns() // 1000}
        self._snapshot = self._new_snapshot(None)

    def _snapshot_transaction(self) -> tuple[Any, int]:
        """Open a snapshot transaction on an exported snapshot; returns it and the snapshot's consistent point."""
        assert self._config is not None and self._slot is not None
        export, self._export = self._export, None
        replication, lsn, name = export if export is not None else self._slot.export_snapshot()
        try:
            conn = connect(self._config)
            conn.autocommit = True
            with conn.cursor() as cursor:  # the server ends the transaction once no invocation reads it
                cursor.execute(f"SET idle_in_transaction_session_timeout = {SNAPSHOT_IDLE_TIMEOUT_MS}")
                if self._start.get("txId") is None:
                    # a transaction of its own: a kept snapshot transaction holding an xid would make every
                    # replication slot created on the server meanwhile wait for it
                    cursor.execute("SELECT txid_current()")
                    row = cursor.fetchone()
                    self._start["txId"] = int(row[0]) if row else None
            conn.autocommit = False
            conn.set_session(isolation_level="REPEATABLE READ")
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION SNAPSHOT %s", (name,))
        finally:
            replication.close()  # the snapshot is imported (or failed): the temporary slot goes with it
        return conn, lsn

    def _new_snapshot(self, stored: dict[str, Any] | None) -> Snapshot:
        assert self._config is not None
        return Snapshot(self._snapshot_transaction, self._parts["catalog"], self._parts["source"],
                        self._parts["headers"], self._partition, fetch_size=self._config.snapshot_fetch_size,
                        offset=stored, start=self._start)

    def _new_stream(self, position: Position, windows: Windows | None, *, skip_before: int | None,
                    confirm: int | None) -> ReplicationStream:
        config = self._config
        assert config is not None
        incremental = None
        if config.signal_data_collection:
            incremental = IncrementalSnapshot(config, self._ctl, catalog=self._parts["catalog"],
                                              source=self._parts["source"], headers=self._parts["headers"],
                                              partition=self._partition, state=self._incremental_state)
            incremental.source_channel = config.source_signals
            incremental.kafka = self._signals
        return ReplicationStream(config, position, ctl=self._ctl, catalog=self._parts["catalog"],
                                 source=self._parts["source"], headers=self._parts["headers"],
                                 partition=self._partition, windows=windows or None, skip_before=skip_before,
                                 confirm=confirm, incremental=incremental)

    def poll(self) -> list[SourceRecord]:
        """Snapshot rows first, then the slot's changes; ``[]`` when caught up (each record's offset carries the
        Kafka signal channel's position)."""
        records = self._poll()
        if self._signals is not None:
            records = self._signals.stamp(records, self._partition, self._incremental_state)
        self._epoch.stamp(records, self._partition)
        if records:
            windows = self._snapshot.windows if self._snapshot is not None else \
                self._stream.windows if self._stream is not None else None
            if windows is not None:
                windows.place(records, self._partition)
            self._last_offset = records[-1].source_offset
        return records

    def keyed_poll(self) -> Callable[[], list[SourceRecord | SourceKeyedValues]] | None:
        """``poll`` with the slot's change events of one table as runs (``ReplicationStream.poll_keyed``); None for
        a subclass with a ``poll`` of its own."""
        if type(self).poll is not PostgresSourceTask.poll:
            return None
        return self._poll_keyed

    def _poll_keyed(self) -> list[SourceRecord | SourceKeyedValues]:
        """What ``poll`` returns, the stream's changes as runs when nothing rewrites their offsets afterwards (the
        Kafka signal channel's position, ``snapshot.mode=always``'s epoch, snapshot windows): else ``poll``."""
        stream = self._stream
        if (self._snapshot is not None or stream is None or self._signals is not None
                or self._epoch.epoch is not None or stream.windows is not None):
            return list(self.poll())
        assert self._config is not None
        items = stream.poll_keyed(self._config.max_batch_size)
        if items:
            self._last_offset = last_offset(items)
        else:
            self._measure_lag()
        return items

    def _poll(self) -> list[SourceRecord]:
        assert self._config is not None
        snapshot = self._snapshot
        if snapshot is not None:
            records = snapshot.poll()
            if records:
                return records
            self._snapshot = None
            # the snapshot's end stored even when its last record did not say it (no rows, or the last table
            # empty): a container started cold on the committed offsets then streams from its point instead of
            # taking a snapshot of its own, later, behind which the changes committed meanwhile would be lost
            ended = [] if snapshot.completed else [
                SourceRecord(self._partition, snapshot_offset(self._start, completed=True), None)]
            if self._config.streams:
                lsn = int(self._start["lsn"])
                self._stream = self._new_stream(Position(lsn=lsn), snapshot.windows, skip_before=lsn, confirm=None)
            if ended or not self._config.streams:
                return ended
        if self._stream is None:
            return []
        records = self._stream.poll(self._config.max_batch_size)
        if not records:
            self._measure_lag()
        return records

    def commit(self) -> None:
        """The runner committed a chunk (records and offsets): confirm its LSN to the slot and end the stream's
        transaction; the snapshot's stays open for the next chunk (``_snapshot.py``)."""
        committed, self._last_offset = self._last_offset, None
        if self._signals is not None:
            self._signals.committed()
        if self._stream is not None:
            if committed is not None and committed.get("lsn_commit") is not None:
                self._stream.confirm(int(committed["lsn_commit"]))
            self._stream.end_transaction()
            self._measure_lag()

    def _register_lag_metric(self) -> None:
        """The slot's lag as a gauge of the task's plugin metrics: its last measurement (none yet: left out)."""
        metrics = self.context.plugin_metrics()
        name = metrics.metric_name(LAG_METRIC, "Bytes of WAL between the server's current position and the "
                                               "replication slot's confirmed_flush_lsn")
        try:
            metrics.add_metric(name, self._lag_value)
        except ValueError:  # started again with the same context: the gauge is already there
            log.debug("%s is already registered", LAG_METRIC)

    def _lag_value(self) -> float:
        if self._lag_bytes is None:
            raise LookupError("the slot's lag is not measured yet")
        return float(self._lag_bytes)

    def _measure_lag(self) -> int | None:
        """Measure the slot's lag now (kept for the gauge); a failed measurement keeps the last one."""
        if self._slot is None:
            return self._lag_bytes
        try:
            lag = self._slot.lag_bytes()
        except Exception:
            log.debug("measuring the lag of replication slot %s failed", self._slot.name, exc_info=True)
            return self._lag_bytes
        if lag is not None:
            self._lag_bytes = lag
        return lag

    def stop(self) -> None:
        """Close the snapshot transaction, the replication connection and the control session."""
        for part in (self._snapshot, self._stream):
            if part is not None:
                part.close()
        self._snapshot = self._stream = None
        if self._signals is not None:
            self._signals.close()
        export, self._export = self._export, None
        for conn in (export[0] if export else None, self._ctl):
            if conn is not None:
                try:
                    conn.close()
                except Exception:
                    log.debug("closing a connection failed", exc_info=True)
        self._ctl = None
