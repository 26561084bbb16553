"""No record of an aborted transaction reaches a sink, whatever the event source mapping's isolation level.

A transactional producer writes committed records, an aborted transaction and more committed records; the local
event source mapping (``KafkaEventSourceMapping``, the one LocalStack's extension runs too) reads the topic with
``read_uncommitted`` (it then hands the aborted records to the function) or ``read_committed``, and invokes the
sink runtime, which writes to MariaDB, OpenSearch or S3 (LocalStack). A transaction still open when its records are
delivered fails the batch, which comes back once the transaction has committed.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pymysql
import pytest
import urllib3
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.kafka.committed_filter import OpenTransactionError
from connect_core.local.kafka_trigger import KafkaEventSourceMapping
from connect_core.runtime.sink_runner import SinkRunner
from connect_core.runtime.trigger_config import KafkaTriggerConfig
from tests.integration._kafka import committed_offset

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from connect_core.kafka.lambda_event import EventBatch
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

HTTP = urllib3.PoolManager()
DB = "crm"
COMMITTED_BEFORE, ABORTED, COMMITTED_AFTER, OPEN = [1, 2, 3], [101, 102, 103], [4, 5], [6]
CONVERTERS = {"key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable": "false"}


def _mysql(settings: dict[str, str], database: str | None = DB) -> pymysql.Connection:
    return pymysql.connect(host=settings["host"], port=int(settings["port"]), user=settings["user"],
                           password=settings["password"], database=database, autocommit=True)


class Sink:
    """One sink connector's config and a look at what it wrote (the ids of the records)."""

    def __init__(self, config: dict[str, str], written: Callable[[], set[int]], cleanup: Callable[[], None]) -> None:
        self.config = config
        self.written = written
        self.cleanup = cleanup


def _jdbc(name: str, topic: str, request: pytest.FixtureRequest) -> Sink:
    settings: dict[str, str] = request.getfixturevalue("mariadb_settings")
    with _mysql(settings, None) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS {DB}")
    table = f"rc_{name}"

    def written() -> set[int]:
        with _mysql(settings) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                           "AND TABLE_NAME = %s", (DB, table))
            if not cursor.fetchone()[0]:
                return set()
            cursor.execute(f"SELECT id FROM `{table}`")
            return {int(row[0]) for row in cursor.fetchall()}

    def cleanup() -> None:
        with _mysql(settings) as conn, conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS `{table}`")

    config = {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "topics": topic,
              "connection.url": f"jdbc:mysql://{settings['host']}:{settings['port']}/{DB}",
              "connection.user": settings["user"], "connection.password": settings["password"],
              "table.name.format": table, "auto.create": "true", "insert.mode": "insert",
              "value.converter.schemas.enable": "true"}
    return Sink(config, written, cleanup)


def _opensearch(name: str, topic: str, request: pytest.FixtureRequest) -> Sink:
    url: str = request.getfixturevalue("opensearch_url")

    def written() -> set[int]:
        HTTP.request("POST", f"{url}/{topic}/_refresh")
        response = HTTP.request("GET", f"{url}/{topic}/_search?size=1000")
        if response.status == 404:
            return set()
        return {int(hit["_source"]["id"]) for hit in json.loads(response.data)["hits"]["hits"]}

    config = {"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "topics": topic,
              "connection.url": url, "key.ignore": "true", "schema.ignore": "true"}
    return Sink(config, written, lambda: HTTP.request("DELETE", f"{url}/{topic}") and None)


def _s3(name: str, topic: str, request: pytest.FixtureRequest) -> Sink:
    aws: dict[str, str] = request.getfixturevalue("aws_settings")
    client = boto3.client("s3", **aws)
    bucket = f"rc-{name}"
    client.create_bucket(Bucket=bucket)

    def keys() -> list[str]:
        return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", ())]

    def written() -> set[int]:
        ids: set[int] = set()
        for key in keys():
            if "+staging/" in key:  # the S3 sink's staging area, not a file
                continue
            for line in client.get_object(Bucket=bucket, Key=key)["Body"].read().splitlines():
                ids.add(int(json.loads(line)["id"]))
        return ids

    def cleanup() -> None:
        for key in keys():
            client.delete_object(Bucket=bucket, Key=key)
        client.delete_bucket(Bucket=bucket)

    config = {"connector.class": "io.confluent.connect.s3.S3SinkConnector", "topics": topic, "s3.bucket.name": bucket,
              "s3.region": aws["region_name"], "store.url": aws["endpoint_url"],
              "aws.access.key.id": aws["aws_access_key_id"], "aws.secret.access.key": aws["aws_secret_access_key"],
              "format.class": "io.confluent.connect.s3.format.json.JsonFormat", "flush.size": "1",
              "topics.dir": "topics"}
    return Sink(config, written, cleanup)


SINKS = {"jdbc": _jdbc, "opensearch": _opensearch, "s3": _s3}


def _value(record_id: int, *, schemas: bool) -> bytes:
    payload = {"id": record_id, "state": "aborted" if record_id in ABORTED else "committed"}
    if not schemas:
        return json.dumps(payload).encode()
    schema = {"type": "struct", "optional": False, "name": "rec", "fields": [
        {"field": "id", "type": "int32", "optional": False}, {"field": "state", "type": "string", "optional": False}]}
    return json.dumps({"schema": schema, "payload": payload}).encode()


def _transactional_producer(bootstrap: str) -> Producer:
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"rc-{uuid.uuid4().hex}"})
    producer.init_transactions(30)
    return producer


def _transaction(producer: Producer, topic: str, ids: list[int], schemas: bool, *, commit: bool | None) -> None:
    producer.begin_transaction()
    for record_id in ids:
        producer.produce(topic, key=str(record_id).encode(), value=_value(record_id, schemas=schemas))
    producer.flush(30)
    if commit is True:
        producer.commit_transaction(30)
    elif commit is False:
        producer.abort_transaction(30)


@pytest.fixture(params=sorted(SINKS))
def sink(request: pytest.FixtureRequest, kafka_bootstrap: str) -> Iterator[tuple[str, Sink]]:
    name = uuid.uuid4().hex[:10]
    topic = f"rc-{name}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    made = SINKS[request.param](name, topic, request)
    yield topic, made
    made.cleanup()


