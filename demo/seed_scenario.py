"""`make demo`: the seed scenario, end to end, on this machine.

MariaDB `fulfillment.status` --jdbc_source_mysql_01 (timestamp mode on LAST_UPDATED)--> Kafka
`order-status-update-status` --> jdbc_sink_mysql_01 (CRM `order_status`), an S3 sink (LocalStack) and an OpenSearch
sink; plus the FileStream pair of the Kafka quickstart, and change data capture of the same table from the binlog
(cdc_status_mariadb, Debezium's format, topic `cdc.fulfillment.status`): a delete, which the timestamp source cannot
see, arrives there as `op: d` and a tombstone; and PostgreSQL CDC of `shipping.parcels` (demo/postgres_cdc.py).
Connectors are created with the same JSON bodies a Kafka Connect user would curl to port 8083, against
`lambda-connect up`.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.local import services

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    Http = Callable[..., tuple[int, Any]]  # (method, path, body=None) -> (status, JSON answer)

ROOT = Path(__file__).resolve().parents[1]
CONNECTORS = Path(__file__).parent / "connectors"
REST = "http://127.0.0.1:8083"
CDC_TOPIC = "cdc.fulfillment.status"
DATA_TOPICS = ("order-status-update-status", "connect-test", CDC_TOPIC)
BUCKET = "order-status-archive"
INDEX = "order-status-update-status"
TIMEOUT_S = 180.0
ORDERS = [(101, "PLACED"), (102, "PLACED"), (103, "PICKED"), (104, "PLACED"), (105, "SHIPPED")]
UPDATES = [(101, "SHIPPED"), (103, "DELIVERED")]
CANCELLED = 104  # deleted at the end: only the binlog connector sees it
# The FileStream files live in <run dir>/data: `lambda-connect up` (started in the run dir) confines connector files
# to ./data by default, and takes the bodies' relative names (test.txt) inside it.
FILE_ROOT = "data"


@contextmanager
def exclusive() -> Iterator[None]:
    """One seed scenario at a time on this machine (`make demo`, `make demo-stack`, their tests): they share the
    database, the bucket, the index, the slot and the topics' names."""
    lock = ROOT / ".run" / "demo-scenario.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def http(method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(REST + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # local REST API
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def mysql(settings: dict[str, str], database: str | None = None) -> Any:
    import pymysql

    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=database, autocommit=True)


def prepare_databases(settings: dict[str, str]) -> None:
    with mysql(settings) as conn, conn.cursor() as cursor:
        for statement in (
            "CREATE DATABASE IF NOT EXISTS fulfillment", "CREATE DATABASE IF NOT EXISTS crm",
            "DROP TABLE IF EXISTS fulfillment.status", "DROP TABLE IF EXISTS crm.order_status",
            "CREATE TABLE fulfillment.status (ID INT AUTO_INCREMENT PRIMARY KEY, ORDER_ID INT NOT NULL UNIQUE, "
            "STATUS VARCHAR(32) NOT NULL, LAST_UPDATED TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) "
            "ON UPDATE CURRENT_TIMESTAMP(3))",
        ):
            cursor.execute(statement)


def reset_kafka_and_sinks(bootstrap: str, aws: dict[str, str], opensearch: str) -> None:
    """A fresh run: the data topics, the sinks' consumer groups, the bucket's objects and the index of earlier runs
    are removed (a run that failed leaves its sinks' groups with offsets that the next run's new topics would skip to).
    """
    import boto3
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = set(admin.list_topics(timeout=10).topics)
    doomed = [t for t in DATA_TOPICS if t in existing]
    if doomed:
        for future in admin.delete_topics(doomed).values():
            future.result(30)
        time.sleep(1)
    for future in admin.delete_consumer_groups([f"connect-{n}" for n in NAMES if "sink" in n]).values():
        try:
            future.result(30)
        except KafkaException:
            pass  # no such group: a first run, or the topic's deletion took its offsets
    s3 = boto3.client("s3", **aws)
    try:
        for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    except s3.exceptions.NoSuchBucket:
        pass
    s3.create_bucket(Bucket=BUCKET) if BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]] else None
    try:
        urllib.request.urlopen(urllib.request.Request(f"{opensearch}/{INDEX}", method="DELETE"), timeout=10)
    except urllib.error.HTTPError:
        pass


