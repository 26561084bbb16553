"""Case 4p: the production pair, MariaDB table -> JDBC source -> Kafka -> JDBC sink (upsert) -> MariaDB table.

Ours: one ``SourceRunner`` invocation of our JdbcSourceConnector (Confluent's keys, incrementing mode,
``batch.max.rows`` = ``BENCH_BATCH``) into a fresh topic, then the topic consumed into Lambda events for
``SinkRunner`` + our JdbcSinkConnector (upsert, ``pk.mode=record_value`` on ``id``: the JDBC source writes no key).
The JVM: no JDBC polling source is on Maven Central (Confluent's and Aiven's JDBC connectors are not; Camel's SQL
connectors are not there either), so the closest JVM pair that is: Debezium's ``MariaDbConnector`` reading the same
table as an initial snapshot (``snapshot.mode=initial_only``: a ``SELECT`` of the table, no binlog streaming after
it), flattened to the row by Debezium's ``ExtractNewRecordState`` (the record a JDBC source writes), then Debezium's
JDBC sink upserting on the value's ``id``. Both with JsonConverter with schemas, 1,000 rows per source batch and
``batch.size`` 3000 on both sinks. Delivery: the worker is standalone, which has no exactly-once source, so the JVM
pair is at-least-once; ours' source is exactly-once (records and offsets in one transaction: more work, it cannot
be turned off), both sinks at-least-once upserts.
Raw floor: ``mariadb_rows.raw_source`` then ``mariadb_rows.raw_upsert``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import common, dataset, jvm_worker, mapping, mariadb_rows, side_by_side
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from bench.common import Result, Sample, Settings

NAME = "4p jdbc src -> kafka -> jdbc upsert vs debezium"
BASELINE = f"Kafka Connect {KAFKA_VERSION} + {mariadb_rows.DEBEZIUM_MARIADB} (snapshot) + {mariadb_rows.DEBEZIUM}"


def sink_config(db: dict[str, str], topic: str, table: str) -> dict[str, str]:
    """Our JdbcSinkConnector upserting ``topic`` into ``table`` on the value's ``id``, ``batch.size`` as 4b's."""
    return {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "connection.url": db["connection.url"],
            "connection.user": db["user"], "connection.password": db["password"], "insert.mode": "upsert",
            "pk.mode": "record_value", "pk.fields": "id", "auto.create": "true", "table.name.format": table,
            "batch.size": mariadb_rows.JDBC_BATCH_SIZE, "topics": topic, "tasks.max": "1", **mariadb_rows.CONVERTERS}


def ours_pair(cluster: common.Cluster, bootstrap: str, db: dict[str, str], table: str, *, topic_prefix: str,
              sink_table: str, records: int, batch: int) -> int:
    """One source invocation of ``table`` into ``topic_prefix + table``, then that topic into ``sink_table`` by
    warm sink invocations of ``batch`` records; the rows the sink wrote."""
    mariadb_rows.ours_source(cluster, db, table, topic_prefix=topic_prefix, records=records, batch=batch)
    sink = common.unique("psink")
    cluster.deploy(sink, sink_config(db, topic_prefix + table, sink_table))
    return mapping.sink_from_topic(cluster, sink, bootstrap, topic_prefix + table, records=records, batch=batch)


def pair_case(settings: Settings, worker: jvm_worker.Worker, cluster: common.Cluster, bootstrap: str) -> Result:
    """Ours (with the raw floor beside it, the order flipped every repetition) and the JVM pair over the same
    source table, each repetition into fresh topics and sink tables."""
    db = common.services("mariadb")["mariadb"]
    measured = settings.records
    warmup = side_by_side.warmup_size(measured)
    sources = {size: common.unique("pair_src").replace("-", "_") for size in {measured, warmup}}
    with common.phase("prepare: source table"):
        for size, table in sources.items():
            dataset.create_table(db, table, size)
    tables = list(sources.values())
    raw: list[Sample] = []
    same_bytes: list[bool] = []

    def ours(rep: int) -> Sample:
        records = warmup if rep < 0 else measured
        table = sources[records]
        prefix, raw_topic = common.unique("pair") + "-", common.unique("pair-raw")
        ours_table, raw_table = (common.unique(kind).replace("-", "_") for kind in ("ours_pair", "raw_pair"))
        tables.extend((ours_table, raw_table))
        _fresh_topics(bootstrap, prefix + table, raw_topic)

        def mine() -> Sample:
            return mapping.measure_ours(lambda: ours_pair(cluster, bootstrap, db, table, topic_prefix=prefix,
                                                       sink_table=ours_table, records=records, batch=settings.batch))

        def least() -> Sample:
            return mapping.measure_ours(lambda: _raw_pair(db, bootstrap, table, raw_topic, raw_table, records=records,
                                                       batch=settings.batch))

        sample = side_by_side.alternated(rep, mine, least, raw)
        if rep == 0:  # the floor moves ours' bytes: the first record of both topics, compared
            with common.phase("count"):
                same_bytes.append(
                    mapping.first_value(bootstrap, prefix + table) == mapping.first_value(bootstrap, raw_topic)
                )
        mapping.drop_made_topics(bootstrap)
        with common.phase("clean-up"):
            dataset.drop_tables(db, [ours_table, raw_table])  # a million rows each: freed outside the measured span
        return sample

    def theirs(rep: int) -> Sample:
        records = warmup if rep < 0 else measured
        table, name = sources[records], common.unique("dbzpair")
        sink_table = common.unique("dbz_pair").replace("-", "_")
        tables.append(sink_table)
        topic, source = mariadb_rows.debezium_snapshot(db, bootstrap, name, table, settings.batch)
        connectors = {name: source, common.unique("dbzpsink"): mariadb_rows.debezium_sink_config(db, topic, sink_table,
                                                                                         "record_value")}
        try:
            return worker.timed(
                connectors, lambda: mariadb_rows.table_count(db, sink_table, records) >= records, records, 1800
            )
        finally:
            mapping.drop_made_topics(bootstrap)
            with common.phase("clean-up"):
                dataset.drop_tables(db, [sink_table])

    try:
        mine, jvm, load = side_by_side.interleaved(settings, ours, theirs)
    finally:
        with common.phase("clean-up"):
            dataset.drop_tables(db, tables)
    return side_by_side.method_row(
        f"{NAME} {side_by_side.size_label(measured)}",
        BASELINE,
        mine,
        jvm,
        raw=raw,
        raw_kind="floor",
        load_avg_1m=load,
        warmup_records=warmup,
        batch_max_rows=settings.batch,
        batch_size=mariadb_rows.JDBC_BATCH_SIZE,
        same_bytes_as_raw=all(same_bytes) if same_bytes else None,
        delivery="ours: exactly-once source (transactional), at-least-once upsert sink; JVM: "
        "at-least-once source (standalone worker: no exactly-once source), "
        "at-least-once upsert sink",
    )


def _raw_pair(db: dict[str, str], bootstrap: str, table: str, topic: str, sink_table: str, *, records: int,
              batch: int) -> int:
    sent = mariadb_rows.raw_source(db, bootstrap, table, topic, batch=batch)
    if sent != records:
        raise RuntimeError(f"the raw source read {sent} of {records} rows")
    return mariadb_rows.raw_upsert(db, bootstrap, topic, sink_table, records=records, batch=batch)


def _fresh_topics(bootstrap: str, *names: str) -> None:
    """Create ``names`` (one partition each), deleted by the repetition's ``_drop_topics``."""
    with common.phase("topics created"):
        for topic in names:
            mapping.create_topic(bootstrap, topic)
            mapping.MADE_TOPICS.append(topic)
