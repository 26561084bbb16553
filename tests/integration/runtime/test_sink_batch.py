"""A pull-mode batch handed over as the consumer's messages (``SinkBatch.of_messages``, ``handle_messages``) against
the same messages built into a Lambda event and decoded again (what pull mode did before, and a mapping does)."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.kafka.lambda_event import build_event, decode_kafka_event
from connect_core.runtime.sink_batch import SinkBatch, consumed_records
from connect_core.runtime.sink_runner import SinkRunner
from tests.integration.functions._sink_harness import KafkaTopics, Out

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

STRING = "org.apache.kafka.connect.storage.StringConverter"
JSON = "org.apache.kafka.connect.json.JsonConverter"
BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter"
ENVELOPE = b'{"schema":{"type":"string","optional":false},"payload":'


def _every_shape(topics: KafkaTopics, name: str) -> tuple[str, list[Any]]:
    """Two partitions: keys and null keys, tombstones, headers (one of them null), a set timestamp, a bad JSON
    value; the messages as a consumer reads them."""
    topic = topics.create(f"{name}.t", partitions=2)
    out = []
    for i in range(60):
        key = None if i % 3 == 0 else ENVELOPE + b'"k%d"}' % i
        value = None if i % 7 == 0 else ENVELOPE + json.dumps(f"line {i} \u00e9").encode() + b"}"
        if i == 41:
            value = b"not json"
        headers: list[Any] = [("h", b"\x01"), ("n", None), ("e", b"")] if i % 10 == 5 else []
        out.append(Out(key, value, headers=headers, timestamp=1_700_000_000_000 + i if i % 2 else None,
                       partition=i % 2))
    topics.produce(topic, out)
    return topic, topics.consume(topic, len(out), partitions=2)


def test_a_consumers_messages_are_the_records_their_event_decodes_to(topics: KafkaTopics) -> None:
    """``consumed_records`` gives each message the record its Lambda event decodes to, field by field, except a
    header's null value: null, as a worker's consumer hands it (the event carries no null byte list)."""
    _topic, messages = _every_shape(topics, f"batch-{uuid.uuid4().hex[:8]}")
    direct = consumed_records(messages)
    decoded = decode_kafka_event(build_event(messages, topics.bootstrap))
    assert len(direct) == len(decoded) == len(messages)
    by_offset = {(r.topic, r.partition, r.offset): r for r in decoded}
    nulls = 0
    for record in direct:
        expected = by_offset[record.topic, record.partition, record.offset]
        nulls += sum(value is None for _name, value in record.headers)
        assert record._replace(headers=[]) == expected._replace(headers=[])
        assert [(n, b"" if v is None else v) for n, v in record.headers] == list(expected.headers)
    assert nulls == 6


def test_a_batch_of_messages_has_their_offsets_per_partition_and_columns_without_headers(
        topics: KafkaTopics) -> None:
    _topic, messages = _every_shape(topics, f"batch-{uuid.uuid4().hex[:8]}")
    batch = SinkBatch.of_messages(messages)
    records = consumed_records(messages)
    runs: dict[tuple[str, int], list[int]] = {}
    for record in records:
        runs.setdefault((record.topic, record.partition), []).append(record.offset)
    assert len(batch) == len(messages) and batch.runs == runs and list(batch) == records
    assert batch.columns() is None  # some records have headers
    plain = [m for m in messages if not m.headers()]
    columns = SinkBatch.of_messages(plain).columns()
    assert columns == ([m.key() for m in plain], [m.value() for m in plain])
    assert SinkBatch.of_records(consumed_records(plain)).columns() == columns


def _runner(cluster: Cluster, config: dict[str, str]) -> SinkRunner:
    connector = f"batch-{uuid.uuid4().hex[:8]}"
    cluster.deploy(connector, config, [config])
    return SinkRunner(cluster.worker, connector, config_store=cluster.configs, status_store=cluster.statuses,
                      reads_committed=True, commits=True)


def _batches(messages: list[Any]) -> list[list[Any]]:
    """The messages in batches as a pull-mode task reads them, one read again (after a seek back)."""
    batches = [messages[:1], messages[1:25], messages[25:]]
    return [batches[0], batches[1], batches[1], batches[2]]


def test_handle_messages_puts_what_handle_of_their_event_puts(
        cluster: Cluster, topics: KafkaTopics, monkeypatch: pytest.MonkeyPatch) -> None:
    """A recording sink (records path): the same ``SinkRecord``s put, field by field, the same counts and committed
    offsets, batch after batch, whether the messages are handed over or built into an event first."""
    from tests.unit.runtime.fakes import PLUGINS, RECORDING_SINK, RecordingSinkTask, reset

    monkeypatch.setenv("LAMBDA_CONNECT_PLUGINS", PLUGINS)
    topic, messages = _every_shape(topics, f"batch-{uuid.uuid4().hex[:8]}")
    config = {"connector.class": RECORDING_SINK, "topics": topic, "key.converter": BYTES, "value.converter": BYTES}
    runners = {"messages": _runner(cluster, config), "event": _runner(cluster, config)}

    def put(name: str, batch: list[Any]) -> tuple[Any, ...]:
        reset()
        runner = runners[name]
        if name == "messages":
            result = runner.handle_messages(batch)
        else:
            result = runner.handle(build_event(batch, topics.bootstrap))
        records = [(r.topic, r.kafka_partition, r.kafka_offset, r.key, r.value, r.timestamp, r.timestamp_type,
                    [(h.key, h.value or b"") for h in r.headers]) for r in RecordingSinkTask.PUT]
        return records, result.put, result.skipped, result.committable, result.seek

    try:
        outcomes = [(put("messages", batch), put("event", batch)) for batch in _batches(messages)]
    finally:
        for runner in runners.values():
            runner.close()
        reset()
    for direct, event in outcomes:
        assert direct == event
    # the batch read again starts before where the task's source went on from: the offsets moved back, all put again
    assert [direct[1] for direct, _ in outcomes] == [1, 24, 24, 35]


@pytest.mark.parametrize(("converter", "headers"), [(JSON, False), (STRING, False), (JSON, True)],
                         ids=["json", "string", "json-headers"])
def test_handle_messages_writes_what_handle_of_their_event_writes(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        converter: str, *, headers: bool) -> None:
    """FileStreamSink under ``errors.tolerance=all`` (the values path for batches without headers): the same file
    byte for byte, the same counts and committed offsets."""
    from connect_core.runtime.sink_pipeline import SinkPipeline

    topic, messages = _every_shape(topics, f"batch-{uuid.uuid4().hex[:8]}")
    if not headers:
        messages = [m for m in messages if not m.headers()]
    paths = {name: tmp_path / f"{name}.txt" for name in ("messages", "event")}
    runners = {name: _runner(cluster, {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                                       "topics": topic, "file": str(path), "key.converter": converter,
                                       "value.converter": converter, "errors.tolerance": "all"})
               for name, path in paths.items()}
    record_values, values_put = SinkPipeline.record_values, []

    def counting(self: SinkPipeline, *columns: Any) -> Any:
        found = record_values(self, *columns)
        values_put.append(found is not None)
        return found

    monkeypatch.setattr(SinkPipeline, "record_values", counting)

    def put(name: str, batch: list[Any]) -> tuple[Any, ...]:
        runner = runners[name]
        result = runner.handle_messages(batch) if name == "messages" else runner.handle(
            build_event(batch, topics.bootstrap))
        return result.put, result.skipped, result.committable

    try:
        outcomes = [(put("messages", batch), put("event", batch)) for batch in _batches(messages)]
    finally:
        for runner in runners.values():
            runner.close()
    for direct, event in outcomes:
        assert direct == event
    written = paths["messages"].read_bytes()
    assert written == paths["event"].read_bytes()
    assert written.count(b"\n") == sum(direct[0] for direct, _ in outcomes) > len(messages)
    assert any(direct[1] for direct, _ in outcomes) == (converter == JSON)  # the bad JSON value skipped
    assert any(values_put)  # batches without headers went the values path, those with headers as records
    assert (len(values_put) < 2 * len(_batches(messages))) == headers


def test_a_bad_pulled_record_reaches_the_dead_letter_queue_with_its_null_header(
        cluster: Cluster, topics: KafkaTopics, tmp_path: Path) -> None:
    """A record that fails conversion in pull mode goes to the dead letter queue with the key, value and headers
    it has in Kafka, a header's null value null (as a worker's ``WorkerSinkTask`` copies it), the others written."""
    name = f"batch-{uuid.uuid4().hex[:8]}"
    topic, dlq = topics.create(f"{name}.t"), topics.create(f"{name}.dlq")
    topics.produce(topic, [Out(None, ENVELOPE + b'"one"}'),
                           Out(b"\x00k", b"{not json \xff", headers=[("n", None), ("h", b"\x01")]),
                           Out(None, ENVELOPE + b'"three"}')])
    out = tmp_path / "out.txt"
    runner = _runner(cluster, {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                               "topics": topic, "file": str(out), "key.converter": STRING, "value.converter": JSON,
                               "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
                               "errors.deadletterqueue.topic.replication.factor": "1"})
    try:
        result = runner.handle_messages(topics.consume(topic, 3))
    finally:
        runner.close()
    assert (result.put, result.skipped, result.dlq) == (2, 1, 1)
    assert out.read_text().splitlines() == ["one", "three"]
    (dead,) = topics.consume(dlq, 1)
    assert (dead.key(), dead.value(), dead.headers()) == (b"\x00k", b"{not json \xff", [("n", None), ("h", b"\x01")])
