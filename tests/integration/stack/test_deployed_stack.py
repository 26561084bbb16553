"""The deployed stack on LocalStack: Kafka Connect's REST API over the coordinator's Function URL, connectors whose
schedules, functions and Kafka event source mappings the coordinator creates through LocalStack's APIs and LocalStack
runs (our extension), and pause / resume / stop / delete acting on those resources."""

from __future__ import annotations

import json
import time
import uuid
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pymysql
import pytest

from tests.integration.stack.conftest import wait_for

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.stack.conftest import Deployed

pytestmark = pytest.mark.integration

JSON = {"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true"}


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _append(path: Path, *lines: str) -> None:
    with path.open("a") as handle:
        handle.writelines(f"{line}\n" for line in lines)


def _tasks_running(deployed: Deployed, *names: str) -> bool:
    for name in names:
        status, body = deployed.http("GET", f"/connectors/{name}/status")
        if status != 200 or body["connector"]["state"] != "RUNNING" or not body["tasks"] \
                or any(task["state"] != "RUNNING" for task in body["tasks"]):
            return False
    return True


def test_the_coordinator_serves_kafka_connects_rest_api_over_its_function_url(deployed: Deployed) -> None:
    status, root = deployed.http("GET", "/")
    assert status == 200
    assert root["version"] == metadata.version("lambda-connect")  # the layer carries the distribution's metadata
    assert set(root) == {"version", "commit", "kafka_cluster_id"}

    status, plugins = deployed.http("GET", "/connector-plugins")
    assert status == 200
    assert "org.apache.kafka.connect.file.FileStreamSourceConnector" in {p["class"] for p in plugins}

    assert deployed.http("GET", "/connectors?expand=status") == (200, {})
    status, error = deployed.http("GET", "/connectors/nobody")
    assert (status, error) == (404, {"error_code": 404, "message": "Connector nobody not found"})


def test_a_filestream_pair_runs_and_pause_resume_stop_delete_act_on_schedules_mappings_and_functions(
    deployed: Deployed, tmp_path: Path,
) -> None:
    run = uuid.uuid4().hex[:8]
    source, sink, topic = f"fs-source-{run}", f"fs-sink-{run}", f"stack-lines-{run}"
    infile, outfile = tmp_path / "in.txt", tmp_path / "out.txt"
    _append(infile, "a", "b")
    for body in (
        {"name": source, "config": {"connector.class": "FileStreamSource", "file": str(infile), "topic": topic,
                                    "poll.interval.ms": "300"}},
        {"name": sink, "config": {"connector.class": "FileStreamSink", "file": str(outfile), "topics": topic,
                                  "lambda.maximum.batching.window.ms": "100"}},
    ):
        status, answer = deployed.http("POST", "/connectors", body)
        assert status == 201, answer
    assert deployed.schedules(source) == {f"{source}-0": "ENABLED"}
    assert [m["Topics"] for m in deployed.mappings(sink)] == [[topic]]
    assert deployed.schedules(sink) == {}  # FileStreamSink has no duty of the clock: no idle ticks
    wait_for(lambda: _lines(outfile) == ["a", "b"], "the lines in the sink file")
    wait_for(lambda: _tasks_running(deployed, source, sink), "both tasks RUNNING")

    assert deployed.http("PUT", f"/connectors/{source}/pause")[0] == 202
    assert deployed.http("PUT", f"/connectors/{sink}/pause")[0] == 202
    assert deployed.schedules(source) == {f"{source}-0": "DISABLED"}
    wait_for(lambda: [m["State"] for m in deployed.mappings(sink)] == ["Disabled"], "the sink's mapping disabled")

    assert deployed.http("PUT", f"/connectors/{source}/resume")[0] == 202
    assert deployed.http("PUT", f"/connectors/{sink}/resume")[0] == 202
    assert deployed.schedules(source) == {f"{source}-0": "ENABLED"}
    wait_for(lambda: [m["State"] for m in deployed.mappings(sink)] == ["Enabled"], "the sink's mapping enabled")
    _append(infile, "c")
    wait_for(lambda: _lines(outfile) == ["a", "b", "c"], "a line after resume, no duplicates")

    assert deployed.http("PUT", f"/connectors/{source}/stop")[0] == 204
    assert deployed.http("PUT", f"/connectors/{sink}/stop")[0] == 204
    assert deployed.schedules(source) == {f"{source}-0": "DISABLED"}
    wait_for(lambda: [m["State"] for m in deployed.mappings(sink)] == ["Disabled"], "the stopped sink's mapping")
    assert deployed.function_exists(sink), "a stopped sink keeps its function (and its consumer group)"

    for name in (source, sink):
        assert deployed.http("DELETE", f"/connectors/{name}")[0] == 204
    assert deployed.schedules(source) == {}
    wait_for(lambda: deployed.mappings(sink) == [], "the mapping gone (Lambda deletes it asynchronously)")
    assert not deployed.function_exists(sink)
    assert deployed.http("GET", f"/connectors/{sink}")[0] == 404


