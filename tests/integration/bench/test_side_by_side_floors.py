"""The raw floors of cases 4c, 4o, 4q, 4e, 4u, 4d and 4m move the same bytes as ours from the same data (a floor that
did less would flatter the JVM's ratio to it); 300 records (1,000 rows for 4q), no JVM, no timing asserted."""

from __future__ import annotations

import json

import pytest

from bench import binlog_floor, common, counting, dataset, mapping, mariadb_rows, pg_floor, pg_tables, sink_data
from bench.cases import (
    connect_java_mirror,
    connect_java_opensearch,
    connect_java_pg_pipeline,
    connect_java_s3,
)
from connect_core.runtime.source_runner import SourceRunner

pytestmark = pytest.mark.integration

RECORDS = 300
_CONTEXT = ("__debezium.context.connectorLogicalName", "__debezium.context.runId")  # each side's own


def _headers(message: object) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in message.headers() or [] if k not in _CONTEXT]  # type: ignore[attr-defined]


def test_4e_floor_writes_ours_keys_envelopes_and_headers_from_the_same_wal() -> None:
    svc = common.services("kafka", "postgres")
    bootstrap, pg = svc["kafka"]["bootstrap.servers"], svc["postgres"]
    tables = pg_tables.PgTables(pg, RECORDS)
    cluster = common.Cluster.create(bootstrap)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
    floor = None
    try:
        table = tables.new_table()
        name = common.unique("pgours")
        tables.slots.append(name.replace("-", "_"))
        cluster.deploy(name, pg_tables.connector_config(pg, name, tables.slots[-1], f"{tables.schema}.{table}"))
        runner.run(name, 0, common.budget())
        floor = pg_floor.PgFloor(tables, bootstrap, table, common.unique("pgraw"))
        tables.copy(table)
        topic = f"{name}.{tables.schema}.{table}"
        count = counting.CommittedCount(bootstrap, topic)
        try:
            counting.until_all_in(lambda: runner.run(name, 0, common.budget()), count, RECORDS, "ours")
        finally:
            count.close()
        assert floor.run(RECORDS) == RECORDS
        ours, raw = common.consume(bootstrap, topic, RECORDS), common.consume(bootstrap, floor.topic, RECORDS)
        assert len(ours) == len(raw) == RECORDS
        for mine, least in zip(ours, raw, strict=True):
            assert mine.key() == least.key()
            assert _headers(mine) == _headers(least)
            a, b = json.loads(mine.value()), json.loads(least.value())
            assert list(a) == list(b) and list(a["source"]) == list(b["source"])
            assert {k: a[k] for k in ("before", "after", "op", "transaction")} == \
                {k: b[k] for k in ("before", "after", "op", "transaction")}
            same = ("version", "connector", "ts_ms", "snapshot", "db", "ts_us", "ts_ns", "schema", "table", "txId",
                    "lsn", "xmin", "origin", "origin_lsn")  # the same WAL: the same transaction, LSNs and times
            assert {k: a["source"][k] for k in same} == {k: b["source"][k] for k in same}
            assert json.loads(a["source"]["sequence"])[1] == json.loads(b["source"]["sequence"])[1]
            assert all(type(a[k]) is type(b[k]) is int for k in ("ts_ms", "ts_us", "ts_ns"))
    finally:
        runner.close()
        cluster.close()
        if floor is not None:
            floor.close()
        tables.drop()


def _fields(schema: dict[str, object]) -> list[dict[str, object]]:
    """A struct schema's fields without ``optional`` (pgoutput does not say which columns are nullable)."""
    return [{k: v for k, v in field.items() if k != "optional"} for field in schema["fields"]]  # type: ignore[attr-defined]


