"""In-memory stand-ins for the internal topics, so stores, the herder and the runners run without a broker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connect_core.kafka.settings import KafkaClientSettings
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.offset_store import OffsetStore
from connect_core.storage.status_store import StatusStore

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, MutableMapping


@dataclass
class MemoryTopic:
    """An append-only list of records shared by every log reading it."""

    name: str
    records: list[tuple[bytes | None, bytes | None]] = field(default_factory=list)
    bookmarks: dict[str, dict[int, tuple[int, str]]] = field(default_factory=dict)  # never-joined groups' commits


class _Spec:
    def __init__(self, name: str) -> None:
        self.name = name


class MemoryTopicLog:
    """Stands in for ``KafkaTopicLog``: same ``start``/``read_to_end``/``send``/``close`` contract."""

    def __init__(self, topic: MemoryTopic) -> None:
        self.topic = topic
        self.spec = _Spec(topic.name)
        self.position = 0

    def start(self) -> None:
        """Nothing to create."""

    def read_to_end(self, on_record: Callable[[bytes | None, bytes | None, int], None]) -> int:
        count = 0
        while self.position < len(self.topic.records):
            key, value = self.topic.records[self.position]
            on_record(key, value, self.position)
            self.position += 1
            count += 1
        return count

    partitions = (0,)

    def bounds(self) -> tuple[dict[int, int], dict[int, int]]:
        return {0: len(self.topic.records)}, {0: 0}

    def read_from(self, positions: MutableMapping[int, int],
                  on_record: Callable[[int, bytes | None, bytes | None], None], *,
                  ends: Mapping[int, int] | None = None, timeout_s: float | None = None) -> int:
        end = len(self.topic.records) if ends is None else ends[0]
        count = 0
        while positions.get(0, 0) < end:
            key, value = self.topic.records[positions.get(0, 0)]
            on_record(0, key, value)
            positions[0] = positions.get(0, 0) + 1
            count += 1
        return count

    def read_bookmarks(self, group: str) -> dict[int, tuple[int, str]]:
        return dict(self.topic.bookmarks.get(group, {}))

    def write_bookmarks(self, group: str, marks: Mapping[int, tuple[int, str]]) -> list[int]:
        if marks:
            self.topic.bookmarks.setdefault(group, {}).update(marks)
        return list(marks)

    def send(self, records: Iterable[tuple[bytes | str, bytes | None]]) -> None:
        for key, value in records:
            self.topic.records.append((key.encode() if isinstance(key, str) else key, value))

    def close(self) -> None:
        """Nothing to release."""


@dataclass
class Topics:
    """The three internal topics of one fake cluster."""

    configs: MemoryTopic = field(default_factory=lambda: MemoryTopic("connect-configs"))
    offsets: MemoryTopic = field(default_factory=lambda: MemoryTopic("connect-offsets"))
    statuses: MemoryTopic = field(default_factory=lambda: MemoryTopic("connect-status"))

    def config_store(self) -> ConfigStore:
        store = ConfigStore(KafkaClientSettings())
        store.log = MemoryTopicLog(self.configs)  # type: ignore[assignment]
        return store

    def offset_store(self) -> OffsetStore:
        store = OffsetStore(KafkaClientSettings())
        store.log = MemoryTopicLog(self.offsets)  # type: ignore[assignment]
        return store

    def status_store(self) -> StatusStore:
        store = StatusStore(KafkaClientSettings())
        store.log = MemoryTopicLog(self.statuses)  # type: ignore[assignment]
        return store

    def keys(self, topic: MemoryTopic) -> list[str]:
        return [k.decode() if k is not None else "" for k, _ in topic.records]
