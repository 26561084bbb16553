"""Case 4e: PostgreSQL change data capture -> Kafka, ours vs Debezium's PostgresConnector in the warm worker.

Every repetition copies the dataset (case 1's ten columns as PostgreSQL types) into a fresh table with one
``INSERT ... SELECT`` (one transaction of row changes). Ours: our ``PostgresConnector`` (pgoutput,
``snapshot.mode=no_data``, records and offsets in one transaction) through ``SourceRunner``, invoked as a schedule
invokes it, until every change is in its topic (a first, unmeasured invocation created the slot and stored the
position). Debezium 3.7's ``PostgresConnector`` in the standalone worker, configured alike. Beside ours, on the same
copy, the raw floor (``pg_floor.PgFloor``): psycopg2 reading its own slot with ours' driver path, the same envelope and
headers with orjson and a transactional producer. JsonConverter without schemas on every side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import common, jvm_worker, mapping, side_by_side
from bench.counting import WAIT_S, CommittedCount, beside_floor, topics
from bench.pg_floor import PgFloor
from bench.pg_tables import DEBEZIUM_POSTGRES, PgTables, connector_config
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.common import Result, Sample, Settings


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
