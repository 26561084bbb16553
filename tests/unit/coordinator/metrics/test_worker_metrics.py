"""GET /metrics through the coordinator: Strimzi's names and labels, from the status and runs topics."""

from __future__ import annotations

import re

from connect_core.storage.run_state import RunRecord, TaskCounters
from connect_core.storage.status_state import ConnectorStatus, State, TaskStatus
from tests.unit.coordinator.health.test_overview import World, world

__all__ = ["world"]

_SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')


def _samples(body: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for line in body.splitlines():
        if line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, line
        labels = frozenset(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        out[(match.group(1), labels)] = float(match.group(3))
    return out


def _scrape(world: World) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = world.call("GET", "/metrics")
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/plain; version=0.0.4")
    return _samples(response["body"])


def test_states_are_value_one_gauges_with_their_labels_and_failed_tasks_are_counted(world: World) -> None:
    statuses = world.topics.status_store()
    statuses.put_connector_status(ConnectorStatus("src", State.RUNNING, "w", 1))
    statuses.put_task_status(TaskStatus("src", 0, State.RUNNING, "w", 1))
    statuses.put_connector_status(ConnectorStatus("snk", State.FAILED, "w", 1, "boom"))
    statuses.put_task_status(TaskStatus("snk", 0, State.FAILED, "w", 1, "boom"))
    got = _scrape(world)
    assert got[("kafka_connect_connector_status", frozenset({("connector", "src"), ("status", "running")}))] == 1
    assert got[("kafka_connect_connector_status", frozenset({("connector", "snk"), ("status", "failed")}))] == 1
    assert got[("kafka_connect_connector_task_status",
                frozenset({("connector", "snk"), ("task", "0"), ("status", "failed")}))] == 1
    assert got[("kafka_connect_worker_connector_failed_task_count", frozenset({("connector", "snk")}))] == 1
    assert got[("kafka_connect_worker_connector_failed_task_count", frozenset({("connector", "src")}))] == 0
    assert got[("kafka_connect_worker_connector_running_task_count", frozenset({("connector", "src")}))] == 1
    assert got[("kafka_connect_connector_connector_type", frozenset({("connector", "snk"),
                                                                     ("connector_type", "sink")}))] == 1
    assert got[("kafka_connect_connector_connector_class",
                frozenset({("connector", "src"), ("connector_class", "FileStreamSource")}))] == 1
    assert got[("kafka_connect_worker_connector_count", frozenset())] == 2
    assert got[("kafka_connect_worker_task_count", frozenset())] == 2


def test_a_failed_last_run_shows_the_task_failed_as_the_rest_api_does(world: World) -> None:
    world.topics.status_store().put_task_status(TaskStatus("src", 0, State.RUNNING, "w", 1))
    world.run_store().put_run(RunRecord("src", 0, 999_500, "source", False, error="ConnectError: boom"))
    got = _scrape(world)
    assert got[("kafka_connect_connector_task_status",
                frozenset({("connector", "src"), ("task", "0"), ("status", "failed")}))] == 1
    assert got[("kafka_connect_worker_connector_failed_task_count", frozenset({("connector", "src")}))] == 1


def test_rates_over_the_last_minute_and_totals_summed_over_containers(world: World) -> None:
    world.topics.status_store().put_task_status(TaskStatus("src", 0, State.RUNNING, "w", 1))
    world.topics.status_store().put_task_status(TaskStatus("snk", 0, State.RUNNING, "w", 1))
    runs = world.run_store()
    now_ms = int(world.now * 1000)
    for at in (now_ms - 20_000, now_ms - 10_000):
        runs.put_run(RunRecord("src", 0, at, "source", True, records=30, skipped=10, duration_ms=40),
                     counters=None)
    runs.put_run(RunRecord("snk", 0, now_ms - 5_000, "sink", True, records=6, dlq=2, duration_ms=8))
    for container, polled in (("a", 100), ("b", 50)):
        runs.put_run(RunRecord("src", 0, now_ms - 1, "source", True), counters=TaskCounters(
            "src", 0, container, now_ms, 0, "source", invocations=3, failed=1, records_in=polled,
            records_out=polled - 5, start_attempts=2, start_successes=1, start_failures=1,
            errors={"total-record-failures": 1, "total-retries": 2, "last-error-timestamp": now_ms - 1_000 * polled}))
    runs.put_run(RunRecord("snk", 0, now_ms - 1, "sink", True), counters=TaskCounters(
        "snk", 0, "c", now_ms, 0, "sink", invocations=4, records_in=9, records_out=6, dlq=2, skipped=3,
        errors={"deadletterqueue-produce-requests": 2, "deadletterqueue-produce-failures": 1}))
    got = _scrape(world)
    src = frozenset({("connector", "src"), ("task", "0")})
    snk = frozenset({("connector", "snk"), ("task", "0")})
    # first sample at -20 s: 20 s elapsed plus one window (Kafka's Rate.windowSize); the two empty runs add nothing
    assert got[("kafka_connect_source_task_source_record_poll_rate", src)] == 80 / 50
    assert got[("kafka_connect_source_task_source_record_write_rate", src)] == 60 / 50
    assert got[("kafka_connect_source_task_source_record_poll_total", src)] == 150
    assert got[("kafka_connect_source_task_source_record_write_total", src)] == 140
    assert got[("kafka_connect_source_task_poll_batch_max_time_ms", src)] == 40
    assert got[("kafka_connect_sink_task_sink_record_send_total", snk)] == 6
    assert got[("kafka_connect_sink_task_sink_record_read_total", snk)] == 9
    assert got[("kafka_connect_sink_task_put_batch_max_time_ms", snk)] == 8
    assert got[("kafka_connect_task_error_total_record_failures", src)] == 2
    assert got[("kafka_connect_task_error_total_retries", src)] == 4
    assert got[("kafka_connect_task_error_last_error_timestamp", src)] == now_ms - 50_000
    assert got[("kafka_connect_task_error_total_record_failures", snk)] == 0
    assert got[("kafka_connect_task_error_deadletterqueue_produce_requests", snk)] == 2
    assert got[("kafka_connect_task_error_deadletterqueue_produce_failures", snk)] == 1
    assert got[("kafka_connect_worker_task_startup_attempts_total", frozenset())] == 4
    assert got[("kafka_connect_worker_task_startup_failure_percentage", frozenset())] == 0.5
