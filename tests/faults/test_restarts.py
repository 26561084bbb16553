"""Broker and database restarts in the middle of invocations (throwaway instances).

The shared broker on 9092 and the shared MariaDB are never touched: each case starts its own single-node Kafka
(``infra.local.kafka.ThrowawayBroker``) or MariaDB (``infra.local.mariadb.ThrowawayMariaDB``) on free ports, and
crashes and restarts it (SIGKILL, same data directory) while the schedule fires source invocations or the mapping
delivers sink batches. Retriable errors are retried under a deadline, invocations that fail anyway are retried by
the next tick or the mapping, and every row arrives once.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config import StorageConfig
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.offset_store import OffsetStore
from connect_core.storage.status_store import StatusStore
from infra.local._process import free_server_port
from infra.local.kafka import ThrowawayBroker
from infra.local.mariadb import ThrowawayMariaDB
from tests.faults.conftest import BIG, ROOT, function_env, mysql, topic_ids
from tests.integration.runtime.conftest import Cluster

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.faults.conftest import Tally

pytestmark = pytest.mark.integration

ROWS = 200_000 if BIG else 20_000
RESTARTS = 3 if BIG else 1
TICK_MS = 3_000


def _progressing(bootstrap: str, topic: str, schedule: subprocess.Popen[str], timeout_s: float = 120.0) -> bool:
    """Wait until the snapshot has written to ``topic`` (a crash then lands mid-run); False if it ended first."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"probe-{uuid.uuid4().hex}"})
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and schedule.poll() is None:
            try:
                _low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=2, cached=False)
            except KafkaException:
                high = 0  # the topic does not exist yet
            if high > 0:
                return True
            time.sleep(0.2)
        return False
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayBroker]:
    """A private broker for this module; crashed and restarted by the tests, killed at the end."""
    own = ThrowawayBroker(tmp_path_factory.mktemp("kafka"))
    own.start()
    yield own
    own.stop()


@pytest.fixture
def own_cluster(broker: ThrowawayBroker) -> Iterator[Cluster]:
    """Internal topics and stores on the throwaway broker."""
    prefix = f"restart-{uuid.uuid4().hex[:8]}"
    storage = StorageConfig(config_storage_topic=f"{prefix}-configs", offset_storage_topic=f"{prefix}-offsets",
                            status_storage_topic=f"{prefix}-status", offset_storage_partitions=5,
                            status_storage_partitions=2)
    worker = WorkerSettings(KafkaClientSettings(bootstrap_servers=broker.bootstrap), storage, group_id=prefix)
    stores = Cluster(worker, ConfigStore(worker.kafka, storage), OffsetStore(worker.kafka, storage),
                     StatusStore(worker.kafka, storage))
    yield stores
    for store in (stores.configs, stores.offsets, stores.statuses):
        store.close()


