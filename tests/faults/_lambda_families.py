"""The connector families under the Lambda model (connect_core/testing/lambda_model.py): each one's config, the
input it adds and the ids that arrived at its destination, on the real local services."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import TYPE_CHECKING, Any

from connect_core.testing.lambda_model import ids_in, topic_values

if TYPE_CHECKING:
    from pathlib import Path

    from connect_core.testing import EmbeddedConnect

STRING = "org.apache.kafka.connect.storage.StringConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"
ID_SCHEMA = {"type": "struct", "optional": False, "fields": [{"field": "id", "type": "string", "optional": False}]}


class _SinkFamily:
    """A sink reading JSON records ``{"id": ...}`` (keyed by id) from a topic of two partitions."""

    kind = "sink"
    exactly_once = True

    def __init__(self, connect: EmbeddedConnect) -> None:
        self.connect = connect
        self.tag = uuid.uuid4().hex[:6]
        self.topic = connect.create_topic(f"lm-{type(self).__name__.lower()}-{self.tag}", 2)
        self._ids = itertools.count()

    def add(self, count: int) -> list[str]:
        ids = [f"{self.tag}-{next(self._ids)}" for _ in range(count)]
        self.connect.produce(self.topic, [(i, self.value(i)) for i in ids])
        return ids

    def value(self, record_id: str) -> bytes:
        return json.dumps({"schema": ID_SCHEMA, "payload": {"id": record_id}}).encode()

    def converters(self) -> dict[str, str]:
        return {"key.converter": STRING, "value.converter": JSON, "value.converter.schemas.enable": "true"}

    def position(self, offset: dict[str, Any]) -> Any:
        return offset.get("kafka_offset")


class FileStreamSink(_SinkFamily):
    """Kafka's FileStreamSink: appends each value as a line (at least once, as in Kafka)."""

    exactly_once = False

    def __init__(self, connect: EmbeddedConnect, directory: Path) -> None:
        super().__init__(connect)
        self.file = directory / f"sink-{self.tag}.txt"

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "FileStreamSink", "topics": self.topic, "file": str(self.file),
                "value.converter": STRING, "key.converter": STRING}

    def arrived(self) -> list[str]:
        lines = self.file.read_text().splitlines() if self.file.exists() else []
        return ids_in(line.encode() for line in lines if line)


class _SourceFamily:
    """A source writing to one topic; what arrived is the ids of its committed records."""

    kind = "source"
    exactly_once = True  # records and offsets in one transaction (docs/concepts/exactly-once.md)

    def __init__(self, connect: EmbeddedConnect) -> None:
        self.connect = connect
        self.tag = uuid.uuid4().hex[:6]
        self.topic = f"lm-{type(self).__name__.lower()}-{self.tag}"
        self._ids = itertools.count()

    def arrived(self) -> list[str]:
        return ids_in(topic_values(self.connect.worker.kafka, self.topic))


class FileStreamSource(_SourceFamily):
    """Kafka's FileStreamSource: lines appended to a file; the offset is the byte position."""

    def __init__(self, connect: EmbeddedConnect, directory: Path) -> None:
        super().__init__(connect)
        self.file = directory / f"source-{self.tag}.txt"
        self.file.write_text("")

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "FileStreamSource", "file": str(self.file), "topic": self.topic,
                "value.converter": STRING, "batch.size": "3"}

    def add(self, count: int) -> list[str]:
        ids = [f"{self.tag}-{next(self._ids)}" for _ in range(count)]
        with self.file.open("a") as out:
            out.writelines(json.dumps({"id": i}) + "\n" for i in ids)
        return ids

    def position(self, offset: dict[str, Any]) -> Any:
        return offset.get("position")


def mysql(settings: dict[str, str], database: str | None = None) -> Any:
    """An autocommit connection to the shared MariaDB."""
    import pymysql

    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=database or settings["database"],
                           autocommit=True)


def _sql(settings: dict[str, str], statement: str, params: Any = None, *, many: bool = False) -> list[Any]:
    with mysql(settings) as conn, conn.cursor() as cursor:
        if many:
            cursor.executemany(statement, params)
        else:
            cursor.execute(statement, params)
        return list(cursor.fetchall())


def _jdbc(settings: dict[str, str]) -> dict[str, str]:
    return {"connection.url": f"jdbc:mysql://{settings['host']}:{settings['port']}/{settings['database']}",
            "connection.user": settings["user"], "connection.password": settings["password"]}


