"""``functions.sink_task.app.handler`` fed from real topics, in both Kafka event formats, into the real sinks.

Each test produces JsonConverter records (schemas on and off, keys, headers, tombstones) to its own topic,
consumes them back with confluent-kafka and hands them to the handler as an MSK (``aws:kafka``) or
``SelfManagedKafka`` event built by ``build_event``; the handler finds its connector through ``CONNECTOR_NAME``
in the test's own internal topics. Sinks: MariaDB (the seed scenario's CRM table), LocalStack S3, OpenSearch.
"""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any

import boto3
import pymysql
import pytest
import urllib3
from sqlalchemy.engine import Connection

from connect_core.api.schema import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.connectors.elasticsearch._client import ElasticsearchClient
from connect_core.connectors.s3._storage import S3Storage
from connect_core.runtime.sink_runner import ConnectorNotRunningError
from connect_core.storage.config_state import TargetState
from tests.integration.functions._sink_harness import (
    BASE_DAY,
    BASE_TIMESTAMP_MS,
    EVENT_SOURCES,
    JSON_CONVERTER,
    PLAN_RECORDS,
    FaultInjector,
    KafkaTopics,
    Mapping,
    Out,
    SinkFunction,
    converter_config,
    iter_lines,
    json_bytes,
    unique,
)
from tests.integration.runtime.conftest import consume_committed

if TYPE_CHECKING:
    from collections.abc import Iterator

    from connect_core.api.schema import Schema
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

JDBC_SINK = "io.confluent.connect.jdbc.JdbcSinkConnector"
S3_SINK = "io.confluent.connect.s3.S3SinkConnector"
ES_SINK = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector"
JSON_FORMAT = "io.confluent.connect.s3.format.json.JsonFormat"
PARTITIONERS = "io.confluent.connect.storage.partitioner."
CRM = "crm"
HOUR_MS = 3_600_000
HTTP = urllib3.PoolManager()

STATUS = SchemaBuilder.struct().name("order_status").field("ORDER_ID", INT32_SCHEMA) \
    .field("STATUS", STRING_SCHEMA).build()
STATUS_V2 = SchemaBuilder.struct().name("order_status").field("ORDER_ID", INT32_SCHEMA) \
    .field("STATUS", STRING_SCHEMA).field("CARRIER", OPTIONAL_STRING_SCHEMA).build()
CARRIER_ONLY = SchemaBuilder.struct().name("order_status").field("ORDER_ID", INT32_SCHEMA) \
    .field("CARRIER", STRING_SCHEMA).build()
ORDER_KEY = SchemaBuilder.struct().name("order_key").field("ORDER_ID", INT32_SCHEMA).build()
REGIONAL = SchemaBuilder.struct().name("order").field("ORDER_ID", INT32_SCHEMA).field("REGION", STRING_SCHEMA) \
    .field("STATUS", STRING_SCHEMA).build()
SEQUENCED = SchemaBuilder.struct().name("event").field("SEQ", INT32_SCHEMA).field("ORDER_ID", INT32_SCHEMA) \
    .field("REGION", STRING_SCHEMA).build()

schemas_on_off = pytest.mark.parametrize("schemas", [True, False], ids=["schemas-on", "schemas-off"])


# -- fixtures ---------------------------------------------------------------------------------------------------------
@pytest.fixture(params=EVENT_SOURCES)
def function(request: pytest.FixtureRequest, cluster: Cluster, monkeypatch: pytest.MonkeyPatch,
             kafka_bootstrap: str) -> Iterator[SinkFunction]:
    """The sink function, invoked with events in the parametrized format."""
    sink = SinkFunction(cluster, monkeypatch, kafka_bootstrap, request.param)
    yield sink
    sink.close()


@pytest.fixture
def kafka(kafka_bootstrap: str) -> Iterator[KafkaTopics]:
    topics = KafkaTopics(kafka_bootstrap)
    yield topics
    topics.delete_all()


def _mysql(settings: dict[str, str], database: str | None = CRM) -> pymysql.Connection:
    """The test's own connection (not the sink's): plain, as PyMySQL's default TLS context costs ~0.1 s a connect."""
    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=database, autocommit=True, ssl_disabled=True)


@pytest.fixture
def crm_table(mariadb_settings: dict[str, str]) -> Iterator[str]:
    """A fresh table name in the CRM database; dropped afterwards."""
    with _mysql(mariadb_settings, None) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS {CRM}")
    table = unique("order_status_")
    yield table
    with _mysql(mariadb_settings) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS `{table}`")


@pytest.fixture
def bucket(aws_settings: dict[str, str]) -> Iterator[str]:
    client = boto3.client("s3", **aws_settings)
    name = unique("sink-handler-")
    client.create_bucket(Bucket=name)
    yield name
    for key in _s3_keys(client, name, staged=True):
        client.delete_object(Bucket=name, Key=key)
    client.delete_bucket(Bucket=name)


@pytest.fixture
def index_topic(opensearch_url: str) -> Iterator[str]:
    """A topic name with capitals (the index is its lower-cased name); the index is deleted afterwards."""
    topic = unique("IT-Orders-")
    yield topic
    HTTP.request("DELETE", f"{opensearch_url}/{topic.lower()}")