def test_broker_restarts_while_a_source_snapshot_runs(
    broker: ThrowawayBroker, own_cluster: Cluster, mariadb_settings: dict[str, str], database: str, tally: Tally,
) -> None:
    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, payload VARCHAR(64) NOT NULL)")
        cursor.execute(f"INSERT INTO t SELECT seq, CONCAT('row-', seq) FROM seq_1_to_{ROWS}")
    prefix = f"restart-{uuid.uuid4().hex[:8]}-"
    name = f"restart-source-{uuid.uuid4().hex[:8]}"
    config = {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "tasks.max": "1",
        "connection.url": f"jdbc:mysql://{mariadb_settings['host']}:{mariadb_settings['port']}/{database}",
        "connection.user": mariadb_settings["user"], "connection.password": mariadb_settings["password"],
        "table.whitelist": "t", "mode": "incrementing", "incrementing.column.name": "id", "topic.prefix": prefix,
        "batch.max.rows": "500", "poll.interval.ms": "200", "lambda.schedule.interval.ms": str(TICK_MS),
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    }
    from connect_core.connectors.jdbc.source_connector import JdbcSourceConnector

    connector = JdbcSourceConnector()
    connector.start(config)
    own_cluster.deploy(name, config, connector.task_configs(1))

    schedule = subprocess.Popen(  # the scheduler and its containers, in a function process of their own
        [sys.executable, "-m", "tests.faults._source_driver", "schedule", name, str(TICK_MS), "200"],
        env=function_env(own_cluster), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    restarted = threading.Event()

    def crash_mid_run() -> None:
        for _ in range(RESTARTS):
            if not _progressing(broker.bootstrap, f"{prefix}t", schedule):
                return
            broker.restart()  # the snapshot is writing: this lands inside a running invocation
            restarted.set()
            time.sleep(TICK_MS / 1000.0)

    crasher = threading.Thread(target=crash_mid_run)
    crasher.start()
    stdout, stderr = schedule.communicate(timeout=900)
    crasher.join()
    assert schedule.returncode == 0, stderr[-3000:]
    import json

    summary = json.loads(stdout.strip().splitlines()[-1])
    tally.runs = summary["invocations"]
    tally.notes = {"broker_restarts": RESTARTS if restarted.is_set() else 0, "failed": summary["failed"]}
    tally.count(range(1, ROWS + 1), topic_ids(broker.bootstrap, f"{prefix}t", ROWS))
    assert restarted.is_set(), f"the snapshot ended before the broker could be restarted: {summary}"
    assert summary["done"], summary
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()


# -- database restarts (a throwaway MariaDB of the test's own) --------------------------------------------------------
@pytest.fixture(scope="module")
def own_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayMariaDB]:
    """A private MariaDB for this module; crashed and restarted by the tests, killed at the end."""
    own = ThrowawayMariaDB(tmp_path_factory.mktemp("mariadb"), free_server_port())
    own.start()
    yield own
    own.stop()


def _restart_later(db: ThrowawayMariaDB, delay_s: float) -> threading.Thread:
    """Crash ``db`` now and start it again ``delay_s`` later, in the background (the caller's write fails)."""
    db.stop()
    thread = threading.Thread(target=lambda: (time.sleep(delay_s), db.start()))
    thread.start()
    return thread


def test_database_restarts_in_the_middle_of_sink_batches(
    own_db: ThrowawayMariaDB, cluster: Cluster, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch,
    tally: Tally,
) -> None:
    from connect_core.connectors.jdbc._sink_writer import JdbcSinkWriter
    from connect_core.coordinator.herder.task_configs import generate_task_configs
    from tests.faults.test_kill_9 import ROW
    from tests.integration.functions._sink_harness import KafkaTopics, Out, SinkFunction, converter_config, json_bytes

    rows, batch = (5_000, 100) if BIG else (600, 50)
    settings = own_db.settings()
    table = f"t_{uuid.uuid4().hex[:8]}"
    kafka = KafkaTopics(kafka_bootstrap)
    topic = kafka.create(f"faults-db-restart-{uuid.uuid4().hex[:8]}")
    kafka.produce(topic, [Out(str(i).encode(), json_bytes(ROW, {"id": i, "payload": f"row-{i}"}, schemas=True))
                          for i in range(1, rows + 1)])
    function = SinkFunction(cluster, monkeypatch, kafka_bootstrap, "aws:kafka")
    name = f"db-restart-sink-{uuid.uuid4().hex[:8]}"
    config = {
        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": topic,
        "connection.url": settings["connection.url"], "connection.user": settings["user"],
        "connection.password": settings["password"], "table.name.format": table, "auto.create": "true",
        "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id", "batch.size": "10",
        "max.retries": "3", "retry.backoff.ms": "500", **converter_config(schemas=True),
    }
    full = {"name": name, "tasks.max": "1", **config}
    cluster.deploy(name, full, generate_task_configs(name, full))
    monkeypatch.setenv("CONNECTOR_NAME", name)

    crashes: list[threading.Thread] = []
    calls = [0]

    def crashing(real: Any) -> Any:
        def write(self: JdbcSinkWriter, conn: object, *args: Any) -> None:
            calls[0] += 1
            if len(crashes) < RESTARTS + 1 and calls[0] % 4 == 3:
                crashes.append(_restart_later(own_db, 3.0))  # the statement below meets a dead server
            real(self, conn, *args)
        return write

    # both ways a batch is sent: the per-record rows and the Struct batch path (which pk.mode=record_value takes)
    for method in ("_write_rows", "_send_texts"):
        monkeypatch.setattr(JdbcSinkWriter, method, crashing(getattr(JdbcSinkWriter, method)))
    messages = kafka.consume(topic, rows)
    committed = 0
    try:
        while committed < rows and tally.runs < 500:
            tally.runs += 1
            try:
                function.invoke(messages[committed:committed + batch])
            except Exception:
                time.sleep(1.0)
                continue
            committed += batch
    finally:
        for crash in crashes:
            crash.join()
        function.close()
        kafka.delete_all()
    with mysql(settings, settings["database"]) as conn, conn.cursor() as cursor:
        cursor.execute(f"SELECT id FROM `{table}`")
        written = [row[0] for row in cursor.fetchall()]
    tally.notes = {"database_restarts": len(crashes)}
    tally.count(range(1, rows + 1), written)
    assert crashes, "the database was never restarted"
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()


