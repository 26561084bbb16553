"""Cluster clients from the connector's keys: Kafka's prefix precedence, Java keys turned into librdkafka's."""

from __future__ import annotations

import re

import pytest

from connect_core.api.errors import ConfigError
from connect_core.connectors.mirror._clients import client_config


def test_cluster_then_role_then_cluster_role_and_only_connection_keys_of_the_cluster() -> None:
    props = {"source.cluster.bootstrap.servers": "s:9092", "source.cluster.linger.ms": "5",
             "consumer.fetch.min.bytes": "10", "source.consumer.fetch.min.bytes": "20",
             "consumer.poll.timeout.ms": "100", "consumer.max.poll.records": "50",
             "target.cluster.bootstrap.servers": "t:9092"}
    config = client_config(props, "source", "consumer", "label|replication-consumer")
    assert config == {"bootstrap.servers": "s:9092", "fetch.min.bytes": "20", "client.id": "label|replication-consumer"}


def test_sasl_jaas_and_pem_truststore_become_librdkafka_settings() -> None:
    props = {"target.cluster.bootstrap.servers": "t:9096", "target.cluster.security.protocol": "SASL_SSL",
             "target.cluster.sasl.mechanism": "SCRAM-SHA-512",
             "target.cluster.sasl.jaas.config": 'org.apache.kafka.common.security.scram.ScramLoginModule required '
                                                'username="alice" password="s3\\"cret";',
             "target.cluster.ssl.truststore.location": "/etc/ca.pem", "target.cluster.ssl.truststore.type": "PEM",
             "target.cluster.ssl.endpoint.identification.algorithm": ""}
    config = client_config(props, "target", "admin", "x")
    assert config["sasl.username"] == "alice" and config["sasl.password"] == 's3"cret'
    assert config["ssl.ca.location"] == "/etc/ca.pem" and "sasl.jaas.config" not in config
    assert config["ssl.endpoint.identification.algorithm"] == "none"
    assert config["security.protocol"] == "SASL_SSL" and config["sasl.mechanism"] == "SCRAM-SHA-512"


def test_what_librdkafka_cannot_use_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match='"source.cluster.bootstrap.servers"'):
        client_config({}, "source", "consumer", "x")
    with pytest.raises(ConfigError, match="source.cluster.ssl.truststore.location"):
        client_config({"source.cluster.bootstrap.servers": "s", "source.cluster.ssl.truststore.location": "/t.jks"},
                      "source", "consumer", "x")
    with pytest.raises(ConfigError, match="source.cluster.sasl.jaas.config"):
        client_config({"source.cluster.bootstrap.servers": "s",
                       "source.cluster.sasl.jaas.config": "com.sun.security.auth.module.Krb5LoginModule required;"},
                      "source", "consumer", "x")


@pytest.mark.parametrize("key", ["source.cluster.ssl.engine.location", "consumer.plugin.library.paths",
                                 "source.consumer.sasl.kerberos.kinit.cmd"])
def test_a_setting_that_loads_code_or_runs_a_command_is_refused_naming_the_key(key: str) -> None:
    props = {"source.cluster.bootstrap.servers": "127.0.0.1:19092", key: "/tmp/evil.so"}
    with pytest.raises(ConfigError, match=re.escape(key)):
        client_config(props, "source", "consumer", "test")


def test_java_keys_are_translated_by_the_gate_and_own_and_override_keys_reach_no_client() -> None:
    props = {"source.cluster.bootstrap.servers": "s:9092", "consumer.send.buffer.bytes": "65536",
             "source.consumer.fetch.max.wait.ms": "100", "consumer.override.acks": "all",
             "admin.timeout.ms": "5000", "source.admin.ssl.truststore.certificates": "-----BEGIN CERTIFICATE-----"}
    assert client_config(props, "source", "consumer", "c") == {
        "bootstrap.servers": "s:9092", "socket.send.buffer.bytes": "65536", "fetch.wait.max.ms": "100",
        "client.id": "c"}
    assert client_config(props, "source", "admin", "a")["ssl.ca.pem"] == "-----BEGIN CERTIFICATE-----"


@pytest.mark.parametrize("key", ["source.cluster.ssl.providers", "target.producer.debug",
                                 "source.cluster.consumer.interceptors", "admin.sasl.oauthbearer.token.endpoint.url"])
def test_any_key_off_the_allow_list_is_refused_when_a_client_is_built(key: str) -> None:
    props = {"source.cluster.bootstrap.servers": "127.0.0.1:19092", key: "/tmp/evil.so"}
    with pytest.raises(ConfigError, match=re.escape(key)):
        client_config(props, "source", "admin", "test")
