"""Case 1: JDBC source -> Kafka through ``SourceRunner`` versus the raw driver + producer limit.

Ours: one scheduled invocation (``SourceRunner.run``) of a JdbcSourceConnector in incrementing mode, JsonConverter
with schemas, ``batch.max.rows`` = ``BENCH_BATCH``, with and without a 3-SMT chain; it includes everything an
invocation does (config catch-up, ``init_transactions``, offsets in the same transaction, status).
Raw limit: the same driver (pymysql, streaming cursor) running the same SELECT with the same fetch size, building the
same JSON bytes with ``orjson.dumps`` and producing them with a transactional confluent-kafka producer with the same
``linger.ms``. After the first repetition the first record of both topics is compared byte for byte.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import orjson

from bench import common, dataset

if TYPE_CHECKING:
    from bench.common import Result, Sample, Settings

JSON = "org.apache.kafka.connect.json.JsonConverter"
SMT_CHAIN = {
    "transforms": "insert,replace,mask",
    "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.insert.static.field": "source", "transforms.insert.static.value": "mariadb",
    "transforms.replace.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "transforms.replace.exclude": "note", "transforms.replace.renames": "qty:quantity",
    "transforms.mask.type": "org.apache.kafka.connect.transforms.MaskField$Value", "transforms.mask.fields": "name",
}
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DAY = dt.date(1970, 1, 1)
_MS = dt.timedelta(milliseconds=1)


def _field(kind: str, name: str, *, optional: bool = False, logical: str | None = None,
           params: dict[str, str] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": kind, "optional": optional}
    if logical:
        node["name"] = f"org.apache.kafka.connect.data.{logical}"
        node["version"] = 1
    if params:
        node["parameters"] = params
    node["field"] = name
    return node


def raw_schema(table: str, *, smts: bool) -> bytes:
    """The schema half of the envelope, written once by hand (what a no-framework producer would do)."""
    fields = [
        _field("int64", "id"), _field("string", "name"), _field("int32", "quantity" if smts else "qty"),
        _field("bytes", "price", logical="Decimal", params={"scale": "2", "connect.decimal.precision": "12"}),
        _field("double", "score"), _field("int8", "active"), _field("int64", "created_at", logical="Timestamp"),
        _field("int32", "day", logical="Date"),
    ]
    if not smts:
        fields.append(_field("string", "note", optional=True))
    fields.append(_field("int16", "category"))
    if smts:
        fields.append(_field("string", "source", optional=True))
    schema = {"type": "struct", "fields": fields, "optional": False, "name": table}
    return json.dumps(schema, separators=(",", ":")).encode()


def _decimal_b64(value: Any) -> str:
    unscaled = int(value.scaleb(2))
    return base64.b64encode(unscaled.to_bytes(unscaled.bit_length() // 8 + 1, "big", signed=True)).decode()


def raw_payload(row: tuple[Any, ...], *, smts: bool) -> dict[str, Any]:
    """The payload of one row, converted by hand exactly as Connect's logical types require."""
    rid, name, qty, price, score, active, created, day, note, category = row
    payload = {"id": rid, "name": "" if smts else name, "quantity" if smts else "qty": qty,
               "price": _decimal_b64(price), "score": score, "active": active,
               "created_at": (created - _EPOCH) // _MS, "day": (day - _EPOCH_DAY).days}
    if not smts:
        payload["note"] = note
    payload["category"] = category
    if smts:
        payload["source"] = "mariadb"
    return payload


def raw_copy(db: dict[str, str], bootstrap: str, table: str, topic: str, batch: int, *, smts: bool) -> int:
    """The raw limit: SELECT ... WHERE id > ? ORDER BY id, fetchmany(batch), orjson.dumps, produce, commit."""
    import pymysql.cursors
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": common.unique("raw-tx"),
                         "linger.ms": 5, "enable.idempotence": True})
    producer.init_transactions(60)
    conn = dataset.connect(db, autocommit=False)
    head = b'{"schema":' + raw_schema(table, smts=smts) + b',"payload":'
    dumps = orjson.dumps
    count = 0
    producer.begin_transaction()
    try:
        cursor = conn.cursor(pymysql.cursors.SSCursor)
        cursor.execute(f"SELECT * FROM `{table}` WHERE `id` > %s ORDER BY `id` ASC", (-1,))
        while True:
            rows = cursor.fetchmany(batch)
            for row in rows:
                producer.produce(topic, head + dumps(raw_payload(row, smts=smts)) + b"}")
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


def source_config(db: dict[str, str], table: str, topic_prefix: str, batch: int, *, smts: bool) -> dict[str, str]:
    """JdbcSourceConnector config (Confluent keys) for ``table``."""
    config = {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "tasks.max": "1",
              "connection.url": db["connection.url"], "connection.user": db["user"],
              "connection.password": db["password"], "mode": "incrementing", "incrementing.column.name": "id",
              "table.whitelist": table, "topic.prefix": topic_prefix, "batch.max.rows": str(batch),
              "key.converter": JSON, "value.converter": JSON}
    return config | SMT_CHAIN if smts else config


def create_topic(bootstrap: str, topic: str) -> None:
    """One partition, created up front for both sides (neither pays for auto-creation)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the futures resolve
    for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        future.result()


def first_value(bootstrap: str, topic: str) -> bytes | None:
    """The first committed value of ``topic``."""
    messages = common.consume(bootstrap, topic, 1, timeout_s=30)
    return messages[0].value()


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
        create_topic(bootstrap, prefix + table)
        topics.setdefault("ours", prefix + table)
        config = source_config(db, table, prefix, settings.batch, smts=smts)
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
        create_topic(bootstrap, topic)
        topics.setdefault("raw", topic)
        return common.measure(lambda: raw_copy(db, bootstrap, table, topic, settings.batch, smts=smts))

    mine, theirs = common.interleave(settings.repeats, ours, raw)
    same = first_value(bootstrap, topics["ours"]) == first_value(bootstrap, topics["raw"])
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