class JdbcSink(_SinkFamily):
    """Confluent's JDBC sink into MariaDB, upsert by the record's id: exactly once (README)."""

    def __init__(self, connect: EmbeddedConnect, settings: dict[str, str]) -> None:
        super().__init__(connect)
        self.settings = settings
        self.table = f"lm_sink_{self.tag}"

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": self.topic,
                **_jdbc(self.settings), "table.name.format": self.table, "auto.create": "true",
                "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id", **self.converters()}

    def arrived(self) -> list[str]:
        try:
            return [str(row[0]) for row in _sql(self.settings, f"SELECT id FROM `{self.table}`")]
        except Exception as error:  # the table is made with the first batch
            if "doesn't exist" in str(error):
                return []
            raise


class JdbcSource(_SourceFamily):
    """Confluent's JDBC source on a MariaDB table, incrementing mode."""

    def __init__(self, connect: EmbeddedConnect, settings: dict[str, str]) -> None:
        super().__init__(connect)
        self.settings = settings
        self.table = f"lm_src_{self.tag}"
        self.topic = f"lm-{self.table}"
        _sql(settings, f"CREATE TABLE `{self.table}` (id BIGINT PRIMARY KEY AUTO_INCREMENT, uid VARCHAR(40) NOT NULL)")

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", **_jdbc(self.settings),
                "table.whitelist": self.table, "mode": "incrementing", "incrementing.column.name": "id",
                "topic.prefix": "lm-", "batch.max.rows": "3", "value.converter": JSON,
                "value.converter.schemas.enable": "false"}

    def add(self, count: int) -> list[str]:
        ids = [f"{self.tag}-{next(self._ids)}" for _ in range(count)]
        _sql(self.settings, f"INSERT INTO `{self.table}` (uid) VALUES (%s)", [(i,) for i in ids], many=True)
        return ids

    def arrived(self) -> list[str]:
        return ids_in(topic_values(self.connect.worker.kafka, self.topic), "uid")

    def position(self, offset: dict[str, Any]) -> Any:
        return offset.get("incrementing")


class S3Sink(_SinkFamily):
    """Confluent's S3 sink on LocalStack: JSON files of ``flush.size`` 3, rotated on the wall clock by idle ticks;
    exactly once (README)."""

    def __init__(self, connect: EmbeddedConnect, aws: dict[str, str]) -> None:
        import boto3

        super().__init__(connect)
        self.client = boto3.client("s3", **aws)
        self.bucket = f"lm-s3-{self.tag}"
        self.client.create_bucket(Bucket=self.bucket)
        self.aws = aws

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": self.topic,
                "s3.bucket.name": self.bucket, "store.url": self.aws["endpoint_url"],
                "s3.region": self.aws["region_name"], "aws.access.key.id": self.aws["aws_access_key_id"],
                "aws.secret.access.key": self.aws["aws_secret_access_key"],
                "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": "3",
                "rotate.schedule.interval.ms": "1000", "timezone": "UTC", "topics.dir": "topics",
                **self.converters()}

    def arrived(self) -> list[str]:
        out: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix="topics/"):
            for item in page.get("Contents", []):
                body = self.client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
                out += ids_in(line for line in body.splitlines() if line)
        return out


class OpenSearchSink(_SinkFamily):
    """Confluent's Elasticsearch sink on OpenSearch, document id from the key: exactly once (README)."""

    def __init__(self, connect: EmbeddedConnect, url: str) -> None:
        super().__init__(connect)
        self.url = url

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
                "topics": self.topic, "connection.url": self.url, "key.ignore": "false", "schema.ignore": "true",
                "max.retries": "2", **self.converters()}

    def arrived(self) -> list[str]:
        import urllib.error
        import urllib.request

        try:
            urllib.request.urlopen(f"{self.url}/{self.topic}/_refresh", data=b"", timeout=10).close()
            with urllib.request.urlopen(f"{self.url}/{self.topic}/_search?size=10000", timeout=10) as answer:
                hits = json.load(answer)["hits"]["hits"]
        except urllib.error.HTTPError as error:
            if error.code == 404:  # the index is made with the first batch
                return []
            raise
        return [str(hit["_source"]["id"]) for hit in hits]

    def close(self) -> None:
        """The schedule's index goes: a single node holds at most 1,000 shards (two an index, its replica unassigned),
        and make faults' 150 schedules on top of earlier runs' indices reached it (every later index refused)."""
        import urllib.error
        import urllib.request

        try:
            urllib.request.urlopen(urllib.request.Request(f"{self.url}/{self.topic}", method="DELETE"),
                                   timeout=30).close()
        except urllib.error.HTTPError as error:
            if error.code != 404:  # never made: no batch reached the sink
                raise


