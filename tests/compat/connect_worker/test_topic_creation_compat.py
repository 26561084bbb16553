"""KIP-158 topic creation next to a real Kafka Connect worker (4.3.1), on a broker that creates no topic by itself.

One throwaway broker with ``auto.create.topics.enable=false`` (MSK's default; free ports) serves both: the
worker runs FileStreamSource connectors with ``topic.creation.*`` keys, our source runner runs the same configs. The
topics both create are read back through the admin client (partitions, replication factor, configs), and each config
Kafka refuses fails both the same way: the connector at start for the groups' keys (its ConfigException message),
validate for duplicate groups, the task for a topic the broker refuses to create (the broker's own message).

Kafka's worker waits for ever for a topic that is missing without ``topic.creation.*`` (its producer's
``max.block.ms`` is ``Long.MAX_VALUE``; the task stays RUNNING): a function cannot wait, so ours is FAILED with the
cause once the invocation's time ends (tests/integration/runtime/test_topic_creation.py): a deliberate difference
(runtime/topic_metadata.py).
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.coordinator.herder.validation import validate_connector_config
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.source_runner import SourceRunner
from connect_core.runtime.topic_creation import check_source_config
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config import StorageConfig
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.offset_store import OffsetStore
from connect_core.storage.status_store import StatusStore
from tests.compat.connect_worker.conftest import HERE, free_port, running_worker
from tests.integration.runtime.conftest import Cluster
from tests.integration.runtime.strict_broker import strict_broker
from tests.integration.runtime.test_topic_creation import describe

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from infra.local.kafka import ThrowawayBroker
    from tests.compat.connect_worker.conftest import ConnectWorker

pytestmark = pytest.mark.integration

CREATION = {
    "topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "3",
    "topic.creation.default.retention.ms": "3600000", "topic.creation.default.segment.bytes": "10485760",
    "topic.creation.groups": "orders,raw",
    "topic.creation.orders.include": ".*-orders.*", "topic.creation.orders.exclude": ".*-orders-raw",
    "topic.creation.orders.partitions": "5", "topic.creation.orders.compression.type": "gzip",
    "topic.creation.raw.include": ".*-raw", "topic.creation.raw.replication.factor": "-1",
    "topic.creation.raw.partitions": "-1",
}
SUFFIXES = ("orders", "orders-raw", "plain")  # the first group, the second (excluded from the first), the default
CONNECTOR_ERRORS = {
    "missing-rf": {"topic.creation.default.partitions": "3"},
    "missing-partitions": {"topic.creation.default.replication.factor": "1"},
    "zero-rf": {"topic.creation.default.replication.factor": "0", "topic.creation.default.partitions": "3"},
    "bad-partitions": {"topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "-5"},
    "group-partitions": {**CREATION, "topic.creation.orders.partitions": "0"},
    "not-a-short": {"topic.creation.default.replication.factor": "x", "topic.creation.default.partitions": "3"},
}
TASK_ERRORS = {
    "rf-too-big": {"topic.creation.default.replication.factor": "3", "topic.creation.default.partitions": "1"},
    "bad-policy": {"topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "1",
                   "topic.creation.default.cleanup.policy": "nope"},
}


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayBroker]:
    with strict_broker(tmp_path_factory.mktemp("kip158-broker")) as started:
        yield started


@pytest.fixture(scope="module")
def worker(broker: ThrowawayBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectWorker]:
    with running_worker(HERE / "pom.xml", free_port(), broker.bootstrap, tmp_path_factory.mktemp("kip158-worker"),
                        "compat-kip158") as started:
        yield started


@pytest.fixture
def ours(broker: ThrowawayBroker) -> Iterator[Cluster]:
    prefix = f"kip158-ours-{uuid.uuid4().hex[:8]}"
    storage = StorageConfig(config_storage_topic=f"{prefix}-configs", offset_storage_topic=f"{prefix}-offsets",
                            status_storage_topic=f"{prefix}-status", offset_storage_partitions=5,
                            status_storage_partitions=2)
    settings = WorkerSettings(KafkaClientSettings(bootstrap_servers=broker.bootstrap), storage, group_id=prefix)
    stores = Cluster(settings, ConfigStore(settings.kafka, storage), OffsetStore(settings.kafka, storage),
                     StatusStore(settings.kafka, storage))
    yield stores
    for store in (stores.configs, stores.offsets, stores.statuses):
        store.close()


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "lines.txt"
    path.write_text("alpha\nbeta\n")
    return path


def _source(path: Path, topic: str, extra: dict[str, str]) -> dict[str, str]:
    return {"connector.class": "FileStreamSource", "tasks.max": "1", "file": str(path), "topic": topic,
            "value.converter": "org.apache.kafka.connect.storage.StringConverter", **extra}


def _budget(ms: float = 30_000) -> Any:
    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


def _run_ours(ours: Cluster, name: str, config: dict[str, str]) -> SourceRunner:
    ours.deploy(name, config, [{k: v for k, v in config.items() if k in ("file", "topic")}])
    return SourceRunner(ours.worker, config_store=ours.configs, offset_store=ours.offsets, status_store=ours.statuses)


def _status(worker: ConnectWorker, name: str) -> dict[str, Any] | None:
    code, body = worker.rest("GET", f"/connectors/{name}/status")
    return body if code == 200 else None


def _first_line(trace: str) -> str:
    """A Java trace's first line without its exception class: the message."""
    return trace.splitlines()[0].split(": ", 1)[1]