def test_an_s3_sink_behind_a_mapping_gets_its_idle_tick_schedule_beside_the_mapping(
    deployed: Deployed, aws_settings: dict[str, str],
) -> None:
    """``rotate.schedule.interval.ms`` is a duty of the clock: the coordinator puts a Scheduler schedule invoking the
    sink's own function with an idle tick beside its mapping (``runtime/idle_tick.py``), paused and deleted with it."""
    run = uuid.uuid4().hex[:8]
    sink, topic, bucket = f"s3-quiet-{run}", f"stack-quiet-{run}", f"stack-quiet-{run}"
    deployed.client("s3").create_bucket(Bucket=bucket)
    config = {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": topic, "s3.bucket.name": bucket,
              "s3.region": aws_settings["region_name"], "store.url": aws_settings["endpoint_url"],
              "aws.access.key.id": aws_settings["aws_access_key_id"],
              "aws.secret.access.key": aws_settings["aws_secret_access_key"],
              "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": "1000",
              "rotate.schedule.interval.ms": "60000", "timezone": "UTC", **JSON}
    status, answer = deployed.http("POST", "/connectors", {"name": sink, "config": config})
    assert status == 201, answer
    assert [m["Topics"] for m in deployed.mappings(sink)] == [[topic]]
    assert deployed.schedules(sink) == {f"{sink}-idle": "ENABLED"}
    scheduled = deployed.client("scheduler").get_schedule(Name=f"{sink}-idle", GroupName=deployed.name)
    assert scheduled["ScheduleExpression"] == "rate(1 minute)"
    assert scheduled["Target"]["Arn"].endswith(f":function:{deployed.function_name(sink)}")
    assert json.loads(scheduled["Target"]["Input"]) == {"connector": sink, "idle_tick": True}

    assert deployed.http("PUT", f"/connectors/{sink}/pause")[0] == 202
    assert deployed.schedules(sink) == {f"{sink}-idle": "DISABLED"}
    assert deployed.http("DELETE", f"/connectors/{sink}")[0] == 204
    assert deployed.schedules(sink) == {}


