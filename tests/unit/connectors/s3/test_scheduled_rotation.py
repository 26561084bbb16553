"""``rotate.schedule.interval.ms`` with nothing put (an idle tick's flush): due files close from any instance."""

from __future__ import annotations

from typing import Any

from connect_core.api.record import SinkRecord
from connect_core.api.task import TopicPartition
from connect_core.connectors.s3.sink_connector import S3SinkConnector
from connect_core.connectors.s3.sink_task import S3SinkTask
from tests.unit.connectors.s3.conftest import BUCKET, final_objects

T0 = 1_714_605_000_000  # 2024-05-01 23:10 UTC: a round opened now is due at 23:20
CONFIG = {"s3.bucket.name": BUCKET, "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
          "flush.size": "1000", "rotate.schedule.interval.ms": "600000", "timezone": "UTC", "topics": "orders"}
FILE = "topics/orders/partition=0/orders+0+0000000000.json"


class _Counting:
    """A client that counts the requests the task makes, by operation."""

    def __init__(self, client: Any) -> None:
        self.client, self.calls = client, {}

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if not callable(attribute) or name == "meta":
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return attribute(*args, **kwargs)

        return call


def _task(client: Any, clock: list[int]) -> S3SinkTask:
    task = S3SinkTask(s3_client=client, clock=lambda: clock[0])
    task.start(dict(CONFIG))
    return task


def _records(offsets: range) -> list[SinkRecord]:
    return [SinkRecord("orders", 0, None, None, None, {"o": o}, o, timestamp=T0) for o in offsets]


def test_the_connector_asks_for_idle_ticks_at_its_rotation_interval() -> None:
    connector = S3SinkConnector()
    assert connector.idle_tick_interval_ms(dict(CONFIG)) == 600_000
    assert connector.idle_tick_interval_ms({**CONFIG, "rotate.schedule.interval.ms": "-1"}) is None


def test_an_instance_that_never_received_the_records_closes_their_file_once_due(s3: Any) -> None:
    clock = [T0]
    writer, other = _task(s3, clock), _task(s3, clock)
    writer.put(_records(range(5)))
    writer.flush({TopicPartition("orders", 0): 5})
    clock[0] = T0 + 9 * 60_000  # not due yet: nothing closes
    other.put([])
    other.flush({})
    assert final_objects(s3) == {}
    clock[0] = T0 + 10 * 60_000
    other.put([])
    other.flush({})
    assert final_objects(s3) == {FILE: b"".join(b'{"o":%d}\n' % o for o in range(5))}
    writer.put(_records(range(5, 6)))  # the writer's next batch reads the head the other instance moved on
    writer.flush({TopicPartition("orders", 0): 6})
    assert set(final_objects(s3)) == {FILE}


def test_an_idle_flush_reads_a_head_only_when_its_round_may_be_due(s3: Any) -> None:
    clock = [T0]
    counting = _Counting(s3)
    task = _task(counting, clock)
    task.put(_records(range(5)))
    task.flush({TopicPartition("orders", 0): 5})
    counting.calls.clear()
    for minute in range(1, 10):  # the round is due at 23:20: this instance saw it open, so it waits for that
        clock[0] = T0 + minute * 60_000
        task.put([])
        task.flush({TopicPartition("orders", 0): 5})
    assert counting.calls == {"get_object": 1}  # the first idle flush learns when the round is due
    clock[0] = T0 + 10 * 60_000
    task.put([])
    task.flush({TopicPartition("orders", 0): 5})
    assert set(final_objects(s3)) == {FILE}


def test_an_idle_flush_makes_no_head_for_a_partition_with_nothing_staged(s3: Any) -> None:
    clock = [T0]
    task = _task(s3, clock)
    task.put([])
    task.flush({TopicPartition("orders", 3): 0})
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_a_batch_of_one_partition_closes_another_quiet_partitions_due_files(s3: Any) -> None:
    clock = [T0]
    task = _task(s3, clock)
    task.put(_records(range(5)))
    task.flush({TopicPartition("orders", 0): 5})
    clock[0] = T0 + 10 * 60_000  # partition 0 went quiet and its round is due; partition 1 keeps the task busy
    task.put([SinkRecord("orders", 1, None, None, None, {"o": 0}, 0, timestamp=T0)])
    task.flush({TopicPartition("orders", 0): 5, TopicPartition("orders", 1): 1})
    assert set(final_objects(s3)) == {FILE}  # as Confluent's put checks every partition's writer