def test_database_restarts_while_a_source_snapshot_runs(
    own_db: ThrowawayMariaDB, cluster: Cluster, kafka_bootstrap: str, tally: Tally,
) -> None:
    rows = 200_000 if BIG else 50_000
    settings = own_db.settings()
    table = f"t_{uuid.uuid4().hex[:8]}"
    with mysql(settings, settings["database"]) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE TABLE `{table}` (id BIGINT PRIMARY KEY, payload VARCHAR(64) NOT NULL)")
        cursor.execute(f"INSERT INTO `{table}` SELECT seq, CONCAT('row-', seq) FROM seq_1_to_{rows}")
    prefix = f"db-restart-{uuid.uuid4().hex[:8]}-"
    name = f"db-restart-source-{uuid.uuid4().hex[:8]}"
    config = {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "tasks.max": "1",
        "connection.url": settings["connection.url"], "connection.user": settings["user"],
        "connection.password": settings["password"], "table.whitelist": table, "mode": "incrementing",
        "incrementing.column.name": "id", "topic.prefix": prefix, "batch.max.rows": "500",
        "poll.interval.ms": "200", "lambda.schedule.interval.ms": str(TICK_MS), "connection.attempts": "10",
        "connection.backoff.ms": "1000", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false", "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    }
    from connect_core.connectors.jdbc.source_connector import JdbcSourceConnector

    connector = JdbcSourceConnector()
    connector.start(config)
    cluster.deploy(name, config, connector.task_configs(1))
    schedule = subprocess.Popen(
        [sys.executable, "-m", "tests.faults._source_driver", "schedule", name, str(TICK_MS), "200"],
        env=function_env(cluster), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    restarts: list[threading.Thread] = []

    def crash_mid_run() -> None:
        for _ in range(RESTARTS):
            if not _progressing(kafka_bootstrap, f"{prefix}{table}", schedule):
                return
            restarts.append(_restart_later(own_db, 2.0))  # the snapshot is reading: a crash mid-run
            time.sleep(TICK_MS / 1000.0)

    crasher = threading.Thread(target=crash_mid_run)
    crasher.start()
    stdout, stderr = schedule.communicate(timeout=900)
    crasher.join()
    for restart in restarts:
        restart.join()
    assert schedule.returncode == 0, stderr[-3000:]
    import json

    summary = json.loads(stdout.strip().splitlines()[-1])
    tally.runs = summary["invocations"]
    tally.notes = {"database_restarts": len(restarts), "failed": summary["failed"]}
    arrived = topic_ids(kafka_bootstrap, f"{prefix}{table}", rows)
    tally.count(range(1, rows + 1), arrived)
    assert restarts, f"the snapshot ended before the database could be restarted: {summary}"
    assert summary["done"], summary
    assert (tally.lost, tally.duplicated) == (0, 0), \
        f"{tally.line()} missing ids {_ranges(set(range(1, rows + 1)) - set(arrived))} source: {summary}"


def _ranges(ids: set[int]) -> list[tuple[int, int]]:
    """``ids`` as (first, last) runs, the first ten."""
    runs: list[tuple[int, int]] = []
    for value in sorted(ids):
        if runs and runs[-1][1] == value - 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs[:10]