@pytest.mark.parametrize("isolation", ["read_uncommitted", "read_committed"])
def test_no_record_of_an_aborted_transaction_reaches_the_sink(
    sink: tuple[str, Sink], isolation: str, cluster: Cluster, kafka_bootstrap: str
) -> None:
    topic, target = sink
    schemas = target.config.get("value.converter.schemas.enable") == "true"
    name = f"rc-{uuid.uuid4().hex[:8]}"
    cluster.deploy(name, {**CONVERTERS, **target.config, "lambda.sink.read.committed": "true"},
                   [{**CONVERTERS, **target.config}])
    producer = _transactional_producer(kafka_bootstrap)
    _transaction(producer, topic, COMMITTED_BEFORE, schemas, commit=True)
    _transaction(producer, topic, ABORTED, schemas, commit=False)
    _transaction(producer, topic, COMMITTED_AFTER, schemas, commit=True)
    _transaction(producer, topic, OPEN, schemas, commit=None)  # still open when the mapping reads it

    runner = SinkRunner(cluster.worker, name, config_store=cluster.configs, status_store=cluster.statuses)
    delivered: list[bytes] = []
    open_failures: list[OpenTransactionError] = []
    producer_committed: list[bool] = []

    def invoke(event: dict[str, Any]) -> Any:
        delivered.extend(base64.b64decode(r["value"]) for rs in event["records"].values() for r in rs)
        try:
            return runner.handle(event).response()
        except OpenTransactionError as error:  # the mapping retries this batch: let the transaction commit now
            open_failures.append(error)
            if len(open_failures) == 1:
                producer.commit_transaction(30)
            raise

    group = f"connect-{name}"
    config = KafkaTriggerConfig.parse({"lambda.maximum.batching.window.ms": "200"})
    mapping = KafkaEventSourceMapping(name, [topic], group, config, invoke, settings=cluster.worker.kafka,
                                      isolation_level=isolation)
    expected = set(COMMITTED_BEFORE + COMMITTED_AFTER)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and target.written() < expected | set(OPEN):
            mapping.poll_once()
            # read_committed: the mapping never sees the open transaction; it commits once all before it arrived
            if isolation == "read_committed" and target.written() >= expected and not producer_committed:
                producer.commit_transaction(30)
                producer_committed.append(True)
    finally:
        mapping.close()
        runner.close()

    assert target.written() == expected | set(OPEN)
    aborted_delivered = [v for v in delivered if b'"aborted"' in v]
    if isolation == "read_uncommitted":  # the mapping did hand over the aborted records; the sink dropped them
        assert len(aborted_delivered) >= len(ABORTED)
        assert open_failures  # and the open transaction's batch failed until it committed
    else:
        assert aborted_delivered == [] and open_failures == []
    # 9 records and 4 transaction markers: the group is past all of them
    assert committed_offset(kafka_bootstrap, group, topic) == 12


def test_a_bad_record_of_an_aborted_transaction_is_never_reported(
    request: pytest.FixtureRequest, cluster: Cluster, kafka_bootstrap: str
) -> None:
    """The batch is converted while the check runs; a record that fails conversion but was aborted must not reach
    the dead letter queue (the batch is converted again, after the check, without it)."""
    from confluent_kafka import Consumer

    from connect_core.local.kafka_trigger import build_event

    name = uuid.uuid4().hex[:10]
    topic, dlq = f"rc-{name}", f"rc-dlq-{name}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for created in admin.create_topics([NewTopic(topic, 1, 1), NewTopic(dlq, 1, 1)]).values():
        created.result(30)
    target = _jdbc(name, topic, request)
    connector = f"rc-{uuid.uuid4().hex[:8]}"
    config = {**CONVERTERS, **target.config, "lambda.sink.read.committed": "true", "errors.tolerance": "all",
              "errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1"}
    cluster.deploy(connector, config, [config])
    producer = _transactional_producer(kafka_bootstrap)
    _transaction(producer, topic, [1], True, commit=True)
    producer.begin_transaction()
    producer.produce(topic, key=b"2", value=b"{not json")
    producer.flush(30)
    producer.abort_transaction(30)
    _transaction(producer, topic, [3], True, commit=True)

    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"rc-{name}", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_uncommitted"})
    consumer.subscribe([topic])
    messages: list[Any] = []
    deadline = time.monotonic() + 30
    while len(messages) < 3 and time.monotonic() < deadline:  # the two markers are not handed over
        messages.extend(m for m in consumer.consume(10, timeout=1) if m.error() is None)
    consumer.close()
    assert len(messages) == 3

    runner = SinkRunner(cluster.worker, connector, config_store=cluster.configs, status_store=cluster.statuses)
    try:
        result = runner.handle(build_event(messages, kafka_bootstrap))
    finally:
        runner.close()
        target.cleanup()
    assert (result.aborted, result.put, result.dlq) == (1, 2, 0)


