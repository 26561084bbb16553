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
Raw floor: ``raw_source`` then ``connect_java.raw_upsert``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import common, dataset
from bench.cases import connect_java as java
from bench.cases.jdbc_source import create_topic, first_value, raw_payload, raw_schema, source_config
from bench.cases.sinks import CONVERTERS
from infra.local.versions import KAFKA_VERSION

if TYPE_CHECKING:
    from bench.common import Result, Sample, Settings

NAME = "4p jdbc src -> kafka -> jdbc upsert vs debezium"
BASELINE = f"Kafka Connect {KAFKA_VERSION} + {java.DEBEZIUM_MARIADB} (snapshot) + {java.DEBEZIUM}"
UNWRAP = {"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"}


def sink_config(db: dict[str, str], topic: str, table: str) -> dict[str, str]:
    """Our JdbcSinkConnector upserting ``topic`` into ``table`` on the value's ``id``, ``batch.size`` as 4b's."""
    return {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "connection.url": db["connection.url"],
            "connection.user": db["user"], "connection.password": db["password"], "insert.mode": "upsert",
            "pk.mode": "record_value", "pk.fields": "id", "auto.create": "true", "table.name.format": table,
            "batch.size": java.JDBC_BATCH_SIZE, "topics": topic, "tasks.max": "1", **CONVERTERS}


def ours_pair(cluster: common.Cluster, bootstrap: str, db: dict[str, str], table: str, *, topic_prefix: str,
              sink_table: str, records: int, batch: int) -> int:
    """One source invocation of ``table`` into ``topic_prefix + table``, then that topic into ``sink_table`` by
    warm sink invocations of ``batch`` records; the rows the sink wrote."""
    ours_source(cluster, db, table, topic_prefix=topic_prefix, records=records, batch=batch)
    sink = common.unique("psink")
    cluster.deploy(sink, sink_config(db, topic_prefix + table, sink_table))
    return java._sink_from_topic(cluster, sink, bootstrap, topic_prefix + table, records=records, batch=batch)


def ours_source(cluster: common.Cluster, db: dict[str, str], table: str, *, topic_prefix: str, records: int,
                batch: int) -> int:
    """The pair's source half (4p, 4q): ``SourceRunner`` invocations of our JdbcSourceConnector, one after the
    other as the schedule's ticks would call them, until all ``records`` rows of ``table`` are in
    ``topic_prefix + table`` (an invocation ends at its share of the tick: a loaded machine needs a second one at a
    million rows); how many it took."""
    from connect_core.runtime.source_runner import SourceRunner

    source = common.unique("psrc")
    config = source_config(db, table, topic_prefix, batch, smts=False)
    cluster.deploy(source, config, config | {"tables": f"`{db['database']}`.`{table}`"})
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
    produced = invocations = 0
    try:
        while produced < records:
            moved = runner.run(source, 0, common.budget()).records
            invocations += 1
            if not moved:
                break
            produced += moved
    finally:
        runner.close()
    if produced != records:
        raise RuntimeError(f"{invocations} source invocations produced {produced} of {records} rows")
    return invocations


def raw_source(db: dict[str, str], bootstrap: str, table: str, topic: str, *, batch: int) -> int:
    """The least a Python function does for the source half, with the driver shortcuts ours uses
    (``connectors/jdbc/_mysql_driver.py``: DATETIME and DATE decoded by ``fromisoformat``, rows read by the generated
    row reader of the streaming cursor): ``SELECT * ... WHERE id > -1 ORDER BY id`` read ``batch`` rows at a time,
    each row's JsonConverter envelope built by ``orjson.dumps`` of its payload behind the schema text written once,
    produced by an idempotent producer without transactions, offsets or a poll per record, one flush at the end."""
    import orjson
    from confluent_kafka import Producer

    from connect_core.connectors.jdbc._mysql_driver import conversions, streaming_cursor_class

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5,
                         "delivery.report.only.error": True})
    conn = dataset.connect(db, conv=conversions())
    head, dumps, sent = b'{"schema":' + raw_schema(table, smts=False) + b',"payload":', orjson.dumps, 0
    try:
        cursor = conn.cursor(streaming_cursor_class())
        cursor.execute(f"SELECT * FROM `{table}` WHERE `id` > %s ORDER BY `id` ASC", (-1,))
        while rows := cursor.fetchmany(batch):
            for row in rows:
                java.produce_waiting(producer, topic, head + dumps(raw_payload(row, smts=False)) + b"}")
            sent += len(rows)
        cursor.close()
    finally:
        conn.close()
    if producer.flush(60):
        raise RuntimeError(f"{topic}: records left unsent after 60 s")
    return sent


