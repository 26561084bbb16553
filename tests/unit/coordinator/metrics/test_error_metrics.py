"""``kafka_connect_task_error_*``: the retry operator's, log and dead letter queue reporters' counters reach the
run records (per container, across the task's rebuilds) and ``GET /metrics`` sums them over containers."""

from __future__ import annotations

from typing import Any

from connect_core.api.errors import ConnectError, RetriableError
from connect_core.errors.config import ErrorHandlingConfig
from connect_core.errors.error_handling_metrics import task_error_metrics
from connect_core.errors.log_reporter import log_reporters
from connect_core.errors.retry_with_tolerance import FAILED, RetryWithToleranceOperator
from connect_core.errors.stage import Stage
from connect_core.storage.run_state import RunRecord, TaskCounters
from connect_core.storage.status_state import State, TaskStatus
from tests.unit.coordinator.health.test_overview import World, world
from tests.unit.coordinator.metrics.test_worker_metrics import _scrape
from tests.unit.runtime.test_run_recorder import _fresh_runs, setup

__all__ = ["setup", "world"]

TOLERANT = ErrorHandlingConfig.parse({"errors.tolerance": "all", "errors.log.enable": "true",
                                      "errors.retry.timeout": "-1"})


def _operator(connector: str, task: int) -> RetryWithToleranceOperator:
    """A task's operator as the runners build it (``from_config`` with the task's names), without real sleeps."""
    operator = RetryWithToleranceOperator.from_config(
        TOLERANT, reporters=log_reporters(TOLERANT, connector, task), connector=connector, task=task)
    operator._sleep = lambda _s: None
    return operator


def _bad_record() -> None:
    raise ValueError("not JSON")


def test_the_operators_counters_go_into_the_containers_run_counters_across_task_rebuilds(setup: Any) -> None:
    invocation, runner, _topics, clock, runs_topic = setup
    before = task_error_metrics("src", 0).as_dict()
    attempts = iter([RetriableError("busy"), RetriableError("busy")])

    def flaky() -> int:
        error = next(attempts, None)
        if error is not None:
            raise error
        return 1

    first = _operator("src", 0)
    assert first.execute(Stage.TRANSFORMATION, "Cast", _bad_record) is FAILED  # tolerated, skipped, logged
    assert first.execute(Stage.TRANSFORMATION, "Cast", flaky) == 1  # two retries, then through
    clock.now += 1
    invocation.run("src", 0, lambda: 1000.0, 256)
    runner.failures.append(ConnectError("down"))  # the task fails: the next invocation rebuilds it
    clock.now += 1
    try:
        invocation.run("src", 0, lambda: 1000.0, 256)
    except ConnectError:
        pass
    rebuilt = _operator("src", 0)
    assert rebuilt.execute(Stage.VALUE_CONVERTER, "JsonConverter", _bad_record) is FAILED
    clock.now += 1
    invocation.run("src", 0, lambda: 1000.0, 256)
    (counters,) = _fresh_runs(runs_topic).state.counters["src"].values()
    grown = {k: counters.errors[k] - before[k] for k in before if k != "last-error-timestamp"}
    assert grown == {"total-record-failures": 4, "total-record-errors": 2, "total-records-skipped": 2,
                     "total-retries": 2, "total-errors-logged": 2, "deadletterqueue-produce-requests": 0,
                     "deadletterqueue-produce-failures": 0}
    assert counters.errors["last-error-timestamp"] > 0


def test_every_attribute_of_task_error_metrics_summed_over_containers(world: World) -> None:
    world.topics.status_store().put_task_status(TaskStatus("snk", 0, State.RUNNING, "w", 1))
    runs = world.run_store()
    now_ms = int(world.now * 1000)
    for container, n, last in (("a", 1, now_ms - 9_000), ("b", 10, now_ms - 3_000)):
        runs.put_run(RunRecord("snk", 0, now_ms - 1, "sink", True), counters=TaskCounters(
            "snk", 0, container, now_ms, 0, "sink", errors={
                "total-record-failures": 7 * n, "total-record-errors": 3 * n, "total-records-skipped": 3 * n,
                "total-retries": 4 * n, "total-errors-logged": 3 * n, "deadletterqueue-produce-requests": 3 * n,
                "deadletterqueue-produce-failures": n, "last-error-timestamp": last}))
    runs.put_run(RunRecord("snk", 0, now_ms - 1, "sink", True), counters=TaskCounters(  # written before the errors
        "snk", 0, "old", now_ms, 0, "sink"))
    got = _scrape(world)
    labels = frozenset({("connector", "snk"), ("task", "0")})
    assert {name.removeprefix("kafka_connect_task_error_"): value for (name, at), value in got.items()
            if name.startswith("kafka_connect_task_error_") and at == labels} == {
        "total_record_failures": 77, "total_record_errors": 33, "total_records_skipped": 33, "total_retries": 44,
        "total_errors_logged": 33, "deadletterqueue_produce_requests": 33, "deadletterqueue_produce_failures": 11,
        "last_error_timestamp": now_ms - 3_000}
