"""The FileStream connectors, ``jdbc:sqlite:`` and a JDBC URL's TLS files stay under the worker's file roots.

Through the coordinator (validate and create: a 400 naming the key and the roots), the registry (not offered without
roots, as Kafka 3.2+ leaves connect-file off the default plugin path) and the tasks (checked again at start).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.file_roots import FileRoots
from connect_core.api.task import SinkTaskContext, SourceTaskContext
from connect_core.connectors.file.sink_task import FileStreamSinkTask
from connect_core.connectors.file.source_task import FileStreamSourceTask
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from connect_core.runtime import env, registry
from tests.unit.connectors._memory_offsets import MemoryOffsetReader
from tests.unit.coordinator.conftest import Rest

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def rest() -> Rest:
    """The coordinator over in-memory topics, as tests/unit/coordinator uses it."""
    return Rest()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv(env.FILE_ROOTS, str(data))
    return data


def _messages(infos: dict) -> dict[str, list[str]]:
    return {c["value"]["name"]: c["value"]["errors"] for c in infos["configs"] if c["value"]["errors"]}


@pytest.mark.parametrize(("plugin", "extra"), [("FileStreamSource", {"topic": "t"}),
                                                ("FileStreamSink", {"topics": "t"})])
def test_validate_refuses_a_file_outside_the_roots_naming_key_and_roots(
    rest: Rest, root: Path, plugin: str, extra: dict[str, str],
) -> None:
    config = {"connector.class": plugin, "name": "x", "file": "../../home/user/.aws/credentials", **extra}
    answer = rest.call("PUT", f"/connector-plugins/{plugin}/config/validate", config)
    assert answer.status == 200
    outside = os.path.realpath(root / "../../home/user/.aws/credentials")
    assert _messages(answer.body) == {"file": [
        f"Invalid value ../../home/user/.aws/credentials for configuration file: the path resolves to {outside}, "
        f"outside the allowed file roots: {root}"]}

    created = rest.call("POST", "/connectors", {"name": "x", "config": config})
    assert created.status == 400
    assert f"outside the allowed file roots: {root}" in created.body["message"]
    assert rest.call("GET", "/connectors").body == []


def test_a_file_inside_the_roots_is_accepted(rest: Rest, root: Path) -> None:
    rest.create("in", {"connector.class": "FileStreamSource", "file": "in.txt", "topic": "t"})
    rest.create("out", {"connector.class": "FileStreamSink", "file": str(root / "out.txt"), "topics": "t"})


def test_a_symlink_out_of_the_root_is_refused_at_create(rest: Rest, root: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path, root / "up")
    created = rest.call("POST", "/connectors", {"name": "x", "config": {
        "connector.class": "FileStreamSink", "file": "up/bashrc", "topics": "t"}})
    assert created.status == 400
    assert f"resolves to {tmp_path / 'bashrc'}, outside the allowed file roots" in created.body["message"]


def test_without_roots_the_filestream_connectors_are_not_offered(rest: Rest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env.FILE_ROOTS, "")
    classes = {p["class"] for p in rest.call("GET", "/connector-plugins").body}
    assert "org.apache.kafka.connect.file.FileStreamSourceConnector" not in classes
    assert "io.confluent.connect.jdbc.JdbcSourceConnector" in classes
    created = rest.call("POST", "/connectors", {"name": "x", "config": {
        "connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "t"}})
    assert created.status == 400
    assert created.body["message"].startswith("Failed to find any class that implements Connector and which name "
                                                "matches FileStreamSource, available connectors are: ")
    with pytest.raises(ConfigError, match="Class FileStreamSink could not be found"):
        registry.check("connector.class", "FileStreamSink", registry.PluginType.SINK)


def test_sqlite_files_are_confined_and_memory_databases_need_no_root(rest: Rest, root: Path) -> None:
    base = {"connector.class": "JdbcSink", "name": "j", "topics": "t"}
    answer = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate",
                       {**base, "connection.url": "jdbc:sqlite:/etc/shadow"}).body
    assert _messages(answer)["connection.url"] == [
        f"Invalid value /etc/shadow for configuration connection.url: the path resolves to /etc/shadow, outside the "
        f"allowed file roots: {root}"]
    answer = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate",
                       {**base, "connection.url": "jdbc:sqlite::memory:"}).body
    assert "connection.url" not in _messages(answer)
    answer = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate",
                       {**base, "connection.url": "jdbc:sqlite:orders.db"}).body
    assert "connection.url" not in _messages(answer)


def test_tasks_check_the_roots_again_at_start(tmp_path: Path) -> None:
    """A config written before the roots changed (or straight into the topic) fails its task with the reason."""
    roots = FileRoots.of([str(tmp_path / "data")])
    source = FileStreamSourceTask()
    source.initialize(SourceTaskContext({}, MemoryOffsetReader(), file_roots=roots))
    with pytest.raises(ConfigError, match="configuration file: the path resolves to /etc/passwd, outside"):
        source.start({"file": "/etc/passwd", "topic": "t"})
    sink = FileStreamSinkTask()
    sink.initialize(SinkTaskContext({}, file_roots=roots))
    with pytest.raises(ConfigError, match="outside the allowed file roots"):
        sink.start({"file": str(tmp_path / "bashrc"), "topics": "t"})
    assert not (tmp_path / "bashrc").exists()
    jdbc = JdbcSourceTask()
    jdbc.initialize(SourceTaskContext({}, MemoryOffsetReader(), file_roots=roots))
    with pytest.raises(ConfigError, match="configuration connection.url: the path resolves to /tmp/x.db, outside"):
        jdbc.start({"connection.url": "jdbc:sqlite:/tmp/x.db", "mode": "bulk", "topic.prefix": "p",
                    "tables": '"t"', "table.whitelist": "t"})
    uninitialized = FileStreamSinkTask()
    with pytest.raises(ConfigError, match="no file roots are configured"):
        uninitialized.start({"file": str(tmp_path / "data" / "out.txt"), "topics": "t"})


@pytest.mark.parametrize("url", [
    "jdbc:mariadb://db:3306/x?sslMode=verify-ca&serverSslCert=/home/user/.aws/credentials",
    "jdbc:mysql://db/x?useSSL=true&sslCa=/etc/ca.pem",
    "jdbc:mysql://db/x;sslMode=REQUIRED;sslCert=/etc/c.pem",
    "jdbc:mysql://db/x?sslMode=REQUIRED&sslKey=../../k.pem",
    "jdbc:postgresql://db/x?sslmode=verify-full&sslrootcert=/root/.postgresql/root.crt",
    "jdbc:postgresql://db/x?sslmode=require&sslkey=k.pem&sslcert=/etc/c.pem",  # a certificate needs its key
    "jdbc:postgresql://db/x?sslmode=require&sslcert=c.pem&sslkey=/etc/ssh/ssh_host_rsa_key",
])
def test_jdbc_tls_files_are_confined_at_validate_create_and_task_start(rest: Rest, root: Path, url: str) -> None:
    """A server URL's PEM paths (CA, client certificate, key) are host files like a SQLite database."""
    path = url.rpartition("=")[2]
    outside = os.path.realpath(root / path)
    expected = (f"Invalid value {path} for configuration connection.url: the path resolves to {outside}, outside the "
                f"allowed file roots: {root}")
    for plugin in ("JdbcSource", "JdbcSink"):
        config = {"connector.class": plugin, "name": "j", "connection.url": url, "topics": "t", "topic.prefix": "p",
                  "mode": "bulk"}
        answer = rest.call("PUT", f"/connector-plugins/{plugin}/config/validate", config).body
        assert _messages(answer)["connection.url"] == [expected]
        created = rest.call("POST", "/connectors", {"name": "j", "config": config})
        assert created.status == 400
        assert expected in created.body["message"]
    jdbc = JdbcSourceTask()
    jdbc.initialize(SourceTaskContext({}, MemoryOffsetReader(), file_roots=FileRoots.of([str(root)])))
    with pytest.raises(ConfigError, match="outside the allowed file roots"):
        jdbc.start({"connection.url": url, "mode": "bulk", "topic.prefix": "p", "table.whitelist": "t"})