def pair_case(settings: Settings, worker: java.Worker, cluster: common.Cluster, bootstrap: str) -> Result:
    """Ours (with the raw floor beside it, the order flipped every repetition) and the JVM pair over the same
    source table, each repetition into fresh topics and sink tables."""
    db = common.services("mariadb")["mariadb"]
    measured = settings.records
    warmup = java.warmup_size(measured)
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
            return java.measure_ours(lambda: ours_pair(cluster, bootstrap, db, table, topic_prefix=prefix,
                                                       sink_table=ours_table, records=records, batch=settings.batch))

        def least() -> Sample:
            return java.measure_ours(lambda: _raw_pair(db, bootstrap, table, raw_topic, raw_table, records=records,
                                                       batch=settings.batch))

        sample = java._beside_floor(rep, mine, least, raw)
        if rep == 0:  # the floor moves ours' bytes: the first record of both topics, compared
            with common.phase("count"):
                same_bytes.append(first_value(bootstrap, prefix + table) == first_value(bootstrap, raw_topic))
        java._drop_topics(bootstrap)
        with common.phase("clean-up"):
            dataset.drop_tables(db, [ours_table, raw_table])  # a million rows each: freed outside the measured span
        return sample

    def theirs(rep: int) -> Sample:
        records = warmup if rep < 0 else measured
        table, name = sources[records], common.unique("dbzpair")
        sink_table = common.unique("dbz_pair").replace("-", "_")
        tables.append(sink_table)
        topic, source = debezium_snapshot(db, bootstrap, name, table, settings.batch)
        connectors = {name: source, common.unique("dbzpsink"): java.debezium_sink_config(db, topic, sink_table,
                                                                                         "record_value")}
        try:
            return worker.timed(connectors, lambda: java._count(db, sink_table, records) >= records, records, 1800)
        finally:
            java._drop_topics(bootstrap)
            with common.phase("clean-up"):
                dataset.drop_tables(db, [sink_table])

    try:
        mine, jvm, load = java._interleaved(settings, ours, theirs)
    finally:
        with common.phase("clean-up"):
            dataset.drop_tables(db, tables)
    return java.method_row(f"{NAME} {java._size(measured)}", BASELINE, mine, jvm, raw=raw, raw_kind="floor",
                           load_avg_1m=load, warmup_records=warmup, batch_max_rows=settings.batch,
                           batch_size=java.JDBC_BATCH_SIZE, same_bytes_as_raw=all(same_bytes) if same_bytes else None,
                           delivery="ours: exactly-once source (transactional), at-least-once upsert sink; JVM: "
                                    "at-least-once source (standalone worker: no exactly-once source), "
                                    "at-least-once upsert sink")


def debezium_snapshot(db: dict[str, str], bootstrap: str, name: str, table: str,
                      batch: int) -> tuple[str, dict[str, str]]:
    """The JVM's source half (4p, 4q): Debezium's ``MariaDbConnector`` ``name`` reading ``table`` as its initial
    snapshot, ``batch`` rows at a time, flattened to the row; its topic (created here, before the measured span, as
    ours' is) and config."""
    topic = f"{name}.{db['database']}.{table}"
    create_topic(bootstrap, topic)
    java.MADE_TOPICS.extend((topic, f"{name}-history"))
    return topic, java.debezium_mariadb_config(db, name, bootstrap, table, **UNWRAP, **{
        "snapshot.mode": "initial_only", "max.batch.size": str(batch), "snapshot.fetch.size": str(batch)})


def _raw_pair(db: dict[str, str], bootstrap: str, table: str, topic: str, sink_table: str, *, records: int,
              batch: int) -> int:
    sent = raw_source(db, bootstrap, table, topic, batch=batch)
    if sent != records:
        raise RuntimeError(f"the raw source read {sent} of {records} rows")
    return java.raw_upsert(db, bootstrap, topic, sink_table, records=records, batch=batch)


def _fresh_topics(bootstrap: str, *names: str) -> None:
    """Create ``names`` (one partition each), deleted by the repetition's ``_drop_topics``."""
    with common.phase("topics created"):
        for topic in names:
            create_topic(bootstrap, topic)
            java.MADE_TOPICS.append(topic)