# -- helpers ----------------------------------------------------------------------------------------------------------
def _jdbc_config(settings: dict[str, str], topic: str, table: str, schemas: bool, **extra: str) -> dict[str, str]:
    return {
        "connector.class": JDBC_SINK, "topics": topic,
        "connection.url": f"jdbc:mysql://{settings['host']}:{settings['port']}/{CRM}",
        "connection.user": settings["user"], "connection.password": settings["password"],
        "table.name.format": table, "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "ORDER_ID",
        "auto.create": "true", "auto.evolve": "true", **converter_config(schemas=schemas), **extra,
    }


def _rows(settings: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    with _mysql(settings) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


def _table_exists(settings: dict[str, str], table: str) -> bool:
    return bool(_rows(settings, f"SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{CRM}' "
                                f"AND TABLE_NAME = '{table}'"))


def _value(schema: Schema, data: dict[str, Any] | None, schemas: bool) -> bytes | None:
    return json_bytes(schema, data, schemas=schemas)


def _status(order_id: int, status: str, schemas: bool, *, carrier: str | None = None, v2: bool = False,
            trace: str = "t") -> Out:
    data: dict[str, Any] = {"ORDER_ID": order_id, "STATUS": status}
    if v2:
        data["CARRIER"] = carrier
    return Out(str(order_id).encode(), _value(STATUS_V2 if v2 else STATUS, data, schemas),
               [("trace", trace.encode())])


def _s3_config(aws: dict[str, str], bucket: str, topic: str, schemas: bool, **extra: str) -> dict[str, str]:
    return {
        "connector.class": S3_SINK, "topics": topic, "s3.bucket.name": bucket, "s3.region": aws["region_name"],
        "store.url": aws["endpoint_url"], "aws.access.key.id": aws["aws_access_key_id"],
        "aws.secret.access.key": aws["aws_secret_access_key"], "format.class": JSON_FORMAT, "flush.size": "3",
        "topics.dir": "topics", **converter_config(schemas=schemas), **extra,
    }


def _s3_keys(client: Any, bucket: str, prefix: str = "", *, staged: bool = False) -> list[str]:
    """The files' keys; ``staged`` adds the S3 sink's staging area (where records of files not full yet wait)."""
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", ()) if staged or "+staging/" not in item["Key"])
    return keys


def _s3_objects(aws: dict[str, str], bucket: str) -> dict[str, list[Any]]:
    """Every object of the bucket: key -> its JSON lines, parsed."""
    client = boto3.client("s3", **aws)
    return {key: [json.loads(line) for line in iter_lines(client.get_object(Bucket=bucket, Key=key)["Body"].read())]
            for key in _s3_keys(client, bucket)}


def _es_config(url: str, topic: str, schemas: bool, **extra: str) -> dict[str, str]:
    return {"connector.class": ES_SINK, "topics": topic, "connection.url": url, "max.retries": "1",
            "retry.backoff.ms": "10", **converter_config(schemas=schemas), **extra}


def _es_docs(url: str, index: str) -> dict[str, dict[str, Any]]:
    HTTP.request("POST", f"{url}/{index}/_refresh")
    response = HTTP.request("GET", f"{url}/{index}/_search?size=1000&version=true")
    assert response.status == 200, response.data
    hits = json.loads(response.data)["hits"]["hits"]
    return {hit["_id"]: {**hit["_source"], "_version": hit["_version"]} for hit in hits}


def _without_version(docs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {doc_id: {k: v for k, v in doc.items() if k != "_version"} for doc_id, doc in docs.items()}


# -- 1. the seed scenario: order-status-update-status -> crm.order_status ------------------------------------------
@schemas_on_off
def test_seed_scenario_upserts_and_evolves_the_crm_table(
    function: SinkFunction, kafka: KafkaTopics, mariadb_settings: dict[str, str], crm_table: str, schemas: bool,
) -> None:
    topic = kafka.create(unique("order-status-update-status-"))
    name = unique("jdbc_sink_mysql_")
    function.deploy(name, _jdbc_config(mariadb_settings, topic, crm_table, schemas))
    kafka.produce(topic, [
        _status(1, "NEW", schemas), _status(2, "NEW", schemas), _status(3, "NEW", schemas),
        _status(1, "SHIPPED", schemas), _status(2, "CANCELLED", schemas, trace="t2"),
    ])
    first = kafka.consume(topic, 5)

    assert function.invoke(first) == {}

    select = f"SELECT ORDER_ID, STATUS FROM `{crm_table}` ORDER BY ORDER_ID"
    assert _rows(mariadb_settings, select) == [(1, "SHIPPED"), (2, "CANCELLED"), (3, "NEW")]
    assert function.task_state(name) == "RUNNING"
    assert _rows(mariadb_settings, f"SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{CRM}' "
                                   f"AND TABLE_NAME = '{crm_table}' AND COLUMN_KEY = 'PRI'") == [("ORDER_ID",)]

    # A second batch whose records carry an extra (optional) field: auto.evolve adds a nullable column.
    kafka.produce(topic, [_status(3, "SHIPPED", schemas, carrier="DHL", v2=True),
                          _status(4, "NEW", schemas, carrier=None, v2=True)])
    second = kafka.consume(topic, 7)[5:]
    assert function.invoke(second) == {}

    columns = dict(_rows(mariadb_settings, f"SELECT COLUMN_NAME, IS_NULLABLE FROM information_schema.COLUMNS "
                                           f"WHERE TABLE_SCHEMA = '{CRM}' AND TABLE_NAME = '{crm_table}'"))
    assert set(columns) == {"ORDER_ID", "STATUS", "CARRIER"}
    assert (columns["ORDER_ID"], columns["CARRIER"]) == ("NO", "YES")
    final = [(1, "SHIPPED", None), (2, "CANCELLED", None), (3, "SHIPPED", "DHL"), (4, "NEW", None)]
    select = f"SELECT ORDER_ID, STATUS, CARRIER FROM `{crm_table}` ORDER BY ORDER_ID"
    assert _rows(mariadb_settings, select) == final

    # The mapping may deliver a committed batch again (at least once): upserts leave the same rows.
    function.cold_start()
    assert function.invoke(first[3:] + second) == {}
    assert _rows(mariadb_settings, select) == final


@schemas_on_off
def test_tombstones_delete_rows_by_record_key(
    function: SinkFunction, kafka: KafkaTopics, mariadb_settings: dict[str, str], crm_table: str, schemas: bool,
) -> None:
    topic = kafka.create(unique("order-status-update-status-"))
    name = unique("jdbc_sink_deletes_")
    config = _jdbc_config(mariadb_settings, topic, crm_table, schemas, **{
        "pk.mode": "record_key", "pk.fields": "", "delete.enabled": "true", **converter_config(schemas=schemas,
                                                                                                 key="json")})
    function.deploy(name, config)

    def upsert(order_id: int, status: str) -> Out:
        key = json_bytes(ORDER_KEY, {"ORDER_ID": order_id}, schemas=schemas, is_key=True)
        return Out(key, _value(STATUS, {"ORDER_ID": order_id, "STATUS": status}, schemas), [("op", b"u")])

    def tombstone(order_id: int) -> Out:
        key = json_bytes(ORDER_KEY, {"ORDER_ID": order_id}, schemas=schemas, is_key=True)
        return Out(key, None, [("op", b"d")])

    kafka.produce(topic, [upsert(1, "NEW"), upsert(2, "NEW"), upsert(3, "NEW"), tombstone(2),
                          upsert(3, "PAID"), tombstone(1), upsert(1, "REOPENED"), tombstone(4)])
    messages = kafka.consume(topic, 8)
    assert messages[3].value() is None

    assert function.invoke(messages[:4]) == {}
    select = f"SELECT ORDER_ID, STATUS FROM `{crm_table}` ORDER BY ORDER_ID"
    assert _rows(mariadb_settings, select) == [(1, "NEW"), (3, "NEW")]

    assert function.invoke(messages[4:]) == {}  # delete then re-insert of one key in a batch keeps their order
    assert _rows(mariadb_settings, select) == [(1, "REOPENED"), (3, "PAID")]


# -- 2. S3: exact object keys and contents per partitioner ---------------------------------------------------------
_REGIONS = ("eu", "us", "eu", "us", "eu")
_TIMES = (10 * 60_000, 50 * 60_000, 70 * 60_000, 29 * HOUR_MS, 29 * HOUR_MS + 30 * 60_000)  # after BASE_DAY's midnight
_NEXT_DAY = BASE_DAY + datetime.timedelta(days=1)
_DAY1, _DAY2 = (f"year={day:%Y}/month={day:%m}/day={day:%d}" for day in (BASE_DAY, _NEXT_DAY))
_DT1, _DT2 = f"dt={BASE_DAY:%Y-%m-%d}", f"dt={_NEXT_DAY:%Y-%m-%d}"
_TIME = {"timestamp.extractor": "Record", "locale": "en-US", "timezone": "UTC"}
S3_CASES: dict[str, tuple[dict[str, str], dict[str, list[int]]]] = {
    # flush.size=5: the partition's 5 records close every directory's file together, as in Confluent's sink
    "default": ({"partitioner.class": PARTITIONERS + "DefaultPartitioner"},
                {"partition=0/+0000000000": [0, 1, 2, 3, 4]}),
    "field": ({"partitioner.class": PARTITIONERS + "FieldPartitioner", "partition.field.name": "REGION"},
              {"REGION=eu/+0000000000": [0, 2, 4], "REGION=us/+0000000001": [1, 3]}),
    "time-based": ({"partitioner.class": PARTITIONERS + "TimeBasedPartitioner", "partition.duration.ms": str(HOUR_MS),
                    "path.format": "'dt'=YYYY-MM-dd/'hr'=HH", **_TIME},
                   {f"{_DT1}/hr=00/+0000000000": [0, 1], f"{_DT1}/hr=01/+0000000002": [2],
                    f"{_DT2}/hr=05/+0000000003": [3, 4]}),
    "daily": ({"partitioner.class": PARTITIONERS + "DailyPartitioner", **_TIME},
              {f"{_DAY1}/+0000000000": [0, 1, 2], f"{_DAY2}/+0000000003": [3, 4]}),
    "hourly": ({"partitioner.class": PARTITIONERS + "HourlyPartitioner", **_TIME},
               {f"{_DAY1}/hour=00/+0000000000": [0, 1], f"{_DAY1}/hour=01/+0000000002": [2],
                f"{_DAY2}/hour=05/+0000000003": [3, 4]}),
}


@schemas_on_off
@pytest.mark.parametrize("case", list(S3_CASES))
def test_s3_objects_per_partitioner(
    function: SinkFunction, *, kafka: KafkaTopics, aws_settings: dict[str, str], bucket: str, case: str, schemas: bool,
) -> None:
    extra, expected = S3_CASES[case]
    topic = kafka.create(unique("orders-archive-"))
    name = unique("s3_sink_")
    function.deploy(name, _s3_config(aws_settings, bucket, topic, schemas, **{"behavior.on.null.values": "ignore",
                                                                          "flush.size": "5"}, **extra))
    values = [{"ORDER_ID": 100 + i, "REGION": region, "STATUS": "NEW"} for i, region in enumerate(_REGIONS)]
    records = [Out(f"k{i}".encode(), _value(REGIONAL, value, schemas), [("trace", f"t{i}".encode())],
                   BASE_TIMESTAMP_MS + _TIMES[i]) for i, value in enumerate(values)]
    records.append(Out(b"k5", None, [], BASE_TIMESTAMP_MS + _TIMES[-1]))  # a tombstone: ignored
    kafka.produce(topic, records)
    messages = kafka.consume(topic, 6)

    assert function.invoke(messages) == {}

    objects = _s3_objects(aws_settings, bucket)
    assert objects == {
        f"topics/{topic}/{where.replace('/+', f'/{topic}+0+')}.json": [values[i] for i in indices]
        for where, indices in expected.items()
    }


def test_s3_one_event_with_two_partitions(
    function: SinkFunction, kafka: KafkaTopics, aws_settings: dict[str, str], bucket: str,
) -> None:
    topic = kafka.create(unique("orders-archive-"), partitions=2)
    function.deploy(unique("s3_sink_"), _s3_config(aws_settings, bucket, topic, True))
    values = [{"ORDER_ID": i, "REGION": "eu", "STATUS": "NEW"} for i in range(6)]
    kafka.produce(topic, [Out(f"k{i}".encode(), _value(REGIONAL, v, True), partition=i % 2)
                          for i, v in enumerate(values)])
    messages = kafka.consume(topic, 6, partitions=2)

    assert function.invoke(messages) == {}

    assert _s3_objects(aws_settings, bucket) == {  # flush.size=3 records of each partition
        f"topics/{topic}/partition=0/{topic}+0+0000000000.json": [values[0], values[2], values[4]],
        f"topics/{topic}/partition=1/{topic}+1+0000000000.json": [values[1], values[3], values[5]],
    }


def test_s3_json_lines_are_the_exact_writers_bytes_with_the_read_text_kept_where_it_is_them(
    function: SinkFunction, kafka: KafkaTopics, aws_settings: dict[str, str], bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The S3 sink wants each value's text (``wants_json_text``): a payload written as Kafka writes it is put with
    its text and written as it is; one with spaces is written by the exact writer; the object is both, in order."""
    from connect_core.connectors.s3.sink_task import S3SinkTask

    topic = kafka.create(unique("orders-archive-"))
    function.deploy(unique("s3_sink_"), _s3_config(aws_settings, bucket, topic, True, **{"flush.size": "6"}))
    texts: list[bool] = []
    put = S3SinkTask.put

    def spying(self: S3SinkTask, records: list[Any]) -> None:
        texts.extend(record.value._text is not None for record in records)
        put(self, records)

    monkeypatch.setattr(S3SinkTask, "put", spying)
    values = [_value(REGIONAL, {"ORDER_ID": i, "REGION": "eu", "STATUS": "NEW"}, True) for i in range(6)]
    spaced = [value.replace(b'"ORDER_ID":', b'"ORDER_ID": ') if i % 2 else value
              for i, value in enumerate(values) if value is not None]
    kafka.produce(topic, [Out(b"k", value) for value in spaced])

    assert function.invoke(kafka.consume(topic, 6)) == {}

    body = boto3.client("s3", **aws_settings).get_object(
        Bucket=bucket, Key=f"topics/{topic}/partition=0/{topic}+0+0000000000.json")["Body"].read()
    assert body == b"".join(b'{"ORDER_ID":%d,"REGION":"eu","STATUS":"NEW"}\n' % i for i in range(6))
    # the first value is read the exact way (it tells the converter the envelope), the spaced ones have no text
    assert texts == [False, False, True, False, True, False]


@schemas_on_off
def test_s3_keys_headers_and_tombstones_files(
    function: SinkFunction, kafka: KafkaTopics, aws_settings: dict[str, str], bucket: str, schemas: bool,
) -> None:
    topic = kafka.create(unique("orders-archive-"))
    function.deploy(unique("s3_sink_"), _s3_config(aws_settings, bucket, topic, schemas, **{
        "flush.size": "4", "store.kafka.keys": "true", "store.kafka.headers": "true",
        "behavior.on.null.values": "write"}))
    values = [{"ORDER_ID": i, "REGION": "eu", "STATUS": "NEW"} for i in range(3)]
    kafka.produce(topic, [Out(f"k{i}".encode(), _value(REGIONAL, v, schemas), [("trace", f"t{i}".encode())])
                          for i, v in enumerate(values)] + [Out(b"k3", None, [("trace", b"t3")])])

    assert function.invoke(kafka.consume(topic, 4)) == {}

    head, tomb = f"topics/{topic}/partition=0/{topic}+0+0000000000", f"topics/{topic}/tombstone/{topic}+0+0000000003"
    assert _s3_objects(aws_settings, bucket) == {
        f"{head}.json": values,
        f"{head}.keys.json": ["k0", "k1", "k2"],
        f"{head}.headers.json": [{"headers": [{"key": "trace", "value": f"t{i}"}]} for i in range(3)],
        f"{tomb}.keys.json": ["k3"],
        f"{tomb}.headers.json": [{"headers": [{"key": "trace", "value": "t3"}]}],
    }


# -- 3. OpenSearch: documents, deletes, upserts, key.ignore both ways -------------------------------------------
@schemas_on_off
def test_opensearch_documents_by_key_and_deletes_on_tombstones(
    function: SinkFunction, kafka: KafkaTopics, opensearch_url: str, index_topic: str, schemas: bool,
) -> None:
    topic = kafka.create(index_topic)
    function.deploy(unique("opensearch_sink_"), _es_config(opensearch_url, topic, schemas, **{
        "key.ignore": "false", "behavior.on.null.values": "delete", "write.method": "insert"}))
    kafka.produce(topic, [_status(1, "NEW", schemas), _status(2, "NEW", schemas), _status(1, "SHIPPED", schemas),
                          Out(b"2", None), _status(3, "NEW", schemas)])
    messages = kafka.consume(topic, 5)

    assert function.invoke(messages) == {}

    index = topic.lower()
    expected = {"1": {"ORDER_ID": 1, "STATUS": "SHIPPED", "_version": 2},
                "3": {"ORDER_ID": 3, "STATUS": "NEW", "_version": 4}}
    assert _es_docs(opensearch_url, index) == expected  # the offset is the external version
    mapping = json.loads(HTTP.request("GET", f"{opensearch_url}/{index}/_mapping").data)
    assert mapping[index]["mappings"]["properties"]["ORDER_ID"] == {"type": "integer" if schemas else "long"}

    function.cold_start()  # redelivered older records never overwrite newer versions nor resurrect deletes
    assert function.invoke(messages[:4]) == {}
    assert _es_docs(opensearch_url, index) == expected


@schemas_on_off
def test_opensearch_upserts_merge_documents(
    function: SinkFunction, kafka: KafkaTopics, opensearch_url: str, index_topic: str, schemas: bool,
) -> None:
    topic = kafka.create(index_topic)
    function.deploy(unique("opensearch_sink_"), _es_config(opensearch_url, topic, schemas, **{
        "key.ignore": "false", "write.method": "upsert", "behavior.on.null.values": "delete"}))
    kafka.produce(topic, [
        _status(1, "NEW", schemas), _status(2, "NEW", schemas),
        Out(b"1", _value(CARRIER_ONLY, {"ORDER_ID": 1, "CARRIER": "DHL"}, schemas)),
        _status(2, "PAID", schemas), Out(b"2", None), _status(2, "NEW", schemas),
    ])
    messages = kafka.consume(topic, 6)

    assert function.invoke(messages[:3]) == {}
    assert function.invoke(messages[3:]) == {}

    expected = {"1": {"ORDER_ID": 1, "STATUS": "NEW", "CARRIER": "DHL"}, "2": {"ORDER_ID": 2, "STATUS": "NEW"}}
    assert _without_version(_es_docs(opensearch_url, topic.lower())) == expected
    assert function.invoke(messages[1:3]) == {}  # a replay of upserts merges the same fields again
    assert _without_version(_es_docs(opensearch_url, topic.lower())) == expected


@schemas_on_off
def test_opensearch_key_ignore_indexes_every_record(
    function: SinkFunction, kafka: KafkaTopics, opensearch_url: str, index_topic: str, schemas: bool,
) -> None:
    topic = kafka.create(index_topic)
    function.deploy(unique("opensearch_sink_"), _es_config(opensearch_url, topic, schemas, **{
        "key.ignore": "true", "behavior.on.null.values": "ignore"}))
    kafka.produce(topic, [_status(1, "NEW", schemas), _status(1, "SHIPPED", schemas), Out(b"1", None),
                          Out(None, _value(STATUS, {"ORDER_ID": 2, "STATUS": "NEW"}, schemas))])
    messages = kafka.consume(topic, 4)

    assert function.invoke(messages) == {}
    assert function.invoke(messages[1:]) == {}  # replayed: the same ids, no duplicates

    assert _without_version(_es_docs(opensearch_url, topic.lower())) == {
        f"{topic}+0+0": {"ORDER_ID": 1, "STATUS": "NEW"},
        f"{topic}+0+1": {"ORDER_ID": 1, "STATUS": "SHIPPED"},
        f"{topic}+0+3": {"ORDER_ID": 2, "STATUS": "NEW"},
    }


# -- 4. errors: the dead letter queue under tolerance all, a failed invocation under none ----------------------
@schemas_on_off
def test_malformed_records_go_to_the_dead_letter_queue(
    function: SinkFunction, *, kafka: KafkaTopics, kafka_bootstrap: str, mariadb_settings: dict[str, str],
    crm_table: str, schemas: bool,
) -> None:
    topic = kafka.create(unique("order-status-update-status-"))
    dlq = unique("dlq-order-status-")
    kafka.created.append(dlq)
    name = unique("jdbc_sink_dlq_")
    function.deploy(name, _jdbc_config(mariadb_settings, topic, crm_table, schemas, **{
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true"}))
    kafka.produce(topic, [_status(1, "NEW", schemas), Out(b"2", b"{not json", [("trace", b"bad")]),
                          _status(3, "NEW", schemas)])

    assert function.invoke(kafka.consume(topic, 3)) == {}

    assert _rows(mariadb_settings, f"SELECT ORDER_ID, STATUS FROM `{crm_table}` ORDER BY ORDER_ID") == [
        (1, "NEW"), (3, "NEW")]
    [(key, value, headers)] = consume_committed(kafka_bootstrap, dlq, 1)
    assert (key, value) == (b"2", b"{not json")
    context = dict(headers)
    assert headers[0] == ("trace", b"bad")  # the original headers first, then Kafka's error context
    assert {k: v for k, v in context.items() if k.startswith("__connect.errors.") and "exception" not in k} == {
        "__connect.errors.topic": topic.encode(), "__connect.errors.partition": b"0",
        "__connect.errors.offset": b"1", "__connect.errors.connector.name": name.encode(),
        "__connect.errors.task.id": b"0", "__connect.errors.stage": b"VALUE_CONVERTER",
        "__connect.errors.class.name": JSON_CONVERTER.encode(),
    }
    assert context["__connect.errors.exception.class.name"] == b"org.apache.kafka.connect.errors.DataException"
    assert context["__connect.errors.exception.message"]
    assert b"Traceback" in context["__connect.errors.exception.stacktrace"]


@schemas_on_off
def test_malformed_record_without_tolerance_fails_the_invocation(
    function: SinkFunction, kafka: KafkaTopics, mariadb_settings: dict[str, str], crm_table: str, schemas: bool,
) -> None:
    topic = kafka.create(unique("order-status-update-status-"))
    name = unique("jdbc_sink_strict_")
    function.deploy(name, _jdbc_config(mariadb_settings, topic, crm_table, schemas))
    kafka.produce(topic, [_status(1, "NEW", schemas), _status(2, "NEW", schemas), Out(b"3", b"{not json"),
                          _status(1, "PAID", schemas)])
    messages = kafka.consume(topic, 4)
    assert function.invoke(messages[:2]) == {}
    select = f"SELECT ORDER_ID, STATUS FROM `{crm_table}` ORDER BY ORDER_ID"
    assert _rows(mariadb_settings, select) == [(1, "NEW"), (2, "NEW")]

    with pytest.raises(Exception, match="Tolerance exceeded"):
        function.invoke(messages[2:])

    assert _rows(mariadb_settings, select) == [(1, "NEW"), (2, "NEW")]  # nothing of the failed batch
    assert function.task_state(name) == "FAILED"
    with pytest.raises(Exception, match="Tolerance exceeded"):  # the retried batch fails the same way
        function.invoke(messages[2:])
    assert _rows(mariadb_settings, select) == [(1, "NEW"), (2, "NEW")]


# -- 5. fault injection: a failure between writes, retries with other boundaries -----------------------------
def _sequenced(schemas: bool, keys: int | None = None) -> list[Out]:
    """PLAN_RECORDS records with SEQ = offset, spread over three regions (and ``keys`` keys when given)."""
    regions = ("eu", "us", "apac")
    out = []
    for seq in range(PLAN_RECORDS):
        order = seq % keys if keys else seq
        value = {"SEQ": seq, "ORDER_ID": order, "REGION": regions[seq % 3]}
        out.append(Out(f"o{order}".encode(), _value(SEQUENCED, value, schemas), [("seq", str(seq).encode())]))
    return out


@schemas_on_off
def test_jdbc_fault_between_writes_then_retries_leave_every_record_once(
    function: SinkFunction, *, kafka: KafkaTopics, mariadb_settings: dict[str, str], crm_table: str, schemas: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    topic = kafka.create(unique("order-status-update-status-"))
    # insert mode without a key: a record written twice would be two rows.
    function.deploy(unique("jdbc_sink_faults_"), _jdbc_config(mariadb_settings, topic, crm_table, schemas, **{
        "insert.mode": "insert", "pk.mode": "none", "pk.fields": "", "batch.size": "1"}))
    kafka.produce(topic, _sequenced(schemas))
    injector = FaultInjector()
    # Every row is its own INSERT statement (batch.size=1) in the invocation's transaction; fail between them.
    is_insert = lambda args: str(args[1]).lstrip().upper().startswith("INSERT")  # noqa: E731
    monkeypatch.setattr(Connection, "exec_driver_sql", injector.wrap(Connection.exec_driver_sql, is_insert))
    mapping = Mapping(function, kafka.consume(topic, PLAN_RECORDS), injector)

    mapping.run()

    assert mapping.failures >= 6, mapping.log
    rows = _rows(mariadb_settings, f"SELECT SEQ, ORDER_ID, REGION FROM `{crm_table}` ORDER BY SEQ")
    assert rows == [(seq, seq, ("eu", "us", "apac")[seq % 3]) for seq in range(PLAN_RECORDS)], mapping.log


@schemas_on_off
def test_s3_fault_between_writes_then_retries_leave_every_record_once(
    function: SinkFunction, *, kafka: KafkaTopics, aws_settings: dict[str, str], bucket: str, schemas: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    topic = kafka.create(unique("orders-archive-"))
    function.deploy(unique("s3_sink_faults_"), _s3_config(aws_settings, bucket, topic, schemas, **{
        "partitioner.class": PARTITIONERS + "FieldPartitioner", "partition.field.name": "REGION",
        "flush.size": "4"}))
    kafka.produce(topic, _sequenced(schemas))
    injector = FaultInjector()
    monkeypatch.setattr(S3Storage, "put", injector.wrap(S3Storage.put))
    mapping = Mapping(function, kafka.consume(topic, PLAN_RECORDS), injector)

    mapping.run()

    # >= 4, not 6: a fault that lands on a file an earlier attempt already wrote meets a 412 ("already there")
    assert mapping.failures >= 4, mapping.log
    objects = _s3_objects(aws_settings, bucket)
    seen = sorted(line["SEQ"] for lines in objects.values() for line in lines)
    assert seen == list(range(PLAN_RECORDS)), (sorted(objects), mapping.log)
    for key, lines in objects.items():  # each file: one directory, one set of 4 offsets, named by its first offset
        directory, file_name = key.rsplit("/", 2)[1:]
        start = int(file_name.removesuffix(".json").rsplit("+", 1)[1])
        offsets = [line["SEQ"] for line in lines]
        assert offsets[0] == start and offsets == sorted(offsets), key
        assert {offset // 4 for offset in offsets} == {start // 4}, key
        assert {f"REGION={line['REGION']}" for line in lines} == {directory}, key


@schemas_on_off
@pytest.mark.parametrize("key_ignore", [True, False], ids=["key-ignore", "key-id"])
def test_opensearch_fault_between_writes_then_retries_leave_every_record_once(
    function: SinkFunction, *, kafka: KafkaTopics, opensearch_url: str, index_topic: str, schemas: bool,
    key_ignore: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    topic = kafka.create(index_topic)
    function.deploy(unique("opensearch_sink_faults_"), _es_config(opensearch_url, topic, schemas, **{
        "key.ignore": str(key_ignore).lower(), "batch.size": "2"}))
    keys = None if key_ignore else 6
    kafka.produce(topic, _sequenced(schemas, keys))
    injector = FaultInjector()
    monkeypatch.setattr(ElasticsearchClient, "bulk", injector.wrap(ElasticsearchClient.bulk))
    mapping = Mapping(function, kafka.consume(topic, PLAN_RECORDS), injector)

    mapping.run()

    assert mapping.failures >= 6, mapping.log
    docs = _es_docs(opensearch_url, topic.lower())
    if key_ignore:  # one document per record, named by its offset: a duplicate or a gap changes the set
        assert {doc_id: doc["SEQ"] for doc_id, doc in docs.items()} == {
            f"{topic}+0+{seq}": seq for seq in range(PLAN_RECORDS)}, mapping.log
    else:  # one document per key holding its latest record, versioned by that record's offset
        latest = {f"o{order}": max(s for s in range(PLAN_RECORDS) if s % 6 == order) for order in range(6)}
        assert {doc_id: (doc["SEQ"], doc["_version"]) for doc_id, doc in docs.items()} == {
            key: (seq, seq) for key, seq in latest.items()}, mapping.log


# -- 6. a paused connector ----------------------------------------------------------------------------------------
def test_paused_connector_fails_the_invocation_and_writes_nothing(
    function: SinkFunction, kafka: KafkaTopics, mariadb_settings: dict[str, str], crm_table: str,
) -> None:
    topic = kafka.create(unique("order-status-update-status-"))
    name = unique("jdbc_sink_paused_")
    function.deploy(name, _jdbc_config(mariadb_settings, topic, crm_table, True))
    kafka.produce(topic, [_status(1, "NEW", True), _status(2, "NEW", True)])
    messages = kafka.consume(topic, 2)
    function.set_state(name, TargetState.PAUSED)

    with pytest.raises(ConnectorNotRunningError, match="PAUSED"):
        function.invoke(messages)
    assert not _table_exists(mariadb_settings, crm_table)

    function.set_state(name, TargetState.STOPPED)
    with pytest.raises(ConnectorNotRunningError, match="STOPPED"):
        function.invoke(messages)

    function.set_state(name, TargetState.STARTED)  # resumed: the same batch, retried, goes through
    assert function.invoke(messages) == {}
    assert _rows(mariadb_settings, f"SELECT ORDER_ID, STATUS FROM `{crm_table}` ORDER BY ORDER_ID") == [
        (1, "NEW"), (2, "NEW")]

    function.set_state(name, TargetState.PAUSED)  # paused while warm: the running task is stopped too
    with pytest.raises(ConnectorNotRunningError, match="PAUSED"):
        function.invoke(messages)


# -- 6. refused rows: row by row to the dead letter queue, once across retries -------------
NULLABLE_STATUS = SchemaBuilder.struct().name("order_status").field("ORDER_ID", INT32_SCHEMA) \
    .field("STATUS", OPTIONAL_STRING_SCHEMA).build()


def _strict_table(settings: dict[str, str], table: str) -> None:
    """STATUS NOT NULL and at most 8 characters: MariaDB refuses NULL (1048) and longer values (1406)."""
    with _mysql(settings) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE TABLE `{table}` (ORDER_ID INT PRIMARY KEY, STATUS VARCHAR(8) NOT NULL)")


def _nullable_status(order_id: int, status: str | None) -> Out:
    return Out(str(order_id).encode(), _value(NULLABLE_STATUS, {"ORDER_ID": order_id, "STATUS": status}, True))


def _dlq_config(settings: dict[str, str], topic: str, table: str, dlq: str, **extra: str) -> dict[str, str]:
    return _jdbc_config(settings, topic, table, True, **{
        "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true", **extra})


def test_refused_rows_go_to_the_dead_letter_queue_and_the_rest_is_written(
    function: SinkFunction, *, kafka: KafkaTopics, kafka_bootstrap: str, mariadb_settings: dict[str, str],
    crm_table: str,
) -> None:
    topic = kafka.create(unique("order-status-refused-"))
    dlq = unique("dlq-refused-")
    kafka.created.append(dlq)
    _strict_table(mariadb_settings, crm_table)
    name = unique("jdbc_sink_refused_")
    function.deploy(name, _dlq_config(mariadb_settings, topic, crm_table, dlq))
    kafka.produce(topic, [_nullable_status(1, "NEW"), _nullable_status(2, None), _nullable_status(3, "NEW"),
                          _nullable_status(4, "MUCH-TOO-LONG"), _nullable_status(5, "PAID")])

    assert function.invoke(kafka.consume(topic, 5)) == {}

    select = f"SELECT ORDER_ID, STATUS FROM `{crm_table}` ORDER BY ORDER_ID"
    assert _rows(mariadb_settings, select) == [(1, "NEW"), (3, "NEW"), (5, "PAID")]
    assert function.task_state(name) == "RUNNING"
    dead = consume_committed(kafka_bootstrap, dlq, 2)
    assert [key for key, _value, _headers in dead] == [b"2", b"4"]
    first, second = (dict(headers) for _key, _value, headers in dead)
    assert first["__connect.errors.offset"] == b"1" and second["__connect.errors.offset"] == b"3"
    assert first["__connect.errors.stage"] == second["__connect.errors.stage"] == b"TASK_PUT"
    assert first["__connect.errors.exception.class.name"] == b"pymysql.err.IntegrityError"
    assert b"1048" in first["__connect.errors.exception.message"]
    assert second["__connect.errors.exception.class.name"] == b"pymysql.err.DataError"
    assert b"1406" in second["__connect.errors.exception.message"]


def test_refused_row_without_tolerance_fails_naming_the_row_and_the_database_message(
    function: SinkFunction, *, kafka: KafkaTopics, mariadb_settings: dict[str, str], crm_table: str,
    cluster: Cluster,
) -> None:
    topic = kafka.create(unique("order-status-refused-"))
    _strict_table(mariadb_settings, crm_table)
    name = unique("jdbc_sink_refused_strict_")
    function.deploy(name, _jdbc_config(mariadb_settings, topic, crm_table, True))
    kafka.produce(topic, [_nullable_status(1, "NEW"), _nullable_status(2, None), _nullable_status(3, "NEW")])

    with pytest.raises(Exception, match=rf"{topic}-0@1.*1048"):
        function.invoke(kafka.consume(topic, 3))

    assert _rows(mariadb_settings, f"SELECT ORDER_ID FROM `{crm_table}`") == []  # the batch stays whole
    assert function.task_state(name) == "FAILED"
    cluster.statuses.refresh()
    trace = cluster.statuses.task_status(name, 0).trace or ""
    assert f"{topic}-0@1" in trace and "cannot be null" in trace


def test_a_retried_batch_sends_each_bad_record_to_the_dead_letter_queue_once(
    function: SinkFunction, *, kafka: KafkaTopics, kafka_bootstrap: str, mariadb_settings: dict[str, str],
    crm_table: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connect_core.api.errors import RetriableError
    from connect_core.connectors.jdbc._sink_writer import JdbcSinkWriter

    topic = kafka.create(unique("order-status-retried-"))
    dlq = unique("dlq-retried-")
    kafka.created.append(dlq)
    _strict_table(mariadb_settings, crm_table)
    function.deploy(unique("jdbc_sink_retried_"), _dlq_config(mariadb_settings, topic, crm_table, dlq,
                                                                **{"max.retries": "0"}))
    kafka.produce(topic, [_nullable_status(1, "NEW"), Out(b"2", b"{not json"), _nullable_status(3, None),
                          _nullable_status(4, "PAID")])
    messages = kafka.consume(topic, 4)
    outages = iter([True, True, True, False])

    def after(real: Any) -> Any:
        def write(self: JdbcSinkWriter, *args: Any) -> None:
            real(self, *args)  # writes (and reports refused rows), commits ...
            if next(outages):
                raise RetriableError("injected: the database went away before the invocation returned")
        return write

    monkeypatch.setattr(JdbcSinkWriter, "write", after(JdbcSinkWriter.write))
    if hasattr(JdbcSinkWriter, "write_each"):  # the row-by-row path after the NULL row was refused
        monkeypatch.setattr(JdbcSinkWriter, "write_each", after(JdbcSinkWriter.write_each))
    for attempt in range(3):  # the mapping retries the same batch; once in a new execution environment
        if attempt == 1:
            function.cold_start()
        with pytest.raises(Exception, match="injected"):
            function.invoke(messages)
    assert function.invoke(messages) == {}

    assert _rows(mariadb_settings, f"SELECT ORDER_ID, STATUS FROM `{crm_table}` ORDER BY ORDER_ID") == [
        (1, "NEW"), (4, "PAID")]
    dead = consume_committed(kafka_bootstrap, dlq, 2)
    assert sorted(key for key, _value, _headers in dead) == [b"2", b"3"]  # each once, not once per attempt
