"""The sink on a REST catalog (``iceberg.catalog.type=rest`` and ``catalog-impl=...RESTCatalog``): Apache Iceberg's
own REST catalog server (``org.apache.iceberg.rest.RESTCatalogServer`` from ``iceberg-open-api``'s test fixtures,
what the ``apache/iceberg-rest-fixture`` image runs; ``rest_server/pom.xml``) as a JVM once per module, configured
through its ``CATALOG_*`` environment as the image is: a JDBC catalog in a fresh PostgreSQL database behind it,
S3FileIO on LocalStack. The sink, through the SinkRunner, auto-creates and commits twice (a schema evolution); a
separate pyiceberg REST client reads the rows back, and the server's own JDBC catalog holds the same metadata
pointer (the commits went through Iceberg's Java library). A second server vends its S3 keys with each table
(``include-credentials``) over moto's S3 enforcing IAM: the sink, whose own keys S3 refuses, writes with those."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from connect_core.api.schema import SchemaBuilder
from connect_core.runtime.sink_runner import SinkRunner
from infra.local._process import free_server_port
from tests.integration.functions._sink_harness import converter_config, json_bytes
from tests.integration.runtime.test_sink_runner import msk_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

pytest.importorskip("pyiceberg")

POM = Path(__file__).resolve().parent / "rest_server" / "pom.xml"
START_TIMEOUT_S = 180.0  # a JVM and Jetty on a loaded 2-core machine
V1 = (SchemaBuilder.struct().name("order").field("id", SchemaBuilder.int64().build())
      .field("name", SchemaBuilder.string().optional().build())
      .field("ts", SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").build()).build())
V2 = (SchemaBuilder.struct().name("order").field("id", SchemaBuilder.int64().build())
      .field("name", SchemaBuilder.string().optional().build())
      .field("ts", SchemaBuilder.int64().name("org.apache.kafka.connect.data.Timestamp").build())
      .field("qty", SchemaBuilder.int32().optional().build()).build())
T0 = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)


@dataclass(frozen=True)
class RestServer:
    """The running server: its URI, the S3 keys a client needs, and the JDBC catalog behind it."""

    uri: str
    s3: dict[str, str]
    backend_name: str  # the server's JDBC catalog (CATALOG_CATALOG_NAME), its rows' catalog_name
    backend: dict[str, str]  # pyiceberg SQL catalog properties of that catalog's database


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except OSError:
        return 0


@contextlib.contextmanager
def _running_server(postgres: dict[str, str], warehouse: str, s3: dict[str, str], directory: Path,
                    **catalog: str) -> Iterator[RestServer]:
    """``RESTCatalogServer`` on a free port over a JDBC catalog in a fresh database, S3FileIO with ``s3`` and
    ``catalog`` (more server properties); killed and the database dropped at the end."""
    import psycopg2

    from tests.compat._oracle import maven_classpath, require_tool

    classpath = maven_classpath(POM, "-Dmdep.includeScope=runtime")
    pg, suffix, port = postgres, uuid.uuid4().hex[:10], free_server_port()
    database, catalog_name = f"ice_rest_{suffix}", f"rest_backend_{suffix}"
    admin = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"],
                             dbname=pg["database"])
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {database}")
    properties = {"catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
                  "uri": f"jdbc:postgresql://{pg['host']}:{pg['port']}/{database}", "jdbc.user": pg["user"],
                  "jdbc.password": pg["password"], "catalog.name": catalog_name, "rest.port": str(port),
                  "warehouse": warehouse, "io-impl": "org.apache.iceberg.aws.s3.S3FileIO", **s3, **catalog}
    # RCKUtils.environmentCatalogConfig: CATALOG_ stripped, "__" -> "-", "_" -> ".", lower-cased
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
                   **{"CATALOG_" + key.upper().replace("-", "__").replace(".", "_"): value
                      for key, value in properties.items()}}
    if "JAVA_HOME" in os.environ:
        environment["JAVA_HOME"] = os.environ["JAVA_HOME"]
    log = directory / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [require_tool("java"), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath,
             "org.apache.iceberg.rest.RESTCatalogServer"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environment, start_new_session=True)
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while _get(f"{uri}/v1/config") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"RESTCatalogServer not serving {uri} (exit {process.poll()}):\n"
                            f"{log.read_text(errors='replace')[-3000:]}", pytrace=False)
            time.sleep(0.5)
        yield RestServer(uri, s3, catalog_name, {
            "type": "sql", "uri": f"postgresql+psycopg2://{pg['user']}:{pg['password']}@{pg['host']}:{pg['port']}/"
                                  f"{database}", **s3,
        })
    finally:
        process.kill()
        process.wait(30)
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.close()


@pytest.fixture(scope="module")
def rest_server(aws_settings: dict[str, str], postgres_settings: dict[str, str],
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestServer]:
    """The server over a fresh bucket on LocalStack."""
    bucket = f"ice-rest-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", **aws_settings).create_bucket(Bucket=bucket)
    s3 = {"s3.endpoint": aws_settings["endpoint_url"], "s3.path-style-access": "true", "s3.access-key-id": "test",
          "s3.secret-access-key": "test", "client.region": aws_settings["region_name"]}
    with _running_server(postgres_settings, f"s3://{bucket}/warehouse", s3,
                         tmp_path_factory.mktemp("iceberg-rest")) as server:
        yield server


def _props(server: RestServer, catalog: dict[str, str]) -> dict[str, str]:
    """Iceberg's sink keys for a REST catalog with S3FileIO (client-side keys, as Iceberg's docs write them)."""
    return {"name": f"ice-rest-{uuid.uuid4().hex[:8]}",
            "connector.class": "org.apache.iceberg.connect.IcebergSinkConnector",
            **catalog, "iceberg.catalog.uri": server.uri,
            "iceberg.catalog.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
            **{f"iceberg.catalog.{key}": value for key, value in server.s3.items()},
            "iceberg.tables.auto-create-enabled": "true", "iceberg.tables.evolve-schema-enabled": "true",
            "iceberg.control.commit.interval-ms": "0"}


def _values(offsets: range, schema: Any) -> list[bytes | None]:
    values = []
    for o in offsets:
        row: dict[str, Any] = {"id": o, "name": f"n{o}", "ts": T0 + dt.timedelta(minutes=o)}
        if schema is V2:
            row["qty"] = o * 10
        values.append(json_bytes(schema, row, schemas=True))
    return values


def _reader(server: RestServer) -> Any:
    """A pyiceberg REST client of its own (not the sink's mapping)."""
    from pyiceberg.catalog.rest import RestCatalog

    return RestCatalog("reader", **{"uri": server.uri, "s3.endpoint": server.s3["s3.endpoint"],
                                    "s3.access-key-id": "test", "s3.secret-access-key": "test",
                                    "s3.region": server.s3["client.region"]})


def _cold_invocation(config: dict[str, str], topic: str, offsets: range) -> None:
    """A task of a fresh container (nothing cached) given ``offsets``, some of them committed already."""
    from connect_core.api.record import SinkRecord
    from connect_core.api.struct import Struct
    from connect_core.api.task import SinkTaskContext, TopicPartition
    from connect_core.connectors.iceberg.sink_task import IcebergSinkTask

    task = IcebergSinkTask()
    task.initialize(SinkTaskContext(config))
    task.start(config)
    task.put([SinkRecord(topic, 0, None, None, V2, Struct(V2).put("id", o).put("name", f"n{o}")
                         .put("ts", T0 + dt.timedelta(minutes=o)).put("qty", o * 10), o) for o in offsets])
    task.pre_commit({TopicPartition(topic, 0): offsets[-1] + 1})
    task.stop()


def _expected(ids: range, evolved_from: int) -> list[dict[str, Any]]:
    return [{"id": o, "name": f"n{o}", "ts": T0 + dt.timedelta(minutes=o),
             "qty": o * 10 if o >= evolved_from else None} for o in ids]


@pytest.mark.parametrize("catalog", [
    {"iceberg.catalog.type": "rest"},
    {"iceberg.catalog.catalog-impl": "org.apache.iceberg.rest.RESTCatalog"},
], ids=["type", "catalog-impl"])
def test_sink_runner_commits_through_icebergs_rest_server(rest_server: RestServer, cluster: Cluster,
                                                          catalog: dict[str, str]) -> None:
    """Two invocations through the SinkRunner (the second re-delivers two records and evolves the schema): every
    row once, Iceberg's types, two snapshots with the offsets; the server's JDBC catalog points at the same
    metadata file the REST client loads. Then a cold task given committed and new offsets writes only the new."""
    from pyiceberg.catalog import load_catalog

    from connect_core.coordinator.herder.task_configs import generate_task_configs

    topic, table_name = f"ice-rest-{uuid.uuid4().hex[:8]}", f"lake_{uuid.uuid4().hex[:6]}.raw.orders"
    props = _props(rest_server, catalog)
    name = props["name"]
    config = {**props, "topics": topic, "tasks.max": "1", "iceberg.tables": table_name,
              **converter_config(schemas=True)}
    cluster.deploy(name, config, generate_task_configs(name, config))
    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)

    first = runner.handle(msk_event(topic, _values(range(0, 5), V1)))
    after_first = _reader(rest_server).load_table(table_name).metadata_location
    second = runner.handle(msk_event(topic, _values(range(3, 8), V2), first_offset=3))

    assert (first.response(), first.offsets, second.response(), second.offsets) == (
        {}, {f"{topic}-0": 5}, {}, {f"{topic}-0": 8})
    table = _reader(rest_server).load_table(table_name)
    assert [(f.name, str(f.field_type), f.required) for f in table.schema().fields] == [
        ("id", "long", True), ("name", "string", False), ("ts", "timestamptz", True), ("qty", "int", False)]
    assert sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["id"]) == _expected(range(8), 5)
    snapshots = table.snapshots()
    assert len(snapshots) == 2
    offsets_key = f"lambda-connect.offsets.connect-{name}"
    assert [json.loads(s.summary.additional_properties[offsets_key]) for s in snapshots] == [
        {topic: {"0": 5}}, {topic: {"0": 8}}]
    assert table.metadata_location != after_first
    backend = load_catalog(rest_server.backend_name, **rest_server.backend)
    assert backend.load_table(table_name).metadata_location == table.metadata_location

    _cold_invocation(config, topic, range(6, 10))  # a new container: the offsets come back through the catalog
    table = _reader(rest_server).load_table(table_name)
    assert sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["id"]) == _expected(range(10), 5)
    assert json.loads(table.current_snapshot().summary.additional_properties[offsets_key]) == {topic: {"0": 10}}


