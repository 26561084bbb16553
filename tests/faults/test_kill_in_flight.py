"""``kill -9`` of a sink invocation while its writes are in flight (the waits overlapped).

The sinks send their writes beside the encoding of the next (``connect_core/api/in_flight_writes.py``): bulk requests
of the OpenSearch sink, PUTs of the S3 sink, statements of the JDBC sink, requests of the HTTP sink. Each case puts
its destination behind a slow proxy (or a slow trigger, or a server that holds its answers), ``SIGKILL``s the
function process (as Lambda ends one on a timeout) as soon as the proxy or the database sees one of its writes
running, lets the emulated mapping send the same batch again to a fresh process, and compares what the destination
holds with the records: every one exactly once, with the values the records carry (the HTTP sink: at least once,
and every request sent again the same as before).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import urllib3

from connect_core.api.schema import INT64_SCHEMA, STRING_SCHEMA, SchemaBuilder
from connect_core.local.kafka_trigger import build_event
from connect_core.runtime import env
from tests.faults.conftest import BIG, ROOT, function_env, mysql
from tests.integration.connectors._slow_proxy import slow_proxy
from tests.integration.connectors.http._server import serve
from tests.integration.functions._sink_harness import KafkaTopics, Out, converter_config, json_bytes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.faults.conftest import Tally
    from tests.integration.connectors._slow_proxy import SlowProxy
    from tests.integration.connectors.http._server import Request
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

KILLED = -9
KILLS = 3 if BIG else 1
ROWS = 1_000 if BIG else 200
BATCH = 100  # records per invocation (the mapping's batch)
DELAY_S = 0.5  # each write's answer held back this long: the kill lands while they are in flight
ROW = SchemaBuilder.struct().name("row").field("id", INT64_SCHEMA).field("payload", STRING_SCHEMA).build()


@pytest.fixture
def kafka(kafka_bootstrap: str) -> Iterator[KafkaTopics]:
    topics = KafkaTopics(kafka_bootstrap)
    yield topics
    topics.delete_all()


def _topic(kafka: KafkaTopics) -> str:
    topic = kafka.create(f"faults-inflight-{uuid.uuid4().hex[:8]}")
    kafka.produce(topic, [Out(str(i).encode(), json_bytes(ROW, {"id": i, "payload": f"row-{i}"}, schemas=True))
                          for i in range(1, ROWS + 1)])
    return topic


def _deploy(cluster: Cluster, config: dict[str, str]) -> dict[str, str]:
    """The connector in the test's config topic; the environment of its function processes."""
    from connect_core.coordinator.herder.task_configs import generate_task_configs

    name = f"inflight-{uuid.uuid4().hex[:8]}"
    full = {"name": name, "tasks.max": "1", **config, **converter_config(schemas=True)}
    cluster.deploy(name, full, generate_task_configs(name, full))
    return function_env(cluster, **{env.CONNECTOR_NAME: name})


