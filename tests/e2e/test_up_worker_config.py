"""`lambda-connect up --worker-config` with Kafka's sample connect-distributed.properties (kafka_config/, unmodified;
the test's copy names its own broker address, group, internal topics and value converter): the worker uses the
file's topics, group and converter, logs an unknown key as Kafka does, and refuses a key it cannot honour by name."""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import ROOT, start_up
from tests.e2e.test_standalone import _rewrite

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def test_distributed_worker_file_names_topics_and_group(kafka_bootstrap: str, tmp_path: Path) -> None:
    from confluent_kafka.admin import AdminClient

    name = f"wc-{uuid.uuid4().hex[:8]}"
    worker = _rewrite("connect-distributed.properties", tmp_path, **{
        "bootstrap.servers": kafka_bootstrap, "group.id": name, "offset.storage.topic": f"{name}-offsets",
        "config.storage.topic": f"{name}-configs", "status.storage.topic": f"{name}-status",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter", "no.such.setting": "1"})  # fmt: skip
    (tmp_path / "in.txt").write_text("x\n")
    with start_up(kafka_bootstrap, tmp_path, "--worker-config", str(worker)) as up:
        status, _ = up.http("PUT", "/connectors/src/config",
                            {"connector.class": "FileStreamSource", "file": "in.txt", "topic": f"{name}-data"})
        assert status == 201
        topics = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=30).topics
        assert {f"{name}-configs", f"{name}-offsets", f"{name}-status"} <= set(topics)
        assert f"{up.prefix}-configs" not in topics  # the file wins over the environment
        # the worker's StringConverter, for a connector that names no converter: the line itself, no JSON envelope
        assert up.wait_for(lambda: _values(kafka_bootstrap, f"{name}-data"), "the line in the data topic") == [b"x"]
    log = (tmp_path / "up.log").read_text()
    assert "The configuration 'no.such.setting' was supplied but isn't a known config." in log


def _values(bootstrap: str, topic: str) -> list[bytes]:
    from confluent_kafka import Consumer

    from connect_core.api.errors import ConnectError
    from connect_core.kafka.clients import consumer_config
    from connect_core.kafka.read_to_end import read_to_end
    from connect_core.kafka.settings import KafkaClientSettings

    consumer = Consumer(consumer_config(KafkaClientSettings(bootstrap_servers=bootstrap)))
    values: list[bytes] = []
    try:
        read_to_end(consumer, topic, {}, lambda message: values.append(message.value()))
    except ConnectError:  # not created yet
        return []
    finally:
        consumer.close()
    return values


def test_key_we_cannot_honour_is_refused_by_name(tmp_path: Path) -> None:
    worker = _rewrite("connect-distributed.properties", tmp_path,
                      **{"ssl.truststore.location": "/etc/kafka/truststore.jks"})
    result = subprocess.run([sys.executable, "-m", "connect_core.local.cli", "up", "--worker-config", str(worker)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 2
    assert "ssl.truststore.location: a JKS or PKCS12 truststore" in result.stderr
