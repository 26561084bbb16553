"""The side-by-side method's statistics: the median and its order-statistics interval, the paired ratios, the drift
flag, and how a JVM row carries them into latest.json and the printed table."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from bench import side_by_side, stats
from bench.common import Result, Sample
from bench.run import flag_drift, method_table

if TYPE_CHECKING:
    from pathlib import Path


def test_coverage_is_the_binomial_probability_of_holding_the_median() -> None:
    assert stats.coverage(5, 1) == pytest.approx(1 - 2 / 32)  # [min, max] of 5: 93.75%
    assert stats.coverage(6, 1) == pytest.approx(1 - 2 / 64)  # of 6: 96.875%
    assert stats.coverage(9, 2) == pytest.approx(1 - 2 * (1 + 9) / 512)  # [x(2), x(8)] of 9: 96.1%
    with pytest.raises(ValueError, match="rank 4"):
        stats.coverage(6, 4)


def test_the_interval_is_the_narrowest_that_reaches_the_level() -> None:
    six = stats.median_interval([1.4, 1.0, 1.2, 2.0, 1.1, 1.3])
    assert (six.median, six.low, six.high, six.samples) == (pytest.approx(1.25), 1.0, 2.0, 6)
    assert six.coverage == pytest.approx(0.96875)
    nine = stats.median_interval([float(v) for v in range(1, 10)])
    assert (nine.median, nine.low, nine.high) == (5.0, 2.0, 8.0)  # x(3)..x(7) would cover only 82%
    assert nine.coverage >= 0.95
    twenty = stats.median_interval([float(v) for v in range(20)])
    assert (twenty.low, twenty.high) == (5.0, 14.0) and twenty.coverage >= 0.95  # ranks 6 and 15


def test_too_few_samples_give_the_widest_interval_with_its_true_coverage() -> None:
    five = stats.median_interval([3.0, 1.0, 2.0, 5.0, 4.0])
    assert (five.median, five.low, five.high) == (3.0, 1.0, 5.0)
    assert five.coverage == pytest.approx(0.9375)  # reported as it is, not called 95%
    one = stats.median_interval([2.0])
    assert (one.median, one.low, one.high, one.coverage) == (2.0, 2.0, 2.0, 0.0)
    with pytest.raises(ValueError, match="no samples"):
        stats.median_interval([])


def test_paired_ratios_are_theirs_cpu_over_ours_per_repetition() -> None:
    assert stats.paired_ratios([1.0, 2.0], [1.5, 1.0]) == [1.5, 0.5]
    with pytest.raises(ValueError, match="2 samples of ours against 1"):
        stats.paired_ratios([1.0, 2.0], [1.0])


@pytest.mark.parametrize(("current", "previous", "flagged"), [
    (1.0, 1.0, False), (1.149, 1.0, False), (1.151, 1.0, True), (0.849, 1.0, True), (0.851, 1.0, False),
    (2.0, None, False), (2.0, 0.0, False),
])
def test_a_raw_over_jvm_move_above_15_percent_is_flagged(current: float, previous: float | None,
                                                         flagged: bool) -> None:
    assert stats.drifted(current, previous) is flagged


def _row() -> Result:
    """A 4a row from six made-up repetitions: ours 1 s total (0.2 s of it the mapping's), raw 0.5 s, JVM 1-2 s."""
    mine = [Sample(2.0, 1.0, 1000, esm_cpu_s=0.2) for _ in range(6)]
    jvm = [Sample(1.0, cpu, 1000) for cpu in (1.0, 1.2, 1.4, 1.6, 1.8, 2.0)]
    raw = [Sample(1.0, 0.5, 1000) for _ in range(6)]
    return side_by_side.method_row("4a x @100k", "jvm", mine, jvm, raw=raw, raw_kind="floor", load_avg_1m=[1.0, 2.5])


def test_a_jvm_row_carries_the_method_fields() -> None:
    row = _row()
    assert row.unit == "records/cpu-s" and row.repeats == 6
    assert row.ratio == pytest.approx(1.5)  # median of 1.0..2.0 over ours' 1 s total
    x = row.extra
    assert x["cpu_basis"] == "total" and x["repeats"] == 6
    assert x["ci95"] == [1.0, 2.0] and x["ci_coverage"] == pytest.approx(0.9688)
    assert x["function_only_ratio"] == pytest.approx(1.5 / 0.8)  # without the mapping's 0.2 s
    assert x["raw_over_jvm"] == pytest.approx(3.0) and x["raw_over_jvm_ci95"] == [2.0, 4.0]
    assert x["ours_over_raw"] == pytest.approx(0.5)
    assert row.ours_per_s == 1000.0 and x["ours_per_cpu_s_function_only"] == 1250.0


def test_drift_is_flagged_against_the_previous_recorded_run(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    first = _row()
    flag_drift([first], history)
    assert "drift" not in first.extra  # nothing recorded before
    second = _row()
    second.extra["raw_over_jvm"] = 3.6  # +20%
    flag_drift([second], history)
    assert second.extra["drift"]["flagged"] is True and second.extra["drift"]["previous"] == 3.0
    third = _row()
    third.extra["raw_over_jvm"] = 3.5  # against 3.6: -3%
    flag_drift([third], history)
    assert third.extra["drift"] == {"previous": 3.6, "run_id": third.extra["drift"]["run_id"], "flagged": False}
    assert len([json.loads(line) for line in history.read_text().splitlines()]) == 3
    table = method_table([first, second, third])
    assert "FLAGGED: raw/JVM 3.00 -> 3.60" in table and "ok (prev 3.60)" in table
    assert "1.50 [1.00-2.00]" in table and "3.00 [2.00-4.00]" in table and "1.0-2.5" in table