def _invoke(event_file: Path, environment: dict[str, str], in_flight: Callable[[], int] | None,
            ) -> tuple[int, dict[str, Any] | None, str, int]:
    """One invocation in a fresh function process (``tests.faults._sink_driver``): with ``in_flight``, killed as soon
    as it reports a write running. Its exit code, its response, its stderr, and the writes running at the kill."""
    process = subprocess.Popen([sys.executable, "-m", "tests.faults._sink_driver", str(event_file)], env=environment,
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    at_kill = 0
    deadline = time.monotonic() + 300
    while in_flight is not None and process.poll() is None and time.monotonic() < deadline:
        at_kill = in_flight()
        if at_kill:
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    output, errors = process.communicate(timeout=300)
    lines = [line for line in output.splitlines() if line.startswith("{")]
    return process.returncode, (json.loads(lines[-1]) if lines else None), errors[-3000:], at_kill


def _mapping(messages: list[Any], *, bootstrap: str, environment: dict[str, str], tmp_path: Path, tally: Tally,
             in_flight: Callable[[], int]) -> list[int]:
    """The event source mapping: each batch from the committed offset; the first ``KILLS`` invocations are killed
    with writes in flight and their batch sent again. Returns the writes running at each kill."""
    committed, at_kills = 0, []
    while committed < len(messages):
        batch = messages[committed:committed + BATCH]
        event_file = tmp_path / "event.json"
        event_file.write_text(json.dumps(build_event(batch, bootstrap)), encoding="utf-8")
        killing = len(at_kills) < KILLS
        code, response, stderr, running = _invoke(event_file, environment, in_flight if killing else None)
        tally.runs += 1
        if killing:
            assert code == KILLED, f"the invocation ended before any write of it was seen running: {stderr}"
            at_kills.append(running)
            continue  # nothing acknowledged: the same batch comes again
        assert code == 0 and response == {}, stderr
        committed += len(batch)
    return at_kills


def _proxy(target: str, slow: Callable[[str, str], bool]) -> Iterator[SlowProxy]:
    for started in slow_proxy(target, DELAY_S):
        started.slow = slow
        yield started


def test_opensearch_sink_killed_with_bulk_requests_in_flight(
    *, cluster: Cluster, kafka: KafkaTopics, kafka_bootstrap: str, opensearch_url: str, tally: Tally,
    tmp_path: Path,
) -> None:
    http = urllib3.PoolManager()
    topic = _topic(kafka)
    for proxy in _proxy(opensearch_url, lambda method, path: path.startswith("/_bulk")):
        environment = _deploy(cluster, {
            "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "topics": topic,
            "connection.url": proxy.url, "key.ignore": "false", "batch.size": "20",
            "max.in.flight.requests": "5", "max.retries": "0"})
        at_kills = _mapping(kafka.consume(topic, ROWS), bootstrap=kafka_bootstrap, environment=environment,
                            tmp_path=tmp_path, tally=tally, in_flight=lambda proxy=proxy: proxy.in_flight)
        assert all(n >= 1 for n in at_kills), at_kills  # each kill left bulk requests unanswered
    try:
        http.request("POST", f"{opensearch_url}/{topic}/_refresh")
        hits = json.loads(http.request("GET", f"{opensearch_url}/{topic}/_search?size=10000").data)["hits"]["hits"]
    finally:
        http.request("DELETE", f"{opensearch_url}/{topic}")
    tally.count(range(1, ROWS + 1), [int(hit["_id"]) for hit in hits])
    tally.notes = {"kills_with_writes_in_flight": at_kills}
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
    # the batches sent again wrote what the records carry: each document its record's value
    assert {int(hit["_id"]): hit["_source"] for hit in hits} == {
        i: {"id": i, "payload": f"row-{i}"} for i in range(1, ROWS + 1)}


def test_s3_sink_killed_with_puts_in_flight(
    *, cluster: Cluster, kafka: KafkaTopics, kafka_bootstrap: str, aws_settings: dict[str, str], tally: Tally,
    tmp_path: Path,
) -> None:
    client = boto3.client("s3", **aws_settings)
    bucket = f"faults-inflight-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    topic = _topic(kafka)
    for proxy in _proxy(aws_settings["endpoint_url"], lambda method, path: method == "PUT"):
        environment = _deploy(cluster, {
            "connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": topic, "s3.bucket.name": bucket,
            "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": "25",
            "storage.class": "io.confluent.connect.s3.storage.S3Storage", "store.url": proxy.url,
            "s3.region": aws_settings["region_name"], "aws.access.key.id": aws_settings["aws_access_key_id"],
            "aws.secret.access.key": aws_settings["aws_secret_access_key"]})
        at_kills = _mapping(kafka.consume(topic, ROWS), bootstrap=kafka_bootstrap, environment=environment,
                            tmp_path=tmp_path, tally=tally, in_flight=lambda proxy=proxy: proxy.in_flight)
        assert all(n >= 1 for n in at_kills), at_kills  # each kill left PUTs unanswered
    lines: list[dict[str, Any]] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"topics/{topic}/"):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode()
            lines += [json.loads(line) for line in body.splitlines() if line]
    tally.count(range(1, ROWS + 1), [line["id"] for line in lines])
    tally.notes = {"kills_with_writes_in_flight": at_kills, "guarantee": "exactly-once (S3 sink)"}
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
    assert sorted(lines, key=lambda line: line["id"]) == [{"id": i, "payload": f"row-{i}"} for i in range(1, ROWS + 1)]