def test_4u_floor_writes_ours_unwrapped_rows_with_schemas_and_upserts_every_row() -> None:
    svc = common.services("kafka", "postgres", "mariadb")
    bootstrap, pg, db = svc["kafka"]["bootstrap.servers"], svc["postgres"], svc["mariadb"]
    tables = pg_tables.PgTables(pg, RECORDS)
    cluster = common.Cluster.create(bootstrap)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
    floor, sink_table = None, common.unique("raw_pgu").replace("-", "_")
    try:
        table = tables.new_table()
        name = common.unique("pguours")
        tables.slots.append(name.replace("-", "_"))
        cluster.deploy(name, connect_java_pg_pipeline.source_config(pg, name, tables.slots[-1],
                                                                    f"{tables.schema}.{table}"))
        runner.run(name, 0, common.budget())
        floor = pg_floor.PgFloor(tables, bootstrap, table, common.unique("pguraw"), unwrapped=True)
        tables.copy(table)
        topic = f"{name}.{tables.schema}.{table}"
        count = counting.CommittedCount(bootstrap, topic)
        try:
            counting.until_all_in(lambda: runner.run(name, 0, common.budget()), count, RECORDS, "ours")
        finally:
            count.close()
        assert floor.run(RECORDS) == RECORDS
        ours, raw = common.consume(bootstrap, topic, RECORDS), common.consume(bootstrap, floor.topic, RECORDS)
        assert len(ours) == len(raw) == RECORDS
        for mine, least in zip(ours, raw, strict=True):
            a, b = json.loads(mine.value()), json.loads(least.value())
            assert a["payload"] == b["payload"] and _fields(a["schema"]) == _fields(b["schema"])
            c, d = json.loads(mine.key()), json.loads(least.key())
            assert c["payload"] == d["payload"] and _fields(c["schema"]) == _fields(d["schema"])
            assert _headers(mine) == _headers(least)
        assert mariadb_rows.raw_upsert(db, bootstrap, floor.topic, sink_table, records=RECORDS, batch=100) == RECORDS
        assert mariadb_rows.table_count(db, sink_table, RECORDS) == RECORDS
    finally:
        runner.close()
        cluster.close()
        if floor is not None:
            floor.close()
        tables.drop()
        dataset.drop_tables(db, [sink_table])


def test_4d_floor_reads_rows_from_the_events_bytes_as_the_library_decodes_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """4d's floor (``fast_rows``: ours' generated row reader) writes exactly what case 7's floor writes from the
    library's own decoding, over the same binlog range, and never falls back to the library's decoding."""
    library_values: list[object] = []
    value = binlog_floor._value
    monkeypatch.setattr(binlog_floor, "_value", lambda v: library_values.append(v) or value(v))
    svc = common.services("kafka", "mariadb")
    bootstrap, db = svc["kafka"]["bootstrap.servers"], svc["mariadb"]
    tables = mariadb_rows.CopiedTables(db, RECORDS)
    try:
        table = tables.new_table()
        start = binlog_floor.master_position(db)
        tables.copy(table)
        fast, library = common.unique("raw-cdc-fast"), common.unique("raw-cdc-lib")
        assert binlog_floor.raw_capture(db, bootstrap, start, table, fast, fast_rows=True) == RECORDS
        assert library_values == []
        assert binlog_floor.raw_capture(db, bootstrap, start, table, library) == RECORDS
        assert len(library_values) == RECORDS * 10  # the reference: every column of every row
        mine, reference = common.consume(bootstrap, fast, RECORDS), common.consume(bootstrap, library, RECORDS)
        assert [(m.key(), m.value()) for m in mine] == [(m.key(), m.value()) for m in reference]
        assert json.loads(mine[-1].value())["after"]["id"] == RECORDS
    finally:
        tables.drop()
        counting.topics(bootstrap, delete=[fast, library])


