"""`lambda-connect up` against the local broker's SASL_SSL listener (SCRAM-SHA-512 over TLS, `make services`).

Every client goes through it: the internal topics, a JDBC source, and a JDBC sink and an S3 sink reading its topic.
The credentials are where a deployed stack keeps them, in a Secrets Manager secret (LocalStack), found through
LAMBDA_CONNECT_KAFKA_AUTH=SASL_SCRAM_512 + LAMBDA_CONNECT_KAFKA_SECRET_ARN, with the project's CA. A wrong password
stops `up` at once with the broker's message instead of retrying.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from tests.e2e.conftest import ROOT, start_up

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.integration


@pytest.fixture
def sasl_env(kafka_settings: dict[str, str], aws_settings: dict[str, str]) -> Iterator[dict[str, str]]:
    """The function environment for SASL_SSL with the right credentials in a fresh secret (deleted after)."""
    import boto3

    secrets = boto3.client("secretsmanager", **aws_settings)
    arn = secrets.create_secret(Name=f"kafka-sasl-{uuid.uuid4().hex[:8]}", SecretString=json.dumps(
        {"username": kafka_settings["sasl.username"], "password": kafka_settings["sasl.password"]}))["ARN"]
    env = {"LAMBDA_CONNECT_BOOTSTRAP_SERVERS": kafka_settings["sasl.bootstrap.servers"],
           "LAMBDA_CONNECT_KAFKA_AUTH": "SASL_SCRAM_512", "LAMBDA_CONNECT_KAFKA_SECRET_ARN": arn,
           "LAMBDA_CONNECT_KAFKA_SSL_CA_LOCATION": kafka_settings["ssl.ca.location"],
           "AWS_ENDPOINT_URL": aws_settings["endpoint_url"], "AWS_ACCESS_KEY_ID": aws_settings["aws_access_key_id"],
           "AWS_SECRET_ACCESS_KEY": aws_settings["aws_secret_access_key"],
           "AWS_DEFAULT_REGION": aws_settings["region_name"]}
    try:
        yield env
    finally:
        secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)


@pytest.fixture
def database(mariadb_settings: dict[str, str]) -> Iterator[dict[str, Any]]:
    name = f"sasl_{uuid.uuid4().hex[:10]}"
    conn = pymysql.connect(host=mariadb_settings["host"], port=int(mariadb_settings["port"]),
                           user=mariadb_settings["user"], password=mariadb_settings["password"], autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
        cur.execute(f"CREATE TABLE {name}.orders (id INT PRIMARY KEY, status VARCHAR(20))")
        cur.execute(f"INSERT INTO {name}.orders VALUES (1, 'PLACED'), (2, 'SHIPPED'), (3, 'PICKED')")
    try:
        yield {"conn": conn, "db": name, "url": f"jdbc:mysql://{mariadb_settings['host']}:"
               f"{mariadb_settings['port']}/{name}", "user": mariadb_settings["user"],
               "password": mariadb_settings["password"]}
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.close()


def _copied(database: dict[str, Any]) -> list[tuple[Any, ...]]:
    try:
        with database["conn"].cursor() as cur:
            cur.execute(f"SELECT id, status FROM {database['db']}.copy ORDER BY id")
            return list(cur.fetchall())
    except pymysql.MySQLError:
        return []


def test_jdbc_source_and_jdbc_and_s3_sinks_run_through_sasl_ssl(
    kafka_bootstrap: str, tmp_path: Path, sasl_env: dict[str, str], database: dict[str, Any],
    aws_settings: dict[str, str],
) -> None:
    import boto3

    s3 = boto3.client("s3", **aws_settings)
    bucket = f"sasl-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    jdbc = {"connection.url": database["url"], "connection.user": database["user"],
            "connection.password": database["password"]}
    with start_up(kafka_bootstrap, tmp_path, "--bootstrap-servers", sasl_env["LAMBDA_CONNECT_BOOTSTRAP_SERVERS"],
                  extra_env=sasl_env) as up:
        topic = f"{up.prefix}-orders"
        src, db_sink, s3_sink = (f"{up.prefix}-{n}" for n in ("src", "db-sink", "s3-sink"))  # connect-<name> groups
        bodies = {
            src: {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", **jdbc, "mode": "incrementing",
                    "incrementing.column.name": "id", "table.whitelist": "orders", "topic.prefix": f"{up.prefix}-",
                    "poll.interval.ms": "500"},
            db_sink: {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", **jdbc, "topics": topic,
                        "auto.create": "true", "table.name.format": "copy", "pk.mode": "record_value",
                        "pk.fields": "id", "insert.mode": "upsert"},
            s3_sink: {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": topic,
                        "s3.bucket.name": bucket, "s3.region": aws_settings["region_name"],
                        "store.url": aws_settings["endpoint_url"],
                        "aws.access.key.id": aws_settings["aws_access_key_id"],
                        "aws.secret.access.key": aws_settings["aws_secret_access_key"],
                        "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
                        "storage.class": "io.confluent.connect.s3.storage.S3Storage", "flush.size": "3"},
        }
        for name, config in bodies.items():
            status, answer = up.http("POST", "/connectors", {"name": name, "config": config})
            assert status == 201, answer
        up.wait_for(lambda: _copied(database) == [(1, "PLACED"), (2, "SHIPPED"), (3, "PICKED")],
                    "the rows copied by the JDBC sink", timeout_s=120)
        data = f"topics/{topic}/"
        up.wait_for(lambda: s3.list_objects_v2(Bucket=bucket, Prefix=data).get("KeyCount", 0) >= 1,
                    "the S3 object", timeout_s=120)
        up.wait_for(lambda: {n: [t["state"] for t in s["status"]["tasks"]] for n, s in up.http(
                             "GET", "/connectors?expand=status")[1].items()} == dict.fromkeys(bodies, ["RUNNING"]),
                    "every task RUNNING")
        key = s3.list_objects_v2(Bucket=bucket, Prefix=data)["Contents"][0]["Key"]
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        lines = body.read().decode().splitlines()
        assert [json.loads(line).get("id") for line in lines] == [1, 2, 3], lines

    # the internal topics were written through the authenticated listener too: readable with the same credentials
    from confluent_kafka.admin import AdminClient

    sasl = {"bootstrap.servers": sasl_env["LAMBDA_CONNECT_BOOTSTRAP_SERVERS"], "security.protocol": "SASL_SSL",
            "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": json.loads(_secret(sasl_env))["username"],
            "sasl.password": json.loads(_secret(sasl_env))["password"],
            "ssl.ca.location": sasl_env["LAMBDA_CONNECT_KAFKA_SSL_CA_LOCATION"]}
    assert f"{up.prefix}-configs" in AdminClient(sasl).list_topics(timeout=10).topics


def _secret(env: dict[str, str]) -> str:
    import boto3

    client = boto3.client("secretsmanager", endpoint_url=env["AWS_ENDPOINT_URL"],
                          region_name=env["AWS_DEFAULT_REGION"], aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    return str(client.get_secret_value(SecretId=env["LAMBDA_CONNECT_KAFKA_SECRET_ARN"])["SecretString"])


def test_a_wrong_password_stops_up_at_once_with_the_brokers_message(
    tmp_path: Path, sasl_env: dict[str, str], aws_settings: dict[str, str],
) -> None:
    import boto3

    boto3.client("secretsmanager", **aws_settings).put_secret_value(
        SecretId=sasl_env["LAMBDA_CONNECT_KAFKA_SECRET_ARN"],
        SecretString=json.dumps({"username": "connect", "password": "not-the-password"}))
    env = {**os.environ, **sasl_env, "LAMBDA_CONNECT_RUN_DIR": str(tmp_path), "PYTHONPATH": str(ROOT),
           "LAMBDA_CONNECT_CONFIG_TOPIC": f"wrong-{uuid.uuid4().hex[:8]}-configs"}
    result = subprocess.run([sys.executable, "-m", "connect_core.local.cli", "up", "--port", "0"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert ("SASL authentication error: Authentication failed during authentication due to invalid credentials "
            "with SASL mechanism SCRAM-SHA-512") in result.stderr
    assert "check the Kafka credentials" in result.stderr
