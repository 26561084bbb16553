"""The seed scenario with Avro and a schema registry: the JDBC source writes Avro through
`io.confluent.connect.avro.AvroConverter` (schemas registered in the real registry), the JDBC sink upserts the CRM
table from it, the OpenSearch sink indexes it and the S3 sink archives it as Parquet; the Parquet files read back
with pyarrow give the same rows."""

from __future__ import annotations

import io
import json
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pyarrow.parquet as pq
import pymysql
import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration

ORDERS = [(101, "PLACED"), (102, "PLACED"), (103, "PICKED")]
UPDATES = [(101, "SHIPPED"), (103, "DELIVERED")]


def _mysql(settings: dict[str, str], database: str | None = None) -> Any:
    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=database, autocommit=True)


def _rows(settings: dict[str, str], query: str) -> list[tuple[Any, ...]]:
    try:
        with _mysql(settings) as conn, conn.cursor() as cursor:
            cursor.execute(query)
            return list(cursor.fetchall())
    except pymysql.err.ProgrammingError:  # the sink has not created its table yet
        return []


def _search(opensearch_url: str, index: str) -> dict[int, str]:
    try:
        urllib.request.urlopen(urllib.request.Request(f"{opensearch_url}/{index}/_refresh", method="POST"))
        with urllib.request.urlopen(f"{opensearch_url}/{index}/_search?size=100") as response:
            hits = json.load(response)["hits"]["hits"]
    except OSError:  # index not created yet
        return {}
    return {int(hit["_source"]["ORDER_ID"]): hit["_source"]["STATUS"] for hit in hits}


def test_avro_source_to_jdbc_parquet_and_opensearch_sinks(up: Up, mariadb_settings: dict[str, str],
                                                          aws_settings: dict[str, str], opensearch_url: str,
                                                          schema_registry_url: str) -> None:
    run = uuid.uuid4().hex[:8]
    source_db, crm_db, bucket, topic_prefix = f"fulfillment_{run}", f"crm_{run}", f"archive-{run}", f"avro-{run}-"
    topic = f"{topic_prefix}status"
    with _mysql(mariadb_settings) as conn, conn.cursor() as cursor:
        for statement in (f"CREATE DATABASE {source_db}", f"CREATE DATABASE {crm_db}",
                          f"CREATE TABLE {source_db}.status (ID INT AUTO_INCREMENT PRIMARY KEY, ORDER_ID INT NOT "
                          "NULL UNIQUE, STATUS VARCHAR(32) NOT NULL, AMOUNT DECIMAL(10,2) NULL, LAST_UPDATED "
                          "TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))"):
            cursor.execute(statement)
    s3 = boto3.client("s3", **aws_settings)
    s3.create_bucket(Bucket=bucket)
    avro = {"value.converter": "io.confluent.connect.avro.AvroConverter",
            "value.converter.schema.registry.url": schema_registry_url,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter"}
    db = {"connection.user": mariadb_settings["user"], "connection.password": mariadb_settings["password"]}
    host = f"{mariadb_settings['host']}:{mariadb_settings['port']}"
    connectors = [
        {"name": f"{up.prefix}-source", "config": {
            "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", **db,
            "connection.url": f"jdbc:mysql://{host}/{source_db}", "mode": "timestamp",
            "timestamp.column.name": "LAST_UPDATED", "table.whitelist": "status", "topic.prefix": topic_prefix,
            "poll.interval.ms": "500", **avro}},
        {"name": f"{up.prefix}-jdbc-sink", "config": {
            "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", **db,
            "connection.url": f"jdbc:mysql://{host}/{crm_db}", "topics": topic, "table.name.format": "order_status",
            "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "ORDER_ID", "auto.create": "true",
            "lambda.maximum.batching.window.ms": "100", **avro}},
        {"name": f"{up.prefix}-s3-sink", "config": {
            "connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": topic, "s3.bucket.name": bucket,
            "s3.region": aws_settings["region_name"], "store.url": aws_settings["endpoint_url"],
            "aws.access.key.id": aws_settings["aws_access_key_id"],
            "aws.secret.access.key": aws_settings["aws_secret_access_key"],
            "format.class": "io.confluent.connect.s3.format.parquet.ParquetFormat", "flush.size": "1",
            "lambda.maximum.batching.window.ms": "100", **avro}},
        {"name": f"{up.prefix}-opensearch-sink", "config": {
            "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "topics": topic,
            "connection.url": opensearch_url, "key.ignore": "false", "schema.ignore": "false",
            "transforms": "createKey,extractId",
            "transforms.createKey.type": "org.apache.kafka.connect.transforms.ValueToKey",
            "transforms.createKey.fields": "ORDER_ID",
            "transforms.extractId.type": "org.apache.kafka.connect.transforms.ExtractField$Key",
            "transforms.extractId.field": "ORDER_ID", "lambda.maximum.batching.window.ms": "100", **avro}},
    ]
    for body in connectors:
        status, answer = up.http("POST", "/connectors", body)
        assert status == 201, answer

    with _mysql(mariadb_settings, source_db) as conn, conn.cursor() as cursor:
        cursor.executemany("INSERT INTO status (ORDER_ID, STATUS, AMOUNT) VALUES (%s, %s, 9.99)", ORDERS)
    up.wait_for(lambda: len(_rows(mariadb_settings, f"SELECT * FROM {crm_db}.order_status")) == len(ORDERS),
                "inserted orders in the CRM table", timeout_s=120)
    with _mysql(mariadb_settings, source_db) as conn, conn.cursor() as cursor:
        for order_id, status in UPDATES:
            cursor.execute("UPDATE status SET STATUS = %s WHERE ORDER_ID = %s", (status, order_id))
    expected = {**dict(ORDERS), **dict(UPDATES)}
    up.wait_for(lambda: dict(_rows(mariadb_settings, f"SELECT ORDER_ID, STATUS FROM {crm_db}.order_status"))
                == expected, "updates in the CRM table", timeout_s=120)

    def parquet_rows() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for item in sorted(s3.list_objects_v2(Bucket=bucket, Prefix="topics/" + topic).get("Contents", []),
                           key=lambda o: o["Key"]):
            assert item["Key"].endswith(".snappy.parquet"), item["Key"]
            rows += pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())).to_pylist()
        return rows if len(rows) == len(ORDERS) + len(UPDATES) else []

    up.wait_for(lambda: _search(opensearch_url, topic) == expected, "current statuses in OpenSearch", timeout_s=120)
    rows = up.wait_for(parquet_rows, "every change archived as Parquet", timeout_s=120)
    source = {r[0]: r for r in _rows(mariadb_settings, f"SELECT ORDER_ID, ID, STATUS, AMOUNT, LAST_UPDATED FROM "
                                                       f"{source_db}.status")}
    latest = {row["ORDER_ID"]: row for row in rows}  # files are in offset order: the last change wins
    assert {o: r["STATUS"] for o, r in latest.items()} == expected
    for order_id, (_, row_id, status, amount, last_updated) in source.items():
        row = latest[order_id]
        assert (row["ID"], row["STATUS"], row["AMOUNT"]) == (row_id, status, amount)
        assert row["LAST_UPDATED"].replace(tzinfo=None) == last_updated  # the session runs in UTC

    with urllib.request.urlopen(f"{schema_registry_url}/subjects/{topic}-value/versions/latest") as response:
        registered = json.loads(json.load(response)["schema"])
    assert (registered["type"], registered["name"], registered["connect.name"]) == ("record", "status", "status")