def test_a_batch_past_the_last_stable_offset_writes_its_committed_prefix_and_leaves_the_rest(
    cluster: Cluster, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
) -> None:
    """With partial batch responses the committed prefix is written and only the open transaction's records come
    again; the task stays RUNNING with no failure counted (no FAILED status, no restart streak)."""
    from confluent_kafka import Consumer, TopicPartition

    from connect_core.local.kafka_trigger import build_event
    from connect_core.runtime import env
    from connect_core.runtime.task_invocation import SinkInvocation
    from connect_core.storage.run_store import RunStore
    from connect_core.storage.status_state import State

    name = f"rc-lso-{uuid.uuid4().hex[:8]}"
    topic = name
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    out = tmp_path / "out.txt"
    monkeypatch.setenv(env.FILE_ROOTS, str(tmp_path))
    config = {**CONVERTERS, "connector.class": "FileStreamSink", "topics": topic, "file": str(out),
              "lambda.sink.read.committed": "true", "lambda.report.batch.item.failures": "true"}
    cluster.deploy(name, config, [config])
    producer = _transactional_producer(kafka_bootstrap)
    _transaction(producer, topic, COMMITTED_BEFORE, False, commit=True)  # offsets 0-2, marker 3
    _transaction(producer, topic, OPEN, False, commit=None)  # offset 4, still open
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"rc-{uuid.uuid4().hex}",
                         "isolation.level": "read_uncommitted", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    messages: list[Any] = []
    deadline = time.monotonic() + 30
    while len(messages) < 4 and time.monotonic() < deadline:
        messages += [m for m in consumer.consume(10, 0.2) if m.error() is None]
    consumer.close()
    invocation = SinkInvocation(cluster.worker, name)
    runs = RunStore(cluster.worker.kafka, cluster.worker.storage)
    try:
        response = invocation.handle(build_event(messages, kafka_bootstrap), 128)
        assert response == {"batchItemFailures": [{"itemIdentifier": {"partition": f"{topic}-0", "offset": 4}}]}
        assert _file_ids(out) == COMMITTED_BEFORE
        cluster.statuses.refresh()
        assert cluster.statuses.task_status(name, 0).state is State.RUNNING
        runs.refresh()
        run = runs.state.run(name, 0)
        assert run is not None and run.ok and runs.state.task_streaks(name) == []
        producer.commit_transaction(30)
        assert invocation.handle(build_event(messages[3:], kafka_bootstrap), 128) == {}
        assert _file_ids(out) == COMMITTED_BEFORE + OPEN
    finally:
        invocation.close()
        runs.close()
        admin.delete_topics([topic])[topic].result(30)


def _file_ids(path: Any) -> list[int]:
    """The ids FileStreamSink wrote (one Java map text per line: ``{id=1, state=committed}``)."""
    return [int(line.split("id=")[1].split(",")[0]) for line in path.read_text().splitlines()]


def test_the_check_reads_a_batch_larger_than_one_fetch_exactly(kafka_bootstrap: str) -> None:
    """The check fetches 64 KiB at a time (``MAX_PARTITION_FETCH_BYTES``) and takes the offsets of a whole answer at
    once: a batch spanning many fetches, with an aborted transaction inside and a range ending mid-answer, keeps
    exactly the committed records; one reaching an open transaction holds back from its first record."""
    from confluent_kafka import Consumer, TopicPartition

    from connect_core.api.consumed_record import ConsumedRecord
    from connect_core.kafka.committed_filter import MAX_PARTITION_FETCH_BYTES, CommittedFilter
    from connect_core.kafka.settings import KafkaClientSettings

    topic = f"rc-fetch-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    pad = "x" * 300
    producer = _transactional_producer(kafka_bootstrap)
    for ids, commit in ([range(0, 600), True], [range(600, 1100), False], [range(1100, 1700), True],
                        [range(1700, 1710), None]):
        producer.begin_transaction()
        for record_id in ids:
            producer.produce(topic, value=f"{record_id} {pad}".encode())
        producer.flush(30)
        if commit is True:
            producer.commit_transaction(30)
        elif commit is False:
            producer.abort_transaction(30)
    assert 600 * len(pad) > 2 * MAX_PARTITION_FETCH_BYTES  # each committed run alone takes several fetches
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"rc-{uuid.uuid4().hex}",
                         "isolation.level": "read_uncommitted", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    batch: list[ConsumedRecord] = []
    deadline = time.monotonic() + 30
    while len(batch) < 1710 and time.monotonic() < deadline:
        batch += [ConsumedRecord(topic, 0, m.offset(), value=m.value()) for m in consumer.consume(500, 0.2)
                  if m.error() is None]
    consumer.close()
    assert len(batch) == 1710

    def ids(records: list[ConsumedRecord]) -> list[int]:
        return [int((r.value or b"").split()[0]) for r in records]

    check = CommittedFilter(KafkaClientSettings(bootstrap_servers=kafka_bootstrap))
    try:
        decided = batch[:1700]
        assert ids(check.committed(decided)) == [*range(600), *range(1100, 1700)]
        assert check.dropped == 500
        # ranges ending inside a fetch's answer, inside the aborted run and inside a committed one
        assert ids(check.committed(batch[:300])) == list(range(300))
        assert ids(check.committed(batch[550:800])) == list(range(550, 600))
        assert ids(check.committed(batch[1000:1200])) == list(range(1100, 1200))
        with pytest.raises(OpenTransactionError) as raised:
            check.committed(batch[1200:])
        assert ids(raised.value.committed) == list(range(1200, 1700))
        assert raised.value.held_back == {(topic, 0): batch[1700].offset}
    finally:
        check.close()
        producer.abort_transaction(30)
        admin.delete_topics([topic])[topic].result(30)


def test_the_check_reads_on_from_the_last_batch_and_never_trusts_a_stale_end(kafka_bootstrap: str) -> None:
    """A batch that stopped short of its partition's end leaves the check's consumer fetching on, so the mapping's
    next batch is read without a seek; an end the consumer met meanwhile (records came since) is not taken for a
    transaction still open: the check seeks and reads on, and holds back only at the real last stable offset."""
    from confluent_kafka import Consumer, TopicPartition

    from connect_core.api.consumed_record import ConsumedRecord
    from connect_core.kafka.committed_filter import CommittedFilter
    from connect_core.kafka.settings import KafkaClientSettings

    topic = f"rc-stream-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    plain = Producer({"bootstrap.servers": kafka_bootstrap})
    producer = _transactional_producer(kafka_bootstrap)

    def produce(ids: range) -> None:
        for record_id in ids:
            plain.produce(topic, value=str(record_id).encode())
        plain.flush(30)

    def read(count: int) -> list[ConsumedRecord]:  # what a read_uncommitted mapping hands the function
        consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"rc-{uuid.uuid4().hex}",
                             "isolation.level": "read_uncommitted", "enable.auto.commit": False})
        consumer.assign([TopicPartition(topic, 0, 0)])
        records: list[ConsumedRecord] = []
        deadline = time.monotonic() + 30
        while len(records) < count and time.monotonic() < deadline:
            records += [ConsumedRecord(topic, 0, m.offset(), value=m.value()) for m in consumer.consume(100, 0.2)
                        if m.error() is None]
        consumer.close()
        assert len(records) == count
        return records

    def ids(records: list[ConsumedRecord]) -> list[int]:
        return [int(r.value or b"") for r in records]

    produce(range(0, 20))
    check = CommittedFilter(KafkaClientSettings(bootstrap_servers=kafka_bootstrap), timeout_s=15)
    try:
        first = read(20)[:10]
        assert ids(check.committed(first)) == list(range(10))
        assert check._left_fetching[(topic, 0)].queued >= 10  # left fetching: records 10-19 are there
        time.sleep(0.5)  # lets the consumer reach the partition's end (offset 20) before more records come
        produce(range(20, 30))
        producer.begin_transaction()
        for record_id in range(30, 35):
            producer.produce(topic, value=str(record_id).encode())
        producer.flush(30)
        batch = read(35)[10:]
        for _attempt in range(2):  # the same batch again: the end at the open transaction is found again
            with pytest.raises(OpenTransactionError) as raised:
                check.committed(batch)
            assert ids(raised.value.committed) == list(range(10, 30))
            assert raised.value.held_back == {(topic, 0): batch[20].offset}
        producer.commit_transaction(30)
        produce(range(35, 40))
        rest = read(40)[30:]
        assert ids(check.committed(rest[:3])) == [30, 31, 32]
        assert ids(check.committed(rest[3:])) == [33, 34, *range(35, 40)]
    finally:
        check.close()
        admin.delete_topics([topic])[topic].result(30)


