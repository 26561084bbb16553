"""Pull-mode sink tasks: which topics a task reads and which partitions Kafka Connect's assignor gives it."""

from __future__ import annotations

from connect_core.api.task import TopicPartition
from connect_core.runtime.sink_pull import assign_partitions, resolve_topics
from connect_core.runtime.trigger_config import pulls


def _tps(*pairs: tuple[str, int]) -> list[TopicPartition]:
    return [TopicPartition(topic, partition) for topic, partition in pairs]


def test_range_assignment_splits_each_topic_over_the_tasks_in_member_id_order() -> None:
    partitions = {"a": 3, "b": 1}
    assert assign_partitions(partitions, 0, 2) == _tps(("a", 0), ("a", 1), ("b", 0))
    assert assign_partitions(partitions, 1, 2) == _tps(("a", 2))
    # Member ids are connector-consumer-<name>-<task>-<uuid>: "10-" sorts before "2-", so task 10 is second.
    assert assign_partitions({"a": 11}, 10, 11) == _tps(("a", 2))
    assert assign_partitions({"a": 11}, 2, 11) == _tps(("a", 3))


def test_every_partition_goes_to_exactly_one_task() -> None:
    partitions = {"a": 5, "b": 2, "c": 7}
    for tasks in (1, 2, 3, 4, 11):
        assigned = [tp for task in range(tasks) for tp in assign_partitions(partitions, task, tasks)]
        assert sorted(assigned) == sorted(TopicPartition(t, p) for t, n in partitions.items() for p in range(n))


def test_round_robin_when_the_consumer_override_names_it() -> None:
    strategy = "org.apache.kafka.clients.consumer.RoundRobinAssignor"
    assert assign_partitions({"a": 1, "b": 1}, 0, 2, strategy) == _tps(("a", 0))
    assert assign_partitions({"a": 1, "b": 1}, 1, 2, strategy) == _tps(("b", 0))
    assert assign_partitions({"a": 1, "b": 1}, 1, 2) == []  # RangeAssignor: task 1 idles, as on a worker


def test_topics_list_or_regex_matched_against_the_whole_name() -> None:
    cluster = ["db.orders", "db.customers", "db.orders-dlq", "xdb.orders", "__consumer_offsets"]
    assert resolve_topics({"topics": "b, a"}, cluster) == ["b", "a"]
    assert resolve_topics({"topics.regex": r"db\.(orders|customers)"}, cluster) == ["db.customers", "db.orders"]
    assert resolve_topics({"topics.regex": ".*"}, cluster) == sorted(cluster[:4])


def test_one_topic_and_one_task_is_a_mapping_everything_else_pulls() -> None:
    assert not pulls({"topics": "a"})
    assert not pulls({"topics": "a", "tasks.max": "1"})
    assert pulls({"topics": "a,b"})
    assert pulls({"topics.regex": "a.*"})
    assert pulls({"topics": "a", "tasks.max": "2"})
    assert pulls({"topics": "a", "lambda.sink.trigger": "schedule"})
    assert not pulls({"topics": "a,b", "lambda.sink.trigger": "mapping"})


def test_a_sink_tasks_heartbeat_and_ticks_say_kind_sink_and_a_bad_kind_is_refused() -> None:
    import pytest

    from connect_core.api.errors import DataError
    from connect_core.runtime.source_event import parse_source_event
    from connect_core.runtime.source_ticks import next_tick

    ref = parse_source_event('{"connector": "s", "task": 1, "window_start": "2026-11-22T09:40:00Z", '
                             '"window_ms": 60000, "kind": "sink"}')
    tick = next_tick(ref, {"state": "RUNNING", "poll_interval_ms": 1000}, ref.window_start_ms or 0)

    assert ref.kind == "sink" and tick is not None
    assert tick["event"]["kind"] == "sink" and parse_source_event(tick["event"]) == ref._replace(tick=1)
    assert "kind" not in parse_source_event({"connector": "s", "task": 0}).as_event()
    with pytest.raises(DataError, match="kind"):
        parse_source_event({"connector": "s", "task": 0, "kind": "other"})
