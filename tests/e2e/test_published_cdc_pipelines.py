"""debezium-examples' change-data pipelines as published (``tests/fixtures/published``), run on `lambda-connect up`
against the shared PostgreSQL and MariaDB: the sink's table (or the routed topic) checked row for row after
inserts, updates and deletes in the source database.

Each test gets databases of its own, so the published include lists (or their absence) hold as written. What the
tests change: addresses and credentials, connector names (a sink's ``connect-<name>`` group is shared on the
broker), ``topic.prefix`` (topics are shared) and, added because the server is shared, ``slot.name`` (replication
slot names are server-wide).
"""

from __future__ import annotations

import contextlib
import json
import random
import string
import time
import uuid
from typing import TYPE_CHECKING, Any

import psycopg2
import pytest

from tests.fixtures.published import published

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration

PIPELINE_TIMEOUT_S = 180.0  # a snapshot, a sink invocation and a loaded two-core machine

# Debezium's example database (debezium/example-postgres, ``inventory.customers``), its first rows.
CUSTOMERS = [(1001, "Sally", "Thomas", "sally.thomas@acme.com", None),
             (1002, "George", "Bailey", "gbailey@foobar.com", None),
             (1003, "Edward", "Walker", "ed@walker.com", None),
             (1004, "Anne", "Kretchmar", "annek@noanswer.org", None)]


# postgres-toast/sink-db/schema-update.sql: an update bringing the placeholder keeps the biography it had.
SINK_TRIGGER_FUNCTION = """CREATE OR REPLACE FUNCTION inventorysink.ignore_unchanged_biography()
  RETURNS TRIGGER AS
$BODY$
BEGIN
  IF NEW."biography" = '__debezium_unavailable_value'
  THEN
    NEW."biography" = OLD."biography";
  END IF;

  RETURN NEW;
END;
$BODY$ LANGUAGE PLPGSQL"""
SINK_TRIGGER = """CREATE TRIGGER customer_biography_trigger
BEFORE UPDATE OF "biography"
  ON inventorysink.customers
FOR EACH ROW
EXECUTE PROCEDURE inventorysink.ignore_unchanged_biography()"""


class PgDatabase:
    """A database of its own on the shared PostgreSQL, autocommit, dropped (with the slots in it) after."""

    def __init__(self, settings: dict[str, str], stem: str) -> None:
        self.settings = settings
        self.name = f"{stem}_{uuid.uuid4().hex[:10]}"
        self.slot = f"{self.name}_slot"
        self._admin = self._connect(settings["database"])
        with self._admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {self.name}")
        self.conn = self._connect(self.name)

    def _connect(self, dbname: str) -> Any:
        conn = psycopg2.connect(host=self.settings["host"], port=int(self.settings["port"]),
                                user=self.settings["user"], password=self.settings["password"], dbname=dbname)
        conn.autocommit = True
        return conn

    def sql(self, *statements: str) -> None:
        with self.conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def query(self, statement: str) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cursor:
            cursor.execute(statement)
            return [tuple(row) for row in cursor.fetchall()]

    def close(self) -> None:
        self.conn.close()
        with self._admin.cursor() as cursor:
            for _ in range(100):  # a deleted connector's WAL sender lets go of its slot within a few seconds
                cursor.execute("SELECT slot_name, active FROM pg_replication_slots WHERE database = %s", (self.name,))
                slots = cursor.fetchall()
                if not any(active for _, active in slots):
                    break
                time.sleep(0.3)
            for slot, _active in slots:  # a slot left behind would hold the server's WAL for ever
                with contextlib.suppress(psycopg2.Error):
                    cursor.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                                   "WHERE slot_name = %s AND active_pid IS NOT NULL", (slot,))
                    time.sleep(0.5)
                with contextlib.suppress(psycopg2.Error):
                    cursor.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
            cursor.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        self._admin.close()


@contextlib.contextmanager
def pg_database(settings: dict[str, str], stem: str) -> Iterator[PgDatabase]:
    db = PgDatabase(settings, stem)
    try:
        yield db
    finally:
        db.close()


def put_connector(up: Up, config: dict[str, str]) -> None:
    status, body = up.http("PUT", f"/connectors/{config['name']}/config", config)
    assert status in (200, 201), (status, body)


