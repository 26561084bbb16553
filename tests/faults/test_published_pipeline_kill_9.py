"""debezium-examples' ``cqrs`` and ``unwrap-smt`` pipelines as published, under ``kill -9``, against Debezium's JDBC
sink on the JVM.

The PostgreSQL source (``cqrs/postgres-source.json``: ``ByLogicalTableRouter``) is killed twice while it snapshots
and twice while it streams, at one step of its invocation; then our Debezium JDBC sink (``cqrs/mysql-sink.json``:
upsert, deletes, ``schema.evolution=basic``) is killed twice in the middle of its batches (the event source mapping
emulated: a killed invocation's batch comes again). Every change event must be on the topics exactly once, and the
sink's tables must equal the source's and what Debezium's own JdbcSinkConnector (3.2.0.Final, on a 4.3.1 worker,
reading the same topics ``read_committed``) writes from them: rows and column types. ``unwrap-smt``
(``source.json``: the MySQL connector on the shared MariaDB, a ``RegexRouter`` naming the topic by the table;
``jdbc-sink.json`` into PostgreSQL) goes through the same kills.

What the test changes in the published configs: addresses, credentials, names, ``topic.prefix`` and the routed topic
names (the broker is shared), ``slot.name`` (slots are server-wide), ``snapshot.fetch.size`` and ``max.batch.size``
(small polls, so that every kill lands inside the snapshot); the JVM sink's URL gets ``nullCatalogMeansCurrent=true``,
or Connector/J looks the tables up in every database of the shared server, and finds ours.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import TYPE_CHECKING, Any

import psycopg2
import pytest

from connect_core.kafka.lambda_event import build_event
from connect_core.runtime import env
from tests.compat.debezium_jdbc.conftest import debezium_jdbc_worker  # noqa: F401 - re-exported fixture
from tests.e2e.test_published_cdc_pipelines import POLLS_QUERIES, POLLS_TABLES, mariadb_database, pg_database
from tests.faults.conftest import BIG, function_env, run_function
from tests.faults.test_cdc import CHUNK, KILLED, REPEATS, _invoke_until_caught_up, _kill
from tests.fixtures.published import published
from tests.integration.functions._sink_harness import KafkaTopics

if TYPE_CHECKING:
    from pathlib import Path

    from tests.compat.connect_worker.conftest import ConnectWorker
    from tests.faults.conftest import Tally
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

VOTES = 2_000 if BIG else 400  # the snapshot's votes: several source transactions and sink batches
SINK_BATCH = 40
JVM_WAIT_S = 300.0  # the JVM sink's first poll after its start, on a loaded machine


def _changes(bootstrap: str, topic: str, expected: int) -> list[tuple[str, int]]:
    """(op or "tombstone", id) of every committed record of ``topic`` (JsonConverter with schemas), in order,
    waiting for ``expected``: bounded by progress (ten empty seconds in a row once fewer have come)."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"faults-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[tuple[str, int]] = []
    idle = 0
    try:
        while idle < (3 if len(out) >= expected else 10):
            messages = consumer.consume(10_000, 1.0)
            idle = 0 if messages else idle + 1
            for message in messages:
                if message.error() is not None:
                    continue
                row_id = json.loads(message.key())["payload"]["id"]
                value = message.value()
                out.append(("tombstone", row_id) if value is None else (json.loads(value)["payload"]["op"], row_id))
    finally:
        consumer.close()
    return out


def _sink_mapping(topics: list[str], messages: dict[str, list[Any]], *, bootstrap: str, environment: dict[str, str],
                  step: str, tmp_path: Path, tally: Tally) -> None:
    """The event source mapping over each topic: batches from the committed offset, the first ``REPEATS`` killed at
    ``step`` and sent again."""
    kills = 0
    for topic in topics:
        committed = 0
        while committed < len(messages[topic]):
            batch = messages[topic][committed:committed + SINK_BATCH]
            event_file = tmp_path / "event.json"
            event_file.write_text(json.dumps(build_event(batch, bootstrap)), encoding="utf-8")
            fault = {env.FAULT: step} if kills < REPEATS else {}
            code, response, stderr = run_function("tests.faults._sink_driver", [str(event_file)],
                                                  {**environment, **fault})
            tally.runs += 1
            if fault:
                assert code == KILLED, f"{step} did not kill the function: {stderr}"
                kills += 1
                continue
            assert code == 0 and response == {}, stderr
            committed += len(batch)
    assert kills == REPEATS, "the batches were too few to kill the sink"


