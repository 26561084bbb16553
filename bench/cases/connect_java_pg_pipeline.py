"""Case 4u: debezium-examples' tutorial pipeline, PostgreSQL CDC -> ``ExtractNewRecordState`` -> JDBC upsert, ours
vs Debezium's PostgreSQL connector + the same SMT + Debezium's JDBC sink in the warm worker.

Every repetition copies the dataset (4e's PostgreSQL table) into a fresh table with one ``INSERT ... SELECT`` (one
transaction of row changes). Ours: our ``PostgresConnector`` (4e's keys, pgoutput, ``snapshot.mode=no_data``) with
``transforms=unwrap`` through ``SourceRunner``, invoked as a schedule invokes it until every change is committed in
its topic (a first, unmeasured invocation created the slot), then that topic consumed into Lambda events for
``SinkRunner`` + our ``io.debezium.connector.jdbc.JdbcSinkConnector`` (upsert on the record key into a MariaDB
table). The JVM: Debezium's ``PostgresConnector`` with the same keys and SMT, streaming a probe table before the
copy, and Debezium's JDBC sink with the same config dict as ours, its task running on the empty topic; its CPU is
counted from the copy until the last row is in its table. Both with JsonConverter with schemas (the JDBC sink needs
them). Each side writes its own table; the row fails unless each holds every row; at each repetition both tables are
compared, outside the measured spans: ``rows_equal`` (the first, middle and last rows) and ``column_differences``
(ours' and the JVM's column definitions where they differ, as pairs). Beside ours, one after the other (the order
flipped every repetition), the raw floor on a copy of its own: 4e's floor writing the unwrapped rows with schemas
(``PgFloor(unwrapped=True)``), then 4b's (``mariadb_rows.raw_upsert``) from that topic into a table of its own,
which must hold every row. The pull-mode row: the same repetitions' source span plus a pull-mode JDBC sink (its own
consumer of ours' topic, its own table, which must hold every row and the mapping sink's first, middle and last
rows: ``pull_rows_equal``), measured right before or after the mapping's sink (the order flipped every repetition).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bench import common, dataset, jvm_worker, mapping, mariadb_rows, side_by_side
from bench.counting import WAIT_S, CommittedCount, started, topics, until_all_in
from bench.pg_floor import PgFloor
from bench.pg_tables import DEBEZIUM_POSTGRES, PgTables, connector_config
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from bench.common import Result, Sample, Settings

NAME = "4u postgres cdc -> unwrap -> jdbc upsert vs debezium pg + debezium jdbc sink"
BASELINE = (f"Kafka Connect {KAFKA_VERSION} + {DEBEZIUM_POSTGRES} + ExtractNewRecordState + "
            f"{mariadb_rows.DEBEZIUM}")
WITH_SCHEMAS = {"key.converter.schemas.enable": "true", "value.converter.schemas.enable": "true"}


def source_config(pg: dict[str, str], prefix: str, slot: str, include: str) -> dict[str, str]:
    """4e's PostgreSQL keys, JsonConverter with schemas and Debezium's ``ExtractNewRecordState`` as ``unwrap``:
    the tutorial's source."""
    return {**connector_config(pg, prefix, slot, include), **WITH_SCHEMAS, **mariadb_rows.UNWRAP}


def sink_config(db: dict[str, str], topic: str, table: str) -> dict[str, str]:
    """Debezium's JDBC sink keys (both sides take this dict): upsert into ``table`` on the record key's ``id``,
    ``schema.evolution=basic``, ``batch.size`` as 4b's, JsonConverter with schemas."""
    return {**mariadb_rows.debezium_sink_config(db, topic, table, "record_key"), **mariadb_rows.CONVERTERS}


def _sink_table(prefix: str) -> str:
    return common.unique(prefix).replace("-", "_")


def _describe(db: dict[str, str], table: str, ids: list[int]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """``table``'s column definitions (name, type, nullable, key) and its rows of ``ids``."""
    conn = dataset.connect(db)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS "
                           "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
                           (db["database"], table))
            columns = [tuple(row) for row in cursor.fetchall()]
            cursor.execute(f"SELECT * FROM `{table}` WHERE id IN ({', '.join(map(str, ids))}) ORDER BY id")
            rows = [tuple(row) for row in cursor.fetchall()]
    finally:
        conn.close()
    return columns, rows


def _exact_count(db: dict[str, str], table: str, records: int, who: str) -> None:
    """Fail unless ``table`` holds exactly ``records`` rows (ids 1..records)."""
    if mariadb_rows.table_count(db, table, records) != records:
        raise RuntimeError(f"{who}: {table} does not hold exactly {records} rows")