def running(up: Up, name: str) -> bool:
    """True once the connector and its tasks are RUNNING; a FAILED one fails the test with its trace."""
    status, body = up.http("GET", f"/connectors/{name}/status")
    if status != 200:
        return False
    states = [body["connector"], *body["tasks"]]
    failed = [s.get("trace", s) for s in states if s["state"] == "FAILED"]
    assert not failed, f"{name}: {failed}"
    return bool(body["tasks"]) and all(s["state"] == "RUNNING" for s in states)


def delete_connectors(up: Up, *names: str) -> None:
    for name in names:
        up.http("DELETE", f"/connectors/{name}")


def wait_equal(up: Up, read: Any, expected: Any, what: str, *connectors: str,
               timeout_s: float = PIPELINE_TIMEOUT_S) -> None:
    """Wait until ``read()`` equals ``expected``, failing at once when one of ``connectors`` is FAILED; on time-out
    the assertion shows both."""
    last: list[Any] = [None]

    def check() -> bool:
        for name in connectors:
            running(up, name)
        last[0] = read()
        return bool(last[0] == expected)

    try:
        up.wait_for(check, what, timeout_s)
    except AssertionError as error:
        raise AssertionError(f"{error}\nexpected: {expected}\ngot:      {last[0]}") from None


def test_postgres_toast_pipeline_unwrap_into_confluent_jdbc_sink(up: Up, postgres_settings: dict[str, str],
                                                                  kafka_bootstrap: str) -> None:
    """``postgres-toast/``: Debezium's PostgresConnector (no include list: its own database) -> topic
    ``<prefix>.inventory.customers`` -> Confluent's JdbcSinkConnector with ``ExtractNewRecordState``
    (``drop.tombstones=false``: a delete's tombstone deletes the row), upsert into a table made beforehand
    (``auto.create=false``, the example's ``sink-db/schema-update.sql``, whose trigger keeps a TOASTed
    ``biography`` when an update brings Debezium's ``__debezium_unavailable_value`` instead)."""
    run_postgres_toast(up, postgres_settings, kafka_bootstrap)


def run_postgres_toast(up: Up, pg: dict[str, str], bootstrap: str,
                       create_topic: Callable[[str], None] | None = None) -> None:
    """The ``postgres-toast`` pipeline on ``up``; ``create_topic`` makes the source's topic first, as an operator
    does on a cluster without automatic creation."""
    with pg_database(pg, "toast") as source, pg_database(pg, "toastsink") as sink:
        source.sql("CREATE SCHEMA inventory",
                   "CREATE TABLE inventory.customers (id SERIAL NOT NULL PRIMARY KEY, first_name VARCHAR(255) NOT "
                   "NULL, last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL UNIQUE, biography TEXT)",
                   "ALTER SEQUENCE inventory.customers_id_seq RESTART WITH 1001",
                   # source-db/schema-update.sql: the TOAST column the example is about
                   "ALTER TABLE inventory.customers REPLICA IDENTITY DEFAULT",
                   "ALTER TABLE inventory.customers ALTER COLUMN biography SET STORAGE EXTERNAL",
                   "INSERT INTO inventory.customers (first_name, last_name, email) VALUES "
                   + ", ".join(f"('{f}', '{last}', '{e}')" for _, f, last, e, _b in CUSTOMERS))
        sink.sql("CREATE SCHEMA inventorysink",
                 "CREATE TABLE inventorysink.customers (id SERIAL NOT NULL PRIMARY KEY, first_name VARCHAR(255) NOT "
                 "NULL, last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL UNIQUE, biography TEXT)",
                 SINK_TRIGGER_FUNCTION, SINK_TRIGGER)
        prefix = f"{up.prefix}-dbserver1"
        source_config = {**published("debezium-examples_postgres-toast_debezium-source.json", **{
            "name": f"{up.prefix}-inventory-connector", "database.hostname": pg["host"], "database.port": pg["port"],
            "database.user": pg["user"], "database.password": pg["password"], "database.dbname": source.name,
            "topic.prefix": prefix}), "slot.name": source.slot}
        sink_config = published("debezium-examples_postgres-toast_jdbc-sink.json", **{
            "name": f"{up.prefix}-sink-connector", "topics": f"{prefix}.inventory.customers",
            "connection.url": f"jdbc:postgresql://{pg['host']}:{pg['port']}/{sink.name}?currentSchema=inventorysink"
                              f"&user={pg['user']}&password={pg['password']}"})
        assert sink_config["transforms.unwrap.type"] == "io.debezium.transforms.ExtractNewRecordState"
        if create_topic is not None:
            create_topic(sink_config["topics"])
        try:
            put_connector(up, source_config)
            put_connector(up, sink_config)
            for name in (source_config["name"], sink_config["name"]):
                up.wait_for(lambda n=name: running(up, n), f"{name} RUNNING", PIPELINE_TIMEOUT_S)

            def table() -> list[tuple[Any, ...]]:
                return sink.query("SELECT id, first_name, last_name, email, biography FROM inventorysink.customers "
                                  "ORDER BY id")

            names = (source_config["name"], sink_config["name"])
            wait_equal(up, table, CUSTOMERS, "the snapshot in the sink table", *names)
            source.sql("INSERT INTO inventory.customers (first_name, last_name, email, biography) VALUES "
                       "('Kenneth', 'Anderson', 'kander@acme.com', 'likes hiking')",
                       "UPDATE inventory.customers SET email = 'sally@example.org', biography = 'b' WHERE id = 1001",
                       "DELETE FROM inventory.customers WHERE id = 1002",
                       "UPDATE inventory.customers SET last_name = 'Walker-Smith' WHERE id = 1003")
            expected = source.query("SELECT id, first_name, last_name, email, biography FROM inventory.customers "
                                    "ORDER BY id")
            assert [r[0] for r in expected] == [1001, 1003, 1004, 1005]
            wait_equal(up, table, expected, "the changes in the sink table", *names)
            # The example's point: a TOASTed value left unchanged by an update arrives as Debezium's placeholder,
            # which the sink's trigger keeps out of the table.
            biography = "".join(random.choices(string.ascii_letters, k=12_000))  # stored out of line
            source.sql(f"UPDATE inventory.customers SET biography = '{biography}' WHERE id = 1004",
                       "UPDATE inventory.customers SET first_name = 'Dana' WHERE id = 1004")
            expected = source.query("SELECT id, first_name, last_name, email, biography FROM inventory.customers "
                                    "ORDER BY id")
            assert expected[-2] == (1004, "Dana", "Kretchmar", "annek@noanswer.org", biography)
            wait_equal(up, table, expected, "the TOAST column kept by the sink's trigger", *names)
            last = read_topic(bootstrap, sink_config["topics"], 11)[-1]
            assert json.loads(last.value())["payload"]["after"]["first_name"] == "Dana"
            assert json.loads(last.value())["payload"]["after"]["biography"] == "__debezium_unavailable_value"
        finally:
            delete_connectors(up, source_config["name"], sink_config["name"])


