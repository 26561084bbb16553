"""Debezium's incremental snapshot state and its signals, as both CDC connectors keep and read them.

An ``execute-snapshot`` signal of type ``incremental`` queues tables; each is read in key order in chunks of
``incremental.snapshot.chunk.size`` rows, each chunk between an open and a close watermark written to the signal
table: a change streamed between them drops that row from the chunk (the change is newer), and the rows left are
emitted as ``read`` events at the close. The state travels in every streamed record's offset under Debezium's own
keys (``incremental_snapshot_collections``, ``_primary_key``, ``_maximum_key``, ``_correlation_id``), so a
restarted task reads the next chunk after the stored key; a pause is stored too (``incremental_snapshot_paused``),
since every invocation restarts the task (docs/connectors/incremental-snapshots.md).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.errors import ConnectError
from connect_core.connectors._debezium.serialized_key import JavaValue, deserialize_key, serialize_key

if TYPE_CHECKING:
    from connect_core.connectors._debezium.kafka_signals import KafkaSignalChannel

__all__ = ["CLOSE_WINDOW", "OPEN_WINDOW", "ChunkReader", "DataCollection", "IncrementalState", "Signal",
           "parse_signal"]

log = logging.getLogger(__name__)

PREFIX: Final = "incremental_snapshot"
COLLECTIONS_KEY: Final = PREFIX + "_collections"
PRIMARY_KEY: Final = PREFIX + "_primary_key"
MAXIMUM_KEY: Final = PREFIX + "_maximum_key"
CORRELATION_KEY: Final = PREFIX + "_correlation_id"
PAUSED_KEY: Final = PREFIX + "_paused"  # lambda-connect's own (Debezium ignores it): see the module docstring
EXECUTE: Final = "execute-snapshot"
STOP: Final = "stop-snapshot"
PAUSE: Final = "pause-snapshot"
RESUME: Final = "resume-snapshot"
OPEN_WINDOW: Final = "snapshot-window-open"
CLOSE_WINDOW: Final = "snapshot-window-close"


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal: ``id``, ``type`` and ``data`` (the signal table's first three columns, or a Kafka signal's
    fields; a Kafka signal may have no id)."""

    id: str | None
    type: str
    data: dict[str, Any]


def parse_signal(values: list[Any]) -> Signal | None:
    """A signal from a signal table row's values; None (logged) when it is not one."""
    if len(values) < 3 or values[0] is None or values[1] is None:
        log.warning("ignoring a signal table row without id and type: %s", values[:3])
        return None
    data: dict[str, Any] = {}
    if values[2]:
        try:
            parsed = json.loads(values[2])
        except ValueError:
            log.warning("ignoring signal %s: its data is not JSON: %s", values[0], values[2])
            return None
        data = parsed if isinstance(parsed, dict) else {}
    return Signal(str(values[0]), str(values[1]), data)


@dataclass(slots=True)
class DataCollection:
    """A table queued for an incremental snapshot (Debezium's ``DataCollection``)."""

    id: str  # schema.table (PostgreSQL) or database.table (MySQL)
    additional_condition: str | None = None
    surrogate_key: str | None = None
    correlation_id: str | None = None

    def as_json(self) -> dict[str, str | None]:
        """The entry of ``incremental_snapshot_collections``, keys in Debezium's order."""
        return {f"{COLLECTIONS_KEY}_id": self.id,
                f"{COLLECTIONS_KEY}_additional_condition": self.additional_condition,
                f"{COLLECTIONS_KEY}_surrogate_key": self.surrogate_key,
                f"{COLLECTIONS_KEY}_correlation_id": self.correlation_id}


