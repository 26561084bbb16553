"""A topic-describe timeout while preparing a source's topics is retried with backoff inside the invocation's time,
as Kafka's ``sendRecords`` retries a ``RetriableException``, instead of failing the task at once.

Real clients: the task's admin client first reaches a listener that accepts connections and never answers (a broker
that does not respond), then the local Kafka.
"""

from __future__ import annotations

import socket
import threading
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import RetriableError
from connect_core.runtime import topic_creation
from connect_core.runtime.topic_creation import TopicCreation
from infra.local import kafka

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

CREATION = {"topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "1"}


@pytest.fixture
def silent_broker() -> Iterator[str]:
    """host:port of a listener that accepts and then says nothing."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


class _Admins:
    """The task's admin client: ``silent`` answers the first ``failing`` describes (they time out), the real one the
    rest; every describe counted."""

    def __init__(self, silent: Any, real: Any, failing: int) -> None:
        self.silent, self.real, self.failing, self.describes = silent, real, failing, 0

    def describe_topics(self, *args: Any, **kwargs: Any) -> Any:
        self.describes += 1
        client = self.silent if self.describes <= self.failing else self.real
        return client.describe_topics(*args, **kwargs)

    def create_topics(self, *args: Any, **kwargs: Any) -> Any:
        return self.real.create_topics(*args, **kwargs)


def _admin(bootstrap: str) -> Any:
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": bootstrap, "socket.connection.setup.timeout.ms": "1000"})


def test_a_describe_timeout_is_retried_and_the_topic_then_created(silent_broker: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topic_creation, "ATTEMPT_S", 1.0)  # one unanswered attempt costs a second, not ten
    admins = _Admins(_admin(silent_broker), _admin(kafka.address()), failing=2)
    creation = TopicCreation.for_connector(CREATION, enabled=True, admin_factory=lambda overrides: admins)
    assert creation is not None
    topic = f"describe-retry-{uuid.uuid4().hex[:8]}"
    creation.ensure([topic], timeout_s=30.0)
    assert admins.describes == 3  # two timed out, the third found no topic, which was then created
    assert topic in creation.known
    assert topic in admins.real.list_topics(topic=topic, timeout=10).topics


def test_without_time_left_the_retriable_error_is_raised(silent_broker: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topic_creation, "ATTEMPT_S", 1.0)
    silent = _admin(silent_broker)
    admins = _Admins(silent, silent, failing=1_000)
    creation = TopicCreation.for_connector(CREATION, enabled=True, admin_factory=lambda overrides: admins)
    assert creation is not None
    with pytest.raises(RetriableError, match="Timed out while describing topics"):
        creation.ensure(["never-answered"], timeout_s=3.5)
    assert admins.describes >= 2  # tried again after a backoff before the time ran out
    assert "never-answered" not in creation.known
