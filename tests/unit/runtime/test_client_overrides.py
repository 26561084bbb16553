"""The worker's client override policies, as Kafka 4.3.1's ``connect/connector/policy`` classes and
``AbstractHerder.validateClientOverrides`` decide (messages from their sources)."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.runtime.client_overrides import OverridePolicy, check_overrides, override_errors

SOURCE = {"producer.override.acks": "all", "consumer.override.max.poll.records": "5", "admin.override.retries": "1"}
SINK = {"consumer.override.max.poll.records": "5", "producer.override.acks": "all"}


@pytest.mark.parametrize("name", ["Allowlist", "AllowlistConnectorClientConfigOverridePolicy",
                                  "org.apache.kafka.connect.connector.policy.AllowlistConnectorClientConfigOverridePolicy"])
def test_a_policy_is_found_by_alias_simple_or_full_class_name(name: str) -> None:
    assert OverridePolicy.of(name, "acks").name == "Allowlist"


def test_an_unknown_policy_is_refused_as_the_plugin_loader_does() -> None:
    with pytest.raises(ConfigError, match="which name matches allowlist"):  # aliases are case-sensitive
        OverridePolicy.of("allowlist")


def test_all_allows_everything_and_none_nothing() -> None:
    assert override_errors(SOURCE, source=True, policy=OverridePolicy()) == {}
    assert override_errors(SOURCE, source=True, policy=OverridePolicy.of("None")) == {
        "producer.override.acks": ["The 'None' policy does not allow 'acks' to be overridden in the connector "
                                   "configuration."]}  # a source without its own offsets topic uses only a producer


def test_allowlist_allows_only_the_listed_client_keys() -> None:
    policy = OverridePolicy.of("Allowlist", "acks, linger.ms,acks")  # duplicates dropped as AbstractConfig does
    assert policy.allowlist == {"acks", "linger.ms"}
    assert override_errors(SINK, source=False, policy=policy) == {
        "consumer.override.max.poll.records": ["The 'Allowlist' policy does not allow 'max.poll.records' to be "
                                               "overridden in the connector configuration."]}
    assert OverridePolicy.of("Allowlist").allowlist == frozenset()  # its default: no override at all
    with pytest.raises(ConfigError, match="Configuration 'connector.client.config.override.allowlist' values must not"):
        OverridePolicy.of("Allowlist", "acks,,x")


def test_principal_allows_the_sasl_keys_only() -> None:
    policy = OverridePolicy.of("Principal")
    props = {"producer.override.sasl.jaas.config": "x", "producer.override.security.protocol": "SASL_SSL",
             "producer.override.acks": "1"}
    assert list(override_errors(props, source=True, policy=policy)) == ["producer.override.acks"]


def test_only_the_clients_a_connector_uses_are_checked() -> None:
    policy = OverridePolicy.of("None")
    own_offsets = {**SOURCE, "offsets.storage.topic": "my-offsets"}
    assert set(override_errors(own_offsets, source=True, policy=policy)) == set(SOURCE)
    creates = {**SOURCE, "topic.creation.default.partitions": "1"}
    assert set(override_errors(creates, source=True, policy=policy)) == {"producer.override.acks",
                                                                          "admin.override.retries"}
    assert set(override_errors(SINK, source=False, policy=policy)) == {"consumer.override.max.poll.records"}
    with_dlq = {**SINK, "errors.deadletterqueue.topic.name": "dlq"}
    assert set(override_errors(with_dlq, source=False, policy=policy)) == set(SINK)


def test_a_task_whose_overrides_the_policy_refuses_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kafka's ``Worker.connectorClientConfigOverrides``: a connector created under another policy fails its tasks."""
    check_overrides(SINK, source=False)  # All, the default
    monkeypatch.setenv("LAMBDA_CONNECT_CLIENT_OVERRIDE_POLICY", "Allowlist")
    monkeypatch.setenv("LAMBDA_CONNECT_CLIENT_OVERRIDE_ALLOWLIST", "acks")
    with pytest.raises(ConnectError) as err:
        check_overrides({**SINK, "consumer.override.sasl.jaas.config": "secret"}, source=False)
    assert str(err.value) == (
        "Client Config Overrides not allowed [[max.poll.records,[hidden],[],[The 'Allowlist' policy does not allow "
        "'max.poll.records' to be overridden in the connector configuration.],true], [sasl.jaas.config,[hidden],[],"
        "[The 'Allowlist' policy does not allow 'sasl.jaas.config' to be overridden in the connector "
        "configuration.],true]]")
    check_overrides({"producer.override.acks": "1"}, source=True)


@pytest.mark.parametrize(("connector", "key", "value"), [
    ("MirrorSourceConnector", "source.cluster.ssl.providers", "/tmp/evil.so"),
    ("MirrorCheckpointConnector", "target.consumer.ssl.ca.location", "/etc/passwd"),
    ("io.confluent.connect.http.HttpSinkConnector", "reporter.admin.plugin.library.paths", "/tmp/evil.so"),
    ("io.debezium.connector.mysql.MySqlConnector", "signal.consumer.sasl.kerberos.kinit.cmd", "touch /tmp/x"),
    ("FileStreamSink", "consumer.override.ssl.engine.location", "/tmp/engine.so"),
    ("NoSuchConnector", "producer.override.ssl.key.location", "/etc/shadow"),
])
def test_a_task_started_from_a_stored_config_fails_on_a_refused_client_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, connector: str, key: str, value: str,
) -> None:
    """A config stored before the gate existed: the task's start refuses it by name, under every policy."""
    monkeypatch.setenv("LAMBDA_CONNECT_FILE_ROOTS", str(tmp_path))
    props = {"connector.class": connector, key: value}
    with pytest.raises(ConfigError, match=f"for configuration {key.replace('.', '[.]')}: "):
        check_overrides(props, source=True, policy=OverridePolicy())
    check_overrides({"connector.class": connector, "producer.override.acks": "all",
                     "consumer.override.ssl.ca.location": f"{tmp_path}/ca.pem"}, source=False,
                    policy=OverridePolicy())