def test_both_create_the_same_topics_from_the_same_groups(
    worker: ConnectWorker, ours: Cluster, broker: ThrowawayBroker, tmp_path: Path,
) -> None:
    path = _file(tmp_path)
    theirs: dict[str, tuple[int, int, dict[str, str]]] = {}
    mine: dict[str, tuple[int, int, dict[str, str]]] = {}
    for suffix in SUFFIXES:
        topic = f"{worker.prefix}-{suffix}"
        code, body = worker.rest("POST", "/connectors", {"name": f"created-{suffix}",
                                                         "config": _source(path, topic, CREATION)})
        assert code == 201, body
        worker.wait_for(f"{topic} created by the worker", lambda t=topic: _exists(broker, t), 60)
        theirs[suffix] = describe(broker.bootstrap, topic)
        ours_topic = f"{ours.worker.group_id}-{suffix}"
        runner = _run_ours(ours, f"created-{suffix}", _source(path, ours_topic, CREATION))
        try:
            assert runner.run(f"created-{suffix}", 0, _budget()).records == 2
        finally:
            runner.close()
        mine[suffix] = describe(broker.bootstrap, ours_topic)
    assert mine == theirs == {  # a group's topic configs are its own; -1 is the broker's num.partitions (1)
        "orders": (5, 1, {"compression.type": "gzip"}), "orders-raw": (1, 1, {}),
        "plain": (3, 1, {"retention.ms": "3600000", "segment.bytes": "10485760"})}


def _exists(broker: ThrowawayBroker, topic: str) -> bool:
    from confluent_kafka.admin import AdminClient

    metadata = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10)
    return topic in metadata.topics


def test_bad_groups_fail_the_connector_at_start_with_the_same_message(worker: ConnectWorker, tmp_path: Path) -> None:
    path = _file(tmp_path)
    for name, extra in CONNECTOR_ERRORS.items():
        config = _source(path, f"{worker.prefix}-{name}", extra)
        code, body = worker.rest("POST", "/connectors", {"name": name, "config": config})
        assert code == 201, body  # validate does not parse the groups' keys: the connector fails when it starts
        status = worker.wait_for(f"{name} FAILED", lambda n=name: (s := _status(worker, n)) and
                                 s["connector"]["state"] == "FAILED" and s, 60)
        assert status["tasks"] == []
        with pytest.raises(ConfigError) as raised:
            check_source_config(config, enabled=True)
        assert str(raised.value) == _first_line(status["connector"]["trace"]), name


def test_duplicate_groups_are_refused_by_validate_with_the_same_message(worker: ConnectWorker, tmp_path: Path) -> None:
    config = _source(_file(tmp_path), f"{worker.prefix}-dup", {**CREATION, "topic.creation.groups": "orders, orders"})
    code, body = worker.rest("PUT", "/connector-plugins/FileStreamSource/config/validate", {**config, "name": "d"})
    assert code == 200
    mine = validate_connector_config({**config, "name": "d"})

    def errors(result: dict[str, Any]) -> dict[str, list[str]]:
        return {c["value"]["name"]: c["value"]["errors"] for c in result["configs"] if c["value"]["errors"]}

    assert errors(mine) == errors(body) == {"topic.creation.groups": [
        "Invalid value [orders, orders] for configuration topic.creation.groups: Duplicate alias provided."]}


def test_a_topic_the_broker_refuses_fails_the_task_with_the_same_message(
    worker: ConnectWorker, ours: Cluster, tmp_path: Path,
) -> None:
    path = _file(tmp_path)
    for name, extra in TASK_ERRORS.items():
        topic = f"{worker.prefix}-{name}"
        code, body = worker.rest("POST", "/connectors", {"name": name, "config": _source(path, topic, extra)})
        assert code == 201, body
        status = worker.wait_for(f"{name}'s task FAILED", lambda n=name: (s := _status(worker, n)) and s["tasks"]
                                 and s["tasks"][0]["state"] == "FAILED" and s, 60)
        theirs = _first_line(status["tasks"][0]["trace"]).replace(topic, "<topic>")
        ours_topic = f"{ours.worker.group_id}-{name}"
        runner = _run_ours(ours, name, _source(path, ours_topic, extra))
        try:
            with pytest.raises(ConnectError) as raised:
                runner.run(name, 0, _budget())
        finally:
            runner.close()
        assert str(raised.value).replace(ours_topic, "<topic>") == theirs, name
