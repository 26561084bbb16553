"""coordinator/metrics/kafka_stats.py: Kafka's Rate, Avg and Max over two 30 s sample windows."""

from __future__ import annotations

import math

from connect_core.coordinator.metrics.kafka_stats import avg, max_, rate


def test_a_rate_in_the_first_window_divides_by_a_full_window_more_as_kafka_does() -> None:
    # one sample since 0 ms: elapsed 20 s, fewer than (2 - 1) full windows, so 30 s are added: 30 / 50 s
    assert rate([(0, 10), (10_000, 20)], 20_000) == 30 / 50


def test_a_rate_over_two_samples_divides_by_the_time_since_the_oldest() -> None:
    assert rate([(0, 10), (35_000, 20)], 40_000) == 30 / 40


def test_samples_older_than_both_windows_are_forgotten() -> None:
    assert rate([(0, 10)], 70_000) == 0.0
    assert math.isnan(avg([(0, 10.0)], 70_000)) and math.isnan(max_([(0, 10.0)], 70_000))


def test_the_third_window_reuses_the_oldest_sample() -> None:
    # samples start at 0 and 30 s; the event at 61 s resets the first one: 5 + 7 over 61 - 30 = 31 s
    assert rate([(0, 100), (30_000, 5), (61_000, 7)], 61_000) == 12 / 31


def test_avg_and_max_of_the_retained_events() -> None:
    events = [(0, 4.0), (10_000, 8.0), (20_000, 3.0)]
    assert avg(events, 25_000) == 5.0 and max_(events, 25_000) == 8.0