def test_a_jdbc_source_over_two_tables_feeds_a_regex_s3_sink_and_a_topic_list_jdbc_sink_with_two_tasks_each(
    deployed: Deployed, mariadb_settings: dict[str, str], aws_settings: dict[str, str],
) -> None:
    """One topic per table, sinks by topics.regex and by a topics list, tasks.max 2 each: pull-mode sink tasks on
    schedules (no function, no mapping), one consumer group per sink, every task RUNNING."""
    run = uuid.uuid4().hex[:8]
    tables, prefix, bucket = [f"orders_{run}", f"customers_{run}"], f"stack_{run}_", f"stack-{run}"
    topics = [prefix + table for table in tables]
    source, s3_sink, jdbc_sink = f"jdbc-source-{run}", f"s3-sink-{run}", f"jdbc-sink-{run}"
    conn = pymysql.connect(host=mariadb_settings["host"], port=int(mariadb_settings["port"]),
                           user=mariadb_settings["user"], password=mariadb_settings["password"],
                           database=mariadb_settings["database"], autocommit=True)
    credentials = {"connection.url": mariadb_settings["connection.url"], "connection.user": mariadb_settings["user"],
                   "connection.password": mariadb_settings["password"]}
    s3 = deployed.client("s3")
    s3.create_bucket(Bucket=bucket)
    try:
        with conn.cursor() as cursor:
            for table in tables:
                cursor.execute(f"CREATE TABLE {table} (ID INT PRIMARY KEY, STATUS VARCHAR(32) NOT NULL)")
        for body in (
            {"name": source, "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
                                        **credentials, "mode": "incrementing", "incrementing.column.name": "ID",
                                        "table.whitelist": ",".join(tables), "topic.prefix": prefix,
                                        "poll.interval.ms": "1000", "tasks.max": "2", **JSON}},
            {"name": s3_sink, "config": {"connector.class": "io.confluent.connect.s3.S3SinkConnector",
                                         "topics.regex": f"{prefix}.*", "tasks.max": "2", "s3.bucket.name": bucket,
                                         "s3.region": aws_settings["region_name"],
                                         "store.url": aws_settings["endpoint_url"],
                                         "aws.access.key.id": aws_settings["aws_access_key_id"],
                                         "aws.secret.access.key": aws_settings["aws_secret_access_key"],
                                         "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
                                         "storage.class": "io.confluent.connect.s3.storage.S3Storage",
                                         "flush.size": "1", **JSON}},
            {"name": jdbc_sink, "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
                                           **credentials, "topics": ",".join(topics), "tasks.max": "2",
                                           "table.name.format": "${topic}", "insert.mode": "upsert",
                                           "pk.mode": "record_value", "pk.fields": "ID", "auto.create": "true",
                                           **JSON}},
        ):
            status, answer = deployed.http("POST", "/connectors", body)
            assert status == 201, answer
        assert set(deployed.schedules(s3_sink)) == {f"{s3_sink}-0", f"{s3_sink}-1"}  # pull mode: no mapping
        assert not deployed.function_exists(jdbc_sink)
        with conn.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {tables[0]} (ID, STATUS) VALUES (%s, %s)", [(1, "PLACED"), (2, "PICKED")])
            cursor.executemany(f"INSERT INTO {tables[1]} (ID, STATUS) VALUES (%s, %s)", [(7, "NEW")])

        def copied(topic: str) -> dict[int, str]:
            try:
                with conn.cursor() as cursor:
                    cursor.execute(f"SELECT ID, STATUS FROM {topic}")
                    return dict(cursor.fetchall())
            except pymysql.err.ProgrammingError:  # not auto-created yet
                return {}

        def archived(topic: str) -> int:
            listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"topics/{topic}/")
            return len(listed.get("Contents", []))

        wait_for(lambda: copied(topics[0]) == {1: "PLACED", 2: "PICKED"} and copied(topics[1]) == {7: "NEW"},
                 "every row in its ${topic} table")
        wait_for(lambda: (archived(topics[0]), archived(topics[1])) == (2, 1), "every row archived in S3")
        wait_for(lambda: _tasks_running(deployed, source, s3_sink, jdbc_sink), "every task RUNNING")
        for name in (source, s3_sink, jdbc_sink):
            assert len(deployed.http("GET", f"/connectors/{name}/status")[1]["tasks"]) == 2
        status, offsets = deployed.http("GET", f"/connectors/{jdbc_sink}/offsets")
        assert status == 200
        found = sorted((o["partition"]["kafka_topic"], o["offset"]["kafka_offset"]) for o in offsets["offsets"])
        assert found == sorted([(topics[0], 2), (topics[1], 1)])  # both topics, one group: connect-<name>

        latencies = _latencies(deployed, conn, tables[0], lambda: copied(topics[0]),
                                names=(source, jdbc_sink), run=run)
        print(f"source -> Kafka -> JDBC sink on the stack: {', '.join(f'{s:.1f}' for s in latencies)} s")
    finally:
        for name in (source, s3_sink, jdbc_sink):
            deployed.http("DELETE", f"/connectors/{name}")
        with conn.cursor() as cursor:
            for table in (*tables, *topics):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
        conn.close()


def _latencies(deployed: Deployed, conn: Any, table: str, copied: Any, *, names: tuple[str, ...], run: str
               ) -> list[float]:
    """Seconds from each of three inserts into ``table`` to its row in the JDBC sink's table, once everything runs:
    changes keep flowing after the first ones (printed, not asserted: make demo-stack reports the latencies)."""
    latencies = []
    for row_id in (3, 4, 5):
        changed = time.monotonic()
        with conn.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (ID, STATUS) VALUES (%s, 'PLACED')", (row_id,))
        try:
            wait_for(lambda row_id=row_id: row_id in copied(), f"row {row_id} copied from {table}")
        except AssertionError as error:
            states = {name: deployed.http("GET", f"/connectors/{name}/status")[1] for name in names}
            lines = [line for line in _source_log(deployed).splitlines() if run in line]
            raise AssertionError(f"{error}\n{states}\n" + "\n".join(lines[-40:])) from None
        latencies.append(time.monotonic() - changed)
    return latencies


