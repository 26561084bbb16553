"""Retry and tolerate failed operations (Kafka ``RetryWithToleranceOperator``).

Each operation runs in a stage. A ``RetriableError`` is retried with exponential backoff (300 ms * 2^(attempt-1),
a random delay below ``errors.retry.delay.max.ms`` once that cap is passed, never beyond ``errors.retry.timeout``
after the first attempt; -1 = no deadline). Converter, header converter and transformation stages may tolerate
any ``Exception``; every other stage tolerates only a ``RetriableError`` whose retries ran out. A tolerated
failure is reported and, under ``errors.tolerance=all``, skipped: ``execute`` returns ``FAILED``.

Deliberate difference from Kafka: when retries of a ``RetriableError`` run out, Kafka skips the record without
checking ``errors.tolerance``; here that failure goes through the tolerance check like any other, so under
``none`` it fails the invocation (and the batch is redelivered) instead of silently dropping the record. A
``ServiceUnavailableError`` (a schema registry down) is never tolerated once its retries run out: the record is
not at fault, so the batch is redelivered even under ``all`` instead of going to the dead letter queue.
``RetriableError.retry_after`` (seconds), when set, is a lower bound on the next delay.
"""

from __future__ import annotations

import enum
import logging
import random
import time
from typing import TYPE_CHECKING, Final, Literal, TypeVar

from connect_core.api import retry_pause
from connect_core.api.errors import RetriableError, ServiceUnavailableError
from connect_core.errors.config import ToleranceType
from connect_core.errors.error_handling_metrics import ErrorHandlingMetrics, task_error_metrics
from connect_core.errors.exceptions import (
    TOLERANCE_EXCEEDED_MESSAGE,
    UNHANDLED_MESSAGE,
    ToleranceExceededError,
    UnhandledError,
)
from connect_core.errors.processing_context import ProcessingContext, class_name
from connect_core.errors.stage import Stage

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from connect_core.errors.config import ErrorHandlingConfig
    from connect_core.errors.reporter import ErrorReporter

__all__ = ["FAILED", "RETRIES_DELAY_MIN_MS", "TOLERABLE_STAGES", "Failed", "RetryWithToleranceOperator"]

log = logging.getLogger(__name__)

V = TypeVar("V")

RETRIES_DELAY_MIN_MS: Final = 300
TOLERABLE_STAGES: Final = frozenset(
    {Stage.TRANSFORMATION, Stage.HEADER_CONVERTER, Stage.KEY_CONVERTER, Stage.VALUE_CONVERTER}
)
_MAX_SHIFT: Final = 40  # 300 ms << 40 is far past any cap; keeps the int small under infinite retries


class Failed(enum.Enum):
    """The type of ``FAILED``: a marker no operation can return by accident (Kafka returns null)."""

    FAILED = "FAILED"


FAILED: Final = Failed.FAILED


