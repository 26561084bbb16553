"""The JDBC source through the real SourceRunner and Kafka, on MariaDB: exactly-once per invocation.

Covers the seed scenario (``status`` + ``LAST_UPDATED``, mode timestamp, topic ``order-status-update-status``),
repeated invocations, two overlapping invocations of one task (the older is fenced), a crash between produce and
commit, three tables over three tasks, and bad configs. Each test has its own database or table names; the seed
topic is shared by name, so its records are told apart by a per-test tag in the row values.
"""

from __future__ import annotations

import gc
import json
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.connectors.jdbc.source_connector import JdbcSourceConnector
from connect_core.connectors.jdbc.source_task import JdbcSourceTask
from connect_core.runtime.source_runner import SourceRunner
from connect_core.storage.offset_store import OffsetStore
from tests._captured_logs import release_tracebacks

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

JDBC_SOURCE = "io.confluent.connect.jdbc.JdbcSourceConnector"
JSON = "org.apache.kafka.connect.json.JsonConverter"


def _budget(ms: float = 30_000) -> Callable[[], float]:
    deadline = time.monotonic() * 1000 + ms
    return lambda: deadline - time.monotonic() * 1000


def _mysql(settings: dict[str, str], database: str | None = None) -> pymysql.Connection:
    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=database or settings["database"],
                           autocommit=True)


def _sql(conn: pymysql.Connection, *statements: str, params: list[tuple] | None = None) -> None:
    with conn.cursor() as cursor:
        for statement in statements:
            if params is None:
                cursor.execute(statement)
            else:
                cursor.executemany(statement, params)


# Every runner a test makes, closed before its database is dropped: a task stopped mid-result (``max_records``) keeps
# its streaming query's transaction, whose metadata lock makes DROP DATABASE wait; left to the cyclic collector, the
# connection closed at an arbitrary later moment, and a teardown that ran first waited for good.
_RUNNERS: list[SourceRunner] = []


def _tracked(runner: SourceRunner) -> SourceRunner:
    _RUNNERS.append(runner)
    return runner


