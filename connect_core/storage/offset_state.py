"""The offsets topic's record format and the state it folds into (Kafka ``KafkaOffsetBackingStore``).

Key: ``["<connector>",{<source partition>}]``; value: ``{<source offset>}`` or a tombstone. Both are
internal-converter JSON, and Kafka looks offsets up by the *exact key bytes*, so the field order
of a source partition is part of its identity: it is kept as the connector gave it, never sorted.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import DataError
from connect_core.storage import _json

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

__all__ = ["OffsetState", "decode_offset", "offset_key", "offset_value", "parse_offset_key", "validate_offset_format"]

_log = logging.getLogger(__name__)
_PRIMITIVES = (str, int, float, bool, bytes)


def validate_offset_format(data: Mapping[str, Any] | None, what: str = "Offsets") -> None:
    """Kafka's ``OffsetUtils.validateFormat``: string keys, primitive (or null) values only.

    Raises:
        DataError: a key is not a string or a value is a map, list or other non-primitive.
    """
    if data is None:
        return
    if not isinstance(data, dict):
        raise DataError(f"{what} must be specified as a Map")
    for key, value in data.items():
        if not isinstance(key, str):
            raise DataError(f"{what} may only use String keys")
        if value is not None and not isinstance(value, _PRIMITIVES):
            raise DataError(
                f"{what} may only contain primitive types as values, but field {key} contains {type(value).__name__}"
            )


def offset_key(connector: str, partition: Mapping[str, Any]) -> bytes:
    """``["<connector>",{partition}]`` as Kafka's OffsetStorageWriter serialises it."""
    return _json.dumps([connector, dict(partition)])


def offset_value(offset: Mapping[str, Any] | None) -> bytes | None:
    """The offset map's JSON, or None (a tombstone, which deletes the partition's offset)."""
    return None if offset is None else _json.dumps(dict(offset))


def parse_offset_key(key: bytes | None) -> tuple[str, dict[str, Any]] | None:
    """``(connector, partition)`` from key bytes; None (ignored, as Kafka does) when not ``[str, map]``."""
    if key is None:
        return None
    try:
        decoded = _json.loads(key)
    except ValueError:
        _log.warning("Ignoring offset partition key with unknown serialization. Expected json.")
        return None
    if not isinstance(decoded, list) or len(decoded) != 2 or not isinstance(decoded[0], str):
        _log.warning("Ignoring offset partition key with an unexpected format: %r", key)
        return None
    if not isinstance(decoded[1], dict):
        return None
    return decoded[0], decoded[1]


class OffsetState:
    """Latest source offset per key, folded from the offsets topic in log order.

    ``data`` maps exact key bytes to value bytes, like Kafka's backing store, so lookups behave
    byte-for-byte like Kafka's ``OffsetStorageReader``.
    """

    def __init__(self) -> None:
        """Start empty."""
        self.data: dict[bytes, bytes] = {}
        self._by_connector: dict[str, dict[bytes, dict[str, Any]]] = {}

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Fold one offsets-topic record in; a tombstone removes the key."""
        if key is None:
            return
        parsed = parse_offset_key(key)
        if value is None:
            self.data.pop(key, None)
            if parsed is not None:
                self._by_connector.get(parsed[0], {}).pop(key, None)
            return
        self.data[key] = value
        if parsed is not None:
            self._by_connector.setdefault(parsed[0], {})[key] = parsed[1]

    def offset(self, connector: str, partition: Mapping[str, Any]) -> dict[str, Any] | None:
        """The offset stored under exactly this partition's key bytes, or None."""
        value = self.data.get(offset_key(connector, partition))
        return None if value is None else decode_offset(value)

    def offsets(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Every ``(partition, offset)`` the connector has (in read order; no order across partitions)."""
        return list(self._iter_offsets(connector))

    def _iter_offsets(self, connector: str) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
        for key, partition in self._by_connector.get(connector, {}).items():
            yield dict(partition), decode_offset(self.data[key])

    def connectors(self) -> list[str]:
        """Connectors that have at least one offset, sorted."""
        return sorted(name for name, keys in self._by_connector.items() if keys)


def decode_offset(value: bytes) -> dict[str, Any] | None:
    """An offset value's map; None (logged) when it is not a JSON object."""
    try:
        decoded = _json.loads(value)
    except ValueError:
        _log.error("Ignoring offset value that is not JSON")
        return None
    return decoded if isinstance(decoded, dict) else None


def records_for(
    connector: str, offsets: Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None]]
) -> list[tuple[bytes, bytes | None]]:
    """Validated ``(key, value)`` bytes for ``(partition, offset)`` pairs (offset None: tombstone)."""
    out: list[tuple[bytes, bytes | None]] = []
    for partition, offset in offsets:
        validate_offset_format(partition, "Partitions")
        validate_offset_format(offset)
        out.append((offset_key(connector, partition), offset_value(offset)))
    return out