class RetryWithToleranceOperator:
    """Runs pipeline operations under ``errors.retry.*`` and ``errors.tolerance``; one instance per task.

    Args:
        retry_timeout_ms: ``errors.retry.timeout`` (0 = no retries, negative = retry forever).
        retry_delay_max_ms: ``errors.retry.delay.max.ms``.
        tolerance: ``errors.tolerance``.
        reporters: told about every failure, tolerated or not, before ``execute`` returns or raises.
        metrics: the counters to fill (a fresh ``ErrorHandlingMetrics`` by default).
        clock: monotonic seconds, for the retry deadline (injected by tests).
        sleep: sleeps seconds between retries (injected by tests); by default ``api/retry_pause.pause``, which ends
            the retries with ``SupersededError`` when the invocation's config was superseded.
        wall_clock: epoch seconds, for ``last_error_timestamp``.
        jitter: ``jitter(n)`` -> a random int in ``[0, n)``, the delay once the cap is passed.
    """

    def __init__(
        self,
        retry_timeout_ms: int = 0,
        retry_delay_max_ms: int = 60000,
        tolerance: ToleranceType = ToleranceType.NONE,
        *,
        reporters: Sequence[ErrorReporter] = (),
        metrics: ErrorHandlingMetrics | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = retry_pause.pause,
        wall_clock: Callable[[], float] = time.time,
        jitter: Callable[[int], int] = random.randrange,
    ) -> None:
        self.retry_timeout_ms = retry_timeout_ms
        self.retry_delay_max_ms = retry_delay_max_ms
        self.tolerance = tolerance
        self.reporters: list[ErrorReporter] = list(reporters)
        self.metrics = metrics if metrics is not None else ErrorHandlingMetrics()
        self.total_failures = 0
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._jitter = jitter

    @classmethod
    def from_config(
        cls,
        config: ErrorHandlingConfig,
        *,
        reporters: Sequence[ErrorReporter] = (),
        metrics: ErrorHandlingMetrics | None = None,
        connector: str | None = None,
        task: int | None = None,
    ) -> RetryWithToleranceOperator:
        """An operator for a connector's parsed ``errors.*`` config; with ``connector`` and ``task`` (and no
        ``metrics``) it fills the task's counters in this process (``task_error_metrics``)."""
        if metrics is None and connector is not None and task is not None:
            metrics = task_error_metrics(connector, task)
        return cls(
            config.retry_timeout, config.retry_delay_max_ms, config.tolerance, reporters=reporters, metrics=metrics
        )

    def run(
        self, stage: Stage, executing_class: type | str, operation: Callable[[], V], *, original: object | None = None
    ) -> V | Literal[Failed.FAILED]:
        """``operation()`` directly; only when it raises does it go through :meth:`execute` (run again, retried,
        tolerated or raised). Converters and SMTs are pure, so running a failed stage again is safe; the success
        path of every record costs one call."""
        try:
            return operation()
        except Exception:
            return self.execute(stage, executing_class, operation, original=original)

    def execute(
        self,
        stage: Stage,
        executing_class: type | str,
        operation: Callable[[], V],
        *,
        original: object | None = None,
    ) -> V | Literal[Failed.FAILED]:
        """Run ``operation``, retrying and tolerating failures per the stage rule.

        Args:
            stage: where the operation runs; decides which exceptions are tolerable.
            executing_class: the class running it (or its name, e.g. the Kafka alias from the config).
            operation: the work, called with no arguments.
            original: the record being processed (a ``ConsumedRecord`` for sinks), for the reporters.

        Returns:
            The operation's result, or ``FAILED`` when the failure was tolerated (skip the record).

        Raises:
            UnhandledError: the stage does not tolerate this exception.
            ToleranceExceededError: the failure was tolerable but ``errors.tolerance`` is ``none``.
        """
        start_ms = self._clock() * 1000.0
        deadline_ms = start_ms + self.retry_timeout_ms if self.retry_timeout_ms >= 0 else float("inf")
        attempt = 0
        while True:
            attempt += 1
            try:
                return operation()
            except RetriableError as error:
                self.metrics.total_record_failures += 1
                now_ms = self._clock() * 1000.0
                if now_ms >= deadline_ms:
                    log.debug("Can't retry. attempt=%d, waited %.0f ms", attempt, now_ms - start_ms)
                    # an unavailable service is not the record's fault: fail the batch, never dead-letter it
                    return self._failed(stage, executing_class, original, error, attempt,
                                        tolerable=not isinstance(error, ServiceUnavailableError))
                self._sleep(self.backoff_ms(attempt, now_ms, deadline_ms, error.retry_after) / 1000.0)
                self.metrics.total_retries += 1
            except Exception as error:
                self.metrics.total_record_failures += 1
                return self._failed(
                    stage, executing_class, original, error, attempt, tolerable=stage in TOLERABLE_STAGES
                )

    def execute_failed(
        self,
        stage: Stage,
        executing_class: type | str,
        error: BaseException,
        *,
        original: object | None = None,
    ) -> None:
        """Record and report a failure that happened outside ``execute`` (Kafka ``executeFailed``).

        Used by the errant record reporter (KIP-610) and for produce callbacks.

        Raises:
            ToleranceExceededError: after reporting, when ``errors.tolerance`` is ``none``.
        """
        self._mark_as_failed()
        self.metrics.total_record_failures += 1
        self._report(ProcessingContext(original, stage, class_name(executing_class), error))
        if not self.within_tolerance_limits():
            self.metrics.total_record_errors += 1
            raise ToleranceExceededError(TOLERANCE_EXCEEDED_MESSAGE) from error

    def within_tolerance_limits(self) -> bool:
        """``none`` tolerates no failure at all; ``all`` tolerates every one."""
        return self.tolerance is ToleranceType.ALL or self.total_failures == 0

    def backoff_ms(self, attempt: int, now_ms: float, deadline_ms: float, retry_after: float | None = None) -> float:
        """The delay before retry number ``attempt`` (Kafka ``backoff``), never past the deadline."""
        delay: float = RETRIES_DELAY_MIN_MS << min(attempt - 1, _MAX_SHIFT)
        if delay > self.retry_delay_max_ms:
            delay = self._jitter(self.retry_delay_max_ms) if self.retry_delay_max_ms > 0 else 0
        if retry_after is not None:
            delay = max(delay, retry_after * 1000.0)
        if delay + now_ms > deadline_ms:
            delay = max(0.0, deadline_ms - now_ms)
        log.debug("Sleeping for up to %.0f millis", delay)
        return delay

    def _failed(
        self,
        stage: Stage,
        executing_class: type | str,
        original: object | None,
        error: Exception,
        attempt: int,
        *,
        tolerable: bool,
    ) -> Literal[Failed.FAILED]:
        self._mark_as_failed()
        self.metrics.total_record_errors += 1
        self._report(ProcessingContext(original, stage, class_name(executing_class), error, attempt))
        if not tolerable:
            raise UnhandledError(UNHANDLED_MESSAGE) from error
        if not self.within_tolerance_limits():
            raise ToleranceExceededError(TOLERANCE_EXCEEDED_MESSAGE) from error
        self.metrics.total_records_skipped += 1
        return FAILED

    def _mark_as_failed(self) -> None:
        self.metrics.last_error_timestamp = int(self._wall_clock() * 1000)
        self.total_failures += 1

    def _report(self, context: ProcessingContext) -> None:
        for reporter in self.reporters:
            reporter.report(context)