def test_4m_floor_copies_what_ours_copies() -> None:
    svc = common.services("kafka", "kafka2")
    target, source = svc["kafka"]["bootstrap.servers"], svc["kafka2"]["bootstrap.servers"]
    topic, alias = common.unique("mm2src"), f"bpy{common.unique('a')[-6:]}"
    counting.topics(source, create=[topic])
    cluster = common.Cluster.create(target)
    coordinator = connect_java_mirror._Coordinator(cluster)
    runner = SourceRunner(cluster.worker, config_store=cluster.configs, status_store=cluster.statuses)
    name = common.unique("mm2ours")
    try:
        status, body = coordinator.rest("POST", "/connectors", {
            "name": name, "config": connect_java_mirror.mirror_config(alias, source, target, topic)})
        assert status == 201, body
        assert runner.run(name, 0, common.budget()).records == 0
        connect_java_mirror.produce_source(source, topic, RECORDS)
        floor = connect_java_mirror.MirrorFloor(source, target, topic)
        count = counting.CommittedCount(target, f"{alias}.{topic}")
        try:
            counting.until_all_in(lambda: runner.run(name, 0, common.budget()), count, RECORDS, "ours")
        finally:
            count.close()
        assert floor.run(RECORDS) == RECORDS

        def view(m: object) -> tuple[object, ...]:
            return m.partition(), m.key(), m.value(), m.headers(), m.timestamp()  # type: ignore[attr-defined]

        ours = [view(m) for m in common.consume(target, f"{alias}.{topic}", RECORDS)]
        assert ours == [view(m) for m in common.consume(target, floor.target, RECORDS)]
        assert ours == [view(m) for m in common.consume(source, topic, RECORDS)]
    finally:
        runner.close()
        coordinator.rest("DELETE", f"/connectors/{name}")
        cluster.close()
        counting.topics(source, delete=[topic, f"mm2-offset-syncs.t{alias}.internal"])
        counting.topics(target, delete=[f"{alias}.{topic}", f"raw.{topic}"])


class _Bucket:
    """A fresh LocalStack bucket; ``objects`` maps each key under a prefix (without it) to its bytes."""

    def __init__(self) -> None:
        import boto3

        self.aws = common.services("localstack")["localstack"]
        self.client, self.name = boto3.client("s3", **self.aws), common.unique("floor")
        self.client.create_bucket(Bucket=self.name)

    def objects(self, prefix: str) -> dict[str, bytes]:
        return {key[len(prefix):]: self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
                for key in connect_java_s3.keys(self.client, self.name, prefix)}

    def drop(self) -> None:
        connect_java_s3.clear(self.client, self.name, "")
        self.client.delete_bucket(Bucket=self.name)


def test_the_read_back_lists_every_key_past_a_page_of_1000_with_a_plus() -> None:
    """LocalStack lists nothing after a page whose last key holds a ``+`` (ours' file names do): the read-back of
    4c and 4q must still see every object, or a million-record row would miss one file."""
    from concurrent.futures import ThreadPoolExecutor

    bucket = _Bucket()
    names = [f"p/t/partition=0/t+0+{i * 1000:010d}.json" for i in range(1001)]
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda key: bucket.client.put_object(Bucket=bucket.name, Key=key, Body=b"x"), names))
        assert connect_java_s3.keys(bucket.client, bucket.name, "p/") == names
    finally:
        bucket.drop()


def _same_objects(bucket: _Bucket, records: int, batch: int, *, same_topic: bool) -> None:
    """The same objects in the same order (keys are named after the topic and the first offset: the same keys too
    when both sides read the same topic), and every id once."""
    ours, raw = bucket.objects("ours/"), bucket.objects("raw/")
    assert len(ours) == records // batch and [ours[k] for k in sorted(ours)] == [raw[k] for k in sorted(raw)]
    assert not same_topic or ours == raw
    assert connect_java_s3.landed(bucket.client, bucket.name, "ours/", records)  # ids 1..records, each once


def test_4c_floor_writes_ours_objects() -> None:
    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    data = sink_data.SinkData.topic_only(common.Settings(records=RECORDS, repeats=1, batch=100))
    bucket, cluster = _Bucket(), common.Cluster.create(bootstrap)
    name = common.unique("s3ours")
    try:
        cluster.deploy(name, connect_java_s3.ours_config(bucket.aws, bucket.name, data.topic, "ours", 100))
        assert mapping.sink_from_topic(cluster, name, bootstrap, data.topic, records=RECORDS,
                                             batch=100) == RECORDS
        assert connect_java_s3.raw_s3(bucket.client, bucket.name, "raw", bootstrap, data.topic, records=RECORDS,
                                      batch=100) == RECORDS
        _same_objects(bucket, RECORDS, 100, same_topic=True)
    finally:
        cluster.close()
        bucket.drop()