def _same_as_the_jvm(worker: ConnectWorker, name: str, config: dict[str, str], read: Any, wanted: Any) -> None:
    """Debezium's sink on the JVM, ``config`` on the same topics: wait until ``read()`` gives ``wanted`` (a failed
    task fails the test with its trace at the end of the wait)."""
    status, body = worker.rest("PUT", f"/connectors/{name}/config", {
        **config, "consumer.override.isolation.level": "read_committed"})  # a worker's sink reads uncommitted
    assert status == 201, body
    try:
        deadline = time.monotonic() + JVM_WAIT_S
        while time.monotonic() < deadline and read() != wanted:
            time.sleep(1)
        if read() != wanted:
            _status, state = worker.rest("GET", f"/connectors/{name}/status")
            pytest.fail(f"Debezium's sink wrote {read()}, not {wanted}: {state}")
    finally:
        worker.rest("DELETE", f"/connectors/{name}")


def _tables(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {}
    with conn.cursor() as cursor:
        for table, statement in POLLS_QUERIES.items():
            try:
                cursor.execute(statement)
            except Exception:  # not created yet
                return {}
            found[table] = [tuple(row) for row in cursor.fetchall()]
    return found


def _columns(conn: Any, database: str) -> list[tuple[Any, ...]]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT table_name, column_name, column_type, is_nullable, column_key FROM "
                       f"information_schema.columns WHERE table_schema = '{database}' ORDER BY table_name, "
                       "ordinal_position")
        return [tuple(row) for row in cursor.fetchall()]


