"""The MirrorMaker 2 connectors' source partitions and offsets, and Kafka's checks on offsets a user writes
(``MirrorUtils.validateSourcePartitionString`` / ``validateSourcePartitionPartition`` / ``validateSourceOffset``)."""

from __future__ import annotations

from typing import Any, Final

from connect_core.api.errors import ConnectError

__all__ = ["OFFSET_KEY", "stored_offset", "unwrap_offset", "validate_offsets", "wrap_offset", "wrap_partition"]

CLUSTER_KEY: Final = "cluster"
TOPIC_KEY: Final = "topic"
PARTITION_KEY: Final = "partition"
OFFSET_KEY: Final = "offset"
_INT32_MAX: Final = 2**31 - 1


def wrap_partition(topic: str, partition: int, source_alias: str) -> dict[str, Any]:
    """``{"cluster", "partition", "topic"}`` (Kafka ``MirrorUtils.wrapPartition``, keys in its ``HashMap``'s order:
    the offsets topic's keys are the JVM's bytes)."""
    return {CLUSTER_KEY: source_alias, PARTITION_KEY: partition, TOPIC_KEY: topic}


def wrap_offset(offset: int) -> dict[str, Any]:
    """``{"offset": offset}``."""
    return {OFFSET_KEY: offset}


def unwrap_offset(offset: dict[str, Any] | None) -> int:
    """The offset, or -1 when there is none."""
    value = (offset or {}).get(OFFSET_KEY)
    return -1 if value is None else int(value)


def stored_offset(offset: dict[str, Any] | None) -> int | None:
    """The stored offset, None when there is none; -1 is ours: the position ``auto.offset.reset=latest`` chose on an
    empty partition (the next offset to copy is 0), which Kafka's ``unwrapOffset`` would read as none."""
    value = (offset or {}).get(OFFSET_KEY)
    return None if value is None or int(value) < -1 else int(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_offsets(offsets: dict[Any, Any], string_keys: tuple[str, ...], *, partition_key: bool,
                     only_zero: bool) -> None:
    """Refuse offsets a connector of this family would not read back, with Kafka's messages.

    Raises:
        ConnectError: the first bad partition or offset.
    """
    for partition, offset in offsets.items():
        if offset is None:
            continue  # tombstones clean up anything, as in Kafka
        if partition is None:
            raise ConnectError("Source partitions may not be null")
        source = dict(partition)
        for key in string_keys:
            if key not in source:
                raise ConnectError(f"Source partition {source} is missing the '{key}' key, which is required")
            if not isinstance(source[key], str):
                raise ConnectError(f"Source partition {source} has an invalid value {source[key]} for the '{key}' "
                                   "key, which must be a string")
        if partition_key:
            if PARTITION_KEY not in source:
                raise ConnectError(f"Source partition {source} is missing the '{PARTITION_KEY}' key, which is required")
            value = source[PARTITION_KEY]
            if not _is_int(value) or value > _INT32_MAX:
                raise ConnectError(f"Source partition {source} has an invalid value {value} for the "
                                   f"'{PARTITION_KEY}' key, which must be an integer")
            if value < 0:
                raise ConnectError(f"Source partition {source} has an invalid value {value} for the "
                                   f"'{PARTITION_KEY}' key, which cannot be negative")
        if OFFSET_KEY not in offset:
            raise ConnectError(f"Source offset {offset} for source partition {source} is missing the '{OFFSET_KEY}' "
                               "key, which is required")
        value = offset[OFFSET_KEY]
        if not _is_int(value):
            raise ConnectError(f"Source offset {offset} for source partition {source} has an invalid value {value} "
                               f"for the '{OFFSET_KEY}' key, which must be an integer")
        if only_zero and value != 0:
            raise ConnectError(f"Source offset {offset} for source partition {source} has an invalid value {value} "
                               f"for the '{OFFSET_KEY}' key; the only accepted value is 0")
        if not only_zero and value < 0:
            raise ConnectError(f"Source offset {offset} for source partition {source} has an invalid value {value} "
                               f"for the '{OFFSET_KEY}' key, which cannot be negative")
