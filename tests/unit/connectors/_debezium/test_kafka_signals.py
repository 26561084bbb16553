"""The Kafka signal channel's pure parts: consumer settings, Debezium's message rules, the position in offsets."""

from __future__ import annotations

import re

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.record import SourceRecord
from connect_core.connectors._debezium.incremental import COLLECTIONS_KEY, PRIMARY_KEY, IncrementalState
from connect_core.connectors._debezium.kafka_signals import (
    SIGNAL_OFFSET_KEY,
    KafkaSignalChannel,
    consumer_settings,
    signal_topic,
)

PARTITION = {"server": "p"}


def _channel(stored: dict[str, object] | None = None) -> KafkaSignalChannel:
    return KafkaSignalChannel(consumer_settings({}, "k:9092", "kafka-signal"), "p-signal", "p", stored=stored)


def test_debeziums_defaults_under_the_signal_consumer_pass_through() -> None:
    settings = consumer_settings({"signal.consumer.security.protocol": "SASL_SSL",
                                  "signal.consumer.sasl.jaas.config": 'x required username="u" password="p\\"w";',
                                  "signal.consumer.key.deserializer": "x", "signal.consumer.auto.offset.reset":
                                  "latest", "signal.kafka.topic": "ignored"}, "k:9092", "g")
    assert settings["bootstrap.servers"] == "k:9092" and settings["group.id"] == "g"
    assert settings["security.protocol"] == "SASL_SSL" and settings["auto.offset.reset"] == "latest"
    assert (settings["sasl.username"], settings["isolation.level"]) == ("u", "read_uncommitted")
    assert "key.deserializer" not in settings and "sasl.jaas.config" not in settings
    assert settings["enable.auto.commit"] is False  # the position is committed with the records
    assert signal_topic(None, "p") == "p-signal" and signal_topic("s", "p") == "s"


def test_a_message_is_a_signal_only_with_the_prefix_as_key_and_a_json_object_value() -> None:
    channel = _channel()
    signal = channel._signal(b"p", b'{"type": "execute-snapshot", "data": {"data-collections": ["s.t"]}}', 0)
    assert signal is not None and (signal.id, signal.type, signal.data) == (None, "execute-snapshot",
                                                                             {"data-collections": ["s.t"]})
    assert channel._signal(b"p", b'{"id": 7, "type": "log"}', 1).id == "7"
    for key, value in ((b"other", b'{"type": "x"}'), (None, b'{"type": "x"}'), (b"p", b"not json"),
                       (b"p", b"[1]"), (b"p", None)):
        assert channel._signal(key, value, 2) is None


def test_every_returned_offset_carries_the_position_and_a_moved_one_is_stored_alone() -> None:
    stored = {"lsn": 5, SIGNAL_OFFSET_KEY: 3, COLLECTIONS_KEY: "[]", PRIMARY_KEY: "x"}
    channel = _channel(stored)
    assert channel.last == 3
    record = SourceRecord(PARTITION, {"lsn": 6}, "t")
    assert channel.stamp([record], PARTITION, IncrementalState())[0].source_offset == {"lsn": 6, SIGNAL_OFFSET_KEY: 3}
    assert channel.stamp([], PARTITION, IncrementalState()) == []  # nothing moved: nothing to store
    channel._moved(4)
    alone = channel.stamp([], PARTITION, IncrementalState())
    assert [(r.topic, r.source_offset) for r in alone] == [(None, {"lsn": 6, SIGNAL_OFFSET_KEY: 4})]
    assert channel.stamp([], PARTITION, IncrementalState()) == []


def test_without_a_stored_position_nothing_is_stamped_until_a_message_is_read() -> None:
    channel = _channel({"lsn": 5})
    record = SourceRecord(PARTITION, {"lsn": 6}, "t")
    assert channel.stamp([record], PARTITION, None)[0].source_offset == {"lsn": 6}


@pytest.mark.parametrize("key", ["plugin.library.paths", "ssl.engine.location", "sasl.kerberos.kinit.cmd",
                                 "ssl.providers"])
def test_a_signal_consumer_setting_that_loads_code_or_runs_a_command_is_refused(key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"signal.consumer.{key}")):
        consumer_settings({f"signal.consumer.{key}": "touch /tmp/x"}, "127.0.0.1:9092", "kafka-signal")


def test_a_signal_consumer_jaas_login_is_unescaped_as_mm2_reads_it() -> None:
    jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p\\"w";'
    settings = consumer_settings({"signal.consumer.sasl.jaas.config": jaas}, "127.0.0.1:9092", "kafka-signal")
    assert (settings["sasl.username"], settings["sasl.password"]) == ("u", 'p"w')
