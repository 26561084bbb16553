"""The plumbing shared by the config, offset and status stores: one internal topic, one state snapshot.

A store names its topic (:meth:`_TopicBackedStore._topic_spec`), says which state its records build and how one
record is applied (:meth:`_TopicBackedStore._apply`); creating/verifying the topic, catching up on it and closing
the clients are done here, once.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from connect_core.kafka.clients import READ_COMMITTED
from connect_core.kafka.read_to_end import DEFAULT_READ_TIMEOUT_S
from connect_core.storage._topic_log import KafkaTopicLog
from connect_core.storage.config import StorageConfig

if TYPE_CHECKING:
    from typing import Self

    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.kafka.shared_clients import SharedClients
    from connect_core.storage._topic_log import TopicSpec

S = TypeVar("S")


class _TopicBackedStore(abc.ABC, Generic[S]):
    """A snapshot (``state``) of one compacted internal topic (``log``), caught up on demand."""

    #: The state class the topic's records are applied to (instantiated without arguments).
    state_class: ClassVar[type]

    def __init__(
        self,
        settings: KafkaClientSettings,
        config: StorageConfig | None = None,
        *,
        isolation_level: str = READ_COMMITTED,
        create_topic: bool = True,
        timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        admin: AdminClient | None = None,
        clients: SharedClients | None = None,
    ) -> None:
        """Prepare the store; the topic is created/checked and read on first use.

        Args:
            settings: cluster connection settings.
            config: topic names and creation settings (Kafka Connect's defaults when omitted).
            isolation_level: ``read_committed`` (the default) hides records of aborted or still-open
                transactions.
            create_topic: create the topic when missing (False: it must exist).
            timeout_s: bound on every read-to-end and write.
            admin: an admin client to reuse.
            clients: the container's shared clients (one admin, reader and producer for every store; their owner
                closes them); by default the store has its own.
        """
        self.log = KafkaTopicLog(
            settings, self._topic_spec(config or StorageConfig()), isolation_level=isolation_level,
            create_topic=create_topic, timeout_s=timeout_s, admin=admin, clients=clients,
        )
        self.state: S = self.state_class()
        self._started = False

    @staticmethod
    @abc.abstractmethod
    def _topic_spec(config: StorageConfig) -> TopicSpec:
        """The store's topic: name, creation settings and purpose."""

    @abc.abstractmethod
    def _apply(self, key: bytes | None, value: bytes | None, offset: int) -> None:
        """Apply one record read from the topic to :attr:`state`."""

    @property
    def topic(self) -> str:
        """The topic's name."""
        return self.log.spec.name

    def start(self) -> Self:
        """Create/verify the topic and read it to the end, once; later calls do nothing."""
        if not self._started:
            self.refresh()
        return self

    def refresh(self) -> int:
        """Read the records written since the last read (all of them the first time); returns the count."""
        self.log.start()
        self._started = True
        return self.log.read_to_end(self._apply)

    def close(self) -> None:
        """Release the Kafka clients (the snapshot stays readable)."""
        self.log.close()
