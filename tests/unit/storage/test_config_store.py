"""ConfigStore over an in-memory topic: the KIP-976 logger records and their listeners."""

from __future__ import annotations

from tests.unit.storage.fakes import Topics


def test_logger_level_records_are_kafkas_and_reach_the_listeners_once() -> None:
    topics = Topics()
    writer, reader = topics.config_store(), topics.config_store()
    seen: list[dict[str, str]] = []
    reader.on_logger_levels(lambda state: seen.append(dict(state.logger_levels)))
    writer.put_logger_level("org.apache.kafka.connect", "DEBUG")
    assert topics.configs.records[-1] == (b"logger-cluster-org.apache.kafka.connect", b'{"level":"DEBUG"}')
    reader.refresh()
    reader.refresh()  # nothing new: no second call
    assert seen == [{"org.apache.kafka.connect": "DEBUG"}]
