"""Change data capture on the deployed LocalStack stack, ``kill -9`` of the source function at each step.

The stack's functions run as local processes (infra/localstack_ext) and ``python -m infra.local.stack up`` gives them
``LAMBDA_CONNECT_FAULT_DIR``: a file named after a step dropped there kills the first function process that reaches
the step in a transaction carrying records (``connect_core/runtime/fault_points.py``), so a one-row change is hit at
the chosen point, not only a transaction long enough to observe. The next scheduler heartbeat (one a minute) runs the
task again in a fresh environment, which fences the dead producer.

1. Insert, update, delete (with its tombstone) and ALTER TABLE (the schema change record, and the next change carries
   the new column), each with the function killed at a different step of the invocation that carries it: every
   change arrives exactly once.
2. A 1,000,000-row initial snapshot killed with a transaction open part way: every row once.
3. The same for PostgreSQL (Debezium's PostgresConnector, pgoutput): an insert, an update, a delete (with its
   tombstone) and a 50-row transaction, each with the function killed at a different step (``source.after_commit``
   is after the Kafka commit and before the task confirms the LSN to the slot): every change once, and right after
   each kill the slot's confirmed LSN is not past the killed invocation's change (at most the ``source.lsn`` of its
   last event: the server would skip a transaction committed before the confirmed LSN). Not "never past the
   committed offset" to the letter: once every change it received is confirmed, psycopg2 forwards the flushed
   position to a keepalive's WAL end, across WAL the connector does not capture (other databases' changes on a
   shared server), so the slot may pass the last offset with nothing captured between. Proves the layer ships
   psycopg2 (the connector imports it in the deployed function). The task's status shows the slot's lag, and
   ``DELETE`` drops the slot (``slot.drop.on.stop=true``) from the deployed coordinator.

``make faults`` only (a stack of its own, minutes of heartbeats); ``make test`` runs the stack kill of
tests/integration/stack/test_stack_faults.py instead.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from infra.local import stack
from tests.faults.conftest import BIG, mysql
from tests.faults.test_cdc import _events
from tests.integration.stack.conftest import Deployed
from tests.integration.stack.test_stack_faults import _arm, _function_log, _topic_known

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.faults.conftest import Tally
    from tests.integration.connectors.postgres.session import PgSession

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not BIG, reason="make faults only: deploys a stack of its own")]

ROWS = 100
BIG_ROWS = 1_000_000
KILL_WAIT_S = 150.0  # the armed step is reached at the next tick or heartbeat that carries the change
RESTART_WAIT_S = 240.0  # a killed invocation sends no next tick: the next heartbeat (one a minute) runs it again
SNAPSHOT_WAIT_S = 1800.0
KILLS_TIMEOUT_S = 1500  # four kills, each waiting for a heartbeat to run the task again
BIG_TIMEOUT_S = 3600  # past the suite's 600 s per test: minutes of snapshot on a shared 2-core machine
# (what, step armed, statements, events it makes): each change killed at another step of the invocation carrying it
CHANGES: list[tuple[str, str, list[str], list[tuple[str, int]]]] = [
    ("insert", "source.after_poll", ["INSERT INTO t VALUES (1001, 'NEW')"], [("c", 1001)]),
    ("update", "source.after_produce", ["UPDATE t SET state = 'SHIPPED' WHERE id = 1"], [("u", 1)]),
    ("delete", "source.before_commit", ["DELETE FROM t WHERE id = 2"], [("d", 2), ("tombstone", 2)]),
    ("alter", "source.after_commit", ["ALTER TABLE t ADD COLUMN note VARCHAR(16)",
                                      "UPDATE t SET note = 'altered' WHERE id = 3"], [("u", 3)]),
]


@pytest.fixture(scope="module")
def faults_stack(kafka_settings: dict[str, str], aws_settings: dict[str, str]) -> Iterator[Deployed]:
    """A stack of this module's own (plaintext listener), with the fault directory the cases arm."""
    name = f"lc-faults-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    try:
        outputs = stack.deploy(name)
    except stack.StackError as error:
        stack.destroy(name)
        pytest.fail(str(error), pytrace=False)
    print(f"\nstack {name} deployed in {time.monotonic() - started:.0f}s")
    try:
        yield Deployed(name, stack.FunctionUrl(outputs["CoordinatorUrl"]))
    finally:
        stack.destroy(name)