@pytest.mark.timeout(1_800)  # a hang guard
@pytest.mark.parametrize(("source_step", "sink_step"), [
    ("source.after_produce", "sink.during_put"),
    pytest.param("source.after_commit", "sink.after_put",
                 marks=pytest.mark.skipif(not BIG, reason="make faults only: make test kills at the first pair")),
])
def test_cqrs_pipeline_killed_delivers_what_debeziums_jvm_sink_delivers(
    source_step: str, sink_step: str, *, cluster: Cluster, debezium_jdbc_worker: ConnectWorker,  # noqa: F811
    postgres_settings: dict[str, str], mariadb_settings: dict[str, str], kafka_bootstrap: str, tally: Tally,
    tmp_path: Path,
) -> None:
    pg, my = postgres_settings, mariadb_settings
    with (pg_database(pg, "cqrskill") as source, mariadb_database(my, "pollsours") as (ours_db, ours),
          mariadb_database(my, "pollsjvm") as (theirs_db, theirs)):
        # Whole seconds: Debezium 3.2's sink drops the fraction on MariaDB through jdbc:mysql (Hibernate takes the
        # server for MySQL 5.5, without fractional seconds); ours keeps it, as Debezium's does on MySQL
        source.sql(*POLLS_TABLES,
                   "INSERT INTO pollentity VALUES ('2026-11-25 10:00:00', 1, 'Best editor?')",
                   "INSERT INTO optionentity VALUES (1, 'vim'), (2, 'emacs')",
                   f"INSERT INTO voteentity SELECT i, 1, timestamp '2026-11-25 10:00:00' + i * interval '2 s', "
                   f"1 + i % 2 FROM generate_series(1, {VOTES}) i")
        prefix = f"faults-polls-{uuid.uuid4().hex[:8]}"
        routed = f"faults_{uuid.uuid4().hex[:8]}_"  # the routed topics: the tables' names, prefixed
        source_config = {**published("debezium-examples_cqrs_postgres-source.json", **{
            "name": f"{prefix}-postgres-source", "database.hostname": pg["host"], "database.port": pg["port"],
            "database.user": pg["user"], "database.password": pg["password"], "database.dbname": source.name,
            "topic.prefix": prefix, "transforms.reroute.topic.regex": f"{prefix}.public.(.*)",
            "transforms.reroute.topic.replacement": f"{routed}$1"}), "slot.name": source.slot,
            "snapshot.fetch.size": "25", "max.batch.size": "30"}
        from connect_core.connectors.postgres.source_connector import PostgresConnector

        connector = PostgresConnector()
        connector.start(source_config)
        cluster.deploy(source_config["name"], source_config, connector.task_configs(1))
        environment = function_env(cluster, FAULTS_CHUNK_RECORDS=str(CHUNK))

        _kill(source_config["name"], environment, source_step, tally)  # killed while it snapshots
        _invoke_until_caught_up(source_config["name"], environment, tally)
        source.sql(f"INSERT INTO voteentity SELECT i, 1, timestamp '2026-11-26 00:00:00' + i * interval '1 s', 2 "
                   f"FROM generate_series({VOTES + 1}, {VOTES + 50}) i",
                   "UPDATE voteentity SET votedoption = 3 - votedoption WHERE id <= 60",
                   "UPDATE optionentity SET polloption = 'Emacs' WHERE id = 2",
                   "UPDATE pollentity SET question = 'Best editor ever?' WHERE id = 1",
                   "DELETE FROM voteentity WHERE id > 60 AND id <= 90")
        _kill(source_config["name"], environment, source_step, tally)  # killed while it streams
        _invoke_until_caught_up(source_config["name"], environment, tally)

        votes = f"{routed}voteentity"
        expected = ([("r", i) for i in range(1, VOTES + 1)] + [("c", i) for i in range(VOTES + 1, VOTES + 51)]
                    + [("u", i) for i in range(1, 61)]
                    + [(op, i) for i in range(61, 91) for op in ("d", "tombstone")])
        tally.count(expected, _changes(kafka_bootstrap, votes, len(expected)))
        assert (tally.lost, tally.duplicated) == (0, 0), tally.line()

        topics = [f"{routed}{t}" for t in ("voteentity", "optionentity", "pollentity")]
        counts = {votes: len(expected), f"{routed}optionentity": 3, f"{routed}pollentity": 2}
        kafka = KafkaTopics(kafka_bootstrap)
        messages = {topic: kafka.consume(topic, counts[topic]) for topic in topics}
        assert {t: len(m) for t, m in messages.items()} == counts

        sink_config = published("debezium-examples_cqrs_mysql-sink.json", **{
            "name": f"{prefix}-mysql-sink", "connection.url": f"jdbc:mysql://{my['host']}:{my['port']}/{ours_db}",
            "connection.username": my["user"], "connection.password": my["password"],
            "topics": ", ".join(f"{routed}{t}" for t in ("voteentity", "optionentity", "pollentity",
                                                           "pollentity_optionentity"))})
        from connect_core.coordinator.herder.task_configs import generate_task_configs

        cluster.deploy(sink_config["name"], sink_config, generate_task_configs(sink_config["name"], sink_config))
        _sink_mapping(topics, messages, bootstrap=kafka_bootstrap, step=sink_step, tmp_path=tmp_path, tally=tally,
                      environment=function_env(cluster, **{env.CONNECTOR_NAME: sink_config["name"]}))
        wanted = {table: source.query(statement) for table, statement in POLLS_QUERIES.items()}
        assert [r[0] for r in wanted["voteentity"]] == [*range(1, 61), *range(91, VOTES + 51)]
        assert _tables(ours) == wanted

        _same_as_the_jvm(debezium_jdbc_worker, f"{prefix}-jvm-mysql-sink", {
            **{k: v for k, v in sink_config.items() if k != "name"},
            # nullCatalogMeansCurrent: Connector/J's metadata look-ups otherwise find a table of the same name in any
            # database of the shared server (ours), and Debezium's sink then alters that one
            "connection.url": f"jdbc:mysql://{my['host']}:{my['port']}/{theirs_db}?nullCatalogMeansCurrent=true"},
            lambda: _tables(theirs), wanted)
        assert _columns(ours, ours_db) == _columns(theirs, theirs_db)


CUSTOMERS = 2_000 if BIG else 400


def _pg_columns(db: Any, table: str) -> list[tuple[Any, ...]]:
    return db.query("SELECT column_name, data_type, character_maximum_length, numeric_precision, is_nullable FROM "
                    f"information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position")


@pytest.mark.timeout(1_800)  # a hang guard
@pytest.mark.skipif(not BIG, reason="make faults only: make test kills the cqrs pipeline (the same Debezium JDBC sink, "
                    "killed the same way) and a binlog source alone (tests/faults/test_cdc.py)")