class IncrementalState:
    """Where an incremental snapshot is: the queued tables, the chunk being read, and its window."""

    def __init__(self) -> None:
        """No snapshot running."""
        self.collections: list[DataCollection] = []
        self.chunk_end: list[JavaValue] | None = None  # where the next chunk starts (after this key)
        self.last_sent: list[JavaValue] | None = None  # the last chunk row emitted
        self.maximum_key: list[JavaValue] | None = None
        self.correlation_id: str | None = None
        self.chunk_id: str | None = None
        self.window_open = False
        self.paused = False
        self.window: dict[tuple[Any, ...], Any] = {}  # key values -> the row, in reading order
        self.stop_requests: list[str] = []
        self.pending = False  # a chunk was read and its close watermark is not seen yet

    @property
    def running(self) -> bool:
        """Whether tables are queued."""
        return bool(self.collections)

    @property
    def current(self) -> DataCollection | None:
        """The table being read."""
        return self.collections[0] if self.collections else None

    # -- offsets ---------------------------------------------------------------------------------------------------
    @classmethod
    def from_offset(cls, offset: dict[str, Any] | None) -> IncrementalState:
        """The state a stored offset (ours or Debezium's) holds; raises ValueError naming an unreadable key."""
        state = cls()
        if not offset or not offset.get(COLLECTIONS_KEY):
            return state
        for entry in json.loads(offset[COLLECTIONS_KEY]):
            state.collections.append(DataCollection(
                entry[f"{COLLECTIONS_KEY}_id"], entry.get(f"{COLLECTIONS_KEY}_additional_condition") or None,
                entry.get(f"{COLLECTIONS_KEY}_surrogate_key") or None,
                entry.get(f"{COLLECTIONS_KEY}_correlation_id") or None))
        for key in (PRIMARY_KEY, MAXIMUM_KEY):
            try:
                values = deserialize_key(offset.get(key))
            except ValueError as e:
                raise ValueError(f"offset key {key} ({offset.get(key)}) cannot be read: {e}") from None
            if key == PRIMARY_KEY:
                # Debezium's restarted task stores a null key until it sends a row, so a second restart before
                # then reads the table from its start again; keeping the stored key stores what is true
                state.chunk_end = state.last_sent = values
            else:
                state.maximum_key = values
        state.correlation_id = offset.get(CORRELATION_KEY)
        state.paused = bool(offset.get(PAUSED_KEY))
        return state

    @classmethod
    def stored(cls, offset: dict[str, Any] | None, server: str) -> IncrementalState:
        """``from_offset`` for a task starting on the stored offset of ``server``: an unreadable one fails the task."""
        try:
            return cls.from_offset(offset)
        except ValueError as e:
            raise ConnectError(f"The stored offset of {server} holds an incremental snapshot lambda-connect cannot "
                               f"resume: {e}") from e

    def store(self, offset: dict[str, Any]) -> dict[str, Any]:
        """Add the state to a streamed record's offset while a snapshot runs (Debezium's ``store``)."""
        if self.collections:
            offset[PRIMARY_KEY] = serialize_key(self.last_sent)
            offset[MAXIMUM_KEY] = serialize_key(self.maximum_key)
            offset[COLLECTIONS_KEY] = json.dumps([c.as_json() for c in self.collections], separators=(",", ":"),
                                                 ensure_ascii=False)
            offset[CORRELATION_KEY] = self.correlation_id
            if self.paused:
                offset[PAUSED_KEY] = True
        return offset

    # -- signals ---------------------------------------------------------------------------------------------------
    def add(self, signal: Signal, known_tables: list[str]) -> list[DataCollection]:
        """Queue an ``execute-snapshot``'s tables (each a regex matched against ``known_tables``, else kept as
        written); returns the new entries ([] when the signal asks for nothing, logged)."""
        requested = signal.data.get("data-collections")
        if not isinstance(requested, list) or not requested or not all(isinstance(r, str) for r in requested):
            log.warning("execute-snapshot signal %s has no 'data-collections' list of names: ignored", signal.id)
            return []
        conditions = []
        for item in signal.data.get("additional-conditions") or []:
            if isinstance(item, dict) and item.get("data-collection") and item.get("filter"):
                conditions.append((re.compile(str(item["data-collection"]), re.IGNORECASE), str(item["filter"])))
        surrogate = str(signal.data.get("surrogate-key") or "").strip() or None
        names: list[str] = []
        for pattern in (r.strip() for r in requested):
            try:
                matched = [t for t in known_tables if re.fullmatch(pattern, t)]
            except re.error:
                matched = []
            for name in matched or [pattern]:
                if name not in names:
                    names.append(name)
        added = []
        for name in names:
            condition = next((f for p, f in conditions if p.fullmatch(name)), None)
            added.append(DataCollection(name, f"({condition})" if condition else None, surrogate, signal.id))
        self.collections.extend(added)
        self.correlation_id = signal.id
        return added

    def request_stop(self, signal: Signal) -> None:
        """A ``stop-snapshot``: its tables (all when none is named) leave the snapshot at the next chunk."""
        if not self.collections:
            log.warning("stop-snapshot signal %s: no incremental snapshot is running", signal.id)
            return
        names = signal.data.get("data-collections")
        self.stop_requests.extend(names if isinstance(names, list) and names else [".*"])

    def open_window(self, signal_id: str) -> bool:
        """The open watermark of the current chunk was streamed (others, e.g. replayed after a restart, are not)."""
        if self.chunk_id is None or not signal_id.startswith(self.chunk_id):
            return False
        self.window_open = True
        return True

    def close_window(self, signal_id: str) -> bool:
        """The close watermark of the current chunk was streamed."""
        if self.chunk_id is None or not signal_id.startswith(self.chunk_id):
            return False
        self.window_open = False
        self.pending = False
        return True

    def deduplicate(self, collection_id: str, key: tuple[Any, ...] | None) -> None:
        """A streamed change to ``key`` of ``collection_id``: while the window is open, drop the row from it."""
        current = self.current
        if self.window_open and key is not None and current is not None and current.id == collection_id:
            self.window.pop(key, None)

    # -- chunks ----------------------------------------------------------------------------------------------------
    def new_chunk(self) -> str:
        """Start a chunk: a new id for its watermarks."""
        self.chunk_id = str(uuid.uuid4())
        return self.chunk_id

    def next_collection(self) -> None:
        """The current table is done (or skipped): go on with the next."""
        if self.collections:
            self.collections.pop(0)
        self.chunk_end = self.last_sent = self.maximum_key = None
        self.window.clear()
        if not self.collections:
            self.correlation_id = None

    def apply_stops(self, known_tables: list[str]) -> None:
        """Remove the tables a ``stop-snapshot`` named (regexes over the queued and known tables)."""
        requests, self.stop_requests = self.stop_requests, []
        if not requests or not self.collections:
            return
        stop_current = False
        for pattern in requests:
            names = [t for t in {*known_tables, *(c.id for c in self.collections)} if _matches(pattern, t)]
            for name in names or [pattern]:
                if self.current is not None and name == self.current.id:
                    stop_current = True
                else:
                    self.collections = [c for c in self.collections if c.id != name]
        if stop_current:
            log.info("incremental snapshot of %s stopped", self.current.id if self.current else None)
            self.next_collection()
        if not self.collections:
            self.correlation_id = None


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.fullmatch(pattern, name) is not None
    except re.error:
        return pattern == name