class IcebergSink(_SinkFamily):
    """Apache Iceberg's sink (JDBC catalog on PostgreSQL, LocalStack S3), committing every 500 ms on batches and idle
    ticks: exactly once (README)."""

    def __init__(self, connect: EmbeddedConnect, aws: dict[str, str], pg: dict[str, str]) -> None:
        import boto3

        super().__init__(connect)
        bucket = f"lm-ice-{self.tag}"
        boto3.client("s3", **aws).create_bucket(Bucket=bucket)
        self.table = f"lm_{self.tag}.rows"
        self.props = {
            "connector.class": "org.apache.iceberg.connect.IcebergSinkConnector",
            "iceberg.catalog": f"cat_{self.tag}", "iceberg.catalog.catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
            "iceberg.catalog.uri": f"jdbc:postgresql://{pg['host']}:{pg['port']}/{pg['database']}",
            "iceberg.catalog.jdbc.user": pg["user"], "iceberg.catalog.jdbc.password": pg["password"],
            "iceberg.catalog.warehouse": f"s3://{bucket}/warehouse",
            "iceberg.catalog.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
            "iceberg.catalog.s3.endpoint": aws["endpoint_url"], "iceberg.catalog.s3.path-style-access": "true",
            "iceberg.catalog.s3.access-key-id": "test", "iceberg.catalog.s3.secret-access-key": "test",
            "iceberg.catalog.client.region": aws["region_name"], "iceberg.tables.auto-create-enabled": "true",
            "iceberg.tables": self.table, "iceberg.control.commit.interval-ms": "500"}

    def config(self, name: str) -> dict[str, str]:
        return {"topics": self.topic, **self.props, **self.converters()}

    def arrived(self) -> list[str]:
        from connect_core.connectors.iceberg.config import load_config
        from connect_core.connectors.iceberg.sink_task import open_catalog

        catalog = open_catalog(load_config({**self.props, "topics": self.topic}))
        try:
            table = catalog.load_table(self.table)
        except Exception as error:  # made with the first batch
            if "NoSuchTable" in type(error).__name__ or "does not exist" in str(error):
                return []
            raise
        return [str(row["id"]) for row in table.scan().to_arrow().to_pylist()]


class HttpSink(_SinkFamily):
    """Confluent's HTTP sink posting JSON arrays of two values: at least once (a retried batch is sent again)."""

    exactly_once = False

    def __init__(self, connect: EmbeddedConnect, url: str, bodies: list[bytes]) -> None:
        super().__init__(connect)
        self.url, self.bodies = url, bodies

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "io.confluent.connect.http.HttpSinkConnector", "topics": self.topic,
                "http.api.url": f"{self.url}/{self.topic}", "request.body.format": "json",
                "batch.json.as.array": "true", "batch.max.size": "2", **self.converters()}

    def arrived(self) -> list[str]:
        return [str(item["id"]) for body in list(self.bodies) for item in json.loads(body)]


class Datagen(_SourceFamily):
    """Confluent's Datagen, quickstart orders: ``iterations`` records whose orderid is the iteration."""

    ITERATIONS = 12

    def __init__(self, connect: EmbeddedConnect) -> None:
        super().__init__(connect)
        self.given = False

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector", "kafka.topic": self.topic,
                "quickstart": "orders", "iterations": str(self.ITERATIONS), "max.interval": "0",
                "value.converter": JSON, "value.converter.schemas.enable": "false"}

    def add(self, count: int) -> list[str]:
        """All of its input at once (it makes its own records): every orderid on the first call."""
        if self.given:
            return []
        self.given = True
        return [str(i) for i in range(self.ITERATIONS)]

    def arrived(self) -> list[str]:
        return ids_in(topic_values(self.connect.worker.kafka, self.topic), "orderid")

    def position(self, offset: dict[str, Any]) -> Any:
        return (offset.get("task.generation", 0), offset.get("current.iteration", 0))