def start_up(run_dir: Path, run_id: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LAMBDA_CONNECT_CONFIG_TOPIC": f"demo-{run_id}-configs",
           "LAMBDA_CONNECT_OFFSET_TOPIC": f"demo-{run_id}-offsets",
           "LAMBDA_CONNECT_STATUS_TOPIC": f"demo-{run_id}-status",
           "LAMBDA_CONNECT_GROUP_ID": f"demo-{run_id}", "LAMBDA_CONNECT_RUN_DIR": str(run_dir),
           "LAMBDA_CONNECT_LOCAL_TIME_BUDGET_MS": "3000", "LAMBDA_CONNECT_FILE_ROOTS": str(run_dir / FILE_ROOT)}
    log = (run_dir / "up.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "connect_core.local.cli", "up"], cwd=run_dir, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if http("GET", "/")[0] == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"lambda-connect up exited ({proc.returncode}); see {run_dir / 'up.log'}")
        time.sleep(0.5)
    raise SystemExit(f"lambda-connect up did not answer on {REST}; see {run_dir / 'up.log'}")


NAMES = ("local-file-source", "local-file-sink", "jdbc_source_mysql_01", "jdbc_sink_mysql_01",
         "s3_sink_order_status", "opensearch_sink_order_status", "cdc_status_mariadb")


def connector_bodies(file_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """The demo/connectors/ bodies in creation order; ``file_dir`` makes the FileStream files absolute paths there
    (a function's working directory is its code folder, not the folder the demo prepared)."""
    bodies = {name: json.loads((CONNECTORS / f"{name}.json").read_text()) for name in NAMES}
    if file_dir is not None:
        for body in bodies.values():
            if "file" in body["config"]:
                body["config"]["file"] = str(file_dir / body["config"]["file"])
    return bodies


def create_connectors(http: Http, rest: str, bodies: dict[str, dict[str, Any]]) -> None:
    for name, body in bodies.items():
        status, answer = http("POST", "/connectors", body)
        say(f"curl -X POST {rest}/connectors -d @demo/connectors/{name}.json -> {status}")
        if status != 201:
            raise SystemExit(f"creating {name} failed: {status} {answer}")


def insert_orders(settings: dict[str, str]) -> None:
    with mysql(settings, "fulfillment") as conn, conn.cursor() as cursor:
        cursor.executemany("INSERT INTO status (ORDER_ID, STATUS) VALUES (%s, %s)", ORDERS)
    say(f"inserted {len(ORDERS)} orders into fulfillment.status")


def update_orders(settings: dict[str, str]) -> None:
    with mysql(settings, "fulfillment") as conn, conn.cursor() as cursor:
        for order_id, status in UPDATES:
            cursor.execute("UPDATE status SET STATUS = %s WHERE ORDER_ID = %s", (status, order_id))
    say(f"updated orders {', '.join(str(o) for o, _ in UPDATES)}")


def delete_order(settings: dict[str, str]) -> int:
    """Delete the cancelled order; its row id (the change events' key)."""
    with mysql(settings, "fulfillment") as conn, conn.cursor() as cursor:
        cursor.execute("SELECT ID FROM status WHERE ORDER_ID = %s", (CANCELLED,))
        row_id = int(cursor.fetchone()[0])
        cursor.execute("DELETE FROM status WHERE ORDER_ID = %s", (CANCELLED,))
    say(f"deleted order {CANCELLED} (row ID {row_id}) from fulfillment.status")
    return row_id


def cdc_events(bootstrap: str, topic: str = CDC_TOPIC) -> list[tuple[Any, Any]]:
    """(key, value) of every committed record of a CDC topic so far, JSON-decoded (a tombstone's value is None)."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"demo-{uuid.uuid4().hex}",
                         "isolation.level": "read_committed", "enable.auto.commit": False})
    out: list[tuple[Any, Any]] = []
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if metadata is None or metadata.error is not None:
            return []
        partitions = [TopicPartition(topic, p, 0) for p in metadata.partitions]
        ends = {p.partition: consumer.get_watermark_offsets(p, timeout=10)[1] for p in partitions}
        consumer.assign(partitions)
        remaining = {p: end for p, end in ends.items() if end > 0}
        deadline = time.monotonic() + 10
        while remaining and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            value = message.value()
            out.append((json.loads(message.key()), None if value is None else json.loads(value)))
            if message.offset() + 1 >= remaining.get(message.partition(), 0):
                remaining.pop(message.partition(), None)
    except KafkaException:
        return out
    finally:
        consumer.close()
    return out


def delete_arrived(events: list[tuple[Any, Any]], row_id: int) -> bool:
    """Whether the delete of ``row_id`` arrived as Debezium writes it: ``op: d`` with ``before``, then a tombstone."""
    ops = [("tombstone" if value is None else value["op"]) for key, value in events if key == {"ID": row_id}]
    return ops[-2:] == ["d", "tombstone"]


def expected_statuses() -> dict[int, str]:
    final = dict(ORDERS)
    final.update(dict(UPDATES))
    return final


def crm_rows(settings: dict[str, str]) -> dict[int, str]:
    try:
        with mysql(settings, "crm") as conn, conn.cursor() as cursor:
            cursor.execute("SELECT ORDER_ID, STATUS FROM order_status")
            return {int(order_id): status for order_id, status in cursor.fetchall()}
    except Exception:  # table not created yet
        return {}


def latest_per_order(records: list[dict[str, Any]]) -> dict[int, str]:
    """Fold the archived change records: the last record of each order holds its current status."""
    latest: dict[int, str] = {}
    for record in records:
        latest[int(record["ORDER_ID"])] = record["STATUS"]
    return latest


def s3_records(aws: dict[str, str]) -> list[dict[str, Any]]:
    import boto3

    s3 = boto3.client("s3", **aws)
    records = []
    for item in s3.list_objects_v2(Bucket=BUCKET, Prefix="topics/order-status-update-status/").get("Contents", []):
        body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read().decode()
        records += [json.loads(line) for line in body.splitlines() if line.strip()]
    return records


def opensearch_docs(url: str) -> dict[int, str]:
    try:
        urllib.request.urlopen(urllib.request.Request(f"{url}/{INDEX}/_refresh", method="POST"), timeout=10)
        with urllib.request.urlopen(f"{url}/{INDEX}/_search?size=100", timeout=10) as response:
            hits = json.load(response)["hits"]["hits"]
    except (urllib.error.HTTPError, OSError):
        return {}
    return {int(hit["_source"]["ORDER_ID"]): hit["_source"]["STATUS"] for hit in hits}


def wait_for(what: str, check: Any, started: float) -> Any:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        result = check()
        if result:
            say(f"{what}: arrived {time.monotonic() - started:.1f}s after the change")
            return result
        time.sleep(0.5)
    raise SystemExit(f"{what}: nothing after {TIMEOUT_S:.0f}s")


def prepare(settings: dict[str, dict[str, str]], run_dir: Path) -> None:
    """A fresh run: the FileStream input, the source table, the data topics, the bucket and the index."""
    files = run_dir / FILE_ROOT
    files.mkdir(parents=True, exist_ok=True)
    (files / "test.sink.txt").unlink(missing_ok=True)
    (files / "test.txt").write_text("".join(f"hello lambda-connect {i}\n" for i in range(1, 4)))
    prepare_databases(settings["mariadb"])
    reset_kafka_and_sinks(settings["kafka"]["bootstrap.servers"], settings["localstack"],
                          settings["opensearch"]["connection.url"])
    from demo import postgres_cdc

    postgres_cdc.prepare(settings["postgres"], settings["kafka"]["bootstrap.servers"])


def run_scenario(http: Http, rest: str, settings: dict[str, dict[str, str]], run_dir: Path,
                 bodies: dict[str, dict[str, Any]], *, source_extra: dict[str, str] | None = None) -> None:
    """Create the connectors through ``http``, change the source table, wait for every sink, print the summary.
    ``source_extra``: keys the PostgreSQL source's body carries besides its file's (``bodies`` carry their own)."""
    maria, aws, opensearch = settings["mariadb"], settings["localstack"], settings["opensearch"]["connection.url"]
    create_connectors(http, rest, bodies)
    started = time.monotonic()
    insert_orders(maria)
    wait_for("CRM order_status (inserts)", lambda: crm_rows(maria) == dict(ORDERS), started)
    updated = time.monotonic()
    update_orders(maria)
    final = expected_statuses()
    wait_for("CRM order_status (updates)", lambda: crm_rows(maria) == final, updated)
    # S3 archives every change: the inserts and then the updates, in order
    wait_for("S3 objects", lambda: len(s3_records(aws)) == len(ORDERS) + len(UPDATES)
             and latest_per_order(s3_records(aws)) == final, updated)
    wait_for("OpenSearch documents", lambda: opensearch_docs(opensearch) == final, updated)
    bootstrap = settings["kafka"]["bootstrap.servers"]
    deleted = time.monotonic()
    row_id = delete_order(maria)
    events = wait_for(f"CDC delete of row {row_id} (op d + tombstone on {CDC_TOPIC})",
                      lambda: (found := cdc_events(bootstrap)) and delete_arrived(found, row_id) and found, deleted)
    from demo import postgres_cdc

    postgres_cdc.run_step(http, rest, settings["postgres"], bootstrap, source_extra)
    sink_file = run_dir / FILE_ROOT / "test.sink.txt"
    wait_for("FileStream sink file", lambda: sink_file.exists() and len(sink_file.read_text().splitlines()) >= 3,
             started)
    _, statuses = http("GET", "/connectors?expand=status")
    say("summary:")
    for name, info in sorted(statuses.items()):
        tasks = ", ".join(f"{t['id']}:{t['state']}" for t in info["status"]["tasks"])
        say(f"  {name:<30} connector {info['status']['connector']['state']:<8} tasks {tasks}")
    say(f"  CRM order_status = {dict(sorted(crm_rows(maria).items()))}")
    say(f"  S3 s3://{BUCKET}: {len(s3_records(aws))} records; "
        f"OpenSearch {INDEX}: {len(opensearch_docs(opensearch))} docs")
    say(f"  {sink_file.name}: {sink_file.read_text().splitlines()}")
    ops = [("tombstone" if value is None else value["op"]) for _, value in events]
    deleted_event = next(value for key, value in events if key == {"ID": row_id} and value and value["op"] == "d")
    say(f"  {CDC_TOPIC}: {len(events)} change events, ops {ops}")
    say(f"  the delete: key {{'ID': {row_id}}}, op d, before {deleted_event['before']}, then a tombstone "
        f"(the CRM, fed by the timestamp source, still lists order {CANCELLED})")
    say("the seed scenario ran end to end")


def with_up(run_dir: Path, run_id: str, scenario: Callable[[], None]) -> int:
    """Run ``scenario`` against a ``lambda-connect up`` started in ``run_dir``, stopped afterwards; 0."""
    say("starting lambda-connect up on 127.0.0.1:8083")
    up = start_up(run_dir, run_id)
    try:
        scenario()
        return 0
    finally:
        os.killpg(up.pid, signal.SIGINT)
        try:
            up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)


def main() -> int:
    settings = services.ensure()
    run_id = uuid.uuid4().hex[:8]
    run_dir = ROOT / ".run" / "demo"
    with exclusive():
        prepare(settings, run_dir)
        return with_up(run_dir, run_id, lambda: run_scenario(http, REST, settings, run_dir, connector_bodies()))

if __name__ == "__main__":
    sys.exit(main())