def test_the_check_reads_on_across_partitions_and_transactions_exactly(kafka_bootstrap: str) -> None:
    """Batches of two partitions, one after the other as a mapping sends them, over committed and aborted
    transactions: the check keeps what it consumed past one batch for the next (its records came in one queue), and
    every batch keeps exactly its committed records."""
    from confluent_kafka import Consumer, TopicPartition

    from connect_core.api.consumed_record import ConsumedRecord
    from connect_core.kafka.committed_filter import CommittedFilter
    from connect_core.kafka.settings import KafkaClientSettings

    topic = f"rc-two-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    producer = _transactional_producer(kafka_bootstrap)
    aborted: set[int] = set()
    for start in range(0, 1200, 100):  # every third transaction aborted
        producer.begin_transaction()
        for record_id in range(start, start + 100):
            producer.produce(topic, value=str(record_id).encode(), partition=record_id % 2)
        producer.flush(30)
        if start % 300 == 100:
            producer.abort_transaction(30)
            aborted.update(range(start, start + 100))
        else:
            producer.commit_transaction(30)
    per: dict[int, list[ConsumedRecord]] = {}
    for partition in (0, 1):  # what a read_uncommitted mapping hands the function
        consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"rc-{uuid.uuid4().hex}",
                             "isolation.level": "read_uncommitted", "enable.auto.commit": False})
        consumer.assign([TopicPartition(topic, partition, 0)])
        per[partition] = []
        deadline = time.monotonic() + 30
        while len(per[partition]) < 600 and time.monotonic() < deadline:
            per[partition] += [ConsumedRecord(topic, partition, m.offset(), value=m.value())
                               for m in consumer.consume(200, 0.2) if m.error() is None]
        consumer.close()
        assert len(per[partition]) == 600
    check = CommittedFilter(KafkaClientSettings(bootstrap_servers=kafka_bootstrap), timeout_s=15)
    read_on = 0
    try:
        for start in range(0, 600, 70):
            batch = per[0][start:start + 70] + per[1][start:start + 70]
            read_on += bool(check._left_fetching)
            kept = [int(r.value or b"") for r in check.committed(batch)]
            assert kept == [int(r.value or b"") for r in batch if int(r.value or b"") not in aborted]
        assert read_on >= 6  # most batches went on from the one before
    finally:
        check.close()
        admin.delete_topics([topic])[topic].result(30)


def test_the_check_reads_on_across_a_transaction_marker_and_a_small_gap_and_seeks_past_a_large_one(
        kafka_bootstrap: str) -> None:
    """A batch starting just past a commit marker (a transaction's last producer batch ends the check's last answer)
    or a few committed records after the last batch's end reads on without a seek (``READ_ON_GAP``), drops the
    records before it and takes exactly its own messages; a batch further on is sought."""
    from confluent_kafka import Consumer, TopicPartition

    from connect_core.kafka.committed_filter import READ_ON_GAP, CommittedFilter
    from connect_core.kafka.lambda_event import build_event, decode_kafka_event, read_kafka_event
    from connect_core.kafka.settings import KafkaClientSettings

    topic = f"rc-gap-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    producer = _transactional_producer(kafka_bootstrap)
    for start in (0, 10, 20, 30):  # offsets 0-9, marker 10, 11-20, marker 21, 22-31, marker 32, 33-42, marker 43
        _transaction(producer, topic, list(range(start, start + 10)), False, commit=True)
    _transaction(producer, topic, list(range(40, 40 + 3 * READ_ON_GAP)), False, commit=True)
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"rc-{uuid.uuid4().hex}",
                         "isolation.level": "read_uncommitted", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    messages: list[Any] = []
    deadline = time.monotonic() + 30
    while len(messages) < 40 + 3 * READ_ON_GAP and time.monotonic() < deadline:
        messages += [m for m in consumer.consume(500, 0.2) if m.error() is None]
    consumer.close()
    at = {m.offset(): m for m in messages}
    batches = [range(0, 10), range(11, 21), range(24, 30), range(30, 32), range(33, 43),
               range(44 + 2 * READ_ON_GAP, 44 + 3 * READ_ON_GAP)]
    read_on = []
    check = CommittedFilter(KafkaClientSettings(bootstrap_servers=kafka_bootstrap), timeout_s=15)
    try:
        for offsets in batches:
            event = build_event([at[offset] for offset in offsets], kafka_bootstrap)
            stream = check._left_fetching.get((topic, 0))
            read_on.append(stream is not None and stream.can_read_on_to(offsets[0]))
            got = check.finish(check.start_event(read_kafka_event(event)))
            assert got == decode_kafka_event(event)  # every record committed, each with its own message's value
            assert [r.offset for r in got] == list(offsets)
    finally:
        check.close()
        admin.delete_topics([topic])[topic].result(30)
    # past the marker (11, 33), past two committed records (24), straight on (30); the last one is sought
    assert read_on == [False, True, True, True, True, False]


