"""BinlogSourceTask: one invocation = resume at the stored offset, snapshot or stream until caught up, return.

``start`` reads the offset of partition ``{"server": <topic.prefix>}`` and decides, as Debezium's ``snapshot.mode``
does, whether to (re)snapshot or stream (``always``: once per connector start, ``_debezium/snapshot.py``). ``poll``
returns the snapshot's ``r`` records first, then the binlog's change events, and ``[]`` once the binlog is read to
its end: the runner then commits the records and their offsets in one Kafka transaction and the invocation ends.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.config import parse_config
from connect_core.api.errors import ConnectError, RetriableError
from connect_core.api.task import SourceTask
from connect_core.connectors._debezium.incremental import IncrementalState
from connect_core.connectors._debezium.kafka_signals import kafka_channel
from connect_core.connectors._debezium.snapshot import SnapshotEpoch
from connect_core.connectors.binlog._catalog import Catalog, TableFilter
from connect_core.connectors.binlog._envelope import SourceSchema
from connect_core.connectors.binlog._incremental import BinlogChunkReader
from connect_core.connectors.binlog._offsets import PARTITION_KEY, SNAPSHOT_KEY, BinlogPosition
from connect_core.connectors.binlog._schema_changes import SchemaChanges
from connect_core.connectors.binlog._snapshot import Snapshot, windows_of
from connect_core.connectors.binlog._stream import BinlogStream, connection_settings
from connect_core.connectors.binlog.config import BinlogSourceConfig

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.api.record import SourceKeyedValues, SourceRecord
    from connect_core.connectors._debezium.kafka_signals import KafkaSignalChannel
    from connect_core.connectors._debezium.windows import Windows

__all__ = ["FLAVOUR_CONFIG", "BinlogSourceTask"]

log = logging.getLogger(__name__)

FLAVOUR_CONFIG: Final = "binlog.connector.flavour"  # set by the connector: "mysql" or "mariadb"


class BinlogSourceTask(SourceTask):
    """Captures row changes of the binlog as Debezium change events."""

    def __init__(self) -> None:
        """Create a stopped task."""
        self._config: BinlogSourceConfig | None = None
        self._ctl: Any = None
        self._snapshot: Snapshot | None = None
        self._stream: BinlogStream | None = None
        self._partition: dict[str, str] = {}
        self._settings: dict[str, Any] = {}
        self._parts: dict[str, Any] = {}
        self._incremental_state = IncrementalState()
        self._signals: KafkaSignalChannel | None = None
        self._epoch = SnapshotEpoch({}, "")

    def start(self, props: dict[str, str]) -> None:
        """Parse the config, connect, and pick up where the stored offset says."""
        config = self._config = parse_config(BinlogSourceConfig, props)
        self._epoch = SnapshotEpoch(props, config.mode)
        flavour = props.get(FLAVOUR_CONFIG, "mysql")
        password = config.password.get_secret_value() if config.password else ""
        self._settings = connection_settings(config.hostname, config.port, config.user, password)
        self._partition = {PARTITION_KEY: config.topic_prefix}
        source = SourceSchema(flavour, config.topic_prefix)
        table_filter = TableFilter(config)
        catalog = Catalog(config, source, table_filter)
        changes = SchemaChanges(flavour, config.topic_prefix, source, table_filter) \
            if config.include_schema_changes else None
        self._parts = {"source": source, "filter": table_filter, "catalog": catalog, "changes": changes}
        self._ctl = self._connect()
        try:
            stored = self.context.offset_storage_reader.offset(self._partition)
            self._incremental_state = IncrementalState.stored(stored, config.topic_prefix)
            self._signals = kafka_channel(config, props, config.topic_prefix, stored)
            self._resume(config, stored)
        except BaseException:
            self.stop()
            raise

    def _connect(self) -> Any:
        import pymysql

        try:
            conn = pymysql.connect(**self._settings, autocommit=True, init_command="SET time_zone = '+00:00'")
        except pymysql.MySQLError as e:
            raise RetriableError(f"Unable to connect to {self._settings['host']}:{self._settings['port']} as "
                                 f"{self._settings['user']}: {e}") from e
        return conn

    def _resume(self, config: BinlogSourceConfig, stored: dict[str, Any] | None) -> None:
        mode = config.mode
        if stored is not None and "file" not in stored:
            raise ConnectError(f"Source offset 'file' parameter is missing from the stored offset {stored}")
        if mode == "always" and self._epoch.is_new(stored):  # the connector started since the last snapshot
            log.info("snapshot.mode=always: a new snapshot of %s", config.topic_prefix)
            stored = None
        if stored is not None and stored.get(SNAPSHOT_KEY):
            log.info("resuming the initial snapshot of %s", config.topic_prefix)
            self._snapshot = self._new_snapshot(stored)
            return
        if stored is not None:
            if self._available(stored["file"]):
                self._stream = self._new_stream(BinlogPosition.from_offset(stored),
                                                windows_of(stored), fresh=False)
                return
            if mode != "when_needed":
                raise ConnectError(
                    f"The connector is trying to read binlog starting at file={stored['file']}, pos={stored['pos']}, "
                    f"but this is no longer available on the server ({config.hostname}:{config.port}). Reconfigure "
                    "the connector to use a snapshot when needed (snapshot.mode=when_needed), or reset its offsets.")
            log.warning("binlog %s is no longer on the server: taking a new snapshot (when_needed)", stored["file"])
            stored = None
        if mode in ("initial", "when_needed", "always"):
            self._snapshot = self._new_snapshot(None)
        elif mode == "no_data":
            self._stream = self._new_stream(self._current_position(), None, fresh=True)
        else:  # never: from the oldest binlog on the server
            first = self._binary_logs()[0]
            self._stream = self._new_stream(BinlogPosition(first, 4), None, fresh=True)

    def _binary_logs(self) -> list[str]:
        with self._ctl.cursor() as cursor:
            try:
                cursor.execute("SHOW BINARY LOGS")
            except Exception as e:
                user = self._settings["user"]
                raise ConnectError(f"The database server does not write a binlog (log_bin is off), or {user} lacks "
                                   f"REPLICATION CLIENT: {e}") from e
            return [row[0] for row in cursor.fetchall()]

    def _available(self, file: str) -> bool:
        return file in self._binary_logs()

    def _current_position(self) -> BinlogPosition:
        with self._ctl.cursor() as cursor:
            cursor.execute("SHOW MASTER STATUS")
            row = cursor.fetchone()
            if row is None:
                raise ConnectError("The database server does not write a binlog (log_bin is off)")
            cursor.execute("SELECT BINLOG_GTID_POS(%s, %s)", (row[0], int(row[1])))
            gtids = cursor.fetchone()
        return BinlogPosition.from_offset({"file": row[0], "pos": int(row[1]), "gtids": gtids[0] if gtids else None})

    def _new_snapshot(self, stored: dict[str, Any] | None) -> Snapshot:
        assert self._config is not None
        return Snapshot(self._connect, self._parts["catalog"], self._parts["source"], self._partition,
                        fetch_size=self._config.snapshot_fetch_size, offset=stored,
                        max_batch=self._config.max_batch_size)

    def _new_stream(self, position: BinlogPosition, windows: Windows | None, *, fresh: bool) -> BinlogStream:
        config = self._config
        assert config is not None
        incremental = None
        signal = self._parts["filter"].signal_table
        if signal is not None:
            incremental = BinlogChunkReader(self._ctl, self._parts["catalog"], source=self._parts["source"],
                                            partition=self._partition, signal_table=signal,
                                            chunk_size=config.incremental_snapshot_chunk_size,
                                            state=self._incremental_state)
            incremental.source_channel = config.source_signals
            incremental.kafka = self._signals
        return BinlogStream(self._settings, config.effective_server_id, position, self._partition,
                            self._parts["catalog"], table_filter=self._parts["filter"], source=self._parts["source"],
                            ctl=self._ctl,
                            tombstones=config.tombstones_on_delete, schema_changes=self._parts["changes"],
                            heartbeat_ms=config.heartbeat_interval_ms, prefix=config.topic_prefix,
                            windows=windows or None, store_position=fresh, incremental=incremental)

    def poll(self) -> list[SourceRecord]:
        """Snapshot rows first, then binlog changes; ``[]`` when caught up (each record's offset carries the Kafka
        signal channel's position)."""
        records = self._poll()
        if self._signals is not None:
            records = self._signals.stamp(records, self._partition, self._incremental_state)
        self._epoch.stamp(records, self._partition)
        part = self._snapshot or self._stream
        if records and part is not None and part.windows is not None:
            part.windows.place(records, self._partition)
        return records

    def keyed_poll(self) -> Callable[[], list[SourceRecord | SourceKeyedValues]] | None:
        """``poll`` with the binlog's change events of one table as runs (``BinlogStream.poll_keyed``); None for a
        subclass with a ``poll`` of its own."""
        if type(self).poll is not BinlogSourceTask.poll:
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
        return stream.poll_keyed(self._config.max_batch_size)

    def _poll(self) -> list[SourceRecord]:
        assert self._config is not None
        snapshot = self._snapshot
        if snapshot is not None:
            records = snapshot.poll()
            if records:
                return records
            assert snapshot.position is not None
            self._snapshot = None
            self._stream = self._new_stream(snapshot.position, snapshot.windows, fresh=not snapshot.emitted)
        if self._stream is None:
            return []
        return self._stream.poll(self._config.max_batch_size)

    def commit(self) -> None:
        """The runner committed a chunk (records and offsets): the stream's reader reads on inside a transaction,
        else ends (``BinlogStream.chunk_committed``); the snapshot's transaction stays open for the next chunk
        (``_snapshot.py``)."""
        if self._signals is not None:
            self._signals.committed()
        if self._stream is not None:
            self._stream.chunk_committed()

    def suspend(self) -> None:
        """The invocation ends: the stream's reader with it (a frozen container must not keep its registration)."""
        if self._stream is not None:
            self._stream.end_transaction()

    def stop(self) -> None:
        """Close the snapshot transaction, the binlog reader and the control connection."""
        for part in (self._snapshot, self._stream):
            if part is not None:
                part.close()
        self._snapshot = self._stream = None
        if self._signals is not None:
            self._signals.close()
        ctl, self._ctl = self._ctl, None
        if ctl is not None:
            try:
                ctl.close()
            except Exception:
                log.debug("closing the control connection failed", exc_info=True)
