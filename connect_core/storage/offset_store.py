"""``OffsetStore``: source connector offsets in the offsets topic (Kafka ``KafkaOffsetBackingStore``).

Exactly-once source tasks write their offsets *inside their own producer transaction*, next to
the data records: :meth:`OffsetStore.offset_records` returns the ready-made ``(key, value)`` bytes
for that, and the runner produces them to :attr:`OffsetStore.topic` with a producer from
``connect_core.kafka.producer_config`` (whose ``murmur2_random`` partitioner places each key on the
same partition a Java worker would). :meth:`OffsetStore.write` is the non-transactional path (REST
offset alteration, tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from connect_core.storage._topic_log import TopicSpec
from connect_core.storage._topic_store import _TopicBackedStore
from connect_core.storage.offset_state import OffsetState, records_for

if TYPE_CHECKING:
    from collections.abc import Iterable

    from connect_core.storage.config import StorageConfig
    from connect_core.storage.connector_offsets import ConnectorOffsets
    from connect_core.storage.offset_key_index import OffsetKeyIndex

    # (partition, offset) pairs keep each partition's field order. A mapping keyed by hashable
    # partitions is accepted too: tuples of (field, value) pairs, in the order they are written.
    OffsetPairs = Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None]]
    FrozenOffsets = Mapping[tuple[tuple[str, Any], ...], Mapping[str, Any] | None]

__all__ = ["OffsetStore"]

OFFSET_TOPIC_PURPOSE = "source connector offsets"
CREATE_MAX_RECORDS = 20_000  # a REST create's share of catching the offsets key index up (a small part of a request)
# A transaction open on the offsets topic holds a read_committed read until it ends (a killed source's, up to its
# 60 s timeout): a create does not wait for it inside the coordinator's 30 s; the connector then gets no first
# snapshot, which costs its first read a full read, nothing else.
CREATE_READ_TIMEOUT_S = 3.0


class OffsetStore(_TopicBackedStore[OffsetState]):
    """Read and write source offsets (Kafka ``KafkaOffsetBackingStore`` + ``OffsetStorageReader``).

    ``read_committed`` (the default) is what makes exactly-once work: offsets of aborted or still-open source
    transactions are never seen. :attr:`topic` is where the runner produces :meth:`offset_records`.
    """

    state_class = OffsetState
    _views: dict[str, ConnectorOffsets] | None = None
    _index: OffsetKeyIndex | None = None

    @staticmethod
    def _topic_spec(config: StorageConfig) -> TopicSpec:
        return TopicSpec(
            name=config.offset_storage_topic,
            partitions=config.offset_storage_partitions,
            replication_factor=config.offset_storage_replication_factor,
            purpose=OFFSET_TOPIC_PURPOSE,
        )

    def _apply(self, key: bytes | None, value: bytes | None, _offset: int) -> None:
        self.state.apply(key, value)

    def for_connector(self, connector: str) -> ConnectorOffsets:
        """One connector's offsets, read from its snapshot instead of the whole topic (what a source task needs);
        kept, so a warm container reads only what is new."""
        from connect_core.storage.connector_offsets import ConnectorOffsets  # lazy: not a sink's or coordinator's

        if self._views is None:
            self._views = {}
        view = self._views.get(connector)
        if view is None:
            view = self._views[connector] = ConnectorOffsets(self.log, connector)
        return view

    def first_snapshot(self, connector: str) -> str:
        """Give a connector just created a snapshot at the log end when it provably has no offsets
        (``connector_offsets.first_snapshot``; returns what was done). A create reads at most about
        ``CREATE_MAX_RECORDS`` of the index's tail: the heartbeats build and keep the index."""
        # lazy, as in key_index: the index (hashlib, libcrypto's pages) loads with a create or a heartbeat, not at
        # a cold start
        from connect_core.storage.connector_offsets import first_snapshot
        from connect_core.storage.offset_key_index import OffsetKeyIndex

        index = OffsetKeyIndex(self.log, max_records=CREATE_MAX_RECORDS, read_timeout_s=CREATE_READ_TIMEOUT_S)
        return first_snapshot(self.log, connector, index)

    def key_index(self) -> OffsetKeyIndex:
        """The index of connector names with keys in the topic (``storage/offset_key_index.py``), kept per store."""
        from connect_core.storage.offset_key_index import OffsetKeyIndex

        if self._index is None:
            self._index = OffsetKeyIndex(self.log)
        return self._index

    def forget(self, connector: str) -> None:
        """Drop a connector's view (its task was evicted or deleted); the next :meth:`for_connector` reads afresh."""
        if self._views is not None:
            self._views.pop(connector, None)

    def offsets(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """All ``(partition, offset)`` pairs stored for the connector (GET /connectors/<n>/offsets)."""
        return self.start().state.offsets(connector)

    def offset(self, connector: str, partition: Mapping[str, Any]) -> dict[str, Any] | None:
        """The offset of one source partition (what ``OffsetStorageReader.offset`` returns), or None."""
        return self.start().state.offset(connector, partition)

    def offset_records(self, connector: str, offsets: OffsetPairs | FrozenOffsets) -> list[tuple[bytes, bytes | None]]:
        """The ``(key, value)`` bytes to produce for ``offsets``, e.g. inside a source transaction.

        Args:
            connector: the connector name (first element of every key).
            offsets: ``(partition, offset)`` pairs, or a mapping from hashable partitions (tuples of
                ``(field, value)`` pairs) to offsets. An offset of None writes a tombstone.

        Raises:
            DataError: a partition or offset is not a flat map of string keys to primitive values.
        """
        return records_for(connector, _pairs(offsets))

    def write(self, connector: str, offsets: OffsetPairs | FrozenOffsets) -> None:
        """Produce offsets outside any transaction and wait for the acknowledgement. Tombstones (the REST API's
        reset or a null offset) are read back into the connector's snapshot at once: compaction removes a
        tombstone after ``delete.retention.ms``, and a snapshot from before it would bring the offset back
        (``storage/connector_offsets.py``)."""
        self.log.start()
        pairs = _pairs(offsets)
        self.log.send(records_for(connector, pairs))
        if any(offset is None for _partition, offset in pairs):
            self.for_connector(connector).refresh()


def _pairs(offsets: OffsetPairs | FrozenOffsets) -> OffsetPairs:
    """Normalise both accepted shapes to (partition, offset) pairs."""
    if isinstance(offsets, Mapping):
        return [(p if isinstance(p, Mapping) else dict(p), o) for p, o in offsets.items()]
    return offsets

