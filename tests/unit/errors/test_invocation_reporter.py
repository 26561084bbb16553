"""``InvocationReporter``: a batch's DLQ reports are sent once, and only when the invocation commits."""

from __future__ import annotations

from typing import Any

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.errors.invocation_reporter import InvocationReporter, SentRecords
from connect_core.errors.processing_context import ProcessingContext
from connect_core.errors.stage import Stage


class _Dlq:
    def __init__(self) -> None:
        self.reported: list[int] = []
        self.flushes = 0

    def report(self, context: ProcessingContext) -> None:
        assert context.consumed_record is not None
        self.reported.append(context.consumed_record.offset)

    def flush(self) -> None:
        self.flushes += 1

    def close(self) -> None:
        pass


def _failure(offset: int) -> ProcessingContext:
    return ProcessingContext(ConsumedRecord("t", 0, offset), Stage.VALUE_CONVERTER, "C", ValueError("bad"))


def _reporter(sent: SentRecords | None = None) -> tuple[InvocationReporter, _Dlq]:
    dlq = _Dlq()
    return InvocationReporter(dlq, sent), dlq  # type: ignore[arg-type]


def test_reports_wait_for_commit_and_a_discarded_batch_sends_nothing() -> None:
    reporter, dlq = _reporter()
    reporter.report(_failure(3))
    assert dlq.reported == []
    reporter.discard()
    reporter.commit()
    assert dlq.reported == []


def test_a_record_reported_twice_in_one_invocation_is_sent_once() -> None:
    reporter, dlq = _reporter()
    for offset in (3, 5, 3):
        reporter.report(_failure(offset))
    reporter.commit()
    assert dlq.reported == [3, 5]
    assert dlq.flushes == 1


def test_records_sent_before_are_not_sent_again_by_a_new_reporter_sharing_the_memory() -> None:
    sent = SentRecords()
    first, dlq_one = _reporter(sent)
    first.report(_failure(3))
    first.commit()
    second, dlq_two = _reporter(sent)
    second.report(_failure(3))
    second.report(_failure(4))
    second.commit()
    assert (dlq_one.reported, dlq_two.reported) == ([3], [4])


def test_the_memory_forgets_the_oldest_first() -> None:
    sent = SentRecords(capacity=2)
    for offset in (1, 2, 3):
        sent.add(("t", 0, offset))
    coordinates: list[Any] = [("t", 0, offset) for offset in (1, 2, 3)]
    assert [c in sent for c in coordinates] == [False, True, True]