class _Sides:
    """4u's two sides over one case's PostgreSQL tables and MariaDB sink tables; each repetition's two sink tables
    are compared once both sides ran it, then dropped."""

    def __init__(self, settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> None:
        """The dataset table (and a smaller one for the warm-up above ``BENCH_JAVA_WARMUP_MAX``)."""
        from confluent_kafka import Consumer

        self.settings, self.worker, self.cluster, self.bootstrap = settings, worker, cluster, bootstrap
        found = common.services("postgres", "mariadb")
        self.pg, self.db = found["postgres"], found["mariadb"]
        self.warm = side_by_side.warmup_size(settings.records)
        with common.phase("prepare: source table"):
            self.tables = PgTables(self.pg, settings.records)
            self.warm_tables = PgTables(self.pg, self.warm) if self.warm < settings.records else self.tables
        self.invocations: list[int] = []  # ours' source invocations per measured repetition
        self.kept: dict[str, list[Sample]] = {}  # the raw floor's samples of the measured repetitions
        self.made: dict[int, dict[str, str]] = {}  # repetition -> side -> its sink table
        self.compared: list[dict[str, Any]] = []
        self.pull_tables: list[str] = []  # the pull-mode sink's tables not dropped yet
        self.pull_equal: list[bool] = []  # per repetition: its rows are the mapping sink's
        self.watermarks = Consumer({"bootstrap.servers": bootstrap, "group.id": common.unique("pgu-count")})

    def source(self, rep: int) -> tuple[PgTables, int]:
        """The tables and the number of changes of repetition ``rep`` (-1: the warm-up)."""
        return (self.warm_tables, self.warm) if rep < 0 else (self.tables, self.settings.records)

    def written(self, rep: int, side: str, table: str, records: int) -> None:
        """``side``'s sink table of ``rep`` (in ``made``) holds every row; once both sides' do, compare and drop
        them."""
        with common.phase("count"):
            _exact_count(self.db, table, records, side)
        tables = self.made[rep]
        if len(tables) < 2:
            return
        with common.phase("count"):
            ids = sorted({1, records // 2 + 1, records})
            ours, theirs = _describe(self.db, tables["ours"], ids), _describe(self.db, tables["jvm"], ids)
            self.compared.append({
                "rep": rep, "rows_equal": ours[1] == theirs[1] and len(ours[1]) == len(ids),
                "column_differences": [[repr(a), repr(b)] for a, b in zip(ours[0], theirs[0], strict=False) if a != b]
                + ([] if len(ours[0]) == len(theirs[0]) else [[repr(ours[0]), repr(theirs[0])]]),
                "rows": [repr(ours[1])[:1000], repr(theirs[1])[:1000]]})
        with common.phase("clean-up"):
            dataset.drop_tables(self.db, list(tables.values()))
        del self.made[rep]

    def ours(self, rep: int) -> Sample:
        """Our source invoked until every change is in its topic, then the topic into our JDBC sink behind the
        emulated mapping and, as the pull-mode row, into a pull-mode JDBC sink of its own (its own consumer of the
        topic and its own table), one after the other (the order flipped every repetition); each sink's span is
        added to the source's. Returns the mapping's sample (the pull mode's goes to ``kept``)."""
        db, records = self.source(rep)
        table = db.new_table()
        name = common.unique("pguours")
        slot = name.replace("-", "_")
        db.slots.append(slot)
        topic = f"{name}.{db.schema}.{table}"
        sink, sink_table = common.unique("pgusink"), _sink_table("ours_pgu")
        pull_sink, pull_table = common.unique("pgupull"), _sink_table("pull_pgu")
        self.made.setdefault(rep, {})["ours"] = sink_table  # dropped by ``written`` or, on a failure, ``close``
        self.pull_tables.append(pull_table)
        self.cluster.deploy(name, source_config(self.pg, name, slot, f"{db.schema}.{table}"))
        self.cluster.deploy(sink, sink_config(self.db, topic, sink_table))
        self.cluster.deploy(pull_sink, sink_config(self.db, topic, pull_table) | mapping.PULL_CONFIG
                            | {"lambda.batch.size": str(self.settings.batch)})
        runner = started(self.cluster, name)
        count = CommittedCount(self.bootstrap, topic)
        spans: dict[str, Sample] = {}

        def mapped() -> None:
            with common.phase("ours"):
                spans["ours"] = mapping.measure_ours(lambda: mapping.sink_from_topic(
                    self.cluster, sink, self.bootstrap, topic, records=records, batch=self.settings.batch))

        def pulled() -> None:
            with common.phase("ours, pull mode"):
                spans["pull"] = mapping.measure_ours(lambda: mapping.pull_from_topic(self.cluster, pull_sink,
                                                                                     records=records))

        try:
            with common.phase("prepare: copy"):
                db.copy(table)
            captured, calls = until_all_in(lambda: runner.run(name, 0, common.budget()), count, records, "ours")
            for sink_side in ((mapped, pulled) if rep % 2 == 0 else (pulled, mapped)):
                sink_side()
        finally:
            runner.close()
            count.close()
            with common.phase("clean-up"):
                db.drop_slot(slot)
            topics(self.bootstrap, delete=[topic, f"__debezium-heartbeat.{name}"])
        if rep >= 0:
            self.invocations.append(calls)
            written = spans["pull"]
            self.kept.setdefault("ours, pull mode", []).append(common.Sample(
                captured.wall_s + written.wall_s, captured.cpu_s + written.cpu_s, records))
        self.pulled(pull_table, sink_table, records)
        self.written(rep, "ours", sink_table, records)
        written = spans["ours"]
        return common.Sample(captured.wall_s + written.wall_s, captured.cpu_s + written.cpu_s, records,
                             esm_cpu_s=written.esm_cpu_s)

    def pulled(self, pull_table: str, sink_table: str, records: int) -> None:
        """The pull-mode sink's table holds every row, and its first, middle and last rows are the mapping sink's
        (``pull_rows_equal``); then it is dropped."""
        with common.phase("count"):
            _exact_count(self.db, pull_table, records, "ours, pull mode")
            ids = sorted({1, records // 2 + 1, records})
            self.pull_equal.append(_describe(self.db, pull_table, ids) == _describe(self.db, sink_table, ids))
        with common.phase("clean-up"):
            dataset.drop_tables(self.db, [pull_table])
        self.pull_tables.remove(pull_table)

    def ours_and_floor(self, rep: int) -> Sample:
        """Ours and the raw floor, one after the other (``side_by_side.rotated``); returns ours'."""
        return side_by_side.rotated(rep, [("ours", lambda: self.ours(rep)), ("raw", lambda: self.floor(rep))],
                                    self.kept)

    def floor(self, rep: int) -> Sample:
        """The raw floor on a fresh copy: its slot read into a topic of its own (4e's floor, the rows unwrapped with
        schemas), then that topic upserted into a table of its own (4b's floor); both spans count."""
        db, records = self.source(rep)
        table, sink_table = db.new_table(), _sink_table("raw_pgu")
        with common.phase("prepare: raw slot"):
            floor = PgFloor(db, self.bootstrap, table, common.unique("pguraw"), unwrapped=True)
        try:
            with common.phase("prepare: copy"):
                db.copy(table)
            captured = common.measure(lambda: floor.run(records))
            if captured.records != records:
                raise RuntimeError(f"4u raw floor: {captured.records} of {records} changes captured")
            written = common.measure(lambda: mariadb_rows.raw_upsert(
                self.db, self.bootstrap, floor.topic, sink_table, records=records, batch=self.settings.batch))
            with common.phase("count"):
                _exact_count(self.db, sink_table, records, "raw floor")
        finally:
            floor.close()
            with common.phase("clean-up"):
                db.drop_slot(floor.slot)
                dataset.drop_tables(self.db, [sink_table])
            topics(self.bootstrap, delete=[floor.topic])
        return common.Sample(captured.wall_s + written.wall_s, captured.cpu_s + written.cpu_s, records)

    def theirs(self, rep: int) -> Sample:
        """Debezium's source streaming a probe table and Debezium's JDBC sink running on the empty topic, then the
        copy, timed until every row is in the sink's table (JVM CPU from the copy on)."""
        db, records = self.source(rep)
        table, probe = db.new_table(), db.new_table()
        name = common.unique("dbzpgu")
        slot = name.replace("-", "_")
        db.slots.append(slot)
        topic = f"{name}.{db.schema}.{table}"
        sink, sink_table = common.unique("dbzpgusink"), _sink_table("dbz_pgu")
        self.made.setdefault(rep, {})["jvm"] = sink_table
        topics(self.bootstrap, create=[topic])  # the sink's consumer subscribes before the first change
        worker = self.worker
        connectors = {
            name: {**source_config(self.pg, name, slot, f"{db.schema}.{table},{db.schema}.{probe}"),
                   "slot.drop.on.stop": "true", "topic.creation.default.replication.factor": "1",
                   "topic.creation.default.partitions": "1"},
            sink: sink_config(self.db, topic, sink_table),
        }
        try:
            with common.phase("jvm: connector start"):
                for connector, config in connectors.items():
                    status, body = worker.rest("PUT", f"/connectors/{connector}/config", config)
                    if status >= 300:
                        raise RuntimeError(f"creating {connector} failed: {status} {body}")
                worker.probe("Debezium's PostgreSQL stream", lambda row: db.copy_row(probe, row),
                             lambda: mapping.records_in(self.watermarks, f"{name}.{db.schema}.{probe}") > 0, 180)
                worker.wait("Debezium's JDBC sink task", lambda: _running(worker, sink), 180)
            sample = worker.span(f"{name}'s {records} changes in {sink_table}", lambda: db.copy(table),
                                 lambda: mariadb_rows.table_count(self.db, sink_table, records) >= records, records,
                                 WAIT_S)
        finally:
            with common.phase("jvm connectors deleted"):
                for connector in connectors:
                    worker.rest("DELETE", f"/connectors/{connector}")
            with common.phase("clean-up"):
                db.drop_slot(slot)
            topics(self.bootstrap, delete=[topic, f"{name}.{db.schema}.{probe}", f"__debezium-heartbeat.{name}"])
        self.written(rep, "jvm", sink_table, records)
        return sample

    def close(self) -> None:
        """Drop the source tables, slots and publications, and any sink table not compared yet."""
        self.watermarks.close()
        with common.phase("clean-up"):
            dataset.drop_tables(self.db, [t for tables in self.made.values() for t in tables.values()]
                                + self.pull_tables)
            self.tables.drop()
            if self.warm_tables is not self.tables:
                self.warm_tables.drop()


def _running(worker: jvm_worker.Worker, connector: str) -> bool:
    """Whether ``connector``'s task 0 is RUNNING (a FAILED task fails the row with its trace)."""
    status, body = worker.rest("GET", f"/connectors/{connector}/status")
    tasks = body.get("tasks", []) if status == 200 and isinstance(body, dict) else []
    if tasks and tasks[0].get("state") == "FAILED":
        raise RuntimeError(f"{connector}'s task failed: {str(tasks[0].get('trace'))[:1500]}")
    return bool(tasks) and tasks[0].get("state") == "RUNNING"


def pipeline_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster,
                  bootstrap: str) -> list[Result]:
    """The tutorial pipeline, ours and the JVM's interleaved (the order flipped every repetition), each into its
    own table; the rows fail unless every repetition's tables hold every row. The mapping row and its pull-mode
    row (ours' source, then a pull-mode sink over the same topic)."""
    sides = _Sides(settings, worker, cluster, bootstrap)
    try:
        mine, java, load = side_by_side.interleaved(settings, sides.ours_and_floor, sides.theirs)
    finally:
        sides.close()
    raw = sides.kept.get("raw", [])
    row = side_by_side.method_row(
        f"{NAME} {side_by_side.size_label(settings.records)}", BASELINE, mine, java, raw=raw,
        raw_kind="floor",
        load_avg_1m=load, warmup_records=sides.warm, ours_invocations=sides.invocations,
        batch_size=mariadb_rows.JDBC_BATCH_SIZE, converter="JsonConverter, schemas.enable=true (every side)",
        rows_equal=bool(sides.compared) and all(c["rows_equal"] for c in sides.compared),
        column_differences=[list(d) for d in sorted({tuple(d) for c in sides.compared
                                                      for d in c["column_differences"]})],
        rows_compared=[c["rows"] for c in sides.compared if not c["rows_equal"]][:2],
        compared_repetitions=len(sides.compared),
        delivery="ours: exactly-once source (transactional), at-least-once upsert sink; JVM: at-least-once source "
        "(standalone worker), at-least-once upsert sink",
    )
    return [row, side_by_side.pull_row(row, sides.kept.get("ours, pull mode", []), java, raw=raw, idle=[],
                                       load_avg_1m=load, batch_size=mariadb_rows.JDBC_BATCH_SIZE,
                                       pull_rows_equal=bool(sides.pull_equal) and all(sides.pull_equal))]


def pipeline_rows(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str, *,
                  plugins: bool, why: str) -> list[Result]:
    """4u at ``settings.records``: its rows, its failure as a row, or why a Debezium plugin is missing."""
    if not plugins:
        return [common.Result(f"{NAME} {side_by_side.size_label(settings.records)}", None, BASELINE, None,
                              settings.records, 0, skipped=f"not resolvable: {why}")]
    return side_by_side.guarded_rows(NAME, settings.records,
                                     lambda: pipeline_case(settings, worker, cluster, bootstrap))
