"""A warm sink task's positions and committed offsets (``runtime/sink_offsets.py``), as a worker keeps them."""

from __future__ import annotations

import pytest

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.errors import IllegalWorkerStateError
from connect_core.api.task import SinkTaskContext, TopicPartition
from connect_core.runtime.sink_offsets import SinkOffsets

A0, A1 = TopicPartition("a", 0), TopicPartition("a", 1)


def _batch(partition: int, first: int, count: int) -> list[ConsumedRecord]:
    return [ConsumedRecord("a", partition, offset) for offset in range(first, first + count)]


def test_records_the_warm_task_already_has_are_not_planned_again() -> None:
    offsets = SinkOffsets(seeks=False)
    first = offsets.plan(_batch(0, 10, 3), set(), {})
    offsets.delivered(first)

    again = offsets.plan(_batch(0, 10, 5), set(), {})  # the mapping sent it again from 10, with two more

    assert first.deliver == [0, 1, 2] and again.deliver == [3, 4]
    assert offsets.current({A0}) == {A0: 13}


def test_pre_commit_answer_is_committed_and_invalid_offsets_are_ignored_as_a_worker_ignores_them() -> None:
    offsets = SinkOffsets(seeks=False)
    offsets.delivered(offsets.plan(_batch(0, 10, 3) + _batch(1, 0, 2), set(), {}))
    current = offsets.current({A0, A1})

    committed = offsets.commit({A0: 11, A1: 9, TopicPartition("b", 0): 1}, current)

    # A0 lower: committed lower; A1 past what was consumed: ignored (stays at its first offset); b-0 not assigned
    assert committed == {A0: 11, A1: 0}
    assert offsets.commit({}, current) == {A0: 11, A1: 0}  # left out: the last committed offset stays


def test_a_paused_partition_is_held_at_its_first_record_and_not_committed_past() -> None:
    offsets = SinkOffsets(seeks=False)
    plan = offsets.plan(_batch(0, 0, 2) + _batch(1, 5, 2), {A1}, {})
    offsets.delivered(plan)

    assert plan.deliver == [0, 1] and plan.held == {A1: 5}
    assert offsets.commit(offsets.current({A0, A1}), offsets.current({A0, A1})) == {A0: 2, A1: 5}


@pytest.mark.parametrize(("seeks", "held", "deliver"), [(True, {A0: 3}, []), (False, {}, [0, 1])])
def test_a_rewind_before_the_batch_is_held_there_only_where_the_source_can_seek(
        seeks: bool, held: dict[TopicPartition, int], deliver: list[int]) -> None:
    offsets = SinkOffsets(seeks=seeks)
    offsets.delivered(offsets.plan(_batch(0, 5, 1), set(), {}))
    rewound = offsets.rewind({A0: 3}, {A0})

    plan = offsets.plan(_batch(0, 6, 2), set(), rewound)

    assert rewound == {A0: 3} and plan.held == held and plan.deliver == deliver
    assert offsets.committed[A0] == 3  # a rewind is the last committed offset too, as in Kafka


def test_a_rewind_of_a_partition_not_assigned_is_ignored() -> None:
    assert SinkOffsets(seeks=True).rewind({A1: 3}, {A0}) == {}


def test_only_assigned_partitions_may_be_paused_or_resumed() -> None:
    context = SinkTaskContext({})
    context.set_assignment([A0])
    context.pause(A0)

    with pytest.raises(IllegalWorkerStateError, match="not currently assigned"):
        context.pause(A1)
    context.set_assignment([A1])  # A0 revoked: its pause is forgotten, as a consumer forgets it
    assert context.paused == set() and context.assignment() == {A1}


def test_a_plan_from_the_checks_offsets_per_partition_equals_the_plan_from_the_batch() -> None:
    """``runs`` (what the read_committed check collected) stand in for walking the batch: the same plan, and the
    same positions after it, for partitions in runs, a paused one, one the warm task already has, and a rewind."""
    from connect_core.kafka.committed_filter import _offsets_by_partition

    batches = [
        _batch(0, 10, 3) + _batch(1, 0, 2),
        _batch(1, 2, 2) + _batch(0, 12, 4) + _batch(1, 4, 1),  # partition 1 in two runs; 12 already delivered
        [ConsumedRecord("a", 0, 20), ConsumedRecord("a", 0, 22), ConsumedRecord("a", 1, 9)],  # gaps
    ]
    for paused, rewind in ((set(), {}), ({A1}, {}), (set(), {A0: 11})):
        for seeks in (False, True):
            walked, given = SinkOffsets(seeks=seeks), SinkOffsets(seeks=seeks)
            for batch in batches:
                expected = walked.plan(batch, paused, walked.rewind(rewind, {A0, A1}))
                plan = given.plan(batch, paused, given.rewind(rewind, {A0, A1}), _offsets_by_partition(batch))
                assert plan == expected
                walked.delivered(expected)
                given.delivered(plan)
                assert given.positions == walked.positions and given.committed == walked.committed