def _source_log(deployed: Deployed) -> str:
    logs = deployed.client("logs")
    group = f"/aws/lambda/{deployed.name}-source-task"
    try:
        events = logs.filter_log_events(logGroupName=group)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return ""
    return "\n".join(event["message"] for event in events)


def test_rest_edges_health_and_cluster_log_levels_over_the_function_url(deployed: Deployed, tmp_path: Path) -> None:
    """Issue 22 on the deployed stack: /health, trailing slashes, an absolute Location, void answers without a body
    (and without a Content-Type from the function: LocalStack's Function URL router adds its default one), and a
    cluster-scope log level that the deployed source function applies at its next invocation, with no redeploy."""
    import json

    from connect_core.local.http_front import http_api_event

    url = deployed.coordinator
    status, _, raw = url.response("GET", "/health/")
    assert (status, json.loads(raw)["status"]) == (200, "healthy")
    source = f"fs-levels-{uuid.uuid4().hex[:8]}"
    infile = tmp_path / "in.txt"
    _append(infile, "x")
    status, headers, raw = url.response("POST", "/connectors/", {"name": source, "config": {
        "connector.class": "FileStreamSource", "file": str(infile), "topic": f"stack-{source}",
        "poll.interval.ms": "300"}})
    assert status == 201, raw
    assert headers["Location"] == f"http://{url.host}/connectors/{source}"

    status, _, raw = url.response("PUT", "/admin/loggers/org.apache.kafka.connect.runtime?scope=cluster",
                                  {"level": "DEBUG"})
    assert (status, raw) == (204, b"")
    wait_for(lambda: f"{source}-0 produced" in _source_log(deployed), "the deployed source function at DEBUG")
    status, level = url.request("GET", "/admin/loggers/org.apache.kafka.connect.runtime/")
    assert (status, level["level"]) == (200, "DEBUG")

    event = http_api_event("PUT", f"/connectors/{source}/pause", {"host": url.host}, b"")
    answer = json.loads(deployed.client("lambda").invoke(FunctionName=f"{deployed.name}-coordinator",
                                                         Payload=json.dumps(event))["Payload"].read())
    assert (answer["statusCode"], answer["headers"], answer["body"]) == (202, {}, "")  # no Content-Type
    for method, path, expected in (("PUT", "resume/", 202), ("POST", "tasks/0/restart", 204), ("PUT", "stop", 204),
                                   ("DELETE", "", 204)):
        status, headers, raw = url.response(method, f"/connectors/{source}" + (f"/{path}" if path else ""))
        assert (status, raw) == (expected, b""), path
        assert headers.get("Content-Type") in (None, "application/json"), headers  # LocalStack's router default
    assert url.response("PUT", "/admin/loggers/org.apache.kafka.connect.runtime?scope=cluster",
                        {"level": "INFO"})[0] == 204


def _change_events(bootstrap: str, topic: str, expected: int) -> list[tuple[str, int, Any]]:
    """(op or "tombstone", id, after image) of the committed records of ``topic``, once ``expected`` arrived."""
    import json

    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"stack-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[tuple[str, int, Any]] = []
    try:
        def arrived() -> bool:
            for message in consumer.consume(1000, 1.0):
                if message.error() is None:
                    key = json.loads(message.key())["id"]
                    value = message.value()
                    event = None if value is None else json.loads(value)
                    out.append(("tombstone", key, None) if event is None else (event["op"], key, event["after"]))
            return len(out) >= expected

        wait_for(arrived, f"{expected} change events on {topic}")
    finally:
        consumer.close()
    return out


