"""``SharedClients``: the admin client, internal-topic readers and plain producer one container shares.

Every store (config, offsets, status, runs) used to open its own admin client, consumer and producer: a cold start
paid for each connection, metadata fetch and first request several times over. A function builds one
``SharedClients`` and hands it to all its stores; each client is created on first use (``confluent_kafka`` is
imported then, not at module import) and kept for warm invocations.

The clients are used from one thread at a time (a reader is assigned only while one ``read_to_end`` runs), except
creation, which a lock guards so a set-up thread and the handler never build two of the same.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from connect_core.kafka.auth import clear_secret_cache
from connect_core.kafka.clients import READ_COMMITTED, admin_client, consumer_config, producer_config
from connect_core.kafka.group_offsets import GroupReaders
from connect_core.kafka.reachability import DEFAULT_REACHABILITY_TIMEOUT_S, cluster_problem

if TYPE_CHECKING:
    from confluent_kafka import Consumer, KafkaError, Producer
    from confluent_kafka.admin import AdminClient

    from connect_core.kafka.settings import KafkaClientSettings

__all__ = ["EAGER_CONNECTIONS", "INTERNAL_FETCH_WAIT_MS", "SharedClients"]

# librdkafka connects to the brokers it learns from the bootstrap answer at once, instead of when a request first
# needs one: with sparse connections every fresh client stalls after bootstrap (a transactional producer's
# coordinator look-up retries after 500 ms). A function's clients talk to most brokers anyway.
EAGER_CONNECTIONS: dict[str, Any] = {"enable.sparse.connections": False}
# A reader of an internal topic is assigned only while it reads to the end; the fetch that proves the end (an empty
# answer carrying end-of-partition, needed after a transaction marker) returns after this long instead of 50 ms.
# The fetch librdkafka sends ahead when the last records arrive is still waiting at the broker after the read ended,
# and a broker answers one connection's requests in order: the reader's next request (the next store's metadata on a
# cold start) waited for it. A short wait keeps an idle assigned reader's requests cheap, and it is assigned only
# while a read waits on an open transaction.
INTERNAL_FETCH_WAIT_MS = 2
_FLUSH_TIMEOUT_S = 30.0
_ERRORS_KEPT = 16


class SharedClients:
    """Lazily created Kafka clients for internal topics, shared by every store of a container."""

    def __init__(self, settings: KafkaClientSettings, *, admin: AdminClient | None = None) -> None:
        """Remember the settings; ``admin`` reuses an existing admin client. Nothing connects yet."""
        self.settings = settings
        self._admin = admin
        self._consumers: dict[str, Consumer] = {}
        self._producer: Producer | None = None
        self.group_readers = GroupReaders(settings)
        self._lock = threading.Lock()
        # the admin client's error_cb reports (a refused login; the last few only: a warm container sees many)
        self._errors: deque[KafkaError] = deque(maxlen=_ERRORS_KEPT)

    @property
    def admin(self) -> AdminClient:
        """The admin client (topic checks, ListOffsets)."""
        if self._admin is None:
            with self._lock:
                if self._admin is None:
                    self._admin = admin_client(self.settings, error_cb=self._errors.append, **EAGER_CONNECTIONS)
        return self._admin

    def refused_login(self, timeout_s: float = DEFAULT_REACHABILITY_TIMEOUT_S) -> str | None:
        """The broker's message if it refuses this container's credentials, else None (the cluster answered, or is
        unreachable for another reason, which the stores' own timeouts report). A refusal drops the admin client and
        the cached secrets, so the next check logs in with the secret as it is then (a corrected one heals)."""
        problem = cluster_problem(self.admin, self._errors, timeout_s)
        if problem is None or not problem.refused_login:
            return None
        with self._lock:
            self._admin, self._errors = None, deque(maxlen=_ERRORS_KEPT)
        clear_secret_cache()
        return problem.message

    def consumer(self, isolation_level: str = READ_COMMITTED) -> Consumer:
        """The reader of internal topics with that isolation level (by explicit assignment, no group)."""
        consumer = self._consumers.get(isolation_level)
        if consumer is None:
            from confluent_kafka import Consumer

            with self._lock:
                consumer = self._consumers.get(isolation_level)
                if consumer is None:
                    overrides: dict[str, Any] = {"fetch.wait.max.ms": INTERNAL_FETCH_WAIT_MS, **EAGER_CONNECTIONS}
                    consumer = self._consumers[isolation_level] = Consumer(consumer_config(
                        self.settings, isolation_level=isolation_level, **overrides))
        return consumer

    @property
    def producer(self) -> Producer:
        """The writer of internal topics: acks=all, Java-compatible key partitioning, one request in flight (retries
        can never reorder task configs and their commit record)."""
        if self._producer is None:
            from confluent_kafka import Producer

            with self._lock:
                if self._producer is None:
                    overrides: dict[str, Any] = {"linger.ms": 0, "max.in.flight.requests.per.connection": 1,
                                                 **EAGER_CONNECTIONS}
                    self._producer = Producer(producer_config(self.settings, **overrides))
        return self._producer

    def close(self) -> None:
        """Close the readers and flush the producer (the clients are built again if used afterwards)."""
        with self._lock:
            consumers, self._consumers = list(self._consumers.values()), {}
            producer, self._producer = self._producer, None
        for consumer in consumers:
            consumer.close()
        self.group_readers.close()
        if producer is not None:
            producer.flush(_FLUSH_TIMEOUT_S)