@pytest.fixture(scope="module")
def vending_server(postgres_settings: dict[str, str],
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RestServer, str, tuple[str, str]]]:
    """The server with ``include-credentials=true`` (its ``RESTServerCatalogAdapter`` then puts its own S3 keys in
    every table it loads or creates) over moto's S3 enforcing IAM: its keys are a user's allowed ``s3:*``; the keys
    of a second user, allowed nothing, come back for the sink's own credential chain. (server, bucket, keys)."""
    from moto import settings
    from moto.server import ThreadedMotoServer

    port, suffix = free_server_port(), uuid.uuid4().hex[:10]
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    url, bucket = f"http://127.0.0.1:{port}", f"ice-vended-{suffix}"
    admin = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "admin",
             "aws_secret_access_key": "admin"}
    boto3.client("s3", **admin).create_bucket(Bucket=bucket)
    iam = boto3.client("iam", **admin)

    def user(name: str, actions: list[str]) -> tuple[str, str]:
        iam.create_user(UserName=name)
        if actions:
            iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    catalog_keys, sink_keys = user(f"catalog-{suffix}", ["s3:*"]), user(f"sink-{suffix}", [])
    s3 = {"s3.endpoint": url, "s3.path-style-access": "true", "s3.access-key-id": catalog_keys[0],
          "s3.secret-access-key": catalog_keys[1], "client.region": "us-east-1"}
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # every request from now on is authorized against its user's policy
    try:
        with _running_server(postgres_settings, f"s3://{bucket}/warehouse", s3,
                             tmp_path_factory.mktemp("iceberg-rest-vending"), **{"include-credentials": "true"}
                             ) as server:
            yield server, bucket, sink_keys
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")  # moto's default: nothing enforced
        moto.stop()


