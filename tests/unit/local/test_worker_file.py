"""A Kafka worker's properties file mapped onto ``up``: mapped keys, refused keys (by name), unknown keys logged."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from connect_core.local.worker_file import BASIC_AUTH_EXTENSION, WorkerFileError, read_worker_file
from connect_core.runtime import env

KAFKA_CONFIG = Path(__file__).parents[2] / "e2e" / "kafka_config"
# The converters Kafka's sample worker files set (JsonConverter with schemas, both sides)
SAMPLE_CONVERTERS = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "true", "value.converter.schemas.enable": "true",
}


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "worker.properties"
    path.write_text(text, encoding="latin-1")
    return path


def test_kafka_sample_distributed_file_maps_onto_up(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="lambda-connect"):
        worker = read_worker_file(KAFKA_CONFIG / "connect-distributed.properties", standalone=False)
    assert worker.environment == {
        env.BOOTSTRAP_SERVERS: "localhost:9092", env.GROUP_ID: "connect-cluster",
        env.OFFSET_TOPIC: "connect-offsets", env.CONFIG_TOPIC: "connect-configs", env.STATUS_TOPIC: "connect-status",
        env.REPLICATION_FACTOR: "1", env.WORKER_CONVERTERS: json.dumps(SAMPLE_CONVERTERS),
    }  # fmt: skip
    assert (worker.host, worker.port) == ("127.0.0.1", 8083)
    assert worker.converter_defaults == SAMPLE_CONVERTERS
    assert "isn't a known config" not in caplog.text


def test_kafka_sample_standalone_file_keeps_converters_and_offsets_file() -> None:
    worker = read_worker_file(KAFKA_CONFIG / "connect-standalone.properties", standalone=True)
    assert worker.offsets_file == Path("/tmp/connect.offsets")
    assert worker.converter_defaults == SAMPLE_CONVERTERS
    assert worker.environment == {env.BOOTSTRAP_SERVERS: "localhost:9092",
                                  env.WORKER_CONVERTERS: json.dumps(SAMPLE_CONVERTERS)}


def test_a_workers_own_converters_are_the_connectors_defaults(tmp_path: Path) -> None:
    """A distributed worker file with Avro values (the Confluent habit) is taken, not refused."""
    worker = read_worker_file(_file(tmp_path, "value.converter=io.confluent.connect.avro.AvroConverter\n"
                                              "value.converter.schema.registry.url=http://registry:8081\n"),
                              standalone=False)
    assert json.loads(worker.environment[env.WORKER_CONVERTERS]) == {
        "value.converter": "io.confluent.connect.avro.AvroConverter",
        "value.converter.schema.registry.url": "http://registry:8081"}


def test_unknown_key_is_logged_as_kafka_logs_it(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lambda-connect"):
        read_worker_file(_file(tmp_path, "bootstrap.servers=k:9092\nfoo.bar=1\n"), standalone=False)
    assert "The configuration 'foo.bar' was supplied but isn't a known config." in caplog.messages


def test_security_settings_become_client_properties(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(env.KAFKA_CLIENT_PROPERTIES, raising=False)
    text = ("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
            'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n'
            '    username="connect" password="s3\\\\"cret";\n'
            "ssl.truststore.type=PEM\nssl.truststore.location=/etc/ca.pem\nssl.endpoint.identification.algorithm=\n")
    worker = read_worker_file(_file(tmp_path, text), standalone=False)
    assert json.loads(worker.environment[env.KAFKA_CLIENT_PROPERTIES]) == {
        "security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "connect",
        "sasl.password": 's3\\"cret', "ssl.ca.location": "/etc/ca.pem", "ssl.endpoint.identification.algorithm": "none",
    }  # fmt: skip


def test_config_providers_pass_on_as_json(tmp_path: Path) -> None:
    text = "config.providers=file\nconfig.providers.file.class=org.apache.kafka.common.config.provider." \
           "FileConfigProvider\n"
    worker = read_worker_file(_file(tmp_path, text), standalone=False)
    assert json.loads(worker.environment[env.CONFIG_PROVIDERS]) == {
        "config.providers": "file",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider"}


def test_listener_host_and_port(tmp_path: Path) -> None:
    worker = read_worker_file(_file(tmp_path, "listeners=http://localhost:18083\n"), standalone=False)
    assert (worker.host, worker.port) == ("localhost", 18083)


def test_plugin_path_of_kafkas_file_connector_jar_is_our_filestream(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lambda-connect"):
        read_worker_file(_file(tmp_path, "plugin.path=libs/connect-file-4.3.1.jar\n"), standalone=False)
    assert not caplog.messages


def test_plugin_path_directories_are_plugin_packages_and_jars_are_named(tmp_path: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    java = tmp_path / "java"
    (java / "confluentinc-kafka-connect-jdbc" / "lib").mkdir(parents=True)
    (java / "connect-api-4.1.1.jar").touch()
    python = tmp_path / "python"
    python.mkdir()
    text = f"plugin.path={java}, {python}, libs/connect-file.jar, /opt/other.jar\n"
    with caplog.at_level(logging.WARNING, logger="lambda-connect"):
        worker = read_worker_file(_file(tmp_path, text), standalone=False)
    assert worker.plugins == f"{java},{python}"  # up's --plugins installs the Python plugin packages they hold
    assert [message.split(" holds ")[0] for message in caplog.messages] == [
        f"plugin.path: {java}", "plugin.path: /opt/other.jar"]
    assert "connect-api-4.1.1.jar" in caplog.messages[0]


@pytest.mark.parametrize(("text", "named"), [
    ("ssl.truststore.location=/etc/truststore.jks\n", "ssl.truststore.location"),
    ("sasl.mechanism=GSSAPI\n", "sasl.mechanism"),
    ("sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;\n", "sasl.jaas.config"),
    ("listeners=https://:8443\n", "listeners"),
    ("listeners=http://:8083,http://:8084\n", "listeners"),
    ("offset.storage.partitions=50\n", "offset.storage.partitions"),
    ("config.storage.replication.factor=1\noffset.storage.replication.factor=3\n", "replication.factor"),
    ("connector.client.config.override.policy=Nope\n", "connector.client.config.override.policy"),
    ("connector.client.config.override.policy=Allowlist\nconnector.client.config.override.allowlist=acks,,x\n",
     "connector.client.config.override.allowlist"),
    ("rest.extension.classes=com.example.Extension\n", "rest.extension.classes"),
    ("producer.compression.type=lz4\n", "producer.compression.type"),
    ("admin.listeners=http://:9093\n", "admin.listeners"),
])  # fmt: skip
def test_keys_we_cannot_honour_are_refused_by_name(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(WorkerFileError, match=named):
        read_worker_file(_file(tmp_path, text), standalone=False)


def test_standalone_needs_an_offsets_file_and_has_no_group(tmp_path: Path) -> None:
    with pytest.raises(WorkerFileError, match="offset.storage.file.filename"):
        read_worker_file(_file(tmp_path, "bootstrap.servers=k:9092\n"), standalone=True)
    with pytest.raises(WorkerFileError, match="group.id"):
        read_worker_file(_file(tmp_path, "offset.storage.file.filename=/x\ngroup.id=g\n"), standalone=True)


def test_pkcs12_keystore_passes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(env.KAFKA_CLIENT_PROPERTIES, raising=False)
    text = "security.protocol=SSL\nssl.keystore.type=PKCS12\nssl.keystore.location=/k.p12\nssl.keystore.password=p\n"
    worker = read_worker_file(_file(tmp_path, text), standalone=False)
    assert json.loads(worker.environment[env.KAFKA_CLIENT_PROPERTIES]) == {
        "security.protocol": "SSL", "ssl.keystore.location": "/k.p12", "ssl.keystore.password": "p"}


def test_basic_auth_extension_needs_the_jaas_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from connect_core.local.cli import main

    path = _file(tmp_path, f"rest.extension.classes={BASIC_AUTH_EXTENSION}\n")
    assert read_worker_file(path, standalone=False).basic_auth_extension
    assert main(["up", "--worker-config", str(path)]) == 2
    assert "--jaas-config" in capsys.readouterr().err


def test_the_client_override_policy_and_allowlist_go_to_the_coordinator(tmp_path: Path) -> None:
    """KIP-1188: the worker's policy keys become the variables ``runtime/client_overrides.py`` reads."""
    text = "connector.client.config.override.policy=Allowlist\nconnector.client.config.override.allowlist=acks\n"
    worker = read_worker_file(_file(tmp_path, text), standalone=False)
    assert worker.environment[env.CLIENT_OVERRIDE_POLICY] == "Allowlist"
    assert worker.environment[env.CLIENT_OVERRIDE_ALLOWLIST] == "acks"
    named = "connector.client.config.override.policy=org.apache.kafka.connect.connector.policy." \
            "NoneConnectorClientConfigOverridePolicy\n"
    assert read_worker_file(_file(tmp_path, named), standalone=False).environment[env.CLIENT_OVERRIDE_POLICY] == "None"
