"""KafkaClientSettings: dotted alias, overrides last, empty auth seam for plaintext."""

from __future__ import annotations

from connect_core.kafka.settings import DEFAULT_BOOTSTRAP_SERVERS, KafkaClientSettings


def test_defaults_to_kafkas_default_bootstrap() -> None:
    assert KafkaClientSettings().client_config() == {"bootstrap.servers": DEFAULT_BOOTSTRAP_SERVERS}


def test_accepts_the_kafka_dotted_key_and_applies_overrides_last() -> None:
    settings = KafkaClientSettings.model_validate(
        {"bootstrap.servers": "b1:9092,b2:9092", "overrides": {"bootstrap.servers": "x:1", "socket.timeout.ms": 1000}}
    )
    assert settings.bootstrap_servers == "b1:9092,b2:9092"
    assert settings.client_config() == {"bootstrap.servers": "x:1", "socket.timeout.ms": 1000}


def test_plaintext_has_no_auth_properties() -> None:
    assert KafkaClientSettings(bootstrap_servers="h:1").auth_config() == {}
