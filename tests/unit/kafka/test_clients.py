"""Client property builders: Connect defaults, Java-compatible partitioning, reader consumers."""

from __future__ import annotations

from connect_core.kafka.clients import JAVA_COMPATIBLE_PARTITIONER, consumer_config, producer_config
from connect_core.kafka.settings import KafkaClientSettings

SETTINGS = KafkaClientSettings(bootstrap_servers="broker:9092", overrides={"socket.timeout.ms": 5000})


def test_producer_uses_acks_all_and_the_java_compatible_partitioner() -> None:
    config = producer_config(SETTINGS)
    assert config["bootstrap.servers"] == "broker:9092"
    assert config["socket.timeout.ms"] == 5000
    assert config["acks"] == "all"
    assert config["partitioner"] == JAVA_COMPATIBLE_PARTITIONER == "murmur2_random"
    assert "transactional.id" not in config


def test_transactional_producer_is_idempotent() -> None:
    config = producer_config(SETTINGS, transactional_id="connect-cluster-src-0", client_id="c")
    assert config["transactional.id"] == "connect-cluster-src-0"
    assert config["enable.idempotence"] is True
    assert config["client.id"] == "c"


def test_keyword_overrides_win() -> None:
    assert producer_config(SETTINGS, **{"acks": "1", "linger.ms": 0})["acks"] == "1"


def test_reader_consumer_never_commits_and_reads_committed_by_default() -> None:
    config = consumer_config(SETTINGS)
    assert config["enable.auto.commit"] is False
    assert config["isolation.level"] == "read_committed"
    assert config["enable.partition.eof"] is True
    assert config["auto.offset.reset"] == "earliest"
    assert config["group.id"].startswith("lambda-connect-reader-")
    assert consumer_config(SETTINGS)["group.id"] != config["group.id"]


def test_consumer_group_and_isolation_can_be_chosen() -> None:
    config = consumer_config(SETTINGS, group_id="connect-sink", isolation_level="read_uncommitted")
    assert (config["group.id"], config["isolation.level"]) == ("connect-sink", "read_uncommitted")