def test_a_binlog_cdc_source_runs_deployed_snapshot_then_changes_in_debeziums_format(
    deployed: Deployed, mariadb_settings: dict[str, str], kafka_bootstrap: str,
) -> None:
    """Debezium's MariaDbConnector JSON, sent as is: the source function snapshots, then streams the binlog on its
    schedule; an update, a delete (plus its tombstone), an insert and, after ALTER TABLE, a row with the new column
    arrive once each."""
    run = uuid.uuid4().hex[:8]
    database, name, prefix = f"stack_cdc_{run}", f"cdc-{run}", f"stack-cdc-{run}"
    conn = pymysql.connect(host=mariadb_settings["host"], port=int(mariadb_settings["port"]),
                           user=mariadb_settings["user"], password=mariadb_settings["password"], autocommit=True)
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {database}")
        cursor.execute(f"CREATE TABLE {database}.t (id INT PRIMARY KEY, state VARCHAR(16))")
        cursor.execute(f"INSERT INTO {database}.t VALUES (1, 'PLACED'), (2, 'PLACED')")
    topic = f"{prefix}.{database}.t"
    try:
        status, answer = deployed.http("POST", "/connectors", {"name": name, "config": {
            "connector.class": "io.debezium.connector.mariadb.MariaDbConnector", "tasks.max": "1",
            "database.hostname": mariadb_settings["host"], "database.port": mariadb_settings["port"],
            "database.user": mariadb_settings["user"], "database.password": mariadb_settings["password"],
            "database.server.id": str(6000 + int(run[:4], 16) % 1000), "topic.prefix": prefix,
            "database.include.list": database, "include.schema.changes": "false", "poll.interval.ms": "1000",
            "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "false"}})
        assert status == 201, answer
        assert sorted(e[:2] for e in _change_events(kafka_bootstrap, topic, 2)) == [("r", 1), ("r", 2)]
        with conn.cursor() as cursor:
            cursor.execute(f"UPDATE {database}.t SET state = 'SHIPPED' WHERE id = 1")
            cursor.execute(f"DELETE FROM {database}.t WHERE id = 2")
            cursor.execute(f"INSERT INTO {database}.t VALUES (3, 'PLACED')")
            cursor.execute(f"ALTER TABLE {database}.t ADD COLUMN note VARCHAR(16)")
            cursor.execute(f"INSERT INTO {database}.t VALUES (4, 'PLACED', 'fragile')")
        events = _change_events(kafka_bootstrap, topic, 7)
        assert sorted(e[:2] for e in events[:2]) == [("r", 1), ("r", 2)]
        assert [e[:2] for e in events[2:]] == [("u", 1), ("d", 2), ("tombstone", 2), ("c", 3), ("c", 4)]
        assert events[-1][2] == {"id": 4, "state": "PLACED", "note": "fragile"}  # the column ALTER TABLE added
        wait_for(lambda: _tasks_running(deployed, name), "the CDC task RUNNING")
    finally:
        deployed.http("DELETE", f"/connectors/{name}")
        with conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.close()


def _msk_metric(deployed: Deployed, name: str, connector: str) -> list[float]:
    """The coordinator's MSK Connect metric of the connector in the last minutes (LocalStack's CloudWatch)."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    answer = deployed.client("cloudwatch").get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {
            "Namespace": "LambdaConnect", "MetricName": name,
            "Dimensions": [{"Name": "ConnectorName", "Value": connector}]}, "Period": 60, "Stat": "Maximum"}}],
        StartTime=now - timedelta(minutes=10), EndTime=now + timedelta(minutes=1))
    return list(answer["MetricDataResults"][0]["Values"])


def test_the_heartbeat_publishes_msk_connects_metrics_per_connector_name(deployed: Deployed, tmp_path: Path) -> None:
    """The functions' EMF (the coordinator's heartbeat, Powertools) read back with GetMetricData in MSK Connect's
    names and dimension; LocalStack turns the EMF lines into metrics through our extension (``emf.py``)."""
    from connect_core.runtime.heartbeat import HEARTBEAT_EVENT

    run = uuid.uuid4().hex[:8]
    source, topic, infile = f"cw-source-{run}", f"stack-cw-{run}", tmp_path / "in.txt"
    _append(infile, *(f"line {i}" for i in range(20)))
    status, answer = deployed.http("POST", "/connectors", {"name": source, "config": {
        "connector.class": "FileStreamSource", "file": str(infile), "topic": topic, "poll.interval.ms": "300"}})
    assert status == 201, answer
    wait_for(lambda: _tasks_running(deployed, source), "the source task RUNNING")

    def published() -> bool:
        _append(infile, "more")  # records in the last minute: a write rate above 0
        deployed.client("lambda").invoke(FunctionName=f"{deployed.name}-coordinator",
                                         Payload=json.dumps(HEARTBEAT_EVENT).encode())
        return (_msk_metric(deployed, "RunningTaskCount", source) == [1.0]
                and any(v > 0 for v in _msk_metric(deployed, "SourceRecordWriteRate", source)))

    wait_for(published, "RunningTaskCount and SourceRecordWriteRate of the connector in CloudWatch")
    assert _msk_metric(deployed, "ErroredTaskCount", source) == [0.0]
    assert _msk_metric(deployed, "TaskStartupAttemptsTotal", source)
    assert deployed.http("DELETE", f"/connectors/{source}")[0] == 204
