"""The local event source mapping against the real broker: batching, retry of the same batch, commits, bisect."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from connect_core.kafka.settings import KafkaClientSettings
from connect_core.local.function_host import FunctionError
from connect_core.local.kafka_trigger import KafkaTrigger
from connect_core.runtime.trigger_config import KafkaTriggerConfig
from tests.integration._kafka import committed_offset

pytestmark = pytest.mark.integration


class ScriptedFunction:
    """Stands in for a FunctionHost: records every event and fails as scripted."""

    def __init__(self, fail_times: int = 0, fail_when: Any = None, respond: Any = None) -> None:
        self.events: list[dict] = []
        self.starts: list[int] = []  # how many batches had come when each start (an event of no records) came
        self.fail_times = fail_times
        self.fail_when = fail_when
        self.respond = respond

    def invoke(self, event: dict, timeout_s: float) -> Any:
        if not event["records"]:  # the task's start (runtime/task_start.py), not a batch
            self.starts.append(len(self.events))
            return {"started": True}
        self.events.append(event)
        values = self.values(event)
        if self.fail_times > 0:
            self.fail_times -= 1
            raise FunctionError("RuntimeError", "scripted failure")
        if self.fail_when is not None and self.fail_when(values):
            raise FunctionError("RuntimeError", "poison record in batch")
        return self.respond(event) if self.respond else {}

    @staticmethod
    def values(event: dict) -> list[bytes]:
        return [base64.b64decode(r["value"]) for rs in event["records"].values() for r in rs]

    def close(self) -> None:
        pass


def _topic(bootstrap: str, values: list[bytes], timestamps: list[int] | None = None) -> str:
    topic = f"trigger-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap})
    for value, timestamp in zip(values, timestamps or [0] * len(values), strict=True):
        producer.produce(topic, key=b"k", value=value, timestamp=timestamp)
    producer.flush(30)
    return topic


def _run(bootstrap: str, topic: str, function: ScriptedFunction, until: Any, **config: str) -> str:
    group = f"connect-{topic}"
    trigger = KafkaTrigger(
        topic, [topic], group, KafkaTriggerConfig.parse({"lambda.maximum.batching.window.ms": "200", **config}),
        function, settings=KafkaClientSettings(bootstrap_servers=bootstrap),
    )
    trigger.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not until():
        time.sleep(0.1)
    trigger.stop()
    return group


def test_batches_respect_batch_size_and_commit_after_success(kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, [str(i).encode() for i in range(7)])
    function = ScriptedFunction()

    group = _run(kafka_bootstrap, topic, function, lambda: sum(map(len, map(function.values, function.events))) >= 7,
                 **{"lambda.batch.size": "3"})

    assert [len(function.values(e)) for e in function.events][:2] == [3, 3]
    assert [v for e in function.events for v in function.values(e)] == [str(i).encode() for i in range(7)]
    assert function.events[0]["eventSource"] == "aws:kafka" and f"{topic}-0" in function.events[0]["records"]
    assert committed_offset(kafka_bootstrap, group, topic) == 7
    assert function.starts == [0]  # the task was started once, before its first batch


def test_an_idle_trigger_starts_its_task_once_with_no_records(kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, [])
    function = ScriptedFunction()
    _run(kafka_bootstrap, topic, function, lambda: bool(function.starts))
    assert (function.starts, function.events) == ([0], [])


def test_failed_batch_is_retried_unchanged_until_it_succeeds(kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, [b"a", b"b"])
    function = ScriptedFunction(fail_times=2)

    group = _run(kafka_bootstrap, topic, function, lambda: len(function.events) >= 3)

    assert [function.values(e) for e in function.events] == [[b"a", b"b"]] * 3
    assert committed_offset(kafka_bootstrap, group, topic) == 2


def test_bisect_isolates_a_poison_record_and_max_retries_drops_it(kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, [b"1", b"2", b"poison", b"4"])
    function = ScriptedFunction(fail_when=lambda values: b"poison" in values)
    succeeded: list[bytes] = []
    function.respond = lambda event: succeeded.extend(function.values(event)) or {}

    group = _run(kafka_bootstrap, topic, function, lambda: sorted(succeeded) == [b"1", b"2", b"4"],
                 **{"lambda.bisect.batch.on.function.error": "true", "lambda.maximum.retry.attempts": "3"})

    assert sorted(succeeded) == [b"1", b"2", b"4"]
    deadline = time.monotonic() + 10
    while committed_offset(kafka_bootstrap, group, topic) != 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert committed_offset(kafka_bootstrap, group, topic) == 4  # the poison record was dropped after 3 retries
    poison_attempts = sum(1 for e in function.events if b"poison" in function.values(e))
    assert poison_attempts == 4  # first try + MaximumRetryAttempts, the batch halved on each failure


def test_partial_batch_response_commits_before_the_first_failure(kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, [b"0", b"1", b"2", b"3"])
    calls = {"n": 0}

    def respond(event: dict) -> dict:
        calls["n"] += 1
        if calls["n"] == 1:
            return {"batchItemFailures": [{"itemIdentifier": {"partition": f"{topic}-0", "offset": 2}}]}
        return {}

    function = ScriptedFunction(respond=respond)

    group = _run(kafka_bootstrap, topic, function, lambda: calls["n"] >= 2,
                 **{"lambda.report.batch.item.failures": "true"})

    assert [function.values(e) for e in function.events[:2]] == [[b"0", b"1", b"2", b"3"], [b"2", b"3"]]
    assert committed_offset(kafka_bootstrap, group, topic) == 4


def test_records_older_than_the_maximum_record_age_are_discarded_andcommitted_offset(kafka_bootstrap: str) -> None:
    now_ms = int(time.time() * 1000)
    topic = _topic(kafka_bootstrap, [b"old", b"new"], timestamps=[now_ms - 3_600_000, now_ms])
    function = ScriptedFunction()

    group = _run(kafka_bootstrap, topic, function, lambda: len(function.events) >= 1,
                 **{"lambda.maximum.record.age.ms": "60000"})

    assert [function.values(e) for e in function.events] == [[b"new"]]
    assert committed_offset(kafka_bootstrap, group, topic) == 2


def test_a_topic_made_after_the_mapping_subscribed_is_delivered_within_seconds(kafka_bootstrap: str) -> None:
    """`up` starts a sink before the source that makes its topic: the mapping's consumer, subscribed to a topic that
    does not exist yet, delivers the topic's first record once it is made (librdkafka looks again for a subscribed
    topic it did not find well before its 5-minute metadata refresh)."""
    topic = f"trigger-{uuid.uuid4().hex[:8]}"
    function = ScriptedFunction()
    trigger = KafkaTrigger(
        topic, [topic], f"connect-{topic}", KafkaTriggerConfig.parse({"lambda.maximum.batching.window.ms": "200"}),
        function, settings=KafkaClientSettings(bootstrap_servers=kafka_bootstrap),
    )
    trigger.start()
    try:
        time.sleep(3)  # subscribed, the topic unknown
        admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
        admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
        producer = Producer({"bootstrap.servers": kafka_bootstrap})
        producer.produce(topic, value=b"first")
        producer.flush(30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not function.events:
            time.sleep(0.2)
    finally:
        trigger.stop()
    assert [function.values(e) for e in function.events] == [[b"first"]]