def test_the_sink_writes_with_the_s3_credentials_the_rest_catalog_vends(
        vending_server: tuple[RestServer, str, tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """The sink's own S3 keys (in its config and its credential chain) are a user allowed nothing: the data files
    and staged objects are written with the keys the catalog returns with the table (``LoadTableResponse.config``,
    over the catalog properties, as Iceberg's RESTCatalog gives them to its FileIO); two commits, every row once,
    read by a client without keys."""
    from pyiceberg.catalog.rest import RestCatalog

    server, bucket, (key_id, secret) = vending_server
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    endpoint = server.s3["s3.endpoint"]
    topic, table_name = f"ice-vended-{uuid.uuid4().hex[:8]}", f"lake_{uuid.uuid4().hex[:6]}.orders"
    config = {"name": f"ice-vended-{uuid.uuid4().hex[:8]}", "iceberg.catalog.type": "rest",
              "iceberg.catalog.uri": server.uri, "iceberg.catalog.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
              "iceberg.catalog.s3.endpoint": endpoint, "iceberg.catalog.s3.path-style-access": "true",
              "iceberg.catalog.s3.access-key-id": key_id, "iceberg.catalog.s3.secret-access-key": secret,
              "iceberg.catalog.client.region": "us-east-1", "iceberg.tables": table_name,
              "iceberg.tables.auto-create-enabled": "true", "iceberg.control.commit.interval-ms": "0"}

    _cold_invocation(config, topic, range(0, 5))
    _cold_invocation(config, topic, range(3, 8))

    reader = RestCatalog("reader", **{"uri": server.uri, "s3.endpoint": endpoint, "s3.region": "us-east-1"})
    table = reader.load_table(table_name)
    assert sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["id"]) == _expected(range(8), 0)
    assert len(table.snapshots()) == 2
    with pytest.raises(Exception, match="AccessDenied"):  # the sink's own keys: nothing would have been written
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").list_objects_v2(Bucket=bucket)
