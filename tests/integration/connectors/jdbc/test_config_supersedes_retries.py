"""A corrective config acts while the JDBC sink is still retrying the old one.

The sink's own ``max.retries`` (10, ``retry.backoff.ms`` 3 s by default) would keep an invocation on the old config
for ~30 s. Between attempts the invocation reads the config (``api/retry_pause.py``, made frequent here), ends as
soon as a newer task config is there, counts no failure, and the next invocation of the same warm container writes
the batch with the new config. Both places a JDBC sink writes: ``put`` (a full ``batch.size``) and ``pre_commit``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import psycopg2
import pytest

from connect_core.api import retry_pause
from connect_core.local.kafka_trigger import build_event
from connect_core.runtime.sink_runner import RetriableRedeliveryError
from connect_core.runtime.task_invocation import SinkInvocation
from connect_core.storage.run_store import RunStore
from connect_core.storage.status_state import State
from tests.integration.functions._sink_harness import Out
from tests.integration.runtime.conftest import cluster, topics  # noqa: F401 - the runtime tests' fixtures

if TYPE_CHECKING:
    from tests.integration.functions._sink_harness import KafkaTopics
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

ROW = b'{"schema":{"type":"struct","fields":[{"field":"id","type":"int32"}],"optional":false},"payload":{"id":7}}'
CLOSED_PORT_URL = "jdbc:postgresql://127.0.0.1:1/connect"  # connection refused: a transient error, retried


class _Retries(logging.Handler):
    """Counts the JDBC sink's retry warnings; ``first`` is set at the first one."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.first = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "retry" in record.getMessage() and "failed" in record.getMessage():
            self.count += 1
            self.first.set()


@pytest.mark.parametrize("batch_size", ["1", "3000"])  # written in put / in pre_commit (flush)
def test_a_corrective_config_ends_the_retries_of_the_old_one(
        *, batch_size: str, cluster: Cluster, topics: KafkaTopics,  # noqa: F811
        postgres_settings: dict[str, str], kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_pause, "CHECK_EVERY_S", 0.2)
    name = f"fixpw-{uuid.uuid4().hex[:8]}"
    table = f"fix_{uuid.uuid4().hex[:8]}"
    topic = topics.create(f"{name}.t")
    topics.produce(topic, [Out(None, ROW)])
    config = {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": topic, "tasks.max": "1",
              "connection.url": CLOSED_PORT_URL, "connection.user": postgres_settings["user"],
              "connection.password": postgres_settings["password"], "auto.create": "true",
              "table.name.format": table, "batch.size": batch_size,
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter"}
    cluster.deploy(name, config, [config])
    event = build_event(topics.consume(topic, 1), kafka_bootstrap, "SelfManagedKafka")
    invocation = SinkInvocation(cluster.worker, name)
    retries = _Retries()
    logging.getLogger("connect_core.connectors.jdbc.sink_task").addHandler(retries)
    outcome: list[BaseException | dict[str, Any]] = []

    def invoke() -> None:
        try:
            outcome.append(invocation.handle(event, 128))
        except BaseException as error:
            outcome.append(error)

    try:
        worker = threading.Thread(target=invoke)
        worker.start()
        assert retries.first.wait(60), "the sink never retried"
        trace = _retrying_trace(cluster, name)  # while it retries, it says so (never RUNNING before a success)
        assert "write failed with OperationalError" in trace and "(attempt 1 of the invocation" in trace
        fixed = {**config, "connection.url": postgres_settings["connection.url"]}
        cluster.deploy(name, fixed, [fixed])  # the corrective PUT: a new task config
        worker.join(60)
        assert not worker.is_alive()
        [ended] = outcome
        assert isinstance(ended, RetriableRedeliveryError), ended
        assert isinstance(ended.__cause__, retry_pause.SupersededError)
        assert retries.count < 10  # ended before the old config's retries ran out

        assert invocation.handle(event, 128) == {}  # the next invocation runs the new config
        assert _taken_rows(postgres_settings, table) == [(7,)]
        cluster.statuses.refresh()
        assert cluster.statuses.task_status(name, 0).state is State.RUNNING
        assert _streaks(cluster, name) == []  # the superseded invocation counted as no failure
    finally:
        logging.getLogger("connect_core.connectors.jdbc.sink_task").removeHandler(retries)
        invocation.close()


def _taken_rows(settings: dict[str, str], table: str) -> list[tuple[Any, ...]]:
    """The table's rows; the table is dropped."""
    conn = psycopg2.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                            password=settings["password"], dbname=settings["database"])
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'SELECT id FROM "{table}"')
            rows = [tuple(row) for row in cursor.fetchall()]
            cursor.execute(f'DROP TABLE "{table}"')
        conn.commit()
        return rows
    finally:
        conn.close()


def _streaks(stores: Cluster, name: str) -> list[Any]:
    runs = RunStore(stores.worker.kafka, stores.worker.storage)
    try:
        runs.refresh()
        return runs.state.task_streaks(name)
    finally:
        runs.close()


def _retrying_trace(stores: Cluster, name: str) -> str:
    """The trace of the task's status once the retrying attempt is written (UNASSIGNED: no success yet)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stores.statuses.refresh()
        status = stores.statuses.task_status(name, 0)
        if status is not None and status.trace:
            assert status.state is State.UNASSIGNED
            return status.trace
        time.sleep(0.05)
    raise AssertionError("no status written while the sink retried")
