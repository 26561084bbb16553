from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import pytest

from connect_core.api.consumed_record import ConsumedRecord
from connect_core.api.errors import DataError, RetriableError
from connect_core.errors.config import ErrorHandlingConfig, ToleranceType
from connect_core.errors.exceptions import ToleranceExceededError, UnhandledError
from connect_core.errors.retry_with_tolerance import FAILED, TOLERABLE_STAGES, RetryWithToleranceOperator
from connect_core.errors.stage import Stage

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.unit.errors.conftest import FakeTime, ListReporter

RECORD = ConsumedRecord("orders", 2, 41, 1700000000000, "CreateTime", b"k", b"v", [("h", b"1")])
NON_TOLERABLE_STAGES = sorted(set(Stage) - TOLERABLE_STAGES, key=lambda s: s.name)


class JsonConverter:
    """Stands in for the class executing a stage."""


def raising(error: Exception) -> Callable[[], NoReturn]:
    def operation() -> NoReturn:
        raise error

    return operation


def failing_times(count: int, error: Exception, result: str = "ok") -> Callable[[], str]:
    calls = {"n": 0}

    def operation() -> str:
        calls["n"] += 1
        if calls["n"] <= count:
            raise error
        return result

    return operation


def make_operator(
    fake_time: FakeTime,
    *,
    timeout: int = 0,
    delay_max: int = 60000,
    tolerance: ToleranceType = ToleranceType.NONE,
    reporter: ListReporter | None = None,
    jitter: Callable[[int], int] = lambda n: n // 2,
) -> RetryWithToleranceOperator:
    return RetryWithToleranceOperator(
        timeout,
        delay_max,
        tolerance,
        reporters=[reporter] if reporter is not None else [],
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        wall_clock=lambda: 1700000001.234,
        jitter=jitter,
    )


# -- success --------------------------------------------------------------------------------------
def test_success_returns_the_result_and_counts_nothing(fake_time: FakeTime, reporter: ListReporter) -> None:
    operator = make_operator(fake_time, reporter=reporter)

    assert operator.execute(Stage.VALUE_CONVERTER, JsonConverter, lambda: 42, original=RECORD) == 42
    assert reporter.contexts == []
    assert operator.metrics.as_dict() == dict.fromkeys(operator.metrics.as_dict(), 0)


def test_an_operation_returning_none_is_not_a_failure(fake_time: FakeTime) -> None:
    operator = make_operator(fake_time)

    assert operator.execute(Stage.TRANSFORMATION, JsonConverter, lambda: None) is None


# -- retries and backoff --------------------------------------------------------------------------
def test_retriable_error_is_retried_with_exponential_backoff(fake_time: FakeTime) -> None:
    operator = make_operator(fake_time, timeout=60000)

    result = operator.execute(Stage.TASK_PUT, JsonConverter, failing_times(4, RetriableError("busy")))

    assert result == "ok"
    assert fake_time.sleeps_ms == [300, 600, 1200, 2400]
    assert operator.metrics.total_retries == 4
    assert operator.metrics.total_record_failures == 4
    assert operator.metrics.total_record_errors == 0
    assert operator.total_failures == 0


def test_default_timeout_zero_never_retries(fake_time: FakeTime, reporter: ListReporter) -> None:
    operator = make_operator(fake_time, tolerance=ToleranceType.ALL, reporter=reporter)

    assert operator.execute(Stage.TASK_PUT, JsonConverter, raising(RetriableError("busy"))) is FAILED
    assert fake_time.sleeps_ms == []
    assert reporter.contexts[0].attempt == 1


def test_backoff_is_cut_at_the_retry_deadline(fake_time: FakeTime, reporter: ListReporter) -> None:
    operator = make_operator(fake_time, timeout=1000, tolerance=ToleranceType.ALL, reporter=reporter)

    assert operator.execute(Stage.TASK_PUT, JsonConverter, raising(RetriableError("busy"))) is FAILED
    # 300 + 600, then 1200 would pass the 1000 ms deadline: sleep the 100 ms left, try once more, give up.
    assert fake_time.sleeps_ms == [300, 600, 100]
    assert reporter.contexts[0].attempt == 4
    assert operator.metrics.total_record_failures == 4
    assert operator.metrics.total_retries == 3


