"""The sink on an AWS Glue catalog (``iceberg.catalog.type=glue`` and ``catalog-impl=...GlueCatalog``) with S3FileIO,
both served by moto in this process: the sink auto-creates the Glue database and table, commits twice (the second
with an evolved schema), and pyiceberg's own GlueCatalog reads the table back row for row; the Glue table's
``metadata_location`` moves on each commit, the old one kept as ``previous_metadata_location``, as Iceberg's
``GlueTableOperations`` does. moto's ``mock_aws`` patches botocore only, and pyiceberg writes data files through
pyarrow's S3 client, so moto runs as its in-process server (``ThreadedMotoServer``) for both services."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from connect_core.api.record import SinkRecord
from connect_core.api.schema import SchemaBuilder
from connect_core.api.struct import Struct
from connect_core.api.task import SinkTaskContext, TopicPartition
from infra.local._process import free_server_port

if TYPE_CHECKING:
    from collections.abc import Iterator

pytest.importorskip("pyiceberg")
pytest.importorskip("moto.server")

REGION = "us-east-1"
V1 = (SchemaBuilder.struct().name("order").field("id", SchemaBuilder.int64().build())
      .field("name", SchemaBuilder.string().optional().build())
      .field("ts", SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").build()).build())
V2 = (SchemaBuilder.struct().name("order").field("id", SchemaBuilder.int64().build())
      .field("name", SchemaBuilder.string().optional().build())
      .field("ts", SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").build())
      .field("qty", SchemaBuilder.int32().optional().build()).build())
T0 = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def moto_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's S3 and Glue on a free port of this process; the default credential chain (what a Lambda role's
    environment gives Iceberg's Glue client and pyiceberg's) holds moto's keys, and no region (the config's)."""
    from moto.server import ThreadedMotoServer

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_GLUE",
                 "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION"):  # the region: client.region's
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    port = free_server_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _props(url: str, warehouse: str, table: str, catalog: dict[str, str]) -> dict[str, str]:
    """Iceberg's sink keys for a Glue catalog with S3FileIO, as its docs write them (endpoints: moto)."""
    return {"name": f"glue-{uuid.uuid4().hex[:6]}", "iceberg.catalog": "glue", **catalog,
            "iceberg.catalog.warehouse": warehouse,
            "iceberg.catalog.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
            "iceberg.catalog.glue.endpoint": url, "iceberg.catalog.s3.endpoint": url,
            "iceberg.catalog.s3.path-style-access": "true", "iceberg.catalog.client.region": REGION,
            "iceberg.tables": table, "iceberg.tables.auto-create-enabled": "true",
            "iceberg.tables.evolve-schema-enabled": "true", "iceberg.control.commit.interval-ms": "0"}


def _records(offsets: range, schema: Any) -> list[SinkRecord]:
    out = []
    for o in offsets:
        value = Struct(schema).put("id", o).put("name", f"n{o}").put("ts", T0 + dt.timedelta(minutes=o))
        if schema is V2:
            value.put("qty", o * 10)
        out.append(SinkRecord("orders", 0, None, None, schema, value, o))
    return out


def _invoke(props: dict[str, str], batch: list[SinkRecord]) -> None:
    """One cold invocation: start, put, pre_commit (the flush that commits), stop."""
    from connect_core.connectors.iceberg.sink_task import IcebergSinkTask

    task = IcebergSinkTask()
    task.initialize(SinkTaskContext(props))
    task.start(props)
    task.put(batch)
    task.pre_commit({TopicPartition("orders", 0): batch[-1].kafka_offset + 1})
    task.stop()


# the type with an s3:// warehouse; catalog-impl with s3a://, as Iceberg's kafka-connect docs write the Glue example
@pytest.mark.parametrize(("catalog", "scheme"), [
    ({"iceberg.catalog.type": "glue"}, "s3"),
    ({"iceberg.catalog.catalog-impl": "org.apache.iceberg.aws.glue.GlueCatalog"}, "s3a"),
], ids=["type", "catalog-impl"])
def test_glue_catalog_auto_create_two_commits_read_back_by_pyicebergs_glue_catalog(
        moto_url: str, catalog: dict[str, str], scheme: str) -> None:
    from pyiceberg.catalog.glue import GlueCatalog

    bucket, database = f"lake-{uuid.uuid4().hex[:10]}", f"db_{uuid.uuid4().hex[:8]}"
    aws = {"endpoint_url": moto_url, "region_name": REGION}
    boto3.client("s3", **aws).create_bucket(Bucket=bucket)
    glue = boto3.client("glue", **aws)
    props = _props(moto_url, f"{scheme}://{bucket}/warehouse", f"{database}.orders", catalog)

    _invoke(props, _records(range(0, 5), V1))
    first = glue.get_table(DatabaseName=database, Name="orders")["Table"]
    _invoke(props, _records(range(3, 8), V2))  # 3 and 4 re-delivered
    second = glue.get_table(DatabaseName=database, Name="orders")["Table"]

    assert glue.get_database(Name=database)["Database"]["Name"] == database
    assert (first["Parameters"]["table_type"], second["Parameters"]["table_type"]) == ("ICEBERG", "ICEBERG")
    # each metadata change moves the pointer, the old one kept: created, first commit; evolved schema, second commit
    pointers = [first["Parameters"]["previous_metadata_location"], first["Parameters"]["metadata_location"],
                second["Parameters"]["previous_metadata_location"], second["Parameters"]["metadata_location"]]
    assert len(set(pointers)) == 4

    reader = GlueCatalog("reader", **{"glue.endpoint": moto_url, "glue.region": REGION, "s3.endpoint": moto_url,
                                      "s3.region": REGION, "s3.access-key-id": "testing",
                                      "s3.secret-access-key": "testing"})
    table = reader.load_table(f"{database}.orders")
    assert table.metadata_location == pointers[-1]
    assert [entry.metadata_file for entry in table.metadata.metadata_log] == pointers[:-1]
    assert table.location() == f"{scheme}://{bucket}/warehouse/{database}.db/orders"  # GlueCatalog's default location
    assert [(f.name, str(f.field_type), f.required) for f in table.schema().fields] == [
        ("id", "long", True), ("name", "string", False), ("ts", "timestamptz", True), ("qty", "int", False)]
    rows = sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["id"])
    assert rows == [{"id": o, "name": f"n{o}", "ts": T0 + dt.timedelta(minutes=o), "qty": o * 10 if o >= 5 else None}
                    for o in range(8)]
    assert len(table.snapshots()) == 2