def read_topic(bootstrap: str, topic: str, count: int, timeout_s: float = PIPELINE_TIMEOUT_S) -> list[Any]:
    """The first ``count`` messages of ``topic`` (fewer on time-out), from the beginning."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"e2e-read-{uuid.uuid4().hex[:8]}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    messages: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(messages) < count and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None and not message.error():
                messages.append(message)
    finally:
        consumer.close()
    return messages


def test_outbox_event_router(up: Up, postgres_settings: dict[str, str], kafka_bootstrap: str) -> None:
    """``outbox/``: the order service's outbox table (Debezium's Quarkus outbox extension: insert then delete in one
    transaction) captured with the outbox ``EventRouter``: one message per inserted event on
    ``<aggregatetype>.events``, keyed by ``aggregateid``, the ``payload`` as value, the event's ``id`` and the
    ``type`` (``additional.placement`` ``type:header:eventType``) as headers; deletes (``tombstones.on.delete=false``)
    and updates routed nowhere."""
    pg = postgres_settings
    aggregate = f"Order{uuid.uuid4().hex[:8]}"  # the routed topic comes from the data: one of this test's own
    with pg_database(pg, "outbox") as db:
        db.sql("CREATE SCHEMA inventory",
               "CREATE TABLE inventory.outboxevent (id uuid NOT NULL PRIMARY KEY, aggregatetype varchar(255) NOT NULL, "
               "aggregateid varchar(255) NOT NULL, type varchar(255) NOT NULL, timestamp timestamp NOT NULL, "
               "payload varchar(8000), tracingspancontext varchar(256))",
               "CREATE TABLE inventory.purchaseorder (id bigint PRIMARY KEY, customerid bigint)")
        config = {**published("debezium-examples_outbox_register-postgres.json", **{
            "database.hostname": pg["host"], "database.port": pg["port"], "database.user": pg["user"],
            "database.password": pg["password"], "database.dbname": db.name, "topic.prefix": f"{up.prefix}-dbserver1"}),
            "name": f"{up.prefix}-outbox-connector", "slot.name": db.slot}
        events = [(str(uuid.uuid4()), "1", "OrderCreated", json.dumps({"id": 1, "customerId": 123, "lineItems": []})),
                  (str(uuid.uuid4()), "1", "OrderLineUpdated", json.dumps({"orderId": 1, "newStatus": "CANCELLED"})),
                  (str(uuid.uuid4()), "2", "OrderCreated", json.dumps({"id": 2, "customerId": 456}))]
        try:
            put_connector(up, config)
            up.wait_for(lambda: running(up, config["name"]), "outbox connector RUNNING", PIPELINE_TIMEOUT_S)
            for event_id, aggregate_id, event_type, payload in events:
                with db.conn.cursor() as cursor:  # the extension's transaction: the order, the event, its removal
                    cursor.execute("BEGIN")
                    cursor.execute("INSERT INTO inventory.purchaseorder VALUES (%s, 1) ON CONFLICT DO NOTHING",
                                   (int(aggregate_id),))
                    cursor.execute("INSERT INTO inventory.outboxevent VALUES (%s, %s, %s, %s, now(), %s, NULL)",
                                   (event_id, aggregate, aggregate_id, event_type, payload))
                    cursor.execute("DELETE FROM inventory.outboxevent WHERE id = %s", (event_id,))
                    cursor.execute("COMMIT")
            # An event left in place and then updated: the update is routed nowhere (Debezium warns and drops it).
            db.sql(f"INSERT INTO inventory.outboxevent VALUES ('{uuid.uuid4()}', '{aggregate}', '3', 'OrderCreated', "
                   "now(), '{\"id\": 3}', NULL)")
            kept = db.query("SELECT id::text FROM inventory.outboxevent")[0][0]
            db.sql("UPDATE inventory.outboxevent SET payload = '{\"id\": 33}'")
            marker = str(uuid.uuid4())  # after the update: had the update been routed, it would come before this
            db.sql(f"INSERT INTO inventory.outboxevent VALUES ('{marker}', '{aggregate}', '3', 'OrderShipped', "
                   "now(), '{\"id\": 3, \"status\": \"SHIPPED\"}', NULL)")
            messages = read_topic(kafka_bootstrap, f"{aggregate}.events", len(events) + 2)
        finally:
            delete_connectors(up, config["name"])

    def decoded(message: Any) -> tuple[Any, ...]:
        key, value = json.loads(message.key()), json.loads(message.value())
        headers = {k: v.decode() for k, v in message.headers() or []}
        return key["payload"], value["payload"], headers.get("id"), headers.get("eventType")

    expected = [(aggregate_id, payload, event_id, event_type) for event_id, aggregate_id, event_type, payload in events]
    assert [decoded(m) for m in messages] == [*expected, ("3", '{"id": 3}', kept, "OrderCreated"),
                                              ("3", '{"id": 3, "status": "SHIPPED"}', marker, "OrderShipped")]
    key_schema, value_schema = json.loads(messages[0].key())["schema"], json.loads(messages[0].value())["schema"]
    assert key_schema["type"] == "string" and value_schema["type"] == "string"


POLLS_TABLES = [  # cqrs/postgres-primary/docker-entrypoint-initdb.d/polls.sql (the keyed tables and the join tables)
    "create table OptionEntity (id bigint not null, pollOption varchar(255), primary key (id))",
    "create table PollEntity (created timestamp(6), id bigint not null, question varchar(128), primary key (id))",
    "create table PollEntity_OptionEntity (PollEntity_id bigint not null, options_id bigint not null unique)",
    "create table PollEntity_VoteEntity (PollEntity_id bigint not null, votes_id bigint not null unique)",
    "create table VoteEntity (id bigint not null, pollId bigint, votedOn timestamp(6), votedOption bigint, "
    "primary key (id))",
    *(f"alter table {t} replica identity full" for t in ("OptionEntity", "PollEntity", "PollEntity_OptionEntity",
                                                           "PollEntity_VoteEntity", "VoteEntity")),
]
POLLS_QUERIES = {"optionentity": "SELECT id, polloption FROM optionentity ORDER BY id",
                 "pollentity": "SELECT id, question, created FROM pollentity ORDER BY id",
                 "voteentity": "SELECT id, pollid, votedon, votedoption FROM voteentity ORDER BY id"}


@contextlib.contextmanager
def mariadb_database(settings: dict[str, str], stem: str) -> Iterator[tuple[str, Any]]:
    """A database of its own on the shared MariaDB and an autocommit connection to it, dropped after."""
    import pymysql

    name = f"{stem}_{uuid.uuid4().hex[:10]}"
    conn = pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], autocommit=True)
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    conn.select_db(name)
    try:
        yield name, conn
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.close()


def test_cqrs_logical_table_router_into_debezium_jdbc_sink(up: Up, postgres_settings: dict[str, str],
                                                           mariadb_settings: dict[str, str]) -> None:
    """``cqrs/``: the polls tables captured with ``ByLogicalTableRouter`` (topics named by the table alone, the key
    given ``__dbz__physicalTableIdentifier``) into Debezium's JdbcSinkConnector on MariaDB (``mysql-sink.json``:
    upsert, deletes, ``schema.evolution=basic`` creating the tables, ``collection.name.format=${source.table}``).

    The join tables stay empty: they have no primary key, so their events have no key, and the published
    ``primary.key.mode=record_key`` fails such a record in Debezium's sink as in ours ("Configured primary key mode
    'record_key' cannot have null schema"). Two rounds of changes on one pipeline (its sink, started before the
    routed topics exist, waits a heartbeat for them): inserts and updates, then more with a row deleted among them (its
    tombstone follows the delete)."""
    pg = postgres_settings
    with pg_database(pg, "cqrs") as source, mariadb_database(mariadb_settings, "polls") as (sink_db, sink):
        source.sql(*POLLS_TABLES,
                   "INSERT INTO pollentity VALUES ('2026-11-25 10:00:00.123456', 1, 'Best editor?')",
                   "INSERT INTO optionentity VALUES (1, 'vim'), (2, 'emacs')",
                   "INSERT INTO voteentity VALUES (1, 1, '2026-11-25 10:01:00', 1)")
        prefix = f"{up.prefix}-polls"
        routed = f"{up.prefix}_"  # the routed topics are the tables' names: prefixed, as other tests share them
        source_config = {**published("debezium-examples_cqrs_postgres-source.json", **{
            "name": f"{up.prefix}-postgres-source", "database.hostname": pg["host"], "database.port": pg["port"],
            "database.user": pg["user"], "database.password": pg["password"], "database.dbname": source.name,
            "topic.prefix": prefix, "transforms.reroute.topic.regex": f"{prefix}.public.(.*)",
            "transforms.reroute.topic.replacement": f"{routed}$1"}), "slot.name": source.slot}
        sink_config = published("debezium-examples_cqrs_mysql-sink.json", **{
            "name": f"{up.prefix}-mysql-sink",
            "connection.url": f"jdbc:mysql://{mariadb_settings['host']}:{mariadb_settings['port']}/{sink_db}",
            "connection.username": mariadb_settings["user"], "connection.password": mariadb_settings["password"],
            "topics": ", ".join(f"{routed}{t}" for t in ("voteentity", "optionentity", "pollentity",
                                                           "pollentity_optionentity"))})
        assert sink_config["connector.class"] == "io.debezium.connector.jdbc.JdbcSinkConnector"

        def tables() -> dict[str, list[tuple[Any, ...]]]:
            found: dict[str, list[tuple[Any, ...]]] = {}
            with sink.cursor() as cursor:
                for table, statement in POLLS_QUERIES.items():
                    try:
                        cursor.execute(statement)
                    except Exception:  # not created yet
                        return {}
                    found[table] = [tuple(row) for row in cursor.fetchall()]
            return found

        def expected() -> dict[str, list[tuple[Any, ...]]]:
            return {table: source.query(statement) for table, statement in POLLS_QUERIES.items()}

        try:
            put_connector(up, source_config)
            put_connector(up, sink_config)
            for name in (source_config["name"], sink_config["name"]):
                up.wait_for(lambda n=name: running(up, n), f"{name} RUNNING", PIPELINE_TIMEOUT_S)
            names = (source_config["name"], sink_config["name"])
            wait_equal(up, tables, expected(), "the snapshot in the sink tables", *names)
            source.sql("INSERT INTO voteentity VALUES (2, 1, '2026-11-25 10:02:00.5', 2), (3, 1, now(), 2)",
                       "UPDATE optionentity SET polloption = 'Emacs' WHERE id = 2",
                       "UPDATE pollentity SET question = 'Best editor ever?' WHERE id = 1")
            after = expected()
            assert [r[0] for r in after["voteentity"]] == [1, 2, 3]
            wait_equal(up, tables, after, "the changes in the sink tables", *names)
            source.sql("INSERT INTO voteentity VALUES (4, 1, '2026-11-25 10:03:00', 1)",
                       "UPDATE optionentity SET polloption = 'Vim' WHERE id = 1",
                       "DELETE FROM voteentity WHERE id = 1")
            after = expected()
            assert [r[0] for r in after["voteentity"]] == [2, 3, 4]
            wait_equal(up, tables, after, "the changes with a delete in the sink tables", *names)
            with sink.cursor() as cursor:
                cursor.execute("SELECT DISTINCT __dbz__physicalTableIdentifier FROM voteentity")
                assert cursor.fetchall() == ((f"{prefix}.public.voteentity",),)
        finally:
            delete_connectors(up, source_config["name"], sink_config["name"])


def test_unwrap_smt_mysql_source_into_debezium_jdbc_sink_on_postgres(
    up: Up, postgres_settings: dict[str, str], mariadb_settings: dict[str, str],
) -> None:
    """``unwrap-smt/`` with ``jdbc-sink.json``: Debezium's MySqlConnector (on the shared MariaDB) with a
    ``RegexRouter`` naming the topic by the table, into Debezium's JdbcSinkConnector on PostgreSQL (upsert,
    deletes, ``primary.key.fields=id``, ``schema.evolution=basic`` creating the table named by the topic)."""
    pg, my = postgres_settings, mariadb_settings
    routed = f"e2e_{uuid.uuid4().hex[:8]}_"  # the routed topic (and so the sink's table): this test's own
    with mariadb_database(my, "inventory") as (source_db, source), pg_database(pg, "unwrapsink") as sink:
        with source.cursor() as cursor:
            cursor.execute("CREATE TABLE customers (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, first_name "
                           "VARCHAR(255) NOT NULL, last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL "
                           "UNIQUE) AUTO_INCREMENT=1001")
            cursor.execute("INSERT INTO customers (first_name, last_name, email) VALUES "
                           + ", ".join(f"('{f}', '{last}', '{e}')" for _, f, last, e, _b in CUSTOMERS))
        source_config = published("debezium-examples_unwrap-smt_source.json", **{
            "name": f"{up.prefix}-inventory-connector", "topic.prefix": f"{up.prefix}-dbserver1",
            "database.hostname": my["host"], "database.port": my["port"], "database.user": my["user"],
            "database.password": my["password"], "database.server.id": str(random.randint(200_000, 2**31)),
            "database.include.list": source_db,
            "schema.history.internal.kafka.bootstrap.servers": "127.0.0.1:9092",
            "schema.history.internal.kafka.topic": f"{up.prefix}-schema-changes.inventory",
            "transforms.route.replacement": f"{routed}$3"})
        sink_config = published("debezium-examples_unwrap-smt_jdbc-sink.json", **{
            "name": f"{up.prefix}-jdbc-sink", "topics": f"{routed}customers",
            "connection.url": f"jdbc:postgresql://{pg['host']}:{pg['port']}/{sink.name}",
            "connection.username": pg["user"], "connection.password": pg["password"]})
        assert sink_config["connector.class"] == "io.debezium.connector.jdbc.JdbcSinkConnector"

        def table() -> list[tuple[Any, ...]]:
            try:
                return sink.query(f"SELECT id, first_name, last_name, email FROM {routed}customers ORDER BY id")
            except psycopg2.Error:
                return []

        def expected() -> list[tuple[Any, ...]]:
            with source.cursor() as cursor:
                cursor.execute("SELECT id, first_name, last_name, email FROM customers ORDER BY id")
                return [tuple(row) for row in cursor.fetchall()]

        try:
            put_connector(up, source_config)
            put_connector(up, sink_config)
            names = (source_config["name"], sink_config["name"])
            for name in names:
                up.wait_for(lambda n=name: running(up, n), f"{name} RUNNING", PIPELINE_TIMEOUT_S)
            wait_equal(up, table, [r[:4] for r in CUSTOMERS], "the snapshot in the sink table", *names)
            with source.cursor() as cursor:
                cursor.execute("INSERT INTO customers (first_name, last_name, email) VALUES "
                               "('Kenneth', 'Anderson', 'kander@acme.com')")
                cursor.execute("UPDATE customers SET email = 'sally@example.org' WHERE id = 1001")
                cursor.execute("DELETE FROM customers WHERE id = 1002")
            after = expected()
            assert [r[0] for r in after] == [1001, 1003, 1004, 1005]
            wait_equal(up, table, after, "the changes in the sink table", *names)
            [(key,)] = sink.query(f"SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                                  f"AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '{routed}customers'::regclass "
                                  "AND i.indisprimary")
            assert key == "id"
        finally:
            delete_connectors(up, source_config["name"], sink_config["name"])