ChunkRow = tuple[tuple[Any, ...], Any, list[JavaValue]]  # (key values, the row for the record, the typed key)


class ChunkReader(ABC):
    """What the stream of either connector calls (``start``, ``on_signal``, ``deduplicate``) and the chunk loop of
    Debezium's ``readChunk``; a subclass says how its database lists tables, reads keys and chunks, writes
    watermarks and builds the ``r`` records."""

    def __init__(self, state: IncrementalState, chunk_size: int) -> None:
        """``state``: from the stored offset."""
        self.state = state
        self.chunk_size = chunk_size
        self._started = False
        self.source_channel = True  # ``signal.enabled.channels`` has ``source``: signal table rows are signals
        self.kafka: KafkaSignalChannel | None = None  # ``signal.enabled.channels`` has ``kafka``

    # -- the database's part -----------------------------------------------------------------------------------------
    @abstractmethod
    def known_tables(self) -> list[str]:
        """The captured tables' identifiers (what ``data-collections`` patterns are matched against)."""

    @abstractmethod
    def write_watermark(self, signal_id: str, kind: str, data: str) -> None:
        """Insert a watermark row into the signal table (committed)."""

    @abstractmethod
    def prepare_table(self, collection: DataCollection) -> bool:
        """Look the table up for the chunks to come; False (logged) when it cannot be read (gone, no key)."""

    @abstractmethod
    def maximum_key(self, collection: DataCollection) -> list[JavaValue] | None:
        """The table's largest key now (None: the table is empty)."""

    @abstractmethod
    def read_rows(self, collection: DataCollection) -> list[ChunkRow]:
        """The next ``chunk_size`` rows after ``state.chunk_end`` up to ``state.maximum_key``, in key order."""

    def window_closed(self) -> None:  # noqa: B027 (optional hook)
        """A close watermark was written (the PostgreSQL stream notes where it must read to)."""

    # -- what the stream calls -----------------------------------------------------------------------------------------
    def start(self) -> None:
        """Once per task, when streaming starts: a snapshot stored in the offset goes on with its next chunk."""
        if self._started:
            return
        self._started = True
        if self.state.running:
            log.info("incremental snapshot of %s in progress: reading the next chunk", self.state.current)
            self.read_chunk()

    def read_kafka(self) -> None:
        """The signals sent to the Kafka signal topic since the last read (at each stream start)."""
        if self.kafka is not None:
            for signal in self.kafka.read():
                log.info("Kafka signal %s of type %s received", signal.id, signal.type)
                self.dispatch(signal, None)

    def on_signal(self, values: list[Any], release: Any) -> None:
        """A row inserted into the signal table; ``release(rows)`` emits a closed window's rows (as ``r``).

        The watermarks are always read (they are the connector's own); other rows are signals only when the
        ``source`` channel is enabled."""
        signal = parse_signal(values)
        if signal is None:
            return
        if not self.source_channel and signal.type not in (OPEN_WINDOW, CLOSE_WINDOW):
            log.info("signal table row %s (%s) ignored: the source channel is not in signal.enabled.channels",
                     signal.id, signal.type)
            return
        self.dispatch(signal, release)

    def dispatch(self, signal: Signal, release: Any) -> None:
        """Act on a signal; ``release`` is None for a signal from Kafka (a watermark only counts from the table)."""
        state, kind = self.state, signal.type
        if kind in (OPEN_WINDOW, CLOSE_WINDOW) and (release is None or signal.id is None):
            log.warning("signal %s of type %s ignored: watermarks are read from the signal table only", signal.id,
                        kind)
        elif kind == OPEN_WINDOW:
            state.open_window(signal.id or "")
        elif kind == CLOSE_WINDOW:
            if state.close_window(signal.id or ""):
                rows = list(state.window.values())
                state.window.clear()
                if rows:
                    release(rows)
                self.read_chunk()
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
                self.read_chunk()
        else:
            log.warning("signal %s of type %s is not supported by lambda-connect: ignored", signal.id, kind)

    def _execute(self, signal: Signal) -> None:
        kind = str(signal.data.get("type") or "incremental").lower()
        if kind != "incremental":
            log.warning("execute-snapshot signal %s asks for a %s snapshot; lambda-connect runs incremental "
                        "snapshots only: ignored", signal.id, kind)
            return
        was_running = self.state.running
        added = self.state.add(signal, self.known_tables())
        if added:
            log.info("incremental snapshot of %s requested (signal %s)", [c.id for c in added], signal.id)
        if added and not was_running:
            self.read_chunk()

    def read_chunk(self) -> None:
        """Debezium's ``readChunk``: apply stop requests, then open a window, read the next chunk, close it."""
        state = self.state
        state.apply_stops(self.known_tables())
        if not state.running or state.paused:
            return
        chunk_id = state.new_chunk()
        current = state.current
        opened = {"openWindowTimestamp": _instant()}
        if current is not None and current.correlation_id:
            opened["correlationId"] = current.correlation_id
        if current is not None:
            opened["dataCollectionId"] = current.id
        self.write_watermark(chunk_id + "-open", OPEN_WINDOW, json.dumps(opened))
        while state.current is not None:
            collection = state.current
            if not self.prepare_table(collection):
                state.next_collection()
                continue
            if state.maximum_key is None:
                state.maximum_key = self.maximum_key(collection)
                if state.maximum_key is None:
                    log.info("incremental snapshot of %s: the table is empty", collection.id)
                    state.next_collection()
                    continue
            rows = self.read_rows(collection)
            if not rows:
                log.info("incremental snapshot of %s finished", collection.id)
                state.next_collection()
                continue
            for key, row, typed in rows:
                state.window[key] = (row, typed)
            state.chunk_end = rows[-1][2]
            break
        closed = {**opened, "closeWindowTimestamp": _instant()}
        self.write_watermark(chunk_id + "-close", CLOSE_WINDOW, json.dumps(closed))
        state.pending = True
        self.window_closed()


def _instant() -> str:
    """Now as Java's ``Instant.toString`` writes it (ISO-8601, UTC, ``Z``)."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