def test_delay_past_the_cap_is_random_below_the_cap(fake_time: FakeTime) -> None:
    asked: list[int] = []

    def jitter(bound: int) -> int:
        asked.append(bound)
        return 123

    operator = make_operator(fake_time, timeout=60000, delay_max=1000, jitter=jitter)

    operator.execute(Stage.TASK_PUT, JsonConverter, failing_times(4, RetriableError("busy")))

    assert fake_time.sleeps_ms == [300, 600, 123, 123]
    assert asked == [1000, 1000]


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, 300), (2, 600), (3, 1200), (4, 2400), (5, 4800), (6, 9600), (7, 19200), (8, 38400), (9, 30000)],
)
def test_backoff_math_with_the_default_cap(fake_time: FakeTime, attempt: int, expected: int) -> None:
    operator = make_operator(fake_time, timeout=-1)  # jitter(n) = n // 2 past the 60000 ms cap

    assert operator.backoff_ms(attempt, 0.0, float("inf")) == expected


def test_backoff_never_goes_negative_past_the_deadline(fake_time: FakeTime) -> None:
    operator = make_operator(fake_time)

    assert operator.backoff_ms(1, now_ms=5000.0, deadline_ms=4000.0) == 0.0


def test_backoff_with_zero_cap_does_not_sleep(fake_time: FakeTime) -> None:
    operator = make_operator(fake_time, delay_max=0, jitter=lambda n: 1 // n)

    assert operator.backoff_ms(1, 0.0, float("inf")) == 0


def test_negative_timeout_retries_forever(fake_time: FakeTime) -> None:
    operator = make_operator(fake_time, timeout=-1)

    assert operator.execute(Stage.KAFKA_PRODUCE, JsonConverter, failing_times(100, RetriableError("x"))) == "ok"
    assert len(fake_time.sleeps_ms) == 100
    assert max(fake_time.sleeps_ms) < 60000


def test_retry_after_is_a_lower_bound_on_the_delay(fake_time: FakeTime) -> None:
    operator = make_operator(fake_time, timeout=60000)

    operator.execute(Stage.TASK_PUT, JsonConverter, failing_times(2, RetriableError("slow down", retry_after=2.5)))

    assert fake_time.sleeps_ms == [2500, 2500]


# -- tolerance per stage --------------------------------------------------------------------------
@pytest.mark.parametrize("stage", sorted(TOLERABLE_STAGES, key=lambda s: s.name))
def test_tolerable_stages_skip_any_exception_under_all(
    fake_time: FakeTime, reporter: ListReporter, stage: Stage
) -> None:
    operator = make_operator(fake_time, tolerance=ToleranceType.ALL, reporter=reporter)

    assert operator.execute(stage, JsonConverter, raising(ValueError("bad")), original=RECORD) is FAILED
    assert operator.execute(stage, JsonConverter, raising(DataError("worse")), original=RECORD) is FAILED
    assert [type(c.error) for c in reporter.contexts] == [ValueError, DataError]
    assert operator.metrics.total_records_skipped == 2


@pytest.mark.parametrize("stage", sorted(TOLERABLE_STAGES, key=lambda s: s.name))
def test_tolerable_stages_fail_under_none(fake_time: FakeTime, reporter: ListReporter, stage: Stage) -> None:
    operator = make_operator(fake_time, reporter=reporter)
    error = DataError("bad")

    with pytest.raises(ToleranceExceededError, match="^Tolerance exceeded in error handler$") as raised:
        operator.execute(stage, JsonConverter, raising(error), original=RECORD)

    assert raised.value.__cause__ is error
    assert [c.error for c in reporter.contexts] == [error]  # reported before failing, as Kafka does


@pytest.mark.parametrize("stage", NON_TOLERABLE_STAGES)
@pytest.mark.parametrize("tolerance", list(ToleranceType))
def test_other_stages_never_tolerate_non_retriable_errors(
    fake_time: FakeTime, reporter: ListReporter, stage: Stage, tolerance: ToleranceType
) -> None:
    operator = make_operator(fake_time, timeout=60000, tolerance=tolerance, reporter=reporter)
    error = DataError("broken")

    with pytest.raises(UnhandledError, match="^Unhandled exception in error handler$") as raised:
        operator.execute(stage, JsonConverter, raising(error))

    assert raised.value.__cause__ is error
    assert fake_time.sleeps_ms == []
    assert len(reporter.contexts) == 1


@pytest.mark.parametrize("stage", NON_TOLERABLE_STAGES)
def test_other_stages_skip_exhausted_retriable_errors_under_all(fake_time: FakeTime, stage: Stage) -> None:
    operator = make_operator(fake_time, timeout=500, tolerance=ToleranceType.ALL)

    assert operator.execute(stage, JsonConverter, raising(RetriableError("busy"))) is FAILED
    assert operator.metrics.total_records_skipped == 1


def test_exhausted_retriable_error_fails_under_none_instead_of_dropping_the_record(fake_time: FakeTime) -> None:
    operator = make_operator(fake_time, timeout=500)
    error = RetriableError("busy")

    with pytest.raises(ToleranceExceededError) as raised:
        operator.execute(Stage.TASK_PUT, JsonConverter, raising(error))

    assert raised.value.__cause__ is error


def test_base_exceptions_pass_through_unreported(fake_time: FakeTime, reporter: ListReporter) -> None:
    operator = make_operator(fake_time, tolerance=ToleranceType.ALL, reporter=reporter)

    with pytest.raises(KeyboardInterrupt):
        operator.execute(Stage.TRANSFORMATION, JsonConverter, raising(KeyboardInterrupt()))  # type: ignore[arg-type]

    assert reporter.contexts == []


# -- reporting and counting -----------------------------------------------------------------------
def test_reporters_get_the_original_record_stage_class_and_error(fake_time: FakeTime, reporter: ListReporter) -> None:
    operator = make_operator(fake_time, tolerance=ToleranceType.ALL, reporter=reporter)
    error = ValueError("not json")

    operator.execute(Stage.VALUE_CONVERTER, JsonConverter, raising(error), original=RECORD)

    (context,) = reporter.contexts
    assert context.original is RECORD
    assert context.stage is Stage.VALUE_CONVERTER
    assert context.executing_class == f"{__name__}.JsonConverter"
    assert context.error is error
    assert context.attempt == 1


def test_executing_class_may_be_given_by_name(fake_time: FakeTime, reporter: ListReporter) -> None:
    operator = make_operator(fake_time, tolerance=ToleranceType.ALL, reporter=reporter)

    operator.execute(
        Stage.VALUE_CONVERTER, "org.apache.kafka.connect.json.JsonConverter", raising(ValueError()), original=RECORD
    )

    assert reporter.contexts[0].executing_class == "org.apache.kafka.connect.json.JsonConverter"


def test_a_failing_reporter_is_never_swallowed(fake_time: FakeTime) -> None:
    class BrokenReporter:
        def report(self, context: object) -> None:
            raise OSError("dlq down")

    operator = make_operator(fake_time, tolerance=ToleranceType.ALL)
    operator.reporters.append(BrokenReporter())

    with pytest.raises(OSError, match="dlq down"):
        operator.execute(Stage.TRANSFORMATION, JsonConverter, raising(ValueError()))


def test_counts_failures_errors_and_skips_like_kafka(fake_time: FakeTime) -> None:
    operator = make_operator(fake_time, timeout=1000, tolerance=ToleranceType.ALL)

    operator.execute(Stage.KEY_CONVERTER, JsonConverter, raising(ValueError()))
    operator.execute(Stage.TASK_PUT, JsonConverter, failing_times(1, RetriableError("x")))
    operator.execute(Stage.TASK_PUT, JsonConverter, raising(RetriableError("x")))

    metrics = operator.metrics
    assert metrics.total_record_failures == 1 + 1 + 4
    assert metrics.total_retries == 1 + 3
    assert metrics.total_record_errors == 2
    assert metrics.total_records_skipped == 2
    assert metrics.last_error_timestamp == 1700000001234
    assert operator.total_failures == 2


def test_none_tolerates_no_failure_once_one_happened(fake_time: FakeTime) -> None:
    operator = make_operator(fake_time)
    assert operator.within_tolerance_limits()

    with pytest.raises(ToleranceExceededError):
        operator.execute(Stage.TRANSFORMATION, JsonConverter, raising(ValueError()))

    assert not operator.within_tolerance_limits()


# -- execute_failed (errant record reporter) ------------------------------------------------------
def test_execute_failed_reports_and_tolerates_under_all(fake_time: FakeTime, reporter: ListReporter) -> None:
    operator = make_operator(fake_time, tolerance=ToleranceType.ALL, reporter=reporter)
    error = DataError("rejected by sink")

    operator.execute_failed(Stage.TASK_PUT, JsonConverter, error, original=RECORD)

    assert [(c.stage, c.error, c.original) for c in reporter.contexts] == [(Stage.TASK_PUT, error, RECORD)]
    assert operator.metrics.total_record_failures == 1


def test_execute_failed_raises_after_reporting_under_none(fake_time: FakeTime, reporter: ListReporter) -> None:
    operator = make_operator(fake_time, reporter=reporter)
    error = DataError("rejected by sink")

    with pytest.raises(ToleranceExceededError) as raised:
        operator.execute_failed(Stage.TASK_PUT, JsonConverter, error, original=RECORD)

    assert raised.value.__cause__ is error
    assert len(reporter.contexts) == 1
    assert operator.metrics.total_record_errors == 1


def test_from_config_takes_the_errors_keys() -> None:
    config = ErrorHandlingConfig.parse(
        {"errors.retry.timeout": "-1", "errors.retry.delay.max.ms": "10", "errors.tolerance": "all"}
    )

    operator = RetryWithToleranceOperator.from_config(config)

    assert (operator.retry_timeout_ms, operator.retry_delay_max_ms, operator.tolerance) == (-1, 10, ToleranceType.ALL)


def test_an_unavailable_service_fails_the_batch_even_under_tolerance_all(fake_time: FakeTime) -> None:
    from connect_core.api.errors import ServiceUnavailableError

    operator = make_operator(fake_time, timeout=1000, tolerance=ToleranceType.ALL)

    with pytest.raises(UnhandledError):
        operator.execute(Stage.VALUE_CONVERTER, JsonConverter, raising(ServiceUnavailableError("registry down")))
    assert fake_time.sleeps_ms == [300, 600, 100]  # retried like any RetriableError first
    recovered = make_operator(fake_time, timeout=1000, tolerance=ToleranceType.ALL)
    assert recovered.execute(Stage.VALUE_CONVERTER, JsonConverter,
                             failing_times(1, ServiceUnavailableError("blip"))) == "ok"


def test_a_newer_config_ends_the_retries_instead_of_waiting_them_out() -> None:
    """Inside an invocation's retry_pause scope a superseded config stops ``errors.retry.timeout``'s retries at the
    next wait: the invocation ends and the batch comes again to the new config; outside, it waits."""
    from connect_core.api import retry_pause

    operator = RetryWithToleranceOperator(60_000, 1, ToleranceType.ALL)
    with retry_pause.watching(lambda: "a newer task config", every_s=0.0), \
            pytest.raises(retry_pause.SupersededError, match="a newer task config"):
        operator.execute(Stage.VALUE_CONVERTER, JsonConverter, raising(RetriableError("registry down")),
                         original=RECORD)
    assert operator.metrics.total_retries == 0
    quick = RetryWithToleranceOperator(5, 1, ToleranceType.ALL)  # no scope: retried, then tolerated
    assert quick.execute(Stage.VALUE_CONVERTER, JsonConverter, failing_times(1, RetriableError("x"))) == "ok"
