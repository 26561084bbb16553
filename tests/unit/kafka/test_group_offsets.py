"""``kafka/group_offsets.py``'s readers: the consumer each group gets, configured for a cold container's first read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connect_core.kafka import group_offsets
from connect_core.kafka.settings import KafkaClientSettings

if TYPE_CHECKING:
    import pytest


class _Consumer:
    """Records the configuration a reader is built with."""

    BUILT: list[dict[str, Any]] = []

    def __init__(self, config: dict[str, Any]) -> None:
        _Consumer.BUILT.append(config)

    def close(self) -> None:
        """Nothing to close."""


def test_a_reader_waits_little_for_its_first_coordinator_query_and_callers_may_override(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """librdkafka suppresses a coordinator query for half the reconnect backoff while no connection is up: the
    reader's backoff is short so a cold read does not wait out its default 100 ms; never joining, it waits up to
    ``_COORDINATOR_WAIT_MS`` for a commit's coordinator; an override wins."""
    import confluent_kafka

    monkeypatch.setattr(confluent_kafka, "Consumer", _Consumer)
    _Consumer.BUILT.clear()
    settings = KafkaClientSettings(bootstrap_servers="127.0.0.1:1")
    group_offsets.GroupReaders(settings).reader("g")
    group_offsets.GroupReaders(settings, **{"reconnect.backoff.ms": 100}).reader("g")
    first, overridden = _Consumer.BUILT
    assert first["group.id"] == "g"
    assert first["reconnect.backoff.ms"] == group_offsets._RECONNECT_BACKOFF_MS == 10
    assert first["session.timeout.ms"] == group_offsets._COORDINATOR_WAIT_MS
    assert overridden["reconnect.backoff.ms"] == 100