def _wait(deployed: Deployed, connector: str, check: Callable[[], Any], what: str, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout_s:.0f}s\nsource function log for {connector}:\n"
                         f"{_function_log(deployed, connector)}")


def _killed(deployed: Deployed, connector: str, step: str, what: str) -> float:
    """Wait until a function process claimed the arming file of ``step`` (and so died); seconds waited."""
    directory, started = stack.fault_dir(deployed.name), time.monotonic()
    _wait(deployed, connector, lambda: list(directory.glob(f"{step}.fired-*")),
          f"the source function killed at {step} {what}", KILL_WAIT_S)
    return time.monotonic() - started


JSON_CONVERTERS = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"}


def _create(deployed: Deployed, name: str, config: dict[str, str]) -> str:
    """POST the connector; its name."""
    status, answer = deployed.http("POST", "/connectors", {"name": name, "config": config})
    assert status == 201, answer
    return name


def _connector(deployed: Deployed, settings: dict[str, str], database: str, prefix: str, **extra: str) -> str:
    """Create a CDC connector named ``prefix`` on ``database``; its name."""
    run = uuid.uuid4().hex[:8]
    return _create(deployed, prefix, {
        "connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
        "database.hostname": settings["host"], "database.port": settings["port"],
        "database.user": settings["user"], "database.password": settings["password"],
        "database.server.id": str(9000 + int(run[:4], 16) % 1000), "topic.prefix": prefix,
        "database.include.list": database, "poll.interval.ms": "1000", **JSON_CONVERTERS, **extra})


def _kill_each_change(deployed: Deployed, name: str, *, where: tuple[str, str],
                      changes: list[tuple[str, str, list[str], list[tuple[str, int]]]],
                      apply: Callable[[list[str]], None], expected: list[tuple[str, int]], tally: Tally,
                      killed: Callable[[str], None] | None = None) -> dict[str, str]:
    """Each change made with the function armed to die at its step, then waited for (``where``: bootstrap and
    topic; ``expected`` grows by its events; ``killed(step)`` right after each kill); the timings."""
    bootstrap, topic = where
    timings: dict[str, str] = {}
    for what, step, statements, events in changes:
        started = time.monotonic()
        _arm(deployed, step)
        apply(statements)
        killed_after = _killed(deployed, name, step, f"while it streams the {what}")
        if killed is not None:
            killed(step)
        tally.runs += 1
        expected += events
        wanted = len(expected)
        _wait(deployed, name, lambda n=wanted: len(_events(bootstrap, topic, n, 10)) >= n,
              f"the {what} after the kill", RESTART_WAIT_S)
        timings[what] = f"{step}:killed@{killed_after:.0f}s,delivered@{time.monotonic() - started:.0f}s"
    return timings