def _changes(values: list[bytes | None], column: str = "uid") -> list[str]:
    """The ``column`` of each Debezium create or snapshot read (JsonConverter without schemas)."""
    out: list[str] = []
    for value in values:
        event = json.loads(value) if value is not None else None
        if isinstance(event, dict) and event.get("op") in ("c", "r") and event.get("after"):
            out.append(str(event["after"][column]))
    return out


class BinlogCdc(_SourceFamily):
    """Debezium's MariaDB connector on the shared MariaDB (binlog on): a snapshot of what is there, then changes."""

    def __init__(self, connect: EmbeddedConnect, settings: dict[str, str]) -> None:
        super().__init__(connect)
        self.settings = settings
        self.database = f"lm_cdc_{self.tag}"
        _sql(settings, f"CREATE DATABASE `{self.database}`")
        _sql(settings, f"CREATE TABLE `{self.database}`.t (id BIGINT PRIMARY KEY AUTO_INCREMENT, uid VARCHAR(40))")
        self.topic = f"lm-{self.tag}.{self.database}.t"

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "io.debezium.connector.mariadb.MariaDbConnector",
                "database.hostname": self.settings["host"], "database.port": self.settings["port"],
                "database.user": self.settings["user"], "database.password": self.settings["password"],
                "topic.prefix": f"lm-{self.tag}", "database.include.list": self.database,
                "database.server.id": str(5000 + int(self.tag, 16) % 100000),
                "key.converter": JSON, "key.converter.schemas.enable": "false", "value.converter": JSON,
                "value.converter.schemas.enable": "false"}

    def add(self, count: int) -> list[str]:
        ids = [f"{self.tag}-{next(self._ids)}" for _ in range(count)]
        _sql(self.settings, f"INSERT INTO `{self.database}`.t (uid) VALUES (%s)", [(i,) for i in ids], many=True)
        return ids

    def arrived(self) -> list[str]:
        return _changes(topic_values(self.connect.worker.kafka, self.topic))

    def position(self, offset: dict[str, Any]) -> Any:
        return (str(offset.get("file", "")), int(offset.get("pos", 0)))

    def close(self) -> None:
        _sql(self.settings, f"DROP DATABASE IF EXISTS `{self.database}`")


class PostgresCdc(_SourceFamily):
    """Debezium's PostgreSQL connector (pgoutput) on a schema, slot and publication of its own."""

    def __init__(self, connect: EmbeddedConnect, settings: dict[str, str]) -> None:
        from tests.integration.connectors.postgres.session import PgSession

        super().__init__(connect)
        self.pg = PgSession(settings, "lm")
        self.pg.sql("CREATE TABLE {s}.t (id BIGSERIAL PRIMARY KEY, uid TEXT)")
        self.topic = f"lm-{self.tag}.{self.pg.schema}.t"

    def config(self, name: str) -> dict[str, str]:
        settings = self.pg.settings
        return {"connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                "database.hostname": settings["host"], "database.port": settings["port"],
                "database.user": settings["user"], "database.password": settings["password"],
                "database.dbname": settings["database"], "topic.prefix": f"lm-{self.tag}", "plugin.name": "pgoutput",
                "slot.name": self.pg.slot, "publication.name": f"pub_{self.pg.slot}",
                "publication.autocreate.mode": "filtered", "table.include.list": f"{self.pg.schema}\\.t",
                "poll.interval.ms": "100", "key.converter": JSON, "key.converter.schemas.enable": "false",
                "value.converter": JSON, "value.converter.schemas.enable": "false"}

    def add(self, count: int) -> list[str]:
        ids = [f"{self.tag}-{next(self._ids)}" for _ in range(count)]
        self.pg.sql(*(f"INSERT INTO {{s}}.t (uid) VALUES ('{i}')" for i in ids))
        return ids

    def arrived(self) -> list[str]:
        return _changes(topic_values(self.connect.worker.kafka, self.topic))

    def position(self, offset: dict[str, Any]) -> Any:
        return offset.get("lsn_commit") or offset.get("lsn_proc") or offset.get("lsn") or 0

    def close(self) -> None:
        self.pg.close()


