"""Case 1: JDBC source -> Kafka through ``SourceRunner`` versus the raw driver + producer limit.

Ours: one scheduled invocation (``SourceRunner.run``) of a JdbcSourceConnector in incrementing mode, JsonConverter
with schemas, ``batch.max.rows`` = ``BENCH_BATCH``, with and without a 3-SMT chain; it includes everything an
invocation does (config catch-up, ``init_transactions``, offsets in the same transaction, status).
Raw limit: the same driver (pymysql, streaming cursor) running the same SELECT with the same fetch size, building the
same JSON bytes with ``orjson.dumps`` and producing them with a transactional confluent-kafka producer with the same
``linger.ms``. After the first repetition the first record of both topics is compared byte for byte.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import orjson

from bench import common, dataset, mapping, mariadb_rows

if TYPE_CHECKING:
    from bench.common import Result, Sample, Settings

JSON = "org.apache.kafka.connect.json.JsonConverter"
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DAY = dt.date(1970, 1, 1)
_MS = dt.timedelta(milliseconds=1)


def raw_copy(db: dict[str, str], bootstrap: str, table: str, topic: str, batch: int, *, smts: bool) -> int:
    """The raw limit: SELECT ... WHERE id > ? ORDER BY id, fetchmany(batch), orjson.dumps, produce, commit."""
    import pymysql.cursors
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": common.unique("raw-tx"),
                         "linger.ms": 5, "enable.idempotence": True})
    producer.init_transactions(60)
    conn = dataset.connect(db, autocommit=False)
    head = b'{"schema":' + mariadb_rows.raw_schema(table, smts=smts) + b',"payload":'
    dumps = orjson.dumps
    count = 0
    producer.begin_transaction()
    try:
        cursor = conn.cursor(pymysql.cursors.SSCursor)
        cursor.execute(f"SELECT * FROM `{table}` WHERE `id` > %s ORDER BY `id` ASC", (-1,))
        while True:
            rows = cursor.fetchmany(batch)
            for row in rows:
                producer.produce(topic, head + dumps(mariadb_rows.raw_payload(row, smts=smts)) + b"}")
                producer.poll(0)
            count += len(rows)
            if len(rows) < batch:
                break
        cursor.close()
        conn.commit()
        producer.commit_transaction(60)
    finally:
        conn.close()
    return count


def run(settings: Settings) -> list[Result]:
    """Both variants (plain, 3-SMT chain), ``settings.repeats`` interleaved repetitions each."""
    svc = common.services("kafka", "mariadb")
    db, bootstrap = svc["mariadb"], svc["kafka"]["bootstrap.servers"]
    table = common.unique("rows").replace("-", "_")
    dataset.create_table(db, table, settings.records)
    cluster = common.Cluster.create(bootstrap)
    results = []
    try:
        for smts in (False, True):
            results.append(_variant(settings, db, bootstrap, cluster, table, smts=smts))
    finally:
        cluster.close()
        dataset.drop_tables(db, [table])
    return results


def _variant(settings: Settings, db: dict[str, str], bootstrap: str, cluster: common.Cluster, table: str, *,
             smts: bool) -> Result:
    from connect_core.runtime.source_runner import SourceRunner

    topics: dict[str, str] = {}
    idle: list[Sample] = []

    def ours(rep: int) -> Sample:
        prefix = common.unique("src") + "-"
        name = prefix.rstrip("-")
        mapping.create_topic(bootstrap, prefix + table)
        topics.setdefault("ours", prefix + table)
        config = mariadb_rows.source_config(db, table, prefix, settings.batch, smts=smts)
        cluster.deploy(name, config, config | {"tables": f"`{db['database']}`.`{table}`"})
        runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
        try:
            sample = common.measure(lambda: runner.run(name, 0, common.budget()).records)
            # a warm invocation that finds nothing new: what every idle heartbeat and tick costs (case 6)
            idle.append(common.measure(lambda: runner.run(name, 0, common.budget()).records))
        finally:
            runner.close()
        if sample.records != settings.records:
            raise RuntimeError(f"source invocation produced {sample.records} of {settings.records} rows")
        return sample

    def raw(rep: int) -> Sample:
        topic = common.unique("raw-src")
        mapping.create_topic(bootstrap, topic)
        topics.setdefault("raw", topic)
        return common.measure(lambda: raw_copy(db, bootstrap, table, topic, settings.batch, smts=smts))

    mine, theirs = common.interleave(settings.repeats, ours, raw)
    same = mapping.first_value(bootstrap, topics["ours"]) == mapping.first_value(bootstrap, topics["raw"])
    name = "1b jdbc source -> kafka, 3 SMTs" if smts else "1a jdbc source -> kafka"
    # a naive client, not a floor: pymysql's row reader and a produce + poll(0) per record, paths ours has replaced
    return common.throughput_result(name, "naive client: pymysql SSCursor rows + orjson.dumps + confluent-kafka "
                                    "produce/poll(0) per record (transactional)", mine, theirs,
                                    baseline_kind="naive client", same_bytes_as_baseline=same,
                                    batch_max_rows=settings.batch,
                                    idle_invocation_wall_ms=_median_ms(idle, "wall_s"),
                                    idle_invocation_cpu_ms=_median_ms(idle, "cpu_s"))


def _median_ms(samples: list[Sample], field: str) -> float:
    import statistics

    return round(statistics.median(getattr(s, field) for s in samples) * 1000, 2) if samples else 0.0