def _values(bootstrap: str, topic: str, expected: int) -> list[dict[str, Any] | None]:
    """Every committed value of ``topic`` (JSON; None for a tombstone), waiting for ``expected``."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"faults-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[dict[str, Any] | None] = []
    deadline, idle = time.monotonic() + 60, 0
    try:
        while time.monotonic() < deadline and idle < 3:
            messages = consumer.consume(1000, 1.0)
            idle = idle + 1 if not messages and len(out) >= expected else 0
            out += [None if m.value() is None else json.loads(m.value()) for m in messages if m.error() is None]
    finally:
        consumer.close()
    return out


def test_each_cdc_change_killed_at_a_step_on_the_stack_arrives_once(
    faults_stack: Deployed, mariadb_settings: dict[str, str], database: str, kafka_bootstrap: str, tally: Tally,
) -> None:
    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id INT PRIMARY KEY, state VARCHAR(16))")
        cursor.execute(f"INSERT INTO t SELECT seq, 'PLACED' FROM seq_1_to_{ROWS}")
    prefix = f"stack-cdc-{uuid.uuid4().hex[:8]}"
    name = _connector(faults_stack, mariadb_settings, database, prefix, **{"include.schema.changes": "true"})
    topic = f"{prefix}.{database}.t"
    expected = [("r", i) for i in range(1, ROWS + 1)]
    try:
        _wait(faults_stack, name, lambda: len(_events(kafka_bootstrap, topic, ROWS, 10)) >= ROWS, "the snapshot",
              RESTART_WAIT_S)
        def apply(statements: list[str]) -> None:
            with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

        tally.notes = _kill_each_change(faults_stack, name, where=(kafka_bootstrap, topic), changes=CHANGES,
                                        apply=apply, expected=expected, tally=tally)
        arrived = _events(kafka_bootstrap, topic, len(expected), 30)
        tally.count(expected, arrived)
        assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
        assert sorted(arrived) == sorted(expected), "only the expected changes, each once"
        # the schema change was picked up: its record once, and the update after it carries the new column
        values = _values(kafka_bootstrap, topic, len(expected))
        altered = [v for v in values if v is not None and v["op"] == "u" and v["after"]["id"] == 3]
        assert [v["after"].get("note") for v in altered] == ["altered"], altered
        ddl = [v["ddl"] for v in _values(kafka_bootstrap, prefix, 1) if v is not None and "ddl" in v]
        assert sum("ADD COLUMN note" in statement for statement in ddl) == 1, ddl
    finally:
        faults_stack.http("DELETE", f"/connectors/{name}")
        stack._delete_topics([topic, prefix])


@pytest.mark.timeout(BIG_TIMEOUT_S)
def test_a_million_row_snapshot_killed_on_the_stack_arrives_once(
    faults_stack: Deployed, mariadb_settings: dict[str, str], database: str, kafka_bootstrap: str, tally: Tally,
) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, payload VARCHAR(100) NOT NULL)")
        cursor.execute(f"INSERT INTO t SELECT seq, CONCAT('row-', seq, '-', REPEAT('x', 40)) FROM seq_1_to_{BIG_ROWS}")
    prefix = f"stack-cdc-big-{uuid.uuid4().hex[:8]}"
    topic = f"{prefix}.{database}.t"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result()
    _wait(faults_stack, prefix, lambda: _topic_known(admin, topic), f"{topic}'s offsets", 60)
    started = time.monotonic()
    name = _connector(faults_stack, mariadb_settings, database, prefix, **{"include.schema.changes": "false"})
    try:
        # killed with a transaction open once a tenth of the table is committed
        _wait(faults_stack, name, lambda: _committed_end(admin, topic) >= BIG_ROWS // 10, "a tenth of the snapshot",
              SNAPSHOT_WAIT_S)
        tenth_s = time.monotonic() - started
        _arm(faults_stack, "source.after_produce")
        _killed(faults_stack, name, "source.after_produce", "while it snapshots")
        killed_s, killed_at = time.monotonic() - started, _committed_end(admin, topic)
        tally.runs += 1
        # the end offset counts transaction markers and the aborted chunk too: past it, the count below decides
        _wait(faults_stack, name, lambda: _committed_end(admin, topic) >= BIG_ROWS, "the whole snapshot",
              SNAPSHOT_WAIT_S)
        arrived = _events(kafka_bootstrap, topic, BIG_ROWS, SNAPSHOT_WAIT_S)
        tally.notes = {"tenth_s": round(tenth_s), "killed_s": round(killed_s), "killed_at_offset": killed_at,
                       "snapshot_s": round(time.monotonic() - started)}
        tally.count([("r", i) for i in range(1, BIG_ROWS + 1)], arrived)
        assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
        assert len(arrived) == BIG_ROWS, "only snapshot records, each once"
    finally:
        faults_stack.http("DELETE", f"/connectors/{name}")
        stack._delete_topics([topic])


def _committed_end(admin: Any, topic: str) -> int:
    """The last stable offset of ``topic``'s partition 0 (records plus transaction markers committed so far)."""
    from confluent_kafka import IsolationLevel, KafkaException, TopicPartition
    from confluent_kafka.admin import OffsetSpec

    partition = TopicPartition(topic, 0)
    try:
        return int(admin.list_offsets({partition: OffsetSpec.latest()}, isolation_level=IsolationLevel.READ_COMMITTED,
                                      request_timeout=10)[partition].result().offset)
    except KafkaException:
        return 0


