"""Apache Iceberg's sink on the deployed stack: template.yaml deployed onto LocalStack with IcebergWarehouseBucket set,
which creates IcebergLayer (infra/sam/layers.py: pyiceberg and pyarrow beside ConnectCoreLayer) on the functions
that run sink tasks, and IcebergSinkPolicy on their roles. A stack of its own: the session stack of
tests/integration/stack/conftest.py has no warehouse bucket, so neither the layer nor the policy.

Connectors are created through the coordinator's REST API with the JSON a Kafka Connect user posts
(``org.apache.iceberg.connect.IcebergSinkConnector``, a JDBC catalog on the local PostgreSQL, the warehouse on
LocalStack S3 with no keys in the config: the function's own credentials), one behind an event source mapping
(its own function, cloned from SinkTaskFunction) and one in pull mode (SourceTaskFunction on a schedule); pyiceberg
reads both tables back, row for row. LocalStack does not enforce IAM: what the policy allows is proven against
moto with IAM enforced in tests/integration/connectors/iceberg/test_iceberg_iam_policy.py; here it is attached.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from infra.local import stack
from tests.integration.stack.conftest import Deployed, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

ROWS = 200
DAY_MS = 86_400_000
SCHEMA = {"type": "struct", "optional": False, "fields": [
    {"field": "id", "type": "int64", "optional": False},
    {"field": "name", "type": "string", "optional": True},
    {"field": "ts", "type": "int64", "optional": False, "name": "org.apache.kafka.connect.data.Timestamp",
     "version": 1},
]}


@pytest.fixture(scope="module")
def warehouse(aws_settings: dict[str, str]) -> str:
    bucket = f"lc-ice-stack-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", **aws_settings).create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(scope="module")
def iceberg_stack(kafka_settings: dict[str, str], aws_settings: dict[str, str], warehouse: str,
                  ) -> Iterator[Deployed]:
    name = f"lc-ice-{uuid.uuid4().hex[:6]}"
    overrides = {"IcebergWarehouseBucket": warehouse, "IcebergWarehousePrefix": "warehouse/"}
    try:
        outputs = stack.deploy(name, overrides=overrides)
    except stack.StackError as error:
        stack.destroy(name)
        pytest.fail(str(error), pytrace=False)
    try:
        yield Deployed(name, stack.FunctionUrl(outputs["CoordinatorUrl"]))
    finally:
        stack.destroy(name)


def _produce(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(60)
    start = 1_767_225_600_000  # 2026-01-01T00:00:00Z: the rows span three days (partitions)
    rows = [{"id": i, "name": f"name-{i}" if i % 7 else None, "ts": start + i * (3 * DAY_MS // ROWS)}
            for i in range(ROWS)]
    producer = Producer({"bootstrap.servers": bootstrap})
    for row in rows:
        producer.produce(topic, json.dumps({"schema": SCHEMA, "payload": row}).encode())
    assert producer.flush(60) == 0
    return rows


def _config(topic: str, table: str, *, catalog: str, bucket: str, aws: dict[str, str], pg: dict[str, str],
            **extra: str) -> dict[str, str]:
    """What a Kafka Connect user posts for Iceberg's sink; S3 credentials are the function's (no keys here)."""
    return {
        "connector.class": "org.apache.iceberg.connect.IcebergSinkConnector",
        "topics": topic, "tasks.max": "1",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
        "iceberg.tables": table, "iceberg.tables.auto-create-enabled": "true",
        f"iceberg.table.{table}.partition-by": "day(ts)",
        # behind a mapping a function runs only when records arrive: 0 commits every batch (a quiet topic's last
        # staged files would wait for the next records otherwise; docs/connectors/iceberg.md)
        "iceberg.control.commit.interval-ms": "0",
        "iceberg.catalog": catalog,
        "iceberg.catalog.catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
        "iceberg.catalog.uri": f"jdbc:postgresql://{pg['host']}:{pg['port']}/{pg['database']}",
        "iceberg.catalog.jdbc.user": pg["user"], "iceberg.catalog.jdbc.password": pg["password"],
        "iceberg.catalog.warehouse": f"s3://{bucket}/warehouse",
        "iceberg.catalog.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        "iceberg.catalog.s3.endpoint": aws["endpoint_url"], "iceberg.catalog.s3.path-style-access": "true",
        "iceberg.catalog.client.region": aws["region_name"],
        "lambda.maximum.batching.window.ms": "100",
        **extra,
    }


def _table(config: dict[str, str], table: str, aws: dict[str, str]) -> Any:
    """The table read with pyiceberg (None until it exists)."""
    from pyiceberg.exceptions import NoSuchTableError

    from connect_core.connectors.iceberg.config import load_config
    from connect_core.connectors.iceberg.sink_task import open_catalog

    reader = {**config, "iceberg.catalog.s3.access-key-id": aws["aws_access_key_id"],
              "iceberg.catalog.s3.secret-access-key": aws["aws_secret_access_key"]}
    try:
        return open_catalog(load_config(reader)).load_table(table)
    except NoSuchTableError:
        return None


def _rows(config: dict[str, str], table: str, aws: dict[str, str]) -> list[dict[str, Any]] | None:
    """The table's rows by id (None until the table exists)."""
    loaded = _table(config, table, aws)
    return None if loaded is None else sorted(loaded.scan().to_arrow().to_pylist(), key=lambda row: row["id"])


