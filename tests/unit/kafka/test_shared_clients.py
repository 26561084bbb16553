"""One set of Kafka clients per container: the stores of a task invocation share it, and only its owner closes it."""

from __future__ import annotations

from typing import Any

from connect_core.kafka.settings import KafkaClientSettings
from connect_core.kafka.shared_clients import INTERNAL_FETCH_WAIT_MS, SharedClients
from connect_core.runtime.task_invocation import SinkInvocation, SourceInvocation
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage._topic_log import KafkaTopicLog, TopicSpec

SPEC = TopicSpec("t", 1, 1, "a test")


class CountingClients(SharedClients):
    def __init__(self) -> None:
        super().__init__(KafkaClientSettings())
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_nothing_connects_until_a_client_is_used() -> None:
    clients = SharedClients(KafkaClientSettings())
    assert (clients._admin, clients._consumers, clients._producer) == (None, {}, None)


def test_a_log_leaves_shared_clients_to_their_owner_and_closes_its_own() -> None:
    shared = CountingClients()
    KafkaTopicLog(KafkaClientSettings(), SPEC, clients=shared).close()
    assert shared.closed == 0
    own = KafkaTopicLog(KafkaClientSettings(), SPEC)
    own.clients = counting = CountingClients()
    own.close()
    assert counting.closed == 1


def test_internal_clients_connect_eagerly_and_the_reader_answers_an_end_quickly(monkeypatch: Any) -> None:
    import confluent_kafka

    built: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(confluent_kafka, "Consumer", lambda config: built.append(("consumer", config)) or object())
    monkeypatch.setattr(confluent_kafka, "Producer", lambda config: built.append(("producer", config)) or object())
    clients = SharedClients(KafkaClientSettings())
    assert clients.consumer() is clients.consumer()  # one reader per isolation level, kept
    assert clients.producer is clients.producer
    assert [kind for kind, _ in built] == ["consumer", "producer"]
    assert all(config["enable.sparse.connections"] is False for _, config in built)
    assert built[0][1]["fetch.wait.max.ms"] == INTERNAL_FETCH_WAIT_MS
    assert built[0][1]["isolation.level"] == "read_committed"


def test_every_store_of_a_task_invocation_shares_one_set_of_clients() -> None:
    worker = WorkerSettings(KafkaClientSettings())
    source = SourceInvocation(worker)
    stores = [source.runner.config_store, source.runner.offset_store, source.runner.status_store,
              source.recorder.run_store]
    assert {id(store.log.clients) for store in stores} == {id(source.clients)}
    sink = SinkInvocation(worker, "a-sink")
    stores = [sink.runner.config_store, sink.runner.status_store, sink.recorder.run_store]
    assert {id(store.log.clients) for store in stores} == {id(sink.clients)}
