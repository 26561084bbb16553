"""Case 4e: PostgreSQL change data capture -> Kafka, ours vs Debezium's PostgresConnector in the warm worker.

Every repetition copies the dataset (case 1's ten columns as PostgreSQL types) into a fresh table with one
``INSERT ... SELECT`` (one transaction of row changes). Ours: our ``PostgresConnector`` (pgoutput,
``snapshot.mode=no_data``, records and offsets in one transaction) through ``SourceRunner``, invoked as a schedule
invokes it, until every change is in its topic (a first, unmeasured invocation created the slot and stored the
position). Debezium 3.7's ``PostgresConnector`` in the standalone worker, configured alike. Beside ours, on the same
copy, the raw floor (``raw_pg``): psycopg2 reading its own slot with ours' driver path, the same envelope and headers
with orjson and a transactional producer. JsonConverter without schemas on every side.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import TYPE_CHECKING, Any

from bench import common, jvm_worker, mapping, side_by_side
from bench.counting import WAIT_S, CommittedCount, beside_floor, topics
from bench.pg_tables import DEBEZIUM_POSTGRES, PgTables, connector_config, unique_name
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.common import Result, Sample, Settings

DEBEZIUM_VERSION = DEBEZIUM_POSTGRES.rsplit(":", 1)[1]


# -- the raw floor ---------------------------------------------------------------------------------
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in Unix microseconds: pgoutput's timestamps count from there
_EPOCH = dt.datetime(1970, 1, 1)
_MS = dt.timedelta(milliseconds=1)
_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()


def _decimal(text: bytes) -> str:
    """numeric(p,s) text (always ``s`` decimals) as Debezium's precise decimal: base64 of the unscaled value's
    big-endian two's complement (Java's ``BigInteger.toByteArray``)."""
    import base64

    unscaled = int(text.replace(b".", b""))
    size = (unscaled if unscaled >= 0 else ~unscaled).bit_length() // 8 + 1  # Java's bitLength() // 8 + 1
    return base64.b64encode(unscaled.to_bytes(size, "big", signed=True)).decode()


def _timestamp_ms(text: bytes) -> int:
    return (dt.datetime.fromisoformat(text.decode()) - _EPOCH) // _MS


def _date_days(text: bytes) -> int:
    return dt.date.fromisoformat(text.decode()).toordinal() - _EPOCH_DAY


# pgoutput text values -> Debezium's JSON values, by type oid: the dataset's types with Debezium's defaults
# (decimal.handling.mode=precise, time.precision.mode=adaptive: timestamp(3) in milliseconds, date in days)
_CONVERT: dict[int, Callable[[bytes], Any]] = {
    20: int, 23: int, 21: int, 1043: bytes.decode, 25: bytes.decode, 1700: _decimal, 701: float,
    16: lambda v: v == b"t", 1114: _timestamp_ms, 1082: _date_days,
}

# a pgoutput Relation: (schema, table, [(column, converter)], key columns)
_Relation = tuple[str, str, list[tuple[str, "Callable[[bytes], Any]"]], list[str]]


class PgFloor:
    """The raw floor of 4e on the same copy as ours: its own slot and publication on the table, made before the
    copy; ``run`` reads the slot with psycopg2 (``start_replication`` + ``read_message``, ours' driver path),
    decodes pgoutput's Relation/Begin/Insert/Commit messages, builds Debezium's key, envelope, ``source`` block and
    context headers as dicts, writes them with ``orjson.dumps`` through a transactional producer (one transaction)
    and confirms the commit's LSN to the slot. No offsets stored, no schema checks: nothing moves the same bytes
    with less."""

    def __init__(self, tables: PgTables, bootstrap: str, table: str, prefix: str) -> None:
        """The slot, the publication, the topic and the producer (outside the measured span, as ours' are)."""
        import psycopg2
        import psycopg2.extras
        from confluent_kafka import Producer
        from confluent_kafka.admin import AdminClient, NewTopic

        self.tables, self.table, self.prefix = tables, table, prefix
        self.slot = unique_name("raw")
        tables.slots.append(self.slot)
        tables.sql(f"CREATE PUBLICATION pub_{self.slot} FOR TABLE {tables.schema}.{table}")
        pg = tables.pg
        self.replication = psycopg2.connect(host=pg["host"], port=int(pg["port"]), user=pg["user"],
                                            password=pg["password"], dbname=pg["database"],
                                            connection_factory=psycopg2.extras.LogicalReplicationConnection)
        self.replication.cursor().create_replication_slot(self.slot, output_plugin="pgoutput")
        self.topic = f"{prefix}.{tables.schema}.{table}"
        admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive: a dropped client fails its futures
        admin.create_topics([NewTopic(self.topic, 1, 1)])[self.topic].result(30)
        self.producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": common.unique("raw-pg-tx"),
                                  "linger.ms": 5, "delivery.report.only.error": True})
        self.producer.init_transactions(60)
        self.headers: list[tuple[str, str | bytes | None]] = [
            ("__debezium.context.connectorLogicalName", prefix.encode()), ("__debezium.context.taskId", b"0"),
            ("__debezium.context.connectorName", b"postgresql"),
            ("__debezium.context.runId", str(uuid.uuid4()).encode())]

    def run(self, records: int) -> int:
        """Read the slot until the transaction holding the ``records``-th insert of the table committed; produce
        every insert; commit; confirm. Returns the records produced."""
        import select

        import orjson

        cursor = self.replication.cursor()
        cursor.start_replication(slot_name=self.slot, decode=False,
                                 options={"proto_version": "1", "publication_names": f"pub_{self.slot}"})
        producer, topic, headers, dumps = self.producer, self.topic, self.headers, orjson.dumps
        produce, poll = producer.produce, producer.poll
        db, prefix = self.tables.pg["database"], self.prefix
        relations: dict[int, _Relation] = {}
        xid = commit_us = 0
        last_commit: int | None = None
        sent = 0
        deadline = time.monotonic() + WAIT_S
        producer.begin_transaction()
        while True:
            message = cursor.read_message()
            if message is None:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"raw floor: {sent} of {records} changes within {WAIT_S} s")
                if not select.select([cursor], [], [], 0.05)[0]:
                    cursor.send_feedback(reply=True)
                continue
            payload = message.payload
            kind = payload[0]
            if kind == 0x49:  # Insert: relid, 'N', columns
                relation = relations.get(int.from_bytes(payload[1:5], "big"))
                if relation is None:
                    continue
                lsn = message.data_start
                source = {"version": DEBEZIUM_VERSION, "connector": "postgresql", "name": prefix,
                          "ts_ms": commit_us // 1000, "snapshot": "false", "db": db,
                          "sequence": dumps([None if last_commit is None else str(last_commit), str(lsn)]).decode(),
                          "ts_us": commit_us, "ts_ns": commit_us * 1000, "schema": relation[0],
                          "table": relation[1], "txId": xid, "lsn": lsn, "xmin": None, "origin": None,
                          "origin_lsn": None}
                key, value = _change(payload, relation, source)
                while True:
                    try:
                        produce(topic, dumps(value), dumps(key), headers=headers)
                        break
                    except BufferError:  # the local queue is full: let librdkafka send
                        poll(0.05)
                sent += 1
            elif kind == 0x42:  # Begin: final LSN, commit timestamp, xid
                commit_us = int.from_bytes(payload[9:17], "big", signed=True) + _PG_EPOCH_US
                xid = int.from_bytes(payload[17:21], "big")
            elif kind == 0x43:  # Commit: flags, commit LSN, end LSN, timestamp
                last_commit = int.from_bytes(payload[10:18], "big")
                if sent >= records:
                    break
            elif kind == 0x52:  # Relation
                relations[int.from_bytes(payload[1:5], "big")] = _relation(payload)
        producer.commit_transaction(60)
        cursor.send_feedback(write_lsn=last_commit, flush_lsn=last_commit, force=True)
        return sent

    def close(self) -> None:
        """Release the replication connection (the slot is dropped with the tables' others)."""
        self.replication.close()