def _expected(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": r["id"], "name": r["name"],
             "ts": dt.datetime.fromtimestamp(r["ts"] / 1000, tz=dt.UTC)} for r in rows]


def test_iceberg_sinks_created_through_the_coordinator_write_the_topic_row_for_row(
    iceberg_stack: Deployed, kafka_settings: dict[str, str], aws_settings: dict[str, str],
    postgres_settings: dict[str, str], warehouse: str,
) -> None:
    run = uuid.uuid4().hex[:8]
    topic, catalog = f"{iceberg_stack.name}-orders-{run}", f"cat_{run}"
    rows = _produce(kafka_settings["bootstrap.servers"], topic)
    mapped, pulled = f"ice-mapped-{run}", f"ice-pulled-{run}"
    where = {"catalog": catalog, "bucket": warehouse, "aws": aws_settings, "pg": postgres_settings}
    configs = {
        mapped: _config(topic, f"lake_{run}.orders_mapped", **where),
        pulled: _config(topic, f"lake_{run}.orders_pulled", **where,
                        **{"lambda.sink.trigger": "schedule", "lambda.sink.poll.interval.ms": "1000",
                           # in pull mode an invocation without records commits what waited the interval
                           "iceberg.control.commit.interval-ms": "3000"}),
    }
    for name, config in configs.items():
        status, answer = iceberg_stack.http("POST", "/connectors", {"name": name, "config": config})
        assert status == 201, answer

    # mapping mode: the connector's own function, with the template sink function's layers (core + Iceberg)
    assert [m["Topics"] for m in iceberg_stack.mappings(mapped)] == [[topic]]
    function = iceberg_stack.client("lambda").get_function_configuration(
        FunctionName=iceberg_stack.function_name(mapped))
    layers = [layer["Arn"] for layer in function["Layers"]]
    assert [":layer:" + iceberg_stack.name + "-" in arn for arn in layers] == [True, True]
    assert any(f":layer:{iceberg_stack.name}-iceberg:" in arn for arn in layers), layers
    # pull mode: a schedule on the source_task function, which carries the Iceberg layer too
    assert iceberg_stack.schedules(pulled) == {f"{pulled}-0": "ENABLED"}
    source = iceberg_stack.client("lambda").get_function_configuration(FunctionName=f"{iceberg_stack.name}-source-task")
    assert any(f":layer:{iceberg_stack.name}-iceberg:" in layer["Arn"] for layer in source["Layers"])

    for name, config in configs.items():
        table = config["iceberg.tables"]
        got = wait_for(lambda config=config, table=table: (found := _rows(config, table, aws_settings)) is not None
                       and len(found) >= ROWS and found, f"{ROWS} rows in {table} ({name})", timeout=300)
        assert got == _expected(rows), name
        summary = _table(config, table, aws_settings).current_snapshot().summary
        assert json.loads(summary[f"lambda-connect.offsets.connect-{name}"]) == {topic: {"0": ROWS}}, name

    # IcebergSinkPolicy on the roles of both functions that ran the sink
    iam = iceberg_stack.client("iam")
    for arn in (function["Role"], source["Role"]):
        attached = iam.list_attached_role_policies(RoleName=arn.rsplit("/", 1)[-1])["AttachedPolicies"]
        documents = [iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=iam.get_policy(
            PolicyArn=p["PolicyArn"])["Policy"]["DefaultVersionId"])["PolicyVersion"]["Document"] for p in attached]
        resources = json.dumps(documents)
        assert f"arn:aws:s3:::{warehouse}/warehouse/*" in resources, (arn, documents)
