"""Issue 48's attack through the real coordinator (``EmbeddedConnect``: REST, validation, the config topic on the
local Kafka): client keys that would load a shared object, run a command or read host files are an error on their
key at validate, a 400 naming the key at create, and nothing is loaded (a shared object built here writes a marker
file from its constructor; the first test shows librdkafka loads it when handed the key directly)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.testing.embedded import EmbeddedConnect

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_SOURCE = r"""
#include <stdio.h>
__attribute__((constructor)) static void mark(void) {
    FILE *f = fopen(MARKER, "w");
    if (f) { fputs("loaded\n", f); fclose(f); }
}
"""


@pytest.fixture
def shared_object(tmp_path: Path) -> tuple[Path, Path]:
    """``(evil.so, marker)``: the object lies under the test's file roots, as a FileStream sink could write it."""
    marker = tmp_path / "marker"
    source = tmp_path / "evil.c"
    source.write_text(_SOURCE)
    library = tmp_path / "evil.so"
    subprocess.run(["cc", "-shared", "-fPIC", f'-DMARKER="{marker}"', "-o", str(library), str(source)], check=True)
    return library, marker


@pytest.fixture
def connect(kafka_bootstrap: str) -> Iterator[EmbeddedConnect]:
    with EmbeddedConnect(kafka_bootstrap, prefix=f"gate-{uuid.uuid4().hex[:8]}") as worker:
        yield worker


def _errors(connect: EmbeddedConnect, config: dict[str, str]) -> dict[str, list[str]]:
    infos = connect.validate(config)
    return {c["value"]["name"]: c["value"]["errors"] for c in infos["configs"]
            if c["value"] is not None and c["value"]["errors"]}


def _refused(connect: EmbeddedConnect, config: dict[str, str], keys: list[str]) -> None:
    """Validate puts an error on each key; create answers 400 naming each; the connector does not exist."""
    errors = _errors(connect, config)
    for key in keys:
        assert key in errors and key in errors[key][0], (key, errors)
    name = f"gate-{uuid.uuid4().hex[:6]}"
    status, body = connect.rest("PUT", f"/connectors/{name}/config", config)
    assert status == 400, body
    for key in keys:
        assert f"for configuration {key}" in body["message"], body["message"]
    assert connect.rest("GET", f"/connectors/{name}")[0] == 404


def test_the_shared_object_is_loaded_when_librdkafka_gets_the_key(shared_object: tuple[Path, Path]) -> None:
    """What the gate stands between: librdkafka itself loads ``ssl.providers`` (in a child process)."""
    library, marker = shared_object
    code = ("from confluent_kafka import Producer\n"
            f"try: Producer({{'bootstrap.servers': '127.0.0.1:1', 'security.protocol': 'SSL', "
            f"'ssl.providers': {str(library)!r}}})\n"
            "except Exception: pass\n")
    subprocess.run([sys.executable, "-c", code], check=False, timeout=60)
    assert marker.read_text() == "loaded\n"


def test_mirror_source_http_reporter_and_consumer_override_load_nothing(
    connect: EmbeddedConnect, shared_object: tuple[Path, Path], kafka_bootstrap: str, kafka2_bootstrap: str,
    tmp_path: Path,
) -> None:
    library, marker = shared_object
    mirror: dict[str, Any] = {
        "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
        "source.cluster.alias": "gsrc", "target.cluster.alias": "gtgt", "topics": "gate-none",
        "source.cluster.bootstrap.servers": kafka2_bootstrap, "target.cluster.bootstrap.servers": kafka_bootstrap,
        "source.cluster.security.protocol": "SSL", "source.cluster.ssl.providers": str(library)}
    _refused(connect, mirror, ["source.cluster.ssl.providers"])
    http = {"connector.class": "io.confluent.connect.http.HttpSinkConnector", "topics": "gate-http",
            "http.api.url": "http://127.0.0.1:1/x", "reporter.bootstrap.servers": kafka_bootstrap,
            "reporter.result.topic.name": "gate-results", "reporter.producer.security.protocol": "SSL",
            "reporter.producer.ssl.providers": str(library)}
    _refused(connect, http, ["reporter.producer.ssl.providers"])
    file_sink = {"connector.class": "FileStreamSink", "topics": "gate-file", "file": str(tmp_path / "out.txt"),
                 "consumer.override.security.protocol": "SSL", "consumer.override.ssl.providers": str(library)}
    _refused(connect, file_sink, ["consumer.override.ssl.providers"])
    assert not marker.exists()


def test_code_commands_and_host_files_are_refused_under_every_client_prefix(
    connect: EmbeddedConnect, tmp_path: Path, kafka_bootstrap: str,
) -> None:
    file_sink = {"connector.class": "FileStreamSink", "topics": "gate-file", "file": str(tmp_path / "out.txt"),
                 "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "gate-dlq",
                 "consumer.override.ssl.engine.location": "/tmp/engine.so",
                 "producer.override.plugin.library.paths": "/tmp/plugin.so",
                 "admin.override.sasl.kerberos.kinit.cmd": "touch /tmp/pwned",
                 "consumer.override.ssl.ca.location": "/etc/passwd",
                 "producer.override.ssl.key.location": "/etc/shadow"}
    _refused(connect, file_sink, [k for k in file_sink if ".override." in k])
    postgres = {"connector.class": "io.debezium.connector.postgresql.PostgresConnector", "topic.prefix": "gate",
                "database.hostname": "127.0.0.1", "database.user": "u", "database.dbname": "d",
                "signal.consumer.ssl.keystore.location": "/etc/ssl/private/key.p12",
                "schema.history.internal.producer.ssl.engine.location": "/tmp/engine.so"}
    _refused(connect, postgres, ["signal.consumer.ssl.keystore.location",
                                 "schema.history.internal.producer.ssl.engine.location"])
    mirror = {"connector.class": "MirrorHeartbeatConnector", "source.cluster.alias": "a",
              "target.cluster.bootstrap.servers": kafka_bootstrap,
              "target.admin.ssl.crl.location": "/etc/passwd", "source.cluster.sasl.kerberos.keytab": "/etc/krb5.keytab"}
    _refused(connect, mirror, ["target.admin.ssl.crl.location", "source.cluster.sasl.kerberos.keytab"])


def test_allowed_client_keys_and_files_under_the_roots_are_accepted_and_an_update_is_gated_too(
    connect: EmbeddedConnect, tmp_path: Path,
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not read before a task runs\n")
    name = f"gate-ok-{uuid.uuid4().hex[:6]}"
    config = {"name": name, "connector.class": "FileStreamSink", "topics": name,
              "file": str(tmp_path / "out.txt"), "consumer.override.ssl.ca.location": str(ca),
              "consumer.override.max.poll.records": "10", "consumer.override.fetch.max.wait.ms": "100",
              "producer.override.acks": "all"}
    assert _errors(connect, config) == {}
    status, body = connect.rest("PUT", f"/connectors/{name}/config", config)
    assert status == 201, body
    status, body = connect.rest("PUT", f"/connectors/{name}/config",  # an update is refused the same way
                                {**config, "consumer.override.ssl.providers": "/tmp/evil.so"})
    assert status == 400 and "for configuration consumer.override.ssl.providers" in body["message"], body
    assert "consumer.override.ssl.providers" not in connect.rest("GET", f"/connectors/{name}/config")[1]
    connect.delete_connector(name)