def test_a_batch_before_where_the_source_went_on_is_delivered_whole_as_the_offsets_moved_back() -> None:
    """A group reset, a re-created or truncated topic: the source delivers from before what this task let it commit.
    The warm task gets every record again from there (it has none of them), as a worker's consumer delivers them."""
    offsets = SinkOffsets(seeks=False)
    offsets.delivered(offsets.plan(_batch(0, 0, 10), set(), {}))
    offsets.commit(offsets.current({A0}), offsets.current({A0}))
    offsets.source_goes_on({A0: 10})

    again = offsets.plan(_batch(0, 0, 5), set(), {})  # the topic was re-created: offsets 0..4 hold new records

    assert again.deliver == [0, 1, 2, 3, 4]
    offsets.delivered(again)
    assert offsets.current({A0}) == {A0: 5}
    assert offsets.commit({A0: 5}, offsets.current({A0})) == {A0: 5}


def test_records_the_task_holds_uncommitted_are_still_not_delivered_twice_from_where_the_source_goes_on() -> None:
    offsets = SinkOffsets(seeks=False)
    offsets.delivered(offsets.plan(_batch(0, 10, 5), set(), {}))
    offsets.commit({A0: 12}, offsets.current({A0}))  # pre_commit returned lower: 12..14 are held
    offsets.source_goes_on({A0: 12})

    assert offsets.plan(_batch(0, 12, 5), set(), {}).deliver == [3, 4]  # the mapping sent it again from 12


def test_a_forward_offset_request_keeps_filtering_batches_past_where_the_source_went_on() -> None:
    """A task that keeps its offsets elsewhere asks for 100 in open(): later batches below it are still skipped."""
    offsets = SinkOffsets(seeks=False)
    rewound = offsets.rewind({A0: 100}, {A0})
    offsets.delivered(offsets.plan(_batch(0, 0, 5), set(), rewound))
    offsets.source_goes_on({A0: 5})  # the mapping committed the batch's end

    assert offsets.plan(_batch(0, 5, 5), set(), {}).deliver == []


def test_a_pull_consumers_end_before_where_the_source_went_on_moves_the_position_back() -> None:
    """The topic was re-created and is empty: pre_commit must not be offered (nor the group given) offset 10."""
    offsets = SinkOffsets(seeks=True)
    offsets.delivered(offsets.plan(_batch(0, 0, 10), set(), {}))
    offsets.source_goes_on(offsets.commit(offsets.current({A0}), offsets.current({A0})))

    assert offsets.source_at({A0: 10}) == []  # at its end where it went on: nothing moved
    assert offsets.source_at({A0: 0}) == [A0]
    assert offsets.current({A0}) == {A0: 0}
    assert offsets.commit(offsets.current({A0}), offsets.current({A0})) == {A0: 0}


def _stamped(first: int, count: int, stamp: int) -> list[ConsumedRecord]:
    return [ConsumedRecord("a", 0, offset, stamp + offset) for offset in range(first, first + count)]


def test_a_batch_from_where_the_source_went_on_with_other_records_is_a_re_created_topic() -> None:
    """A task holding 0..4 uncommitted (pre_commit returned 0): the mapping sends from 0 again. The same records
    are not delivered twice; records of another log at those offsets (a re-created topic) are delivered."""
    for seeks in (False, True):
        offsets = SinkOffsets(seeks=seeks)
        batch = _stamped(0, 5, 1_000)
        offsets.delivered(offsets.plan(batch, set(), {}))
        offsets.source_goes_on(offsets.commit({}, offsets.current({A0})), batch)  # held: committed stays 0

        assert offsets.plan(_stamped(0, 5, 1_000), set(), {}).deliver == []  # the same records again
        recreated = offsets.plan(_stamped(0, 3, 9_000), set(), {})
        assert recreated.deliver == [0, 1, 2]
        offsets.delivered(recreated)
        assert offsets.current({A0}) == {A0: 3}