def _change(payload: bytes, relation: _Relation, source: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An Insert message's key and Debezium envelope (``op`` c; text values converted by column type)."""
    after: dict[str, Any] = {}
    at = 8
    for name, convert in relation[2]:
        if payload[at] == 0x74:  # 't': a text value
            size = int.from_bytes(payload[at + 1:at + 5], "big")
            after[name] = convert(payload[at + 5:at + 5 + size])
            at += 5 + size
        else:  # 'n': null
            after[name] = None
            at += 1
    now_ns = time.time_ns()
    return ({name: after[name] for name in relation[3]},
            {"before": None, "after": after, "source": source, "transaction": None, "op": "c",
             "ts_ms": now_ns // 1_000_000, "ts_us": now_ns // 1000, "ts_ns": now_ns})



def _relation(payload: bytes) -> _Relation:
    """A pgoutput Relation message: (schema, table, [(column, converter)], key columns)."""
    at = 5
    end = payload.index(b"\0", at)
    schema = payload[at:end].decode()
    at = end + 1
    end = payload.index(b"\0", at)
    table = payload[at:end].decode()
    at = end + 2  # the replica identity byte
    count = int.from_bytes(payload[at:at + 2], "big")
    at += 2
    columns, keys = [], []
    for _ in range(count):
        flags = payload[at]
        end = payload.index(b"\0", at + 1)
        name = payload[at + 1:end].decode()
        oid = int.from_bytes(payload[end + 1:end + 5], "big")
        at = end + 9
        columns.append((name, _CONVERT[oid]))
        if flags & 1:
            keys.append(name)
    return schema, table, columns, keys


# -- the sub-case ----------------------------------------------------------------------------------
class _Sides:
    """4e's three sides over one case's tables: ``ours`` (with the raw floor on the same copy) and ``theirs``."""

    def __init__(self, settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> None:
        """The dataset table (and a smaller one for the warm-up above ``BENCH_JAVA_WARMUP_MAX``)."""
        from confluent_kafka import Consumer


        self.settings, self.worker, self.cluster, self.bootstrap = settings, worker, cluster, bootstrap
        self.pg = common.services("postgres")["postgres"]
        warm = side_by_side.warmup_size(settings.records)
        with common.phase("prepare: source table"):
            self.tables = PgTables(self.pg, settings.records)
            self.warm_tables = PgTables(self.pg, warm) if warm < settings.records else self.tables
        self.warm = warm
        self.raw: list[Sample] = []
        self.invocations: list[int] = []  # ours' per measured repetition (more than one: a tick share ended)
        self.watermarks = Consumer({"bootstrap.servers": bootstrap, "group.id": common.unique("pg-count")})

    def source(self, rep: int) -> tuple[PgTables, int]:
        """The tables and the number of changes of repetition ``rep`` (-1: the warm-up)."""
        return (self.warm_tables, self.warm) if rep < 0 else (self.tables, self.settings.records)

    def ours(self, rep: int) -> Sample:
        """Ours and the raw floor on one copy, one after the other (the order flipped every repetition)."""
        db, records = self.source(rep)
        table = db.new_table()
        name = common.unique("pgours")
        slot = name.replace("-", "_")
        db.slots.append(slot)
        self.cluster.deploy(name, connector_config(self.pg, name, slot, f"{db.schema}.{table}"))
        floors: list[PgFloor] = []

        def prepare() -> tuple[Callable[[int], int], list[CommittedCount]]:
            with common.phase("prepare: raw slot"):
                floors.append(PgFloor(db, self.bootstrap, table, common.unique("pgraw")))
            with common.phase("prepare: copy"):
                db.copy(table)
            return floors[0].run, [CommittedCount(self.bootstrap, f"{name}.{db.schema}.{table}"),
                                   CommittedCount(self.bootstrap, floors[0].topic)]

        try:
            return beside_floor(rep, self.cluster, name, prepare, records=records, raw=self.raw,
                                invocations=self.invocations)
        finally:
            with common.phase("clean-up"):
                for floor in floors:
                    floor.close()
                    db.drop_slot(floor.slot)
                db.drop_slot(slot)
            topics(self.bootstrap, delete=[f"{name}.{db.schema}.{table}", f"__debezium-heartbeat.{name}",
                                           *(floor.topic for floor in floors)])

    def theirs(self, rep: int) -> Sample:
        """Debezium's connector on a fresh table: created, streaming a probe table, then the copy, timed until
        every change is in its topic (JVM CPU from the copy on)."""

        db, records = self.source(rep)
        table, probe = db.new_table(), db.new_table()
        name = common.unique("dbzpg")
        slot = name.replace("-", "_")
        db.slots.append(slot)
        config = {**connector_config(self.pg, name, slot, f"{db.schema}.{table},{db.schema}.{probe}"),
                  "slot.drop.on.stop": "true", "topic.creation.default.replication.factor": "1",
                  "topic.creation.default.partitions": "1"}
        worker = self.worker
        status, body = worker.rest("PUT", f"/connectors/{name}/config", config)
        if status >= 300:
            raise RuntimeError(f"creating {name} failed: {status} {body}")
        topic = f"{name}.{db.schema}.{table}"
        count = CommittedCount(self.bootstrap, topic)
        try:
            with common.phase("jvm: connector start"):
                worker.probe("Debezium's PostgreSQL stream", lambda row: db.copy_row(probe, row),
                             lambda: mapping.records_in(self.watermarks, f"{name}.{db.schema}.{probe}") > 0, 180)
            sample = worker.span(f"{name}'s {records} changes", lambda: db.copy(table),
                                 lambda: mapping.records_in(self.watermarks, topic) >= records, records, WAIT_S)
            with common.phase("count"):
                count.exact(records, "Debezium")
            return sample
        finally:
            count.close()
            with common.phase("jvm connectors deleted"):
                worker.rest("DELETE", f"/connectors/{name}")
            with common.phase("clean-up"):
                db.drop_slot(slot)
            topics(self.bootstrap, delete=[topic, f"{name}.{db.schema}.{probe}", f"__debezium-heartbeat.{name}"])

    def close(self) -> None:
        """Drop the tables, slots and publications."""
        self.watermarks.close()
        with common.phase("clean-up"):
            self.tables.drop()
            if self.warm_tables is not self.tables:
                self.warm_tables.drop()


def pg_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> Result:
    """PostgreSQL -> Kafka: ours and the raw floor on one copy each repetition (the order flipped), Debezium's on
    another, its connector streaming a probe table before the copy (JVM CPU from the copy until the last change)."""

    sides = _Sides(settings, worker, cluster, bootstrap)
    try:
        mine, java, load = side_by_side.interleaved(settings, sides.ours, sides.theirs)
    finally:
        sides.close()
    return side_by_side.method_row(f"4e postgres cdc -> kafka vs debezium {side_by_side.size_label(settings.records)}",
                      f"Kafka Connect {KAFKA_VERSION} + {DEBEZIUM_POSTGRES}", mine, java, raw=sides.raw,
                      raw_kind="floor", load_avg_1m=load, warmup_records=sides.warm,
                      ours_invocations=sides.invocations,
                      converter="JsonConverter, schemas.enable=false (every side)")


def pg_row(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str, *, plugin: object,
           why: str) -> Result:
    """4e at ``settings.records``: the row, its failure as its own row, or why Debezium's plugin is missing."""

    if plugin is None:
        return common.Result(f"4e postgres cdc -> kafka vs debezium {side_by_side.size_label(settings.records)}", None,
                             DEBEZIUM_POSTGRES, None, settings.records, 0, skipped=f"not resolvable: {why}")
    return side_by_side.guarded("4e postgres cdc -> kafka vs debezium", settings.records,
                    lambda: pg_case(settings, worker, cluster, bootstrap))
