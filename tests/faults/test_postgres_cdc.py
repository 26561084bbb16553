"""PostgreSQL change data capture under ``kill -9``: every change event exactly once, the slot never ahead.

The PostgreSQL source (Debezium's PostgresConnector, pgoutput) is killed at each step of an invocation
(``source.after_commit`` is after the Kafka commit and before the task confirms the LSN to the slot), twice while it
snapshots and twice while it streams multi-row transactions (so chunks end inside a transaction and the restart
skips by ``lsn``/``lsn_events_processed``), then runs to the end. Every ``r``, ``c``, ``u``, ``d`` and tombstone
arrives exactly once, and right after each kill the slot's confirmed position is not past the first change Kafka
did not hold yet.

An incremental snapshot (an ``execute-snapshot`` signal) killed at each step, twice, goes on after the last row
whose offset Kafka committed: every row is read exactly once.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import pytest

from tests.faults.conftest import BIG, function_env, run_function, topic_ids
from tests.faults.test_cdc import CHUNK, _events, _invoke_until_caught_up, _kill

if TYPE_CHECKING:

    from tests.faults.conftest import Tally
    from tests.integration.connectors.postgres.session import PgSession
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

SNAPSHOT_ROWS = 2_000 if BIG else 400
UPDATED, DELETED, INSERTED = SNAPSHOT_ROWS // 4, SNAPSHOT_ROWS // 8, SNAPSHOT_ROWS // 4


def _deploy(cluster: Cluster, pg: PgSession, **extra: str) -> tuple[str, str]:
    prefix = f"faults-pg-{uuid.uuid4().hex[:8]}"
    name = f"pgcdc-{uuid.uuid4().hex[:8]}"
    settings = pg.settings
    config = {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
        "database.hostname": settings["host"], "database.port": settings["port"], "database.user": settings["user"],
        "database.password": settings["password"], "database.dbname": settings["database"], "topic.prefix": prefix,
        "plugin.name": "pgoutput", "slot.name": pg.slot, "publication.name": f"pub_{pg.slot}",
        "publication.autocreate.mode": "filtered", "table.include.list": f"{pg.schema}\\.t", "poll.interval.ms": "100",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        **extra,
    }
    from connect_core.connectors.postgres.source_connector import PostgresConnector

    connector = PostgresConnector()
    connector.start(config)
    cluster.deploy(name, config, connector.task_configs(1))
    return name, f"{prefix}.{pg.schema}.t"


def _lsn_events(bootstrap: str, topic: str, expected: int) -> list[tuple[str, int, int | None]]:
    """(op or "tombstone", id, the change's ``source.lsn``) of every committed record of ``topic`` in order,
    waiting for ``expected`` (0: what is there now)."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"faults-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[tuple[str, int, int | None]] = []
    idle = 0
    try:
        while idle < 3 or len(out) < expected:  # bounded by progress: three empty seconds once all is there
            messages = consumer.consume(10_000, 1.0)
            idle = idle + 1 if not messages else 0
            if idle > 120:
                break
            for message in messages:
                if message.error() is not None:
                    continue
                key, value = json.loads(message.key())["id"], message.value()
                if value is None:
                    out.append(("tombstone", key, None))
                else:
                    event = json.loads(value)
                    out.append((event["op"], key, int(event["source"]["lsn"])))
    finally:
        consumer.close()
    return out


_FAULTS_ONLY = pytest.mark.skipif(not BIG, reason="make faults only: make test kills inside and after the transaction")


@pytest.mark.parametrize("step", [pytest.param("source.after_poll", marks=_FAULTS_ONLY), "source.after_produce",
                                  pytest.param("source.before_commit", marks=_FAULTS_ONLY), "source.after_commit"])
def test_kill_9_of_a_postgres_cdc_invocation(
    step: str, *, cluster: Cluster, pg: PgSession, kafka_bootstrap: str, tally: Tally,
) -> None:
    pg.sql(f"CREATE TABLE {pg.schema}.t (id bigint PRIMARY KEY, payload varchar(64) NOT NULL)",
           f"INSERT INTO {pg.schema}.t SELECT i, 'row-' || i FROM generate_series(1, {SNAPSHOT_ROWS}) i")
    name, topic = _deploy(cluster, pg, **{"snapshot.fetch.size": "25", "max.batch.size": "30"})
    environment = function_env(cluster, FAULTS_CHUNK_RECORDS=str(CHUNK))
    at_kill = []  # (the slot's confirmed LSN, records committed in Kafka) right after each kill
    _kill(name, environment, step, tally)  # killed while it snapshots
    at_kill.append((pg.slot_lsn() or 0, len(_lsn_events(kafka_bootstrap, topic, 0))))
    _invoke_until_caught_up(name, environment, tally)
    pg.sql(f"UPDATE {pg.schema}.t SET payload = payload || '!' WHERE id <= {UPDATED}",  # one transaction each
           f"DELETE FROM {pg.schema}.t WHERE id > {UPDATED} AND id <= {UPDATED + DELETED}",
           f"INSERT INTO {pg.schema}.t SELECT i, 'new' FROM generate_series({SNAPSHOT_ROWS + 1}, "
           f"{SNAPSHOT_ROWS + INSERTED}) i")
    _kill(name, environment, step, tally)  # killed while it streams
    at_kill.append((pg.slot_lsn() or 0, len(_lsn_events(kafka_bootstrap, topic, 0))))
    _invoke_until_caught_up(name, environment, tally)

    expected = ([("r", i) for i in range(1, SNAPSHOT_ROWS + 1)] + [("u", i) for i in range(1, UPDATED + 1)]
                + [(op, i) for i in range(UPDATED + 1, UPDATED + DELETED + 1) for op in ("d", "tombstone")]
                + [("c", i) for i in range(SNAPSHOT_ROWS + 1, SNAPSHOT_ROWS + INSERTED + 1)])
    arrived = _lsn_events(kafka_bootstrap, topic, len(expected))
    tally.count(expected, [(op, id_) for op, id_, _lsn in arrived])
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
    # The slot is never ahead of Kafka: right after each kill it is confirmed at most up to the first change Kafka
    # did not hold yet (the server skips what lies before it). Not "at most the committed offset's LSN": an idle
    # invocation may confirm past WAL of no captured table, which a shared server writes all the time.
    for slot, committed in at_kill:
        pending = [lsn for _op, _id, lsn in arrived[committed:] if lsn is not None]
        assert not pending or slot <= min(pending), (f"the slot is confirmed at {slot}, past a change Kafka did "
                                                     f"not hold yet at {min(pending)}")


@pytest.mark.parametrize("step", ["source.after_produce", "source.after_commit"])
def test_kill_9_during_an_incremental_snapshot(
    step: str, *, cluster: Cluster, pg: PgSession, kafka_bootstrap: str, tally: Tally,
) -> None:
    pg.sql(f"CREATE TABLE {pg.schema}.t (id bigint PRIMARY KEY, payload varchar(64) NOT NULL)",
           f"CREATE TABLE {pg.schema}.sig (id varchar(64) PRIMARY KEY, type varchar(32), data varchar(2048))",
           f"INSERT INTO {pg.schema}.t SELECT i, 'row-' || i FROM generate_series(1, {SNAPSHOT_ROWS}) i")
    name, topic = _deploy(cluster, pg, **{"snapshot.mode": "no_data", "signal.data.collection": f"{pg.schema}.sig",
                                          "incremental.snapshot.chunk.size": "25", "max.batch.size": "30"})
    environment = function_env(cluster, FAULTS_CHUNK_RECORDS=str(CHUNK))
    _invoke_until_caught_up(name, environment, tally)  # the slot, from here on
    pg.sql(f"""INSERT INTO {pg.schema}.sig VALUES ('kill-1', 'execute-snapshot',
           '{{"data-collections": ["{pg.schema}.t"]}}')""")
    _kill(name, environment, step, tally)  # killed while it reads chunks
    _invoke_until_caught_up(name, environment, tally)
    # No slot check here: incremental rows carry no LSN, and after catch-up an idle invocation may confirm past WAL
    # of no captured table (see above). A slot confirmed past the signal before Kafka held the snapshot's window
    # would lose the snapshot, which the count below catches.
    expected = [("r", i) for i in range(1, SNAPSHOT_ROWS + 1)]
    tally.count(expected, _events(kafka_bootstrap, topic, len(expected)))
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()


BIG_SNAPSHOT_ROWS = 1_000_000 if BIG else 50_000
BIG_TICK_MS = 10_000 if BIG else 2_000
BIG_MAX_TICKS = 100_000  # a backstop only: the run ends when it is done or stalls
BIG_STALL_TICKS = 60  # ticks in a row without a committed record: stuck, however loaded the machine
RSS_BOUND_MB = 600  # the function holds a chunk, not the table


@pytest.mark.timeout(3_600)  # a hang guard: the run itself ends when done or stalled
def test_a_big_initial_snapshot_arrives_exactly_once_under_short_ticks(
    *, cluster: Cluster, pg: PgSession, kafka_bootstrap: str, tally: Tally,
) -> None:
    """The initial snapshot of a table larger than one tick's work (1,000,000 rows at ``make faults``' size), run as
    the schedule runs it (a tick may start while the last invocation still holds the task: it fences it): every row
    once, in bounded memory."""
    pg.sql(f"CREATE TABLE {pg.schema}.t (id bigint PRIMARY KEY, payload varchar(100) NOT NULL)",
           f"INSERT INTO {pg.schema}.t SELECT i, 'row-' || i || '-' || repeat('x', 40) "
           f"FROM generate_series(1, {BIG_SNAPSHOT_ROWS}) i")
    name, topic = _deploy(cluster, pg, **{
        "lambda.schedule.interval.ms": str(BIG_TICK_MS), "transforms": "after",
        "transforms.after.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
        "transforms.after.field": "after"})
    ticks = ["schedule", name, str(BIG_TICK_MS), str(BIG_MAX_TICKS), str(BIG_STALL_TICKS)]
    code, summary, stderr = run_function("tests.faults._source_driver", ticks, function_env(cluster), 3_000.0)
    assert code == 0 and summary is not None, stderr
    tally.runs = summary["invocations"]
    tally.notes = {"fenced_or_failed": summary["failed"], "containers": summary["containers"],
                   "peak_rss_mb": summary["peak_rss_mb"], "last_error": (summary["errors"] or ["-"])[-1][:160]}
    tally.count(range(1, BIG_SNAPSHOT_ROWS + 1), topic_ids(kafka_bootstrap, topic, BIG_SNAPSHOT_ROWS))

    assert summary["done"], f"the snapshot stalled ({BIG_STALL_TICKS} ticks without a record committed): {summary}"
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
    assert summary["peak_rss_mb"] < RSS_BOUND_MB, summary