class DebeziumJdbcSink(JdbcSink):
    """Debezium's JDBC sink into MariaDB, upsert by the record key (flat records): exactly once (README)."""

    def add(self, count: int) -> list[str]:
        ids = [f"{self.tag}-{next(self._ids)}" for _ in range(count)]
        key = lambda i: json.dumps({"schema": ID_SCHEMA, "payload": {"id": i}}).encode()  # noqa: E731
        self.connect.produce(self.topic, [(key(i), self.value(i)) for i in ids])
        return ids

    def config(self, name: str) -> dict[str, str]:
        jdbc = _jdbc(self.settings)
        return {"connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "topics": self.topic,
                "connection.url": jdbc["connection.url"], "connection.username": jdbc["connection.user"],
                "connection.password": jdbc["connection.password"], "collection.name.format": self.table,
                "schema.evolution": "basic", "insert.mode": "upsert", "primary.key.mode": "record_key",
                "key.converter": JSON, "key.converter.schemas.enable": "true", "value.converter": JSON,
                "value.converter.schemas.enable": "true"}


class MirrorSource(_SourceFamily):
    """MirrorMaker 2's source connector from the second cluster into the worker's: records copied once each."""

    def __init__(self, connect: EmbeddedConnect, source_bootstrap: str) -> None:
        from confluent_kafka.admin import AdminClient, NewTopic

        super().__init__(connect)
        self.source = source_bootstrap
        self.alias = f"lm{self.tag}"
        self.source_topic = f"lm-mm-{self.tag}"
        admin = AdminClient({"bootstrap.servers": source_bootstrap})  # kept alive until its futures answer
        for future in admin.create_topics([NewTopic(self.source_topic, 2, 1)]).values():
            future.result(30)
        self.topic = f"{self.alias}.{self.source_topic}"

    def config(self, name: str) -> dict[str, str]:
        byte_array = "org.apache.kafka.connect.converters.ByteArrayConverter"
        return {"connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
                "source.cluster.alias": self.alias, "target.cluster.alias": f"t{self.alias}",
                "source.cluster.bootstrap.servers": self.source,
                "target.cluster.bootstrap.servers": self.connect.worker.kafka.bootstrap_servers,
                "topics": self.source_topic, "replication.factor": "1", "offset-syncs.topic.replication.factor": "1",
                "tasks.max": "1", "heartbeats.replication.enabled": "false", "key.converter": byte_array,
                "value.converter": byte_array, "header.converter": byte_array}

    def add(self, count: int) -> list[str]:
        from confluent_kafka import Producer

        ids = [f"{self.tag}-{next(self._ids)}" for _ in range(count)]
        producer = Producer({"bootstrap.servers": self.source})
        for i in ids:
            producer.produce(self.source_topic, key=i.encode(), value=json.dumps({"id": i}).encode())
        assert producer.flush(30) == 0
        return ids

    def position(self, offset: dict[str, Any]) -> Any:
        return offset.get("offset")

    def close(self) -> None:
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": self.source})
        for future in admin.delete_topics([self.source_topic]).values():
            future.result(30)


class S3Source(_SourceFamily):
    """Confluent's S3 source, ``mode=GENERIC``: JSON files added under one prefix in key order, read in polls of at
    most 2 records (stopping inside a file)."""

    def __init__(self, connect: EmbeddedConnect, aws: dict[str, str]) -> None:
        import boto3

        super().__init__(connect)
        self.aws = aws
        self.client = boto3.client("s3", **aws)
        self.bucket = f"lm-s3src-{self.tag}"
        self.client.create_bucket(Bucket=self.bucket)
        connect.create_topic(self.topic)
        self._files = itertools.count()

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": "io.confluent.connect.s3.source.S3SourceConnector", "s3.bucket.name": self.bucket,
                "store.url": self.aws["endpoint_url"], "s3.region": self.aws["region_name"],
                "aws.access.key.id": self.aws["aws_access_key_id"],
                "aws.secret.access.key": self.aws["aws_secret_access_key"],
                "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "value.converter": JSON,
                "value.converter.schemas.enable": "false", "mode": "GENERIC", "topics.dir": "in",
                "topic.regex.list": f"{self.topic}:in/.*", "record.batch.max.size": "2", "s3.poll.interval.ms": "0"}

    def add(self, count: int) -> list[str]:
        ids = [f"{self.tag}-{next(self._ids)}" for _ in range(count)]
        body = "".join(json.dumps({"id": i}) + "\n" for i in ids).encode()
        self.client.put_object(Bucket=self.bucket, Key=f"in/f-{next(self._files):06d}.json", Body=body)
        return ids

    def position(self, offset: dict[str, Any]) -> Any:
        return (str(offset.get("lastFileRead", "")), int(offset.get("fileOffset") or 0))
