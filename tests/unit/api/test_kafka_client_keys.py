"""The client-key gate against every property of librdkafka's CONFIGURATION.md (v2.15.0, vendored) and every Java
client key of Kafka 4.3.1, under every client prefix a REST body reaches: each is allowed or refused naming the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.file_roots import FileRoots
from connect_core.api.kafka_client_keys import (
    DEBEZIUM_PREFIXES,
    FILE_KEYS,
    HTTP_REPORTER_PREFIXES,
    JAVA_KEYS,
    LIBRDKAFKA_KEYS,
    MIRROR_PREFIXES,
    OVERRIDE_PREFIXES,
    check_client_keys,
    client_key_errors,
    librdkafka_settings,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ALL_PREFIXES = (*OVERRIDE_PREFIXES, *MIRROR_PREFIXES, *HTTP_REPORTER_PREFIXES, *DEBEZIUM_PREFIXES)


def librdkafka_properties() -> list[str]:
    """The property names of every table of CONFIGURATION.md (global and topic)."""
    names = []
    for line in (FIXTURES / "librdkafka_configuration.md").read_text().splitlines():
        cell = line.split("|", 1)[0].strip()
        if "|" in line and cell and cell != "Property" and not cell.startswith("-"):
            names.append(cell)
    return sorted(set(names))


PROPERTIES = librdkafka_properties()
JAVA_NAMES = [line for line in (FIXTURES / "kafka_client_config_names.txt").read_text().splitlines()
              if line and not line.startswith("#")]
# What CONFIGURATION.md has that the gate refuses and why it must: code, commands, host files outside the roots, URLs
DANGEROUS = {"ssl.providers", "ssl.engine.location", "ssl.engine.id", "plugin.library.paths", "interceptors",
             "sasl.kerberos.kinit.cmd", "sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.assertion.file",
             "sasl.oauthbearer.assertion.private.key.file", "sasl.oauthbearer.assertion.jwt.template.file",
             "sasl.oauthbearer.config", "https.ca.location", "offset.store.path", "ssl.ca.certificate.stores",
             "debug", "builtin.features", "internal.termination.signal"}
# Kafka's Java keys that the gate refuses: a command, URLs and files of OAUTHBEARER, client-level config providers
JAVA_REFUSED = {"sasl.kerberos.kinit.cmd", "config.providers", "security.providers",
                "internal.throw.on.fetch.stable.offset.unsupported"} | {
    name for name in JAVA_NAMES if name.startswith("sasl.oauthbearer.")}


@pytest.fixture
def roots(tmp_path: Path) -> FileRoots:
    return FileRoots.of([str(tmp_path)])


def value_for(key: str, root: Path) -> str:
    return str(root / "ca.pem") if key in FILE_KEYS else "x"


def test_the_fixture_is_the_whole_table() -> None:
    assert len(PROPERTIES) > 190 and {"ssl.providers", "bootstrap.servers", "acks", "consume.callback.max.messages"
                                      } <= set(PROPERTIES)
    assert len(JAVA_NAMES) == 141


def test_every_allowed_librdkafka_name_is_one_of_librdkafkas() -> None:
    assert sorted(LIBRDKAFKA_KEYS - set(PROPERTIES)) == []


def test_every_allowed_java_name_is_one_of_kafkas_and_every_kafka_key_is_allowed_or_refused() -> None:
    assert sorted(JAVA_KEYS - set(JAVA_NAMES)) == []
    allowed = JAVA_KEYS | LIBRDKAFKA_KEYS
    assert sorted(set(JAVA_NAMES) - allowed - JAVA_REFUSED) == []
    assert sorted(JAVA_REFUSED & allowed) == []


@pytest.mark.parametrize("prefix", ALL_PREFIXES)
def test_every_librdkafka_property_is_allowed_or_refused_naming_the_key(prefix: str, roots: FileRoots,
                                                                        tmp_path: Path) -> None:
    allowed, refused = set(), set()
    for name in PROPERTIES:
        key = prefix + name
        errors = client_key_errors({key: value_for(name, tmp_path)}, ALL_PREFIXES, roots)
        if errors:
            assert list(errors) == [key] and re.search(rf"for configuration {re.escape(key)}: ", errors[key][0])
            refused.add(name)
        else:
            allowed.add(name)
    assert allowed == LIBRDKAFKA_KEYS & set(PROPERTIES)
    assert DANGEROUS <= refused
    assert allowed | refused == set(PROPERTIES)


@pytest.mark.parametrize("prefix", ALL_PREFIXES)
@pytest.mark.parametrize("name", sorted(FILE_KEYS))
def test_file_keys_only_under_the_roots(prefix: str, name: str, roots: FileRoots, tmp_path: Path) -> None:
    key = prefix + name
    assert client_key_errors({key: str(tmp_path / "certs" / "ca.pem")}, ALL_PREFIXES, roots) == {}
    for outside in ("/etc/passwd", "/etc/shadow", str(tmp_path / ".." / "ca.pem")):
        errors = client_key_errors({key: outside}, ALL_PREFIXES, roots)
        assert "outside the allowed file roots" in errors[key][0] and key in errors[key][0]
    no_roots = client_key_errors({key: str(tmp_path / "ca.pem")}, ALL_PREFIXES, FileRoots())
    assert "no file roots are configured" in no_roots[key][0]


def test_probe_is_the_system_ca_and_placeholders_wait_for_their_value(roots: FileRoots) -> None:
    assert client_key_errors({"consumer.override.ssl.ca.location": "probe",
                              "producer.override.ssl.key.location": "${file:/x:key}"}, ALL_PREFIXES, roots) == {}


def test_kerberos_names_cannot_reach_librdkafkas_kinit_command_line(roots: FileRoots, tmp_path: Path) -> None:
    errors = client_key_errors({"signal.consumer.sasl.kerberos.principal": "kafka/h@R; touch /tmp/x",
                                "signal.consumer.sasl.kerberos.keytab": f'{tmp_path}/k"$(id)"',
                                "signal.consumer.sasl.kerberos.service.name": "kafka"}, ALL_PREFIXES, roots)
    assert sorted(errors) == ["signal.consumer.sasl.kerberos.keytab", "signal.consumer.sasl.kerberos.principal"]


def test_the_longest_prefix_names_the_client_key_and_own_keys_are_exempt(roots: FileRoots) -> None:
    props = {"producer.override.acks": "all", "producer.override.ssl.providers": "/x.so",
             "source.cluster.producer.ssl.engine.location": "/x.so", "source.cluster.producer.acks": "1",
             "consumer.poll.timeout.ms": "100", "source.cluster.alias": "a"}
    errors = client_key_errors(props, (*OVERRIDE_PREFIXES, *MIRROR_PREFIXES), roots,
                               exempt={"consumer.poll.timeout.ms", "source.cluster.alias"})
    assert sorted(errors) == ["producer.override.ssl.providers", "source.cluster.producer.ssl.engine.location"]
    assert "[hidden]" in errors["producer.override.ssl.providers"][0]


def test_every_allowed_key_reaches_librdkafka_by_a_name_librdkafka_has(tmp_path: Path) -> None:
    """What the translation hands librdkafka is always one of its properties: Java-only keys are dropped."""
    java = {name: "x" for name in sorted(JAVA_KEYS | LIBRDKAFKA_KEYS - {"sasl.username", "sasl.password"})}
    java.update({"sasl.jaas.config": 'x required username="u" password="p";', "ssl.truststore.type": "PEM",
                 "ssl.keystore.type": "PKCS12", "sasl.kerberos.keytab": str(tmp_path / "k")})
    config = librdkafka_settings(java, "reporter.producer.")
    assert sorted(set(config) - set(PROPERTIES)) == []
    assert config["socket.send.buffer.bytes"] == "x" and config["sasl.username"] == "u"


def test_check_client_keys_raises_naming_the_prefixed_key() -> None:
    with pytest.raises(ConfigError, match=r"reporter\.producer\.ssl\.providers"):
        check_client_keys({"acks": "all", "ssl.providers": "/tmp/evil.so"}, "reporter.producer.")
    with pytest.raises(ConfigError, match=r"signal\.consumer\.ssl\.ca\.location"):
        check_client_keys({"ssl.ca.location": "/etc/passwd"}, "signal.consumer.", FileRoots.of(["/tmp/x"]))


def test_every_built_in_connector_that_builds_kafka_clients_names_its_prefixes() -> None:
    """A connector package that imports confluent_kafka builds clients from its config: its connector classes name
    their client prefixes, so that validate, create and a task's start gate them."""
    from connect_core.runtime import registry

    connectors = registry.plugins((registry.PluginType.SOURCE, registry.PluginType.SINK))
    gated = {}
    for desc in connectors:
        module = desc.target.split(":", 1)[0]
        if not module.startswith("connect_core.connectors."):
            continue
        package = Path(__file__).resolve().parents[3].joinpath(*module.split(".")[:3])
        sources = list(package.rglob("*.py"))
        if any("connectors._debezium" in path.read_text() for path in sources):  # Debezium's shared modules
            sources += (package.parent / "_debezium").rglob("*.py")
        if any("confluent_kafka" in path.read_text() for path in sources):
            gated[desc.class_name] = getattr(registry.load(desc.class_name), "kafka_client_prefixes", None)
    assert gated == {
        "org.apache.kafka.connect.mirror.MirrorSourceConnector": MIRROR_PREFIXES,
        "org.apache.kafka.connect.mirror.MirrorCheckpointConnector": MIRROR_PREFIXES,
        "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector": MIRROR_PREFIXES,
        "io.confluent.connect.http.HttpSinkConnector": HTTP_REPORTER_PREFIXES,
        "io.debezium.connector.postgresql.PostgresConnector": DEBEZIUM_PREFIXES,
        "io.debezium.connector.mysql.MySqlConnector": DEBEZIUM_PREFIXES,
        "io.debezium.connector.mariadb.MariaDbConnector": DEBEZIUM_PREFIXES,
    }