def test_unwrap_smt_pipeline_killed_delivers_what_debeziums_jvm_sink_delivers(
    *, cluster: Cluster, debezium_jdbc_worker: ConnectWorker,  # noqa: F811
    postgres_settings: dict[str, str], mariadb_settings: dict[str, str], kafka_bootstrap: str, tally: Tally,
    tmp_path: Path,
) -> None:
    pg, my = postgres_settings, mariadb_settings
    with (mariadb_database(my, "inventorykill") as (source_db, source), pg_database(pg, "unwrapours") as ours,
          pg_database(pg, "unwrapjvm") as theirs):
        with source.cursor() as cursor:
            cursor.execute("CREATE TABLE customers (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, first_name "
                           "VARCHAR(255) NOT NULL, last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL "
                           "UNIQUE) AUTO_INCREMENT=1001")
            cursor.execute("INSERT INTO customers SELECT seq, CONCAT('first-', seq), CONCAT('last-', seq), "
                           f"CONCAT('c', seq, '@example.com') FROM seq_1_to_{CUSTOMERS}")
        prefix = f"faults-inventory-{uuid.uuid4().hex[:8]}"
        routed = f"faults_{uuid.uuid4().hex[:8]}_"  # the routed topic (and so the sink's table): this test's own
        source_config = {**published("debezium-examples_unwrap-smt_source.json", **{
            "name": f"{prefix}-inventory-connector", "topic.prefix": prefix, "database.hostname": my["host"],
            "database.port": my["port"], "database.user": my["user"], "database.password": my["password"],
            "database.server.id": str(random.randint(200_000, 2**31)), "database.include.list": source_db,
            "schema.history.internal.kafka.bootstrap.servers": kafka_bootstrap,
            "schema.history.internal.kafka.topic": f"{prefix}-schema-changes.inventory",
            "transforms.route.replacement": f"{routed}$3"}), "snapshot.fetch.size": "25", "max.batch.size": "30"}
        from connect_core.connectors.binlog.source_connector import MySqlConnector

        connector = MySqlConnector()
        connector.start(source_config)
        cluster.deploy(source_config["name"], source_config, connector.task_configs(1))
        environment = function_env(cluster, FAULTS_CHUNK_RECORDS=str(CHUNK))
        _kill(source_config["name"], environment, "source.after_commit", tally)  # killed while it snapshots
        _invoke_until_caught_up(source_config["name"], environment, tally)
        with source.cursor() as cursor:  # one transaction each
            cursor.execute(f"INSERT INTO customers SELECT seq, 'new', 'customer', CONCAT('n', seq, '@example.com') "
                           f"FROM seq_{CUSTOMERS + 1}_to_{CUSTOMERS + 50}")
            cursor.execute("UPDATE customers SET email = CONCAT('u', id, '@example.org') WHERE id <= 60")
            cursor.execute("DELETE FROM customers WHERE id > 60 AND id <= 90")
        _kill(source_config["name"], environment, "source.after_commit", tally)  # killed while it streams
        _invoke_until_caught_up(source_config["name"], environment, tally)

        topic = f"{routed}customers"
        expected = ([("r", i) for i in range(1, CUSTOMERS + 1)]
                    + [("c", i) for i in range(CUSTOMERS + 1, CUSTOMERS + 51)] + [("u", i) for i in range(1, 61)]
                    + [(op, i) for i in range(61, 91) for op in ("d", "tombstone")])
        tally.count(expected, _changes(kafka_bootstrap, topic, len(expected)))
        assert (tally.lost, tally.duplicated) == (0, 0), tally.line()

        sink_config = published("debezium-examples_unwrap-smt_jdbc-sink.json", **{
            "name": f"{prefix}-jdbc-sink", "topics": topic,
            "connection.url": f"jdbc:postgresql://{pg['host']}:{pg['port']}/{ours.name}",
            "connection.username": pg["user"], "connection.password": pg["password"]})
        from connect_core.coordinator.herder.task_configs import generate_task_configs

        cluster.deploy(sink_config["name"], sink_config, generate_task_configs(sink_config["name"], sink_config))
        messages = {topic: KafkaTopics(kafka_bootstrap).consume(topic, len(expected))}
        assert len(messages[topic]) == len(expected)
        _sink_mapping([topic], messages, bootstrap=kafka_bootstrap, step="sink.during_put", tmp_path=tmp_path,
                      tally=tally, environment=function_env(cluster, **{env.CONNECTOR_NAME: sink_config["name"]}))
        with source.cursor() as cursor:
            cursor.execute("SELECT id, first_name, last_name, email FROM customers ORDER BY id")
            wanted = [tuple(row) for row in cursor.fetchall()]
        assert [r[0] for r in wanted] == [*range(1, 61), *range(91, CUSTOMERS + 51)]

        def rows(db: Any) -> list[tuple[Any, ...]]:
            try:
                return db.query(f"SELECT id, first_name, last_name, email FROM {topic} ORDER BY id")
            except psycopg2.Error:
                return []

        assert rows(ours) == wanted
        _same_as_the_jvm(debezium_jdbc_worker, f"{prefix}-jvm-jdbc-sink", {
            **{k: v for k, v in sink_config.items() if k != "name"},
            "connection.url": f"jdbc:postgresql://{pg['host']}:{pg['port']}/{theirs.name}"}, lambda: rows(theirs),
            wanted)
        assert _pg_columns(ours, topic) == _pg_columns(theirs, topic)