# (what, step armed, statements, events it makes): a PostgreSQL change killed at each step of the invocation carrying
# it; source.after_commit is after the Kafka commit, before the task confirms the chunk's LSN to the slot
PG_CHANGES: list[tuple[str, str, list[str], list[tuple[str, int]]]] = [
    ("insert", "source.after_poll", ["INSERT INTO {s}.t VALUES (1001, 'NEW')"], [("c", 1001)]),
    ("update", "source.after_produce", ["UPDATE {s}.t SET state = 'SHIPPED' WHERE id = 1"], [("u", 1)]),
    ("delete", "source.before_commit", ["DELETE FROM {s}.t WHERE id = 2"], [("d", 2), ("tombstone", 2)]),
    ("transaction", "source.after_commit", ["INSERT INTO {s}.t SELECT i, 'BULK' FROM generate_series(2001, 2050) i"],
     [("c", i) for i in range(2001, 2051)]),
]


def _lag_shown(deployed: Deployed, connector: str) -> str | None:
    """The RUNNING task's trace when it shows the slot's lag."""
    status, answer = deployed.http("GET", f"/connectors/{connector}/status")
    tasks = answer.get("tasks", []) if status == 200 else []
    trace = tasks[0].get("trace", "") if tasks and tasks[0]["state"] == "RUNNING" else ""
    return trace if "replication-slot-lag-bytes=" in trace else None


@pytest.mark.timeout(KILLS_TIMEOUT_S)
def test_each_postgres_change_killed_at_a_step_on_the_stack_arrives_once(
    faults_stack: Deployed, pg: PgSession, kafka_bootstrap: str, tally: Tally,
) -> None:
    pg.sql("CREATE TABLE {s}.t (id bigint PRIMARY KEY, state varchar(16) NOT NULL)",
           f"INSERT INTO {{s}}.t SELECT i, 'PLACED' FROM generate_series(1, {ROWS}) i")
    prefix = f"stack-pg-{uuid.uuid4().hex[:8]}"
    settings = pg.settings
    name = _create(faults_stack, prefix, {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
        "database.hostname": settings["host"], "database.port": settings["port"], "database.user": settings["user"],
        "database.password": settings["password"], "database.dbname": settings["database"], "topic.prefix": prefix,
        "slot.name": pg.slot, "publication.name": f"pub_{pg.slot}", "publication.autocreate.mode": "filtered",
        "table.include.list": f"{pg.schema}\\.t", "poll.interval.ms": "1000", "slot.drop.on.stop": "true",
        **JSON_CONVERTERS})
    topic = f"{prefix}.{pg.schema}.t"
    expected = [("r", i) for i in range(1, ROWS + 1)]
    try:
        _wait(faults_stack, name, lambda: len(_events(kafka_bootstrap, topic, ROWS, 10)) >= ROWS, "the snapshot",
              RESTART_WAIT_S)
        slot_at_kill: dict[str, int] = {}

        def killed(step: str) -> None:
            slot_at_kill[step] = pg.slot_lsn() or 0

        tally.notes = _kill_each_change(faults_stack, name, where=(kafka_bootstrap, topic), changes=PG_CHANGES,
                                        apply=lambda statements: pg.sql(*statements), expected=expected, tally=tally,
                                        killed=killed)
        arrived = _events(kafka_bootstrap, topic, len(expected), 30)
        tally.count(expected, arrived)
        assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
        assert sorted(arrived) == sorted(expected), "only the expected changes, each once"
        # right after each kill the slot was not confirmed past the change the killed invocation carried (the server
        # would then skip its transaction): at most the LSN of its last change event
        lsns: dict[tuple[str, int], int] = {}
        for value in _values(kafka_bootstrap, topic, len(expected)):
            if value is not None and value["op"] != "r":
                row = value["after"] if value["op"] != "d" else value["before"]
                lsns[(value["op"], row["id"])] = int(value["source"]["lsn"])
        for what, step, _statements, events in PG_CHANGES:
            last = max(lsns[event] for event in events if event[0] != "tombstone")
            assert slot_at_kill[step] <= last, (f"killed at {step} ({what}): the slot is confirmed at "
                                                f"{slot_at_kill[step]}, past its change at {last}")
        _wait(faults_stack, name, lambda: _lag_shown(faults_stack, name), "the slot's lag in the task status", 120)
        status, answer = faults_stack.http("DELETE", f"/connectors/{name}")
        assert status == 204, answer
        assert pg.slot_lsn() is None, "slot.drop.on.stop=true: the coordinator dropped the slot at DELETE"
    finally:
        faults_stack.http("DELETE", f"/connectors/{name}")
        stack._delete_topics([topic])
