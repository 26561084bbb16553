"""``kill -9`` of the function process at each step of a source and of a sink invocation.

Each case kills a fresh function process (``LAMBDA_CONNECT_FAULT``, ``connect_core.runtime.fault_points``) at its
step several times, at different arrivals, then lets invocations run to the end, and counts what arrived: every
row exactly once. Sources: the JDBC source (MariaDB) into Kafka, several transactions per invocation. Sinks: Kafka
into the JDBC sink (MariaDB) in upsert mode, the event source mapping emulated (a killed invocation is retried from
the committed offset); insert mode shows the documented at-least-once (a batch written and then retried is
written again), so only its losses must be zero.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.schema import INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.local.kafka_trigger import build_event
from connect_core.runtime import env
from tests.faults.conftest import BIG, function_env, mysql, run_function, topic_ids
from tests.integration.functions._sink_harness import KafkaTopics, Out, converter_config, json_bytes

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.faults.conftest import Tally
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

KILLED = -9
REPEATS = 5 if BIG else 2
SOURCE_ROWS = 5_000 if BIG else 600
SOURCE_CHUNK = SOURCE_ROWS // (4 * REPEATS)  # enough transactions for every kill to land mid-snapshot
SINK_ROWS = 2_000 if BIG else 300
SINK_BATCH = 100
ROW = SchemaBuilder.struct().name("row").field("id", INT64_SCHEMA).field("payload", STRING_SCHEMA).build()


# -- sources ----------------------------------------------------------------------------------------------------------
def _source(cluster: Cluster, settings: dict[str, str], database: str) -> tuple[str, str]:
    with mysql(settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, payload VARCHAR(64) NOT NULL)")
        cursor.execute(f"INSERT INTO t SELECT seq, CONCAT('row-', seq) FROM seq_1_to_{SOURCE_ROWS}")
    prefix = f"faults-kill-{uuid.uuid4().hex[:8]}-"
    name = f"kill-source-{uuid.uuid4().hex[:8]}"
    config = {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "tasks.max": "1",
        "connection.url": f"jdbc:mysql://{settings['host']}:{settings['port']}/{database}",
        "connection.user": settings["user"], "connection.password": settings["password"], "table.whitelist": "t",
        "mode": "incrementing", "incrementing.column.name": "id", "topic.prefix": prefix, "batch.max.rows": "50",
        "poll.interval.ms": "100", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false", "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    }
    from connect_core.connectors.jdbc.source_connector import JdbcSourceConnector

    connector = JdbcSourceConnector()
    connector.start(config)
    cluster.deploy(name, config, connector.task_configs(1))
    return name, f"{prefix}t"


@pytest.mark.parametrize("step", ["source.after_poll", "source.after_produce", "source.before_commit",
                                  "source.after_commit"])
def test_kill_9_of_a_source_invocation(
    step: str, *, cluster: Cluster, mariadb_settings: dict[str, str], database: str, kafka_bootstrap: str,
    tally: Tally,
) -> None:
    name, topic = _source(cluster, mariadb_settings, database)
    environment = function_env(cluster, FAULTS_CHUNK_RECORDS=str(SOURCE_CHUNK))
    for repeat in range(REPEATS):
        arrival = 1 + repeat % 3  # the 1st, 2nd, 3rd... time the step is reached
        code, _summary, stderr = run_function("tests.faults._source_driver", ["invoke", name],
                                              {**environment, env.FAULT: f"{step}:{arrival}"})
        assert code == KILLED, f"{step}:{arrival} did not kill the function: {stderr}"
        tally.runs += 1
    for _ in range(10):  # then the schedule goes on without faults until the table is drained
        code, summary, stderr = run_function("tests.faults._source_driver", ["invoke", name], environment)
        assert code == 0 and summary is not None, stderr
        tally.runs += 1
        if summary["polls"] and summary["records"] == summary["retried_polls"] == 0:  # caught up
            break
    tally.count(range(1, SOURCE_ROWS + 1), topic_ids(kafka_bootstrap, topic, SOURCE_ROWS))
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()


# -- sinks ------------------------------------------------------------------------------------------------------------
@pytest.fixture
def kafka(kafka_bootstrap: str) -> Iterator[KafkaTopics]:
    topics = KafkaTopics(kafka_bootstrap)
    yield topics
    topics.delete_all()


def _mapping(messages: list[Any], *, bootstrap: str, environment: dict[str, str], step: str, tmp_path: Path,
             tally: Tally) -> None:
    """The event source mapping: batches from the committed offset, a killed invocation retried from there."""
    committed = 0
    kills = 0
    while committed < len(messages):
        batch = messages[committed:committed + SINK_BATCH]
        event_file = tmp_path / "event.json"
        event_file.write_text(json.dumps(build_event(batch, bootstrap)), encoding="utf-8")
        fault = {env.FAULT: step} if kills < REPEATS else {}
        code, response, stderr = run_function("tests.faults._sink_driver", [str(event_file)],
                                              {**environment, **fault})
        tally.runs += 1
        if fault:
            assert code == KILLED, f"{step} did not kill the function: {stderr}"
            kills += 1
            continue  # nothing committed: the same batch comes again
        assert code == 0 and response == {}, stderr
        committed += len(batch)


@pytest.mark.parametrize("mode", ["upsert", "insert"])
@pytest.mark.parametrize("step", ["sink.during_put", "sink.after_put"])
def test_kill_9_of_a_sink_invocation(
    step: str, mode: str, *, cluster: Cluster, mariadb_settings: dict[str, str], database: str, kafka: KafkaTopics,
    kafka_bootstrap: str, tally: Tally, tmp_path: Path,
) -> None:
    topic = kafka.create(f"faults-sink-{uuid.uuid4().hex[:8]}")
    kafka.produce(topic, [Out(str(i).encode(), json_bytes(ROW, {"id": i, "payload": f"row-{i}"}, schemas=True))
                          for i in range(1, SINK_ROWS + 1)])
    name = f"kill-sink-{uuid.uuid4().hex[:8]}"
    config = {
        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": topic,
        "connection.url": f"jdbc:mysql://{mariadb_settings['host']}:{mariadb_settings['port']}/{database}",
        "connection.user": mariadb_settings["user"], "connection.password": mariadb_settings["password"],
        "table.name.format": "t", "auto.create": "true", "insert.mode": mode, "batch.size": "30",
        **({"pk.mode": "record_value", "pk.fields": "id"} if mode == "upsert" else {"pk.mode": "none"}),
        **converter_config(schemas=True),
    }
    from connect_core.coordinator.herder.task_configs import generate_task_configs

    full = {"name": name, "tasks.max": "1", **config}
    cluster.deploy(name, full, generate_task_configs(name, full))
    environment = function_env(cluster, **{env.CONNECTOR_NAME: name})

    _mapping(kafka.consume(topic, SINK_ROWS), bootstrap=kafka_bootstrap, environment=environment, step=step,
             tmp_path=tmp_path, tally=tally)

    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT id FROM t")
        written = [row[0] for row in cursor.fetchall()]
    tally.count(range(1, SINK_ROWS + 1), written)
    tally.notes = {"guarantee": "exactly-once" if mode == "upsert" else "at-least-once (insert mode, README)"}
    assert tally.lost == 0, tally.line()
    if mode == "upsert":
        assert tally.duplicated == 0, tally.line()