def _write_every_shape(bootstrap: str, topic: str) -> tuple[Producer, int]:
    """Committed, aborted and plain records of every shape into 2 partitions, and a transaction left open (the
    producer returned to abort it); how many records."""
    producer = _transactional_producer(bootstrap)
    plain = Producer({"bootstrap.servers": bootstrap})
    every_byte = bytes(range(256))

    def produce(target: Producer, record_id: int) -> None:
        shape = record_id % 6
        target.produce(
            topic, partition=record_id % 2 if record_id % 7 else (record_id // 7) % 2,
            key=None if shape in (0, 3) else f"k{record_id}".encode(),
            value=None if shape == 1 else b"" if shape == 2 else every_byte * (record_id % 3) + str(record_id).encode(),
            headers=[("h", b"x"), ("n", None)] if shape in (3, 4) else None)

    return producer, _write_transactions(producer, plain, lambda target, record_id, _: produce(target, record_id), 20,
                                         kind_of=lambda _: 0)


def _write_transactions(producer: Producer, plain: Producer, produce: Callable[[Producer, int, int], None],
                        transactions: int, kind_of: Callable[[int], int]) -> int:
    """``transactions`` transactions of 30, 31, ... records (every fifth aborted, 5 plain records after every
    fourth; ``kind_of(transaction)`` is handed to each record's ``produce``), then a transaction left open with 10
    (the producer returned to abort it); how many records."""
    record_id = 0
    for transaction in range(transactions):
        kind = kind_of(transaction)
        producer.begin_transaction()
        for _ in range(30 + transaction):
            produce(producer, record_id, kind)
            record_id += 1
        producer.flush(30)
        if transaction % 5 == 1:
            producer.abort_transaction(30)
        else:
            producer.commit_transaction(30)
        if transaction % 4 == 3:
            for _ in range(5):
                produce(plain, record_id, 0)
                record_id += 1
            plain.flush(30)
    producer.begin_transaction()  # left open: the last batches reach into it
    for _ in range(10):
        produce(producer, record_id, 0)
        record_id += 1
    producer.flush(30)
    return record_id


def _mapping_events(bootstrap: str, topic: str, count: int) -> list[dict[str, Any]]:
    """Events as a read_uncommitted mapping sends the topic's records: one partition or two, 23 a partition."""
    from confluent_kafka import Consumer, TopicPartition

    from connect_core.kafka.lambda_event import build_event

    per: dict[int, list[Any]] = {}
    for partition in (0, 1):  # what a read_uncommitted mapping hands the function
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"rc-{uuid.uuid4().hex}",
                             "isolation.level": "read_uncommitted", "enable.auto.commit": False,
                             "enable.partition.eof": True})
        consumer.assign([TopicPartition(topic, partition, 0)])
        per[partition] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            messages = consumer.consume(200, 0.2)
            per[partition] += [m for m in messages if m.error() is None]
            if any(m.error() is not None for m in messages) and per[partition]:
                break  # the partition's end
        consumer.close()
    assert len(per[0]) + len(per[1]) == count
    slices: dict[int, list[list[Any]]] = {}
    for partition, messages in per.items():  # a partition's last slice reaches back into committed records
        slices[partition] = [messages[start:start + 23] for start in range(0, len(messages), 23)]
        if len(slices[partition][-1]) < 12:  # (a batch wholly inside an open transaction waits out the timeout)
            slices[partition][-2:] = [slices[partition][-2] + slices[partition][-1]]
    events: list[dict[str, Any]] = []
    for step, parts in enumerate(itertools.zip_longest(slices[0], slices[1], fillvalue=[])):
        if step % 3:
            events.append(build_event(parts[0] + parts[1], bootstrap))
        else:
            events += [build_event(part, bootstrap) for part in parts if part]
    for event in events[1::5]:  # as a mapping with a schema registry (JSON format) rewrites what it delivers
        for records in event["records"].values():
            for record in records[::2]:
                record["valueSchemaMetadata"] = {"dataFormat": "JSON", "schemaId": "7"}
                record["value"] = base64.b64encode(b'{"rewritten": %d}' % record["offset"]).decode()
                if "key" in record:
                    record["keySchemaMetadata"] = {"dataFormat": "AVRO", "schemaId": "258"}

    return events


def test_an_event_decoded_with_the_checks_values_gives_the_records_of_todays_decoding(kafka_bootstrap: str) -> None:
    """The check hands the messages it consumed to the event's decoding (``CommittedFilter.start_event``): every
    batch a mapping sends (one partition or two, over committed, aborted and open transactions, records the check
    read past the batch before, null keys and values, empty values, headers, keys and values a schema registry's
    mapping rewrote) gives exactly the records, or the open transaction's prefix and resume offsets, of the event
    decoded whole and checked (``decode_kafka_event`` and ``CommittedFilter.committed``)."""
    from connect_core.kafka import lambda_event
    from connect_core.kafka.committed_filter import CommittedFilter
    from connect_core.kafka.lambda_event import decode_kafka_event, read_kafka_event
    from connect_core.kafka.settings import KafkaClientSettings

    topic = f"rc-values-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    producer, record_id = _write_every_shape(kafka_bootstrap, topic)
    events = _mapping_events(kafka_bootstrap, topic, record_id)
    taken = 0
    decode_taken = lambda_event._decode_with_messages

    def counting(*args: Any) -> list[Any]:
        nonlocal taken
        out = decode_taken(*args)
        taken += len(out)
        return out

    settings = KafkaClientSettings(bootstrap_servers=kafka_bootstrap)
    whole, by_offsets = CommittedFilter(settings, timeout_s=15), CommittedFilter(settings, timeout_s=15)
    lambda_event._decode_with_messages = counting
    outcomes = {"kept": 0, "dropped": 0, "open": 0}
    try:
        for event in events:
            expected: Any
            try:
                expected = whole.committed(decode_kafka_event(event))
            except OpenTransactionError as error:
                expected = (str(error), error.committed, error.held_back)
            batch = read_kafka_event(event)
            assert batch.offsets is not None
            try:
                got: Any = by_offsets.finish(by_offsets.start_event(batch))
            except OpenTransactionError as error:
                got = (str(error), error.committed, error.held_back)
                outcomes["open"] += 1
            else:
                outcomes["kept" if len(got) == batch.size else "dropped"] += 1
            assert got == expected
        assert whole.dropped == by_offsets.dropped
        assert outcomes["open"] and outcomes["dropped"] and outcomes["kept"] >= 5
        assert taken >= 100  # the batches of committed records came with the check's values
    finally:
        lambda_event._decode_with_messages = decode_taken
        whole.close()
        by_offsets.close()
        producer.abort_transaction(30)
        admin.delete_topics([topic])[topic].result(30)