@pytest.fixture
def database(mariadb_settings: dict[str, str]) -> Iterator[tuple[pymysql.Connection, str]]:
    """A fresh database of its own (so the seed table can be called ``status``), dropped afterwards, after every
    runner the test made is closed."""
    name = f"lc_src_{uuid.uuid4().hex[:10]}"
    admin = _mysql(mariadb_settings)
    _sql(admin, f"CREATE DATABASE `{name}`")
    conn = _mysql(mariadb_settings, name)
    try:
        yield conn, name
    finally:
        conn.close()
        while _RUNNERS:
            _RUNNERS.pop().close()
        # a connection still open in the database fails the teardown in a minute, naming the lock, instead of a hang
        _sql(admin, "SET SESSION lock_wait_timeout = 60", f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def _config(settings: dict[str, str], database: str, **extra: str) -> dict[str, str]:
    host, port = settings["host"], settings["port"]
    return {"connector.class": JDBC_SOURCE, "tasks.max": "1",
            "connection.url": f"jdbc:mysql://{host}:{port}/{database}", "connection.user": settings["user"],
            "connection.password": settings["password"], "value.converter": JSON,
            "value.converter.schemas.enable": "true", "key.converter": JSON, **extra}


def _deploy(cluster: Cluster, name: str, config: dict[str, str]) -> list[dict[str, str]]:
    """Start the connector as the coordinator would (list tables, split them) and write it to the config topic."""
    connector = JdbcSourceConnector()
    connector.start(config)
    task_configs = connector.task_configs(int(config["tasks.max"]))
    cluster.deploy(name, config, task_configs)
    return task_configs


def _runner(cluster: Cluster, **kw: Any) -> SourceRunner:
    return _tracked(SourceRunner(cluster.worker, config_store=cluster.configs, offset_store=cluster.offsets,
                                 status_store=cluster.statuses, **kw))


def _payloads(bootstrap: str, topic: str, expected: int, keep: Callable[[dict[str, Any]], bool] | None = None,
              timeout_s: float = 30.0) -> list[dict[str, Any]]:
    """Decoded JsonConverter envelopes of every committed record in ``topic`` (read_committed), filtered; done once
    ``expected`` are kept and every partition is read to its last stable offset."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{uuid.uuid4().hex}",
                         "isolation.level": "read_committed", "enable.auto.commit": False,
                         "enable.partition.eof": True})
    out: list[dict[str, Any]] = []
    assigned: set[int] = set()
    at_end: set[int] = set()
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            if not assigned:
                known = consumer.list_topics(topic, timeout=5).topics.get(topic)
                if known is None or known.error is not None or not known.partitions:
                    time.sleep(0.1)  # not created yet
                    continue
                assigned = set(known.partitions)
                consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(assigned)])
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
                    if at_end == assigned and len(out) >= expected:
                        break
                continue
            at_end.discard(message.partition())
            if message.value() is None:
                continue
            envelope = json.loads(message.value())
            if keep is None or keep(envelope["payload"]):
                out.append(envelope)
    finally:
        consumer.close()
    return out


STATUS_DDL = ("CREATE TABLE status (ID INT AUTO_INCREMENT PRIMARY KEY, ORDER_ID INT NOT NULL UNIQUE, "
              "STATUS VARCHAR(64) NOT NULL, LAST_UPDATED TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) "
              "ON UPDATE CURRENT_TIMESTAMP(3))")


def test_seed_scenario_status_table_in_timestamp_mode(
    cluster: Cluster, mariadb_settings: dict[str, str], database: tuple, kafka_bootstrap: str
) -> None:
    conn, db = database
    tag = uuid.uuid4().hex[:8]
    _sql(conn, STATUS_DDL)
    _sql(conn, "INSERT INTO status (ORDER_ID, STATUS) VALUES (%s, %s)",
         params=[(i, f"NEW-{tag}") for i in (101, 102, 103)])
    config = _config(mariadb_settings, db, mode="timestamp", **{
        "table.whitelist": "status", "timestamp.column.name": "LAST_UPDATED", "topic.prefix": "order-status-update-"})
    _deploy(cluster, "jdbc_source_mysql_01", config)
    runner = _runner(cluster)

    first = runner.run("jdbc_source_mysql_01", 0, _budget())
    _sql(conn, f"UPDATE status SET STATUS = 'SHIPPED-{tag}' WHERE ORDER_ID = 102")
    second = runner.run("jdbc_source_mysql_01", 0, _budget())
    third = runner.run("jdbc_source_mysql_01", 0, _budget())

    assert (first.records, second.records, third.records) == (3, 1, 0)
    envelopes = _payloads(kafka_bootstrap, "order-status-update-status", 4, lambda p: p["STATUS"].endswith(tag))
    assert [(e["payload"]["ORDER_ID"], e["payload"]["STATUS"]) for e in envelopes] == [
        (101, f"NEW-{tag}"), (102, f"NEW-{tag}"), (103, f"NEW-{tag}"), (102, f"SHIPPED-{tag}")]
    schema = envelopes[0]["schema"]
    assert (schema["type"], schema["name"], schema["optional"]) == ("struct", "status", False)
    fields = {f["field"]: f for f in schema["fields"]}
    assert fields["LAST_UPDATED"]["name"] == "org.apache.kafka.connect.data.Timestamp"
    assert fields["ID"]["type"] == "int32" and fields["STATUS"]["type"] == "string"
    assert envelopes[3]["payload"]["LAST_UPDATED"] >= envelopes[1]["payload"]["LAST_UPDATED"]
    cluster.offsets.refresh()
    stored = cluster.offsets.offset("jdbc_source_mysql_01", {"protocol": "1", "table": f"{db}.status"})
    assert stored is not None and set(stored) == {"timestamp", "timestamp_nanos"}
    assert stored["timestamp"] == envelopes[3]["payload"]["LAST_UPDATED"]
    cluster.statuses.refresh()
    assert cluster.statuses.task_status("jdbc_source_mysql_01", 0).state.value == "RUNNING"


def _orders_table(conn: pymysql.Connection, table: str, rows: int, start: int = 0) -> None:
    _sql(conn, f"CREATE TABLE IF NOT EXISTS `{table}` (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20) NOT NULL, "
               "updated DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))")
    if rows:
        _sql(conn, f"INSERT INTO `{table}` (v) VALUES (%s)", params=[(f"v{i}",) for i in range(start, start + rows)])


def test_repeated_invocations_continue_without_loss_or_duplicates(
    cluster: Cluster, mariadb_settings: dict[str, str], database: tuple, kafka_bootstrap: str
) -> None:
    conn, db = database
    _orders_table(conn, "orders", 5)
    prefix = f"{cluster.worker.group_id}-"
    config = _config(mariadb_settings, db, mode="timestamp+incrementing", **{
        "table.whitelist": "orders", "timestamp.column.name": "updated", "incrementing.column.name": "id",
        "topic.prefix": prefix, "batch.max.rows": "2"})
    _deploy(cluster, "repeat", config)
    counts = [_runner(cluster, max_records=3).run("repeat", 0, _budget()).records]  # a batch limit per invocation
    warm = _runner(cluster)
    counts.append(warm.run("repeat", 0, _budget()).records)
    _sql(conn, "INSERT INTO orders (v) VALUES ('v5'), ('v6')")
    counts.append(warm.run("repeat", 0, _budget()).records)
    _sql(conn, "INSERT INTO orders (v) VALUES ('v7')")
    counts.append(_runner(cluster).run("repeat", 0, _budget()).records)  # a cold container
    counts.append(_runner(cluster).run("repeat", 0, _budget()).records)

    assert counts == [4, 1, 2, 1, 0]  # max_records stops after the batch that reaches it
    values = [e["payload"]["v"] for e in _payloads(kafka_bootstrap, f"{prefix}orders", 8)]
    assert values == [f"v{i}" for i in range(8)]


def test_overlapping_invocations_fence_the_older_one(
    cluster: Cluster, mariadb_settings: dict[str, str], database: tuple, kafka_bootstrap: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conn, db = database
    _orders_table(conn, "orders", 5)
    prefix = f"{cluster.worker.group_id}-"
    config = _config(mariadb_settings, db, mode="incrementing", **{
        "table.whitelist": "orders", "incrementing.column.name": "id", "topic.prefix": prefix,
        "batch.max.rows": "2"})
    _deploy(cluster, "overlap", config)

    real_poll = JdbcSourceTask.poll
    a_blocked, a_resume = threading.Event(), threading.Event()
    polls_in_a = {"n": 0}

    def poll(self: JdbcSourceTask) -> Any:
        if threading.current_thread().name == "invocation-a":
            polls_in_a["n"] += 1
            if polls_in_a["n"] == 2:  # A has produced its first batch (uncommitted) and is still running
                a_blocked.set()
                a_resume.wait(60)
        return real_poll(self)

    monkeypatch.setattr(JdbcSourceTask, "poll", poll)
    outcome: dict[str, Any] = {}

    def invocation_a() -> None:
        try:
            outcome["result"] = _runner(cluster).run("overlap", 0, _budget(60_000))
        except BaseException as error:  # the test inspects it
            outcome["error"] = error

    thread = threading.Thread(target=invocation_a, name="invocation-a")
    thread.start()
    try:
        assert a_blocked.wait(60), "invocation A never reached its second poll"
        # B: another container, same connector and task, same transactional id: fences A
        b = _tracked(SourceRunner(cluster.worker, offset_store=OffsetStore(cluster.worker.kafka,
                                                                           cluster.worker.storage)))
        b_result = b.run("overlap", 0, _budget())
    finally:
        a_resume.set()
        thread.join(60)

    assert b_result.records == 5
    assert "result" not in outcome, "the fenced invocation must not commit"
    assert "error" in outcome  # fenced: ProducerFenced / invalid producer epoch, or a fatal producer state
    values = [e["payload"]["v"] for e in _payloads(kafka_bootstrap, f"{prefix}orders", 5)]
    assert values == [f"v{i}" for i in range(5)]
    cluster.offsets.refresh()
    assert cluster.offsets.offset("overlap", {"protocol": "1", "table": f"{db}.orders"}) == {"incrementing": 5}


class _DiesBeforeCommit:
    """A producer whose process "dies" at commit: nothing is committed and nothing is aborted."""

    def __init__(self, config: dict[str, Any]) -> None:
        from confluent_kafka import Producer

        self.inner = Producer(config)
        self.produced = 0

    def produce(self, *args: Any, **kwargs: Any) -> None:
        self.produced += 1
        self.inner.produce(*args, **kwargs)

    def commit_transaction(self, *_: Any) -> None:
        self.inner.flush(30)  # the records reached the broker, inside the open transaction
        raise RuntimeError("injected crash after produce, before commit")

    def abort_transaction(self, *_: Any) -> None:
        raise RuntimeError("the process is gone; nothing aborts the transaction")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_crash_between_produce_and_commit_leaves_nothing_visible(
    cluster: Cluster, mariadb_settings: dict[str, str], database: tuple, kafka_bootstrap: str
) -> None:
    conn, db = database
    _orders_table(conn, "orders", 4)
    prefix = f"{cluster.worker.group_id}-"
    config = _config(mariadb_settings, db, mode="incrementing", **{
        "table.whitelist": "orders", "incrementing.column.name": "id", "topic.prefix": prefix})
    _deploy(cluster, "crash", config)
    producers: list[_DiesBeforeCommit] = []

    def dying(config: dict[str, Any]) -> _DiesBeforeCommit:
        producers.append(_DiesBeforeCommit(config))
        return producers[-1]

    with pytest.raises(RuntimeError, match="injected crash"):
        _runner(cluster, producer_factory=dying).run("crash", 0, _budget())
    assert producers[0].produced == 5  # four records and one offset record were sent

    # Nothing is visible to read_committed readers. (A reader of connect-offsets would wait for the dangling
    # transaction, as Kafka's KafkaBasedLog does, until the task's next invocation fences it.)
    assert _payloads(kafka_bootstrap, f"{prefix}orders", 0, timeout_s=3) == []
    cluster.statuses.refresh()
    failed = cluster.statuses.task_status("crash", 0)
    assert failed.state.value == "FAILED" and "injected crash" in failed.trace

    # the next invocation (a new container) aborts the dangling transaction and emits every row once
    _sql(conn, "INSERT INTO orders (v) VALUES ('v4')")
    assert _runner(cluster).run("crash", 0, _budget()).records == 5
    values = [e["payload"]["v"] for e in _payloads(kafka_bootstrap, f"{prefix}orders", 5)]
    assert values == [f"v{i}" for i in range(5)]


def test_three_tables_over_three_tasks_each_row_once(
    cluster: Cluster, mariadb_settings: dict[str, str], database: tuple, kafka_bootstrap: str
) -> None:
    conn, db = database
    tables = ["alpha", "beta", "gamma"]
    for i, table in enumerate(tables):
        _orders_table(conn, table, 3 + i)
    prefix = f"{cluster.worker.group_id}-"
    config = _config(mariadb_settings, db, mode="incrementing", **{
        "table.whitelist": ",".join(tables), "topic.prefix": prefix, "tasks.max": "3"})
    task_configs = _deploy(cluster, "three", config)
    assert [c["tables"] for c in task_configs] == [f"`{db}`.`{t}`" for t in tables]

    runner = _runner(cluster)
    first = [runner.run("three", task, _budget()).records for task in range(3)]
    for table in tables:
        _sql(conn, f"INSERT INTO `{table}` (v) VALUES ('late')")
    second = [_runner(cluster).run("three", task, _budget()).records for task in range(3)]

    assert (first, second) == ([3, 4, 5], [1, 1, 1])
    for i, table in enumerate(tables):
        values = [e["payload"]["v"] for e in _payloads(kafka_bootstrap, f"{prefix}{table}", 4 + i)]
        assert values == [f"v{j}" for j in range(3 + i)] + ["late"]


@pytest.mark.parametrize(("extra", "setting"), [
    ({"mode": "sometimes"}, "mode"),
    ({"mode": "timestamp"}, "timestamp.column.name"),
    ({"mode": "incrementing", "query": "SELECT * FROM orders"}, "incrementing.column.name"),
])
def test_bad_configs_fail_validation_naming_the_setting(
    mariadb_settings: dict[str, str], database: tuple, extra: dict[str, str], setting: str
) -> None:
    _, db = database
    config = {**_config(mariadb_settings, db, **{"table.whitelist": "orders", "topic.prefix": "x-"}), **extra}
    if "query" in extra:
        config.pop("table.whitelist")
    errors = {v["name"]: v["errors"] for v in JdbcSourceConnector().validate(config) if v["errors"]}
    assert list(errors) == [setting]
    assert f"configuration {setting}" in errors[setting][0]
    with pytest.raises(ConfigError, match=f"configuration {setting.replace('+', '[+]')}"):
        JdbcSourceConnector().start(config)


def test_unreachable_database_fails_start_naming_connection_url(mariadb_settings: dict[str, str]) -> None:
    config = _config(mariadb_settings, "nowhere", mode="bulk", **{
        "table.whitelist": "orders", "connection.url": "jdbc:mysql://127.0.0.1:1/nowhere",
        "connection.attempts": "2", "connection.backoff.ms": "10"})
    with pytest.raises(ConnectError, match=r"connection\.url.*after 2 attempt"):
        JdbcSourceConnector().start(config)


@pytest.mark.parametrize(("extra", "setting"), [
    ({"mode": "timestamp", "timestamp.column.name": "no_such_column"}, "timestamp.column.name"),
    ({"mode": "incrementing", "incrementing.column.name": "no_such_column"}, "incrementing.column.name"),
    ({"mode": "bulk", "connection.url": "jdbc:mysql://127.0.0.1:1/nowhere", "connection.attempts": "1"},
     "connection.url"),
    ({"mode": "sometimes"}, "mode"),
])
def test_bad_task_configs_fail_the_task_with_a_trace_naming_the_setting(
    cluster: Cluster, mariadb_settings: dict[str, str], database: tuple, extra: dict[str, str], setting: str
) -> None:
    conn, db = database
    _orders_table(conn, "orders", 1)
    config = {**_config(mariadb_settings, db, **{"table.whitelist": "orders", "topic.prefix": "x-"}), **extra}
    # written straight to the config topic (as a hand-edited or older deployment could), past validation
    cluster.deploy("bad", config, [{**config, "tables": f"`{db}`.`orders`", "tables.fetched": "true"}])
    with pytest.raises((ConfigError, ConnectError)):
        _runner(cluster).run("bad", 0, _budget())
    cluster.statuses.refresh()
    status = cluster.statuses.task_status("bad", 0)
    assert status.state.value == "FAILED"
    assert setting in status.trace


def test_a_container_fenced_in_the_middle_of_its_transaction_keeps_nothing_of_the_fenced_task(
    cluster: Cluster, mariadb_settings: dict[str, str], database: tuple, kafka_bootstrap: str
) -> None:
    """Its commit and its abort fail (fenced): the task restarts and the fenced one, with its producer, is gone."""
    from connect_core.runtime import fault_points
    from connect_core.runtime.source_runner import _RunningTask

    conn, db = database
    _orders_table(conn, "orders", 3)
    prefix, name = f"{cluster.worker.group_id}-", f"midway-{uuid.uuid4().hex[:6]}"
    deployed = _deploy(cluster, name, _config(mariadb_settings, db, mode="incrementing", **{
        "table.whitelist": "orders", "incrementing.column.name": "id", "topic.prefix": prefix}))
    first, second = _runner(cluster), _runner(cluster)
    assert first.run(name, 0, _budget()).records == 3  # container 1, now warm
    _orders_table(conn, "orders", 2, start=3)
    fenced: list[int] = []

    def newer_container_starts(step: str) -> None:  # container 2 starts while container 1's transaction is open
        if step == "source.before_commit" and not fenced:
            fenced.append(0)
            fenced[0] = second.run(name, 0, _budget()).records

    fault_points.set_hook(newer_container_starts)
    try:
        first.run(name, 0, _budget())
    finally:
        fault_points.set_hook(None)
    assert fenced == [2]
    values = [e["payload"]["v"] for e in _payloads(kafka_bootstrap, f"{prefix}orders", 5)]
    assert values == [f"v{i}" for i in range(5)]  # container 1's aborted records never committed
    cluster.statuses.refresh()
    assert cluster.statuses.task_status(name, 0).state.value == "RUNNING"
    release_tracebacks()  # pytest's captured records: their frames hold the tasks too
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, _RunningTask) and o.config == deployed[0]]
    assert len(alive) == 2  # the task each container keeps started, no third (other tests' may live on)


def test_a_warm_container_fenced_while_idle_restarts_its_task_instead_of_failing(
    cluster: Cluster, mariadb_settings: dict[str, str], database: tuple, kafka_bootstrap: str
) -> None:
    """The scheduler may pick either of two warm containers: the one a newer container fenced must not fail."""
    conn, db = database
    _orders_table(conn, "orders", 3)
    prefix = f"{cluster.worker.group_id}-"
    config = _config(mariadb_settings, db, mode="incrementing", **{
        "table.whitelist": "orders", "incrementing.column.name": "id", "topic.prefix": prefix})
    _deploy(cluster, "idle", config)
    first, second = _runner(cluster), _runner(cluster)
    assert first.run("idle", 0, _budget()).records == 3  # container 1 (now warm, its task at id 3)
    _orders_table(conn, "orders", 2, start=3)
    assert second.run("idle", 0, _budget()).records == 2  # container 2 starts: fences container 1
    _orders_table(conn, "orders", 1, start=5)

    assert first.run("idle", 0, _budget()).records == 1  # container 1 again: restarted from offsets, not FAILED

    values = [e["payload"]["v"] for e in _payloads(kafka_bootstrap, f"{prefix}orders", 6)]
    assert values == [f"v{i}" for i in range(6)]
    cluster.statuses.refresh()
    assert cluster.statuses.task_status("idle", 0).state.value == "RUNNING"
