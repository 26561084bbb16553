"""Change data capture under ``kill -9`` and under short ticks: every change event exactly once.

1. The binlog source (Debezium's MariaDbConnector) is killed at each step of an invocation, twice while it
   snapshots and twice while it streams multi-row transactions (so chunks end inside a transaction and the restart
   skips Debezium's ``event``/``row`` counts), then runs to the end. Every ``r``, ``c``, ``u``, ``d`` and tombstone
   arrives exactly once.
2. A big table's initial snapshot under the scheduler's short ticks (a new invocation every tick, in a new container
   when the last one is still busy): every row once, no invocation overrunning its tick (so none fenced by the next:
   no fatal producer error), within the source function's memory. Big size (``make faults``): 1,000,000 rows; small
   (``make test``): 20,000.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.runtime import env
from tests.faults.conftest import BIG, function_env, mysql, run_function

if TYPE_CHECKING:
    from tests.faults.conftest import Tally
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

KILLED = -9
REPEATS = 2
SNAPSHOT_ROWS = 2_000 if BIG else 400
UPDATED, DELETED, INSERTED = SNAPSHOT_ROWS // 4, SNAPSHOT_ROWS // 8, SNAPSHOT_ROWS // 4
CHUNK = 40  # records per transaction: several per invocation, boundaries inside the binlog's transactions
BIG_ROWS = 1_000_000 if BIG else 20_000
TICK_MS = 10_000 if BIG else 2_000
MAX_TICKS = 400 if BIG else 60
RSS_BOUND_MB = 512  # the source function's MemorySize in template.yaml


def _deploy(cluster: Cluster, settings: dict[str, str], database: str, **extra: str) -> tuple[str, str]:
    prefix = f"faults-cdc-{uuid.uuid4().hex[:8]}"
    name = f"cdc-{uuid.uuid4().hex[:8]}"
    config = {
        "connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
        "database.hostname": settings["host"], "database.port": settings["port"],
        "database.user": settings["user"], "database.password": settings["password"], "topic.prefix": prefix,
        "database.include.list": database, "include.schema.changes": "false", "poll.interval.ms": "100",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        **extra,
    }
    from connect_core.connectors.binlog.source_connector import MariaDbConnector

    connector = MariaDbConnector()
    connector.start(config)
    cluster.deploy(name, config, connector.task_configs(1))
    return name, f"{prefix}.{database}.t"


def _events(bootstrap: str, topic: str, expected: int, timeout_s: float = 120.0) -> list[tuple[str, int]]:
    """(op or "tombstone", id) of every committed record of ``topic`` (read_committed), waiting for ``expected``."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"faults-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[tuple[str, int]] = []
    idle = 0
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            messages = consumer.consume(10_000, 1.0)
            if not messages:
                idle = idle + 1 if len(out) >= expected else 0
                if idle >= 3:
                    break
                continue
            for message in messages:
                if message.error() is not None:
                    continue
                key = json.loads(message.key())["id"]
                value: Any = message.value()
                out.append(("tombstone", key) if value is None else (json.loads(value)["op"], key))
    finally:
        consumer.close()
    return out


def _invoke_until_caught_up(name: str, environment: dict[str, str], tally: Tally) -> None:
    for _ in range(40):
        code, summary, stderr = run_function("tests.faults._source_driver", ["invoke", name], environment)
        assert code == 0 and summary is not None, stderr
        tally.runs += 1
        if summary["polls"] and summary["records"] == summary["retried_polls"] == 0:  # caught up
            return
    pytest.fail("the connector never caught up")


def _kill(name: str, environment: dict[str, str], step: str, tally: Tally) -> None:
    for repeat in range(REPEATS):
        code, _summary, stderr = run_function("tests.faults._source_driver", ["invoke", name],
                                              {**environment, env.FAULT: f"{step}:{1 + repeat}"})
        assert code == KILLED, f"{step}:{1 + repeat} did not kill the function: {stderr}"
        tally.runs += 1


@pytest.mark.parametrize("step", ["source.after_poll", "source.after_produce", "source.before_commit",
                                  "source.after_commit"])
def test_kill_9_of_a_cdc_invocation(
    step: str, *, cluster: Cluster, mariadb_settings: dict[str, str], database: str, kafka_bootstrap: str,
    tally: Tally,
) -> None:
    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, payload VARCHAR(64) NOT NULL)")
        cursor.execute(f"INSERT INTO t SELECT seq, CONCAT('row-', seq) FROM seq_1_to_{SNAPSHOT_ROWS}")
    name, topic = _deploy(cluster, mariadb_settings, database, **{"snapshot.fetch.size": "25",
                                                                  "max.batch.size": "30"})
    environment = function_env(cluster, FAULTS_CHUNK_RECORDS=str(CHUNK))
    _kill(name, environment, step, tally)  # killed while it snapshots
    _invoke_until_caught_up(name, environment, tally)
    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:  # one transaction each
        cursor.execute(f"UPDATE t SET payload = CONCAT(payload, '!') WHERE id <= {UPDATED}")
        cursor.execute(f"DELETE FROM t WHERE id > {UPDATED} AND id <= {UPDATED + DELETED}")
        cursor.execute(f"INSERT INTO t SELECT seq, 'new' FROM seq_{SNAPSHOT_ROWS + 1}_to_{SNAPSHOT_ROWS + INSERTED}")
    _kill(name, environment, step, tally)  # killed while it streams
    _invoke_until_caught_up(name, environment, tally)

    expected = ([("r", i) for i in range(1, SNAPSHOT_ROWS + 1)] + [("u", i) for i in range(1, UPDATED + 1)]
                + [(op, i) for i in range(UPDATED + 1, UPDATED + DELETED + 1) for op in ("d", "tombstone")]
                + [("c", i) for i in range(SNAPSHOT_ROWS + 1, SNAPSHOT_ROWS + INSERTED + 1)])
    tally.count(expected, _events(kafka_bootstrap, topic, len(expected)))
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()


@pytest.mark.alone  # each invocation must end inside its tick: another test's load would stretch it
def test_cdc_big_snapshot_arrives_exactly_once_under_short_ticks(
    cluster: Cluster, mariadb_settings: dict[str, str], database: str, kafka_bootstrap: str, tally: Tally,
) -> None:
    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, payload VARCHAR(100) NOT NULL)")
        cursor.execute(f"INSERT INTO t SELECT seq, CONCAT('row-', seq, '-', REPEAT('x', 40)) FROM seq_1_to_{BIG_ROWS}")
    name, topic = _deploy(cluster, mariadb_settings, database, **{"lambda.schedule.interval.ms": str(TICK_MS)})
    code, summary, stderr = run_function("tests.faults._source_driver", ["schedule", name, str(TICK_MS),
                                                                         str(MAX_TICKS)], function_env(cluster))
    assert code == 0 and summary is not None, stderr
    tally.runs = summary["invocations"]
    tally.notes = {"fenced_or_failed": summary["failed"], "containers": summary["containers"],
                   "peak_rss_mb": summary["peak_rss_mb"], "last_error": (summary["errors"] or ["-"])[-1][:160]}
    tally.count([("r", i) for i in range(1, BIG_ROWS + 1)], _events(kafka_bootstrap, topic, BIG_ROWS))
    assert summary["done"], f"the snapshot did not finish in {MAX_TICKS} ticks: {summary}"
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
    assert summary["failed"] == 0, summary  # each invocation ended inside its tick: none fenced by the next
    assert summary["peak_rss_mb"] < RSS_BOUND_MB, summary