@pytest.mark.parametrize("url", [
    "jdbc:mariadb://db/x?sslMode=verify-ca&serverSslCert=tls/ca.pem&sslCert={root}/c.pem&sslKey={root}/k.pem",
    "jdbc:postgresql://db/x?sslmode=verify-full&sslrootcert=system",
    "jdbc:postgresql://db/x?sslmode=verify-full&sslrootcert={root}/ca.pem",
    "jdbc:mysql://db/x?sslMode=REQUIRED",
])
def test_jdbc_tls_files_under_the_roots_and_no_files_are_accepted(rest: Rest, root: Path, url: str) -> None:
    config = {"connector.class": "JdbcSink", "name": "j", "connection.url": url.format(root=root), "topics": "t"}
    answer = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate", config).body
    assert "connection.url" not in _messages(answer)


def test_jdbc_tls_files_need_roots(rest: Rest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deployed stack without FileStreamRoots refuses a PEM path: the message says why."""
    monkeypatch.setenv(env.FILE_ROOTS, "")
    config = {"connector.class": "JdbcSink", "name": "j", "topics": "t",
              "connection.url": "jdbc:mysql://db/x?sslMode=VERIFY_CA&sslCa=/var/task/ca.pem"}
    answer = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate", config).body
    assert _messages(answer)["connection.url"] == [
        "Invalid value /var/task/ca.pem for configuration connection.url: this worker allows no file paths in "
        "connector configs (no file roots are configured; allowed roots: none)"]
    for url in ("jdbc:mysql://db/x?sslMode=REQUIRED", "jdbc:postgresql://db/x?sslmode=verify-full&sslrootcert=system"):
        answer = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate", {**config, "connection.url": url}).body
        assert "connection.url" not in _messages(answer)


@pytest.mark.parametrize("key", ["elastic.https.ssl.truststore.location", "elastic.https.ssl.keystore.location"])
def test_elasticsearch_pem_files_are_confined_at_validate_create_and_task_start(
    rest: Rest, root: Path, key: str,
) -> None:
    from connect_core.connectors.elasticsearch.sink_task import ElasticsearchSinkTask

    config = {"connector.class": "ElasticsearchSink", "name": "es", "topics": "t",
              "connection.url": "https://es:9200", "elastic.security.protocol": "SSL",
              "elastic.https.ssl.truststore.type": "PEM", "elastic.https.ssl.keystore.type": "PEM",
              key: "/home/user/.ssh/id_rsa"}
    expected = (f"Invalid value /home/user/.ssh/id_rsa for configuration {key}: the path resolves to "
                f"/home/user/.ssh/id_rsa, outside the allowed file roots: {root}")
    answer = rest.call("PUT", "/connector-plugins/ElasticsearchSink/config/validate", config).body
    assert _messages(answer) == {key: [expected]}
    created = rest.call("POST", "/connectors", {"name": "es", "config": config})
    assert created.status == 400
    assert expected in created.body["message"]
    task = ElasticsearchSinkTask()
    task.initialize(SinkTaskContext({}, file_roots=FileRoots.of([str(root)])))
    with pytest.raises(ConfigError, match=f"configuration {key}: the path resolves to /home/user/.ssh/id_rsa"):
        task.start({k: v for k, v in config.items() if k not in ("connector.class", "name")})
    inside = rest.call("PUT", "/connector-plugins/ElasticsearchSink/config/validate",
                       {**config, key: str(root / "ca.pem")}).body
    assert key not in _messages(inside)


@pytest.mark.parametrize("name", ["schema.registry.ssl.truststore.location", "schema.registry.ssl.keystore.location"])
def test_schema_registry_pem_files_are_confined_at_validate_create_and_converter_start(
    rest: Rest, root: Path, name: str,
) -> None:
    """A converter's file keys (Converter.file_keys) in a connector config, as the connector's own."""
    from connect_core.runtime.converter_set import ConverterSet

    key = f"value.converter.{name}"
    config = {"connector.class": "JdbcSink", "name": "j", "topics": "t", "connection.url": "jdbc:sqlite::memory:",
              "value.converter": "io.confluent.connect.avro.AvroConverter",
              "value.converter.schema.registry.url": "https://registry:8081", key: "/etc/ssl/private/server.key"}
    expected = (f"Invalid value /etc/ssl/private/server.key for configuration {key}: the path resolves to "
                f"/etc/ssl/private/server.key, outside the allowed file roots: {root}")
    answer = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate", config).body
    assert _messages(answer) == {key: [expected]}
    created = rest.call("POST", "/connectors", {"name": "j", "config": config})
    assert created.status == 400
    assert expected in created.body["message"]
    with pytest.raises(ConfigError, match=f"configuration {key}: the path resolves to /etc/ssl/private/server.key"):
        ConverterSet.from_config(config)
    inside = rest.call("PUT", "/connector-plugins/JdbcSink/config/validate", {**config, key: "tls/ca.pem"}).body
    assert key not in _messages(inside)