def test_a_bad_record_taken_from_the_check_reaches_the_dead_letter_queue_with_its_bytes(
    cluster: Cluster, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
) -> None:
    """A committed batch decoded with the check's messages: a record that fails conversion goes to the dead letter
    queue with the key, value and headers it has in Kafka, and the others are written."""
    from confluent_kafka import Consumer

    from connect_core.kafka import lambda_event
    from connect_core.local.kafka_trigger import build_event

    name = uuid.uuid4().hex[:10]
    topic, dlq = f"rc-{name}", f"rc-dlq-{name}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    for created in admin.create_topics([NewTopic(topic, 1, 1), NewTopic(dlq, 1, 1)]).values():
        created.result(30)
    out = tmp_path / "out.txt"
    connector = f"rc-{uuid.uuid4().hex[:8]}"
    config = {**CONVERTERS, "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
              "file": str(out), "topics": topic, "lambda.sink.read.committed": "true", "errors.tolerance": "all",
              "errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1"}
    cluster.deploy(connector, config, [config])
    producer = _transactional_producer(kafka_bootstrap)
    producer.begin_transaction()
    producer.produce(topic, key=b"1", value=b'{"id": 1}')
    producer.produce(topic, key=b"\x00\xff", value=b"{not json \xff", headers=[("h", b"\x01"), ("g", b"")])
    producer.produce(topic, key=None, value=b'{"id": 3}')
    producer.flush(30)
    producer.commit_transaction(30)

    def read(source: str, count: int) -> list[Any]:
        consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"rc-{uuid.uuid4().hex}",
                             "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        consumer.subscribe([source])
        messages: list[Any] = []
        deadline = time.monotonic() + 30
        while len(messages) < count and time.monotonic() < deadline:
            messages.extend(m for m in consumer.consume(10, timeout=1) if m.error() is None)
        consumer.close()
        assert len(messages) == count
        return messages

    taken: list[int] = []
    decode_taken = lambda_event._decode_with_messages
    monkeypatch.setattr(lambda_event, "_decode_with_messages", lambda *args: taken.append(1) or decode_taken(*args))
    runner = SinkRunner(cluster.worker, connector, config_store=cluster.configs, status_store=cluster.statuses)
    try:
        messages = read(topic, 3)
        runner.handle(build_event(messages[:1], kafka_bootstrap))  # starts the task
        result = runner.handle(build_event(messages[1:], kafka_bootstrap))
    finally:
        runner.close()
    assert taken  # the second batch came with the check's messages
    assert (result.put, result.dlq) == (1, 1)
    (dead,) = read(dlq, 1)
    assert (dead.key(), dead.value()) == (b"\x00\xff", b"{not json \xff")
    assert [(k, v) for k, v in dead.headers() if not k.startswith("__connect.errors")] == [("h", b"\x01"),
                                                                                          ("g", b"")]
    assert out.read_text().splitlines() == ['{id=1}', '{id=3}']
    admin.delete_topics([topic, dlq])


class _ReferenceRunner(SinkRunner):
    """The reference path the ``SinkRunner``'s is compared with: every checked batch decoded from the event's own
    bytes (never with the check's messages), its records converted and put (never the values path)."""

    def _checked(self, running: Any, check: Any) -> Any:
        from connect_core.runtime.sink_batch import SinkBatch

        records, messages = self._committed_filter_or_create().finish_undecoded(check)
        if messages is not None:
            records = check.event.decode()
        return SinkBatch.of_records(records)

    def _start(self, raw_connector_config: dict[str, str], raw_task_config: dict[str, str]) -> Any:
        running = super()._start(raw_connector_config, raw_task_config)
        running.put_values = None
        return running


