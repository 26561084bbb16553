"""An ``OffsetStorageReader`` over the offsets topic, scoped to one connector (Kafka ``OffsetStorageReaderImpl``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.api.task import OffsetStorageReader, PartitionKey, partition_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from connect_core.storage.connector_offsets import ConnectorOffsets

__all__ = ["StoreOffsetReader"]


class StoreOffsetReader(OffsetStorageReader):
    """Reads committed offsets (read_committed) plus those this invocation already produced but not yet committed.

    A task that polls several times within one transaction must see its own progress, as Kafka's source tasks do
    through their in-memory state; the pending map is cleared when the transaction ends.
    """

    def __init__(self, store: ConnectorOffsets) -> None:
        """Read ``store``'s connector's keys (``OffsetStore.for_connector``: no scan of the whole topic)."""
        self.store = store
        self.pending: dict[PartitionKey, dict[str, Any]] = {}

    def offsets(self, partitions: Iterable[Mapping[str, Any]]) -> dict[PartitionKey, dict[str, Any]]:
        """Offsets keyed by ``partition_key(partition)``; partitions never committed are absent."""
        found: dict[PartitionKey, dict[str, Any]] = {}
        for partition in partitions:
            key = partition_key(partition)
            offset = self.pending.get(key)
            if offset is None:
                offset = self.store.offset(partition)
            if offset is not None:
                found[key] = offset
        return found