def test_jdbc_sink_killed_with_statements_in_flight(
    *, cluster: Cluster, kafka: KafkaTopics, kafka_bootstrap: str, mariadb_settings: dict[str, str], database: str,
    tally: Tally, tmp_path: Path,
) -> None:
    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, payload VARCHAR(64) NOT NULL)")
        # every row's insert sleeps: the kill lands while the statements run
        cursor.execute("CREATE TRIGGER slow BEFORE INSERT ON t FOR EACH ROW SET @s = SLEEP(0.01)")
    topic = _topic(kafka)
    environment = _deploy(cluster, {
        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": topic,
        "connection.url": f"jdbc:mysql://{mariadb_settings['host']}:{mariadb_settings['port']}/{database}",
        "connection.user": mariadb_settings["user"], "connection.password": mariadb_settings["password"],
        "table.name.format": "t", "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id",
        "batch.size": "20", "lambda.connect.max.in.flight.statements": "3"})

    def running() -> int:
        """Statements of the killed process the server still runs or rolls back (its connection not yet gone)."""
        with mysql(mariadb_settings) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s AND COMMAND <> "
                           "'Sleep' AND ID <> CONNECTION_ID()", (database,))
            return int(cursor.fetchone()[0])

    at_kills = _mapping(kafka.consume(topic, ROWS), bootstrap=kafka_bootstrap, environment=environment,
                        tmp_path=tmp_path, tally=tally, in_flight=running)
    assert all(n >= 1 for n in at_kills), at_kills  # each kill left a statement running
    with mysql(mariadb_settings, database) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT id, payload FROM t")
        rows = sorted(cursor.fetchall())
    tally.count(range(1, ROWS + 1), [row[0] for row in rows])
    tally.notes = {"kills_with_writes_in_flight": at_kills, "guarantee": "exactly-once (upsert)"}
    assert (tally.lost, tally.duplicated) == (0, 0), tally.line()
    assert rows == [(i, f"row-{i}") for i in range(1, ROWS + 1)]


def test_http_sink_killed_with_requests_in_flight(
    *, cluster: Cluster, kafka: KafkaTopics, kafka_bootstrap: str, tally: Tally, tmp_path: Path,
) -> None:
    lock, active = threading.Lock(), [0]

    def held(request: Request) -> tuple[int, bytes]:
        with lock:
            active[0] += 1
        time.sleep(DELAY_S / 10)
        with lock:
            active[0] -= 1
        return 200, b'{"ok":true}'

    server, endpoint = serve()
    endpoint.respond = held
    try:
        topic = _topic(kafka)
        environment = _deploy(cluster, {
            "connector.class": "io.confluent.connect.http.HttpSinkConnector", "topics": topic,
            "http.api.url": endpoint.url + "/api", "request.body.format": "json", "batch.json.as.array": "true",
            "batch.max.size": "10", "lambda.connect.max.in.flight.requests": "4",
            "http.idempotency.key.header": "Idempotency-Key"})
        at_kills = _mapping(kafka.consume(topic, ROWS), bootstrap=kafka_bootstrap, environment=environment,
                            tmp_path=tmp_path, tally=tally, in_flight=lambda: active[0])
        assert all(n >= 1 for n in at_kills), at_kills  # each kill left requests unanswered
    finally:
        server.shutdown()
        server.server_close()
    bodies: dict[str, set[bytes]] = {}
    for request in endpoint.api():
        bodies.setdefault(request.headers["idempotency-key"], set()).add(request.body)
    values = [v for r in endpoint.api() for v in json.loads(r.body)]
    tally.count(range(1, ROWS + 1), [v["id"] for v in values])
    tally.notes = {"kills_with_writes_in_flight": at_kills, "guarantee": "at-least-once (HTTP sink)"}
    assert tally.lost == 0, tally.line()
    # a request sent again (the batch of a killed invocation) carries the same records as the first time
    assert all(len(sent) == 1 for sent in bodies.values()), {k: len(v) for k, v in bodies.items() if len(v) > 1}
    assert {v["id"]: v["payload"] for v in values} == {i: f"row-{i}" for i in range(1, ROWS + 1)}
