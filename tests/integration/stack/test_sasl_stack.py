"""The deployed stack on the broker's SASL_SSL listener (the session's stack, conftest.py): the
coordinator, the source and sink functions and the sinks' Kafka event source mappings reach Kafka only through
SCRAM-SHA-512 over TLS, with the login and the private CA in Secrets Manager (KafkaSecretArn,
KafkaServerRootCaSecretArn), as on AWS. A JDBC source feeds a
mapping-triggered JDBC sink and S3 sink. What a wrong password does to a mapping is in
tests/integration/localstack_ext/test_kafka_esm.py."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from infra.local import stack
from tests.integration.stack.conftest import wait_for

if TYPE_CHECKING:
    from tests.integration.stack.conftest import Deployed

pytestmark = pytest.mark.integration


def _tasks(deployed: Deployed, *names: str) -> dict[str, list[str]]:
    found = {}
    for name in names:
        status, body = deployed.http("GET", f"/connectors/{name}/status")
        found[name] = [task["state"] for task in body["tasks"]] if status == 200 else []
    return found


def test_a_jdbc_source_feeds_mapping_triggered_jdbc_and_s3_sinks_through_sasl_ssl(
    deployed: Deployed, mariadb_settings: dict[str, str], aws_settings: dict[str, str],
    kafka_settings: dict[str, str],
) -> None:
    run = uuid.uuid4().hex[:8]
    table, prefix, bucket = f"orders_{run}", f"sasl_{run}_", f"sasl-{run}"
    topic, copy = prefix + table, f"copy_{run}"
    source, jdbc_sink, s3_sink = f"sasl-source-{run}", f"sasl-jdbc-{run}", f"sasl-s3-{run}"
    credentials = {"connection.url": mariadb_settings["connection.url"], "connection.user": mariadb_settings["user"],
                   "connection.password": mariadb_settings["password"]}
    conn = pymysql.connect(host=mariadb_settings["host"], port=int(mariadb_settings["port"]),
                           user=mariadb_settings["user"], password=mariadb_settings["password"],
                           database=mariadb_settings["database"], autocommit=True)
    s3 = deployed.client("s3")
    s3.create_bucket(Bucket=bucket)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {table} (ID INT PRIMARY KEY, STATUS VARCHAR(32) NOT NULL)")
            cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s)", [(1, "PLACED"), (2, "SHIPPED"), (3, "PICKED")])
        sink_batching = {"lambda.maximum.batching.window.ms": "100"}
        for body in (
            {"name": source, "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
                                        **credentials, "mode": "incrementing", "incrementing.column.name": "ID",
                                        "table.whitelist": table, "topic.prefix": prefix, "poll.interval.ms": "500"}},
            {"name": jdbc_sink, "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
                                           **credentials, "topics": topic, "table.name.format": copy,
                                           "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "ID",
                                           "auto.create": "true", **sink_batching}},
            {"name": s3_sink, "config": {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": topic,
                                         "s3.bucket.name": bucket, "s3.region": aws_settings["region_name"],
                                         "store.url": aws_settings["endpoint_url"],
                                         "aws.access.key.id": aws_settings["aws_access_key_id"],
                                         "aws.secret.access.key": aws_settings["aws_secret_access_key"],
                                         "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
                                         "storage.class": "io.confluent.connect.s3.storage.S3Storage",
                                         "flush.size": "3", **sink_batching}},
        ):
            status, answer = deployed.http("POST", "/connectors", body)
            assert status == 201, answer

        login, ca = (deployed.client("secretsmanager").describe_secret(SecretId=name)["ARN"]
                     for name in stack.sasl_secret_names(deployed.name))
        for sink in (jdbc_sink, s3_sink):  # one topic, one task: a function and its mapping, authenticated
            [mapping] = deployed.mappings(sink)
            assert mapping["SelfManagedEventSource"]["Endpoints"]["KAFKA_BOOTSTRAP_SERVERS"] == [
                kafka_settings["sasl.bootstrap.servers"]]
            assert sorted((a["Type"], a["URI"]) for a in mapping["SourceAccessConfigurations"]) == [
                ("SASL_SCRAM_512_AUTH", login), ("SERVER_ROOT_CA_CERTIFICATE", ca)]

        def copied() -> dict[int, str]:
            try:
                with conn.cursor() as cursor:
                    cursor.execute(f"SELECT ID, STATUS FROM {copy}")
                    return dict(cursor.fetchall())
            except pymysql.err.ProgrammingError:  # not auto-created yet
                return {}

        def archived() -> list[Any]:
            listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"topics/{topic}/").get("Contents", [])
            return [json.loads(line)["ID"] for item in listed
                    for line in s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode().splitlines()]

        wait_for(lambda: copied() == {1: "PLACED", 2: "SHIPPED", 3: "PICKED"}, "the rows copied by the JDBC sink")
        wait_for(lambda: archived() == [1, 2, 3], "the rows archived by the S3 sink")
        wait_for(lambda: _tasks(deployed, source, jdbc_sink, s3_sink) == dict.fromkeys(
            (source, jdbc_sink, s3_sink), ["RUNNING"]), "every task RUNNING")
        for sink in (jdbc_sink, s3_sink):
            assert deployed.mappings(sink)[0]["LastProcessingResult"] == "OK"
    finally:
        for name in (source, jdbc_sink, s3_sink):
            deployed.http("DELETE", f"/connectors/{name}")
        with conn.cursor() as cursor:
            for name in (table, copy):
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
        conn.close()