def test_the_runner_puts_what_the_reference_path_puts(
    cluster: Cluster, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``SinkRunner.handle`` on every batch of every shape (see above): an event read by offsets (a wholly committed
    batch decoded with the check's messages), an event decoded whole first (``decode_kafka_event``, the check
    started from the records), and the reference (:class:`_ReferenceRunner`): the same ``SinkRecord``s put, field
    by field, the same aborted counts, batch item failures and committed offsets."""
    from connect_core.kafka import lambda_event
    from connect_core.runtime import sink_runner
    from tests.unit.runtime.fakes import PLUGINS, RECORDING_SINK, RecordingSinkTask, reset

    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", PLUGINS)  # the recording sink, as a deployment adds a plugin

    topic = f"rc-runner-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    producer, count = _write_every_shape(kafka_bootstrap, topic)
    events = _mapping_events(kafka_bootstrap, topic, count)
    byte_array = "org.apache.kafka.connect.converters.ByteArrayConverter"
    config = {"connector.class": RECORDING_SINK, "topics": topic, "tasks.max": "1", "key.converter": byte_array,
              "value.converter": byte_array, "lambda.sink.read.committed": "true",
              "lambda.report.batch.item.failures": "true"}
    runners = {}
    for name in ("messages", "whole", "reference"):
        connector = f"rc-{name}-{uuid.uuid4().hex[:6]}"
        cluster.deploy(connector, config, [config])
        runner_class = _ReferenceRunner if name == "reference" else SinkRunner
        runners[name] = runner_class(cluster.worker, connector, config_store=cluster.configs,
                                     status_store=cluster.statuses)
    read_event = sink_runner.read_kafka_event
    taken = {"messages": 0, "whole": 0, "reference": 0}
    decode_taken, current = lambda_event._decode_with_messages, ["messages"]

    def decode_counting(*args: Any) -> Any:
        taken[current[0]] += 1
        return decode_taken(*args)

    monkeypatch.setattr(lambda_event, "_decode_with_messages", decode_counting)

    def whole(event: dict[str, Any]) -> EventBatch:  # an event the runner then decodes whole
        return read_event(event)._replace(offsets=None)

    def put(name: str, event: dict[str, Any]) -> tuple[Any, ...]:
        reset()
        current[0] = name
        if name == "whole":
            monkeypatch.setattr(sink_runner, "read_kafka_event", whole)
        try:
            result = runners[name].handle(event)
        finally:
            monkeypatch.setattr(sink_runner, "read_kafka_event", read_event)
        records = [(r.topic, r.kafka_partition, r.kafka_offset, r.key, r.value, r.timestamp, r.timestamp_type,
                    [(h.key, h.value) for h in r.headers], r.original_kafka_offset) for r in RecordingSinkTask.PUT]
        failures = sorted(json.dumps(item) for item in result.batch_item_failures or [])  # (partitions in the
        # order their ends came up, which differs between two consumers)
        return records, result.aborted, failures, result.offsets, result.put

    try:
        outcomes = [(put("messages", event), put("whole", event), put("reference", event)) for event in events]
    finally:
        for runner in runners.values():
            runner.close()
        producer.abort_transaction(30)
        admin.delete_topics([topic])[topic].result(30)
        reset()
    for messages, whole_first, reference in outcomes:
        assert messages == reference
        assert whole_first == reference
    assert taken["messages"] >= 5 and taken["whole"] == taken["reference"] == 0  # the check's messages decoded
    assert sum(reference[4] for *_, reference in outcomes) > count // 2
    assert any(reference[1] for *_, reference in outcomes)  # aborted records
    assert any(reference[2] for *_, reference in outcomes)  # held back


def _write_json_lines(bootstrap: str, topic: str) -> tuple[Producer, int]:
    """JsonConverter envelopes into 2 partitions over committed, aborted and plain records, and a transaction left
    open (the producer returned to abort it); how many records. Most transactions are string envelopes (the values
    path's batch); some hold tombstones, keys, struct and schemaless payloads, headers, a bad value or a bad key."""
    producer = _transactional_producer(bootstrap)
    plain = Producer({"bootstrap.servers": bootstrap})
    string = b'{"schema":{"type":"string","optional":false},"payload":'
    struct = b'{"schema":{"type":"struct","fields":[{"field":"id","type":"int32"}],"optional":false},"payload":'

    def produce(target: Producer, record_id: int, kind: int) -> None:
        text = json.dumps(f"line {record_id} \u00e9 \"q\" \\ \ud83d\ude00").encode()
        key, value, headers = None, string + text + b"}", None
        if kind == 1:  # tombstones and string-envelope keys
            key = string + b'"k%d"}' % record_id if record_id % 2 else None
            value = None if record_id % 3 == 0 else value
        elif kind == 2:  # another envelope mid-batch, and a payload of another type than the schema's
            value = struct + b'{"id":%d}}' % record_id if record_id % 2 else b'{"schema":null,"payload":[1.5,"x"]}'
        elif kind == 3:
            headers = [("h", b"x"), ("n", None)] if record_id % 4 == 0 else None
        elif kind == 4:
            value = b"not json" if record_id % 9 == 0 else value
        elif kind == 5:
            key = b"\xff{" if record_id % 11 == 0 else key
        target.produce(topic, partition=record_id % 2 if record_id % 7 else (record_id // 7) % 2, key=key,
                       value=value, headers=headers)

    return producer, _write_transactions(producer, plain, produce, 24,
                                         kind_of=lambda transaction: transaction % 8 if transaction % 8 < 6 else 0)


@pytest.mark.parametrize("converter", ["org.apache.kafka.connect.json.JsonConverter",
                                       "org.apache.kafka.connect.storage.StringConverter"], ids=["json", "string"])
def test_the_values_path_writes_what_the_records_path_writes(
    cluster: Cluster, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, converter: str,
) -> None:
    """FileStreamSink with JsonConverters or StringConverters and no SMT takes the values path (a wholly committed
    batch's values from the check's messages straight to ``put_values``, no ``ConsumedRecord`` or ``SinkRecord``):
    ``SinkRunner.handle`` on every batch a mapping sends (one partition or two, aborted and open transactions,
    tombstones, keys, envelopes changing mid-batch, headers, bad values and keys under ``errors.tolerance=all``,
    values a schema registry's mapping rewrote, batches sent again) writes the same file byte for byte as the
    reference path (:class:`_ReferenceRunner`) putting records, with the same counts, batch item failures and
    committed offsets."""
    from connect_core.kafka import lambda_event
    from connect_core.runtime import sink_batch

    topic = f"rc-lines-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    producer, count = _write_json_lines(kafka_bootstrap, topic)
    events = _mapping_events(kafka_bootstrap, topic, count)
    events[4:4] = [json.loads(json.dumps(events[2]))]  # sent again: the warm task has its records (plan not whole)

    runners: dict[str, SinkRunner] = {}
    paths = {}
    for name, runner_class in (("values", SinkRunner), ("records", _ReferenceRunner)):
        paths[name] = tmp_path / f"{name}.txt"
        config = {"connector.class": "FileStreamSink", "file": str(paths[name]), "topics": topic, "tasks.max": "1",
                  "key.converter": converter, "value.converter": converter, "errors.tolerance": "all",
                  "lambda.sink.read.committed": "true", "lambda.report.batch.item.failures": "true"}
        connector = f"rc-{name}-{uuid.uuid4().hex[:6]}"
        cluster.deploy(connector, config, [config])
        runners[name] = runner_class(cluster.worker, connector, config_store=cluster.configs,
                                     status_store=cluster.statuses)
    columns = lambda_event.keys_and_values_only
    taken = {"columns": 0}

    def counting(*args: Any) -> Any:
        found = columns(*args)
        taken["columns"] += found is not None
        return found

    monkeypatch.setattr(sink_batch, "keys_and_values_only", counting)

    def put(name: str, event: dict[str, Any]) -> tuple[Any, ...]:
        result = runners[name].handle(json.loads(json.dumps(event)))
        failures = sorted(json.dumps(item) for item in result.batch_item_failures or [])
        return result.aborted, failures, result.offsets, result.put, result.skipped, result.records

    try:
        outcomes = [(put("values", event), put("records", event)) for event in events]
    finally:
        for runner in runners.values():
            runner.close()
        producer.abort_transaction(30)
        admin.delete_topics([topic])[topic].result(30)
    for values, records in outcomes:
        assert values == records
    written = paths["values"].read_bytes()
    assert written == paths["records"].read_bytes()
    first_line = "line 0 \u00e9".encode() if "Json" in converter else b'"payload":"line 0 \\u00e9'  # the text as sent
    assert written.count(b"\n") > count // 2 and first_line in written
    assert taken["columns"] >= 5  # batches went the values path
    assert any(values[0] for values, _ in outcomes) and any(values[1] for values, _ in outcomes)  # aborted; held
    # a bad record skipped; StringConverter reads any bytes (a bad key's U+FFFD, as Kafka's converter) and skips none
    assert any(values[4] for values, _ in outcomes) == ("Json" in converter)


@pytest.mark.parametrize("warm", [False, True])
def test_a_batch_starting_inside_an_open_transaction_is_held_back_at_once(kafka_bootstrap: str, warm: bool) -> None:
    """A batch that starts past the last stable offset (inside a transaction a producer left open, not at its first
    record): librdkafka reports no end of partition for such a fetch; the check asks the last stable offset once
    its read makes no progress and raises ``OpenTransactionError`` holding the whole batch back at its first
    offset, within a second or so, not ``ConnectError`` after the check's timeout. Once the transaction commits,
    the same batch is its records (``warm``: the check read an earlier batch first)."""
    from confluent_kafka import Consumer, TopicPartition

    from connect_core.kafka.committed_filter import CommittedFilter
    from connect_core.kafka.lambda_event import decode_kafka_event
    from connect_core.kafka.settings import KafkaClientSettings
    from connect_core.local.kafka_trigger import build_event

    topic = f"rc-past-lso-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    producer = _transactional_producer(kafka_bootstrap)
    _transaction(producer, topic, COMMITTED_BEFORE, False, commit=True)  # offsets 0-2, marker 3
    _transaction(producer, topic, [6, 7, 8, 9, 10], False, commit=None)  # offsets 4-8, still open
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"rc-{uuid.uuid4().hex}",
                         "isolation.level": "read_uncommitted", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    messages: list[Any] = []
    deadline = time.monotonic() + 30
    while len(messages) < 8 and time.monotonic() < deadline:
        messages += [m for m in consumer.consume(10, 0.2) if m.error() is None]
    consumer.close()
    assert [m.offset() for m in messages] == [0, 1, 2, 4, 5, 6, 7, 8]
    check = CommittedFilter(KafkaClientSettings(bootstrap_servers=kafka_bootstrap), timeout_s=20)
    try:
        if warm:
            assert [r.offset for r in check.committed(decode_kafka_event(build_event(messages[:3],
                                                                                      kafka_bootstrap)))] == [0, 1, 2]
        batch = decode_kafka_event(build_event(messages[5:], kafka_bootstrap))  # offsets 6-8: past the LSO (4)
        began = time.monotonic()
        with pytest.raises(OpenTransactionError) as raised:
            check.committed(batch)
        assert time.monotonic() - began < 5
        assert (raised.value.committed, raised.value.held_back) == ([], {(topic, 0): 6})
        producer.commit_transaction(30)
        assert [r.offset for r in check.committed(batch)] == [6, 7, 8]
    finally:
        check.close()
        admin.delete_topics([topic])[topic].result(30)


def test_a_check_reading_on_never_takes_the_records_of_a_deleted_topic_for_a_re_created_ones(
        kafka_bootstrap: str) -> None:
    """The check's consumer reads on from the last batch's queue (no seek). When the topic is deleted and created
    again, and the mapping goes on at the offset where it stood, the queue still holds the old log's records at
    those offsets: the batch must be read from the new log, never given the old records' keys and values."""
    from confluent_kafka import Consumer, TopicPartition

    from connect_core.kafka.committed_filter import CommittedFilter
    from connect_core.kafka.lambda_event import build_event, read_kafka_event
    from connect_core.kafka.settings import KafkaClientSettings

    topic = f"rc-recreated-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    plain = Producer({"bootstrap.servers": kafka_bootstrap})

    def create_and_fill(prefix: str, count: int) -> list[Any]:
        for _attempt in range(100):  # the broker may still be removing the deleted topic's log
            try:
                admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
                break
            except Exception:
                time.sleep(0.3)
        for i in range(count):
            plain.produce(topic, value=f"{prefix}{i}".encode())
        plain.flush(30)
        consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": f"rc-{uuid.uuid4().hex}",
                             "enable.auto.commit": False})
        consumer.assign([TopicPartition(topic, 0, 0)])
        messages: list[Any] = []
        deadline = time.monotonic() + 30
        while len(messages) < count and time.monotonic() < deadline:
            messages += [m for m in consumer.consume(100, 0.2) if m.error() is None]
        consumer.close()
        assert len(messages) == count
        return messages

    def values(messages: list[Any]) -> list[bytes]:
        event = read_kafka_event(build_event(messages, kafka_bootstrap))
        return [record.value for record in check.finish(check.start_event(event))]

    old = create_and_fill("a", 20)
    check = CommittedFilter(KafkaClientSettings(bootstrap_servers=kafka_bootstrap), timeout_s=15)
    try:
        assert values(old[:10]) == [f"a{i}".encode() for i in range(10)]
        assert (topic, 0) in check._left_fetching  # left fetching: the old records 10.. are queued
        admin.delete_topics([topic])[topic].result(30)
        while topic in admin.list_topics(timeout=10).topics:
            time.sleep(0.2)
        new = create_and_fill("b", 15)

        assert values(new[10:]) == [f"b{i}".encode() for i in range(10, 15)]
    finally:
        check.close()
        admin.delete_topics([topic])[topic].result(30)
