"""The stale-batch decision: a failed batch the consumer group has moved on from is no failure of the task."""

from __future__ import annotations

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.kafka.settings import KafkaClientSettings
from connect_core.runtime.stale_batch import StaleBatches, first_offsets, moved_on
from tests.unit.runtime.fakes import FakeGroupReader


def _records(*spans: tuple[int, int, int]) -> list[ConsumedRecord]:
    """``(partition, first, last)`` spans of topic ``orders``, interleaved as a mapping's event may order them."""
    return [ConsumedRecord("orders", partition, offset, 0, value=b"v")
            for partition, first, last in spans for offset in range(last, first - 1, -1)]


def test_first_offsets_are_each_partitions_lowest_offset() -> None:
    assert first_offsets(_records((0, 2, 3), (1, 0, 2))) == {("orders", 0): 2, ("orders", 1): 0}
    assert first_offsets([]) == {}


def test_a_partition_whose_committed_offset_passed_the_batchs_first_record_has_moved_on() -> None:
    first = {("orders", 0): 2, ("orders", 1): 0}
    ends = {("orders", 0): 20, ("orders", 1): 20}
    assert moved_on(first, {("orders", 0): 8, ("orders", 1): 0}, ends) == [("orders", 0)]  # a frozen one resumed
    assert moved_on(first, {("orders", 0): 3}, ends) == [("orders", 0)]  # past its first record only: never resent


def test_a_batch_at_or_after_the_committed_offset_has_not_moved_on() -> None:
    first = {("orders", 0): 2}
    ends = {("orders", 0): 20}
    assert moved_on(first, {("orders", 0): 2}, ends) == []  # the mapping's usual batch (a retry too)
    assert moved_on(first, {("orders", 0): 0}, ends) == []  # the offsets were reset back: a real failure stands
    assert moved_on(first, {}, ends) == []  # no commit yet


def test_a_committed_offset_beyond_the_logs_end_is_no_proof() -> None:
    """A truncated or re-created log starts below an old commit: its new records must not be taken for old ones."""
    first = {("orders", 0): 2}
    assert moved_on(first, {("orders", 0): 8}, {("orders", 0): 5}) == []
    assert moved_on(first, {("orders", 0): 8}, {}) == []
    assert moved_on(first, {("orders", 0): 8}, {("orders", 0): 8}) == [("orders", 0)]


def test_stale_batches_ask_the_groups_commits_and_only_the_passed_partitions_log_ends() -> None:
    FakeGroupReader.COMMITTED.update({("orders", 0): 8, ("orders", 1): 0})
    FakeGroupReader.ENDS.update({("orders", 0): 9})
    stale = StaleBatches(KafkaClientSettings())
    assert stale.moved_on("connect-snk", _records((0, 2, 3), (1, 0, 2)), 1.0) == [("orders", 0)]
    assert FakeGroupReader.ASKED == ["connect-snk"]
    FakeGroupReader.ENDS[("orders", 0)] = 4  # the log went back below the commit
    assert stale.moved_on("connect-snk", _records((0, 2, 3)), 1.0) == []


def test_an_unanswered_read_leaves_the_failure_the_tasks() -> None:
    """No answer from the group's coordinator: not known stale, so the batch's failure counts as before."""

    class Unanswered(FakeGroupReader):
        def committed(self, partitions: list[object], timeout: float) -> list[object]:
            raise TimeoutError("no coordinator")

    stale = StaleBatches(KafkaClientSettings())
    stale._reader = Unanswered  # type: ignore[method-assign,assignment]
    FakeGroupReader.COMMITTED[("orders", 0)] = 8
    assert stale.moved_on("connect-snk", _records((0, 2, 3)), 1.0) == []