def test_4q_floor_writes_the_objects_ours_pair_writes() -> None:
    svc = common.services("kafka", "mariadb")
    bootstrap, db = svc["kafka"]["bootstrap.servers"], svc["mariadb"]
    table = common.unique("s3pair_src").replace("-", "_")
    dataset.create_table(db, table, 1000)
    prefix, raw_topic = common.unique("s3pair") + "-", common.unique("s3pair-raw")
    bucket, cluster = _Bucket(), common.Cluster.create(bootstrap)
    try:
        for topic in (prefix + table, raw_topic):
            mapping.create_topic(bootstrap, topic)
            mapping.MADE_TOPICS.append(topic)
        mariadb_rows.ours_source(cluster, db, table, topic_prefix=prefix, records=1000, batch=300)
        sink = common.unique("s3psink")
        cluster.deploy(sink, connect_java_s3.ours_config(bucket.aws, bucket.name, prefix + table, "ours", 250))
        assert mapping.sink_from_topic(cluster, sink, bootstrap, prefix + table, records=1000,
                                             batch=250) == 1000
        assert mariadb_rows.raw_source(db, bootstrap, table, raw_topic, batch=300) == 1000
        assert connect_java_s3.raw_s3(bucket.client, bucket.name, "raw", bootstrap, raw_topic, records=1000,
                                      batch=250) == 1000
        _same_objects(bucket, 1000, 250, same_topic=False)
    finally:
        mapping.drop_made_topics(bootstrap)
        dataset.drop_tables(db, [table])
        cluster.close()
        bucket.drop()


def test_4o_floor_and_our_pull_mode_sink_index_ours_documents() -> None:
    """4o's raw floor (one ``_bulk`` per event) indexes every record with ours' id and document, and our sink as a
    pull-mode task (4o's pull-mode row) indexes the same documents from its own copy of the topic."""
    import orjson

    bootstrap = common.services("kafka")["kafka"]["bootstrap.servers"]
    indices = connect_java_opensearch.Indices()
    topic, pull_topic = common.unique("rows-os"), common.unique("rows-pull")
    for made in (topic, pull_topic):
        common.produce(bootstrap, made, dataset.sink_records(RECORDS))
    raw_index = common.unique("raw-os")
    cluster = common.Cluster.create(bootstrap)

    def documents(index: str) -> dict[str, dict[str, object]]:
        indices.http.request("POST", f"{indices.url}/{index}/_refresh")
        body = indices.http.request("GET", f"{indices.url}/{index}/_search?size={RECORDS + 1}").data
        return {hit["_id"]: hit["_source"] for hit in orjson.loads(body)["hits"]["hits"]}

    try:
        ours, pulled = common.unique("osours"), common.unique("ospull")
        cluster.deploy(ours, connect_java_opensearch.ours_config(indices.url, topic))
        cluster.deploy(pulled, connect_java_opensearch.ours_config(indices.url, pull_topic) | mapping.PULL_CONFIG
                       | {"lambda.batch.size": "100"})
        assert mapping.sink_from_topic(cluster, ours, bootstrap, topic, records=RECORDS, batch=100) == RECORDS
        assert connect_java_opensearch.raw_bulk(indices, raw_index, bootstrap, topic, records=RECORDS,
                                                batch=100) == RECORDS
        idle: list[common.Sample] = []
        assert mapping.pull_sample(cluster, pulled, records=RECORDS, idle=idle).records == RECORDS
        assert len(idle) == 1 and idle[0].records == 0  # the caught-up task's invocation finds nothing
        mine, raw, pull = documents(topic), documents(raw_index), documents(pull_topic)
        assert len(mine) == RECORDS and mine == raw
        assert {i.replace(pull_topic, topic): d for i, d in pull.items()} == mine
        assert any(d["note"] is None for d in mine.values()) and isinstance(mine[f"{topic}+0+0"]["price"], float)
    finally:
        cluster.close()
        for index in (topic, raw_index, pull_topic):
            indices.drop(index)
        mapping.delete_topics(bootstrap, [topic, pull_topic])
