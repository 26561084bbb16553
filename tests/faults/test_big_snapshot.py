"""A big table's snapshot finishes under short schedule ticks, exactly once, in bounded memory.

EventBridge Scheduler fires every tick whether or not the last invocation ended; a new container's
``init_transactions`` fences a running one and aborts its open transaction. A snapshot that needs more than a tick
in one transaction therefore never commits. The runner commits in bounded chunks and stops polling before the next
tick: every row arrives once and the function's peak RSS stays bounded. Big size (``make faults``): 2,000,000 rows
with ten-second ticks (a minute, shortened); small size (``make test``): 100,000 rows with two-second ticks (more
than one tick of work).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from tests.faults.conftest import BIG, function_env, mysql, run_function, topic_ids

if TYPE_CHECKING:
    from tests.faults.conftest import Tally
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

ROWS = 2_000_000 if BIG else 100_000
TICK_MS = 10_000 if BIG else 2_000
MAX_TICKS = 400 if BIG else 60
RSS_BOUND_MB = 600  # the function holds a chunk, not the table (2,000,000 rows held would take gigabytes)


def test_big_snapshot_arrives_exactly_once_under_short_ticks(
    cluster: Cluster, mariadb_settings: dict[str, str], database: str, kafka_bootstrap: str, tally: Tally,
) -> None:
    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE big (id BIGINT PRIMARY KEY, payload VARCHAR(100) NOT NULL)")
        cursor.execute(f"INSERT INTO big SELECT seq, CONCAT('row-', seq, '-', REPEAT('x', 40)) FROM seq_1_to_{ROWS}")
    prefix = f"faults-big-{uuid.uuid4().hex[:8]}-"
    name = f"big-snapshot-{uuid.uuid4().hex[:8]}"
    host, port = mariadb_settings["host"], mariadb_settings["port"]
    config = {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "tasks.max": "1",
        "connection.url": f"jdbc:mysql://{host}:{port}/{database}", "connection.user": mariadb_settings["user"],
        "connection.password": mariadb_settings["password"], "table.whitelist": "big", "mode": "incrementing",
        "incrementing.column.name": "id", "topic.prefix": prefix, "batch.max.rows": "1000",
        "poll.interval.ms": "200", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false", "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "lambda.schedule.interval.ms": str(TICK_MS),
    }
    from connect_core.connectors.jdbc.source_connector import JdbcSourceConnector

    connector = JdbcSourceConnector()
    connector.start(config)
    cluster.deploy(name, config, connector.task_configs(1))

    code, summary, stderr = run_function("tests.faults._source_driver", ["schedule", name, str(TICK_MS),
                                                                         str(MAX_TICKS)], function_env(cluster))
    assert code == 0 and summary is not None, stderr
    tally.runs = summary["invocations"]
    tally.notes = {"fenced_or_failed": summary["failed"], "containers": summary["containers"],
                   "peak_rss_mb": summary["peak_rss_mb"]}
    tally.count(range(1, ROWS + 1), topic_ids(kafka_bootstrap, f"{prefix}big", ROWS))

    assert summary["done"], f"the snapshot did not finish in {MAX_TICKS} ticks: {summary}"
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
    assert summary["peak_rss_mb"] < RSS_BOUND_MB, summary
