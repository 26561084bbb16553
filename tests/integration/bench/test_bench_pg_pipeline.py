"""Case 4u, the tutorial pipeline (PostgreSQL CDC -> ExtractNewRecordState -> JDBC upsert) against Debezium's
PostgresConnector + Debezium's JDBC sink in the standalone worker, on 2,000 changes and one repetition: both sides
write every row, the two tables hold the same rows, and the row has its ratio. No timing is asserted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bench import common
from bench.cases import connect_java

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

CHANGES = 2000


def test_4u_pipeline_writes_the_rows_debeziums_pipeline_writes(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_JAVA_CASES", "4u")
    monkeypatch.setenv("BENCH_JAVA_REPEATS", "1")
    monkeypatch.setattr(common, "RESULTS", tmp_path / "kept")  # the checkpoint of this run, not bench/results
    rows = connect_java.run(common.Settings(records=CHANGES, repeats=1, batch=500, java_sizes=(CHANGES,)))
    assert [r.name for r in rows] == ["4u postgres cdc -> unwrap -> jdbc upsert vs debezium pg + debezium jdbc sink "
                                      "@2k cold start"]
    row = rows[0]
    assert row.skipped is None, row.skipped
    assert row.records == CHANGES and row.ratio and row.ours_per_s and row.baseline_per_s
    assert row.extra["cpu_basis"] == "total" and row.extra["repeats"] == 1 and row.extra["ours_invocations"]
    # the warm-up's and the measured repetition's tables (each side's every row, or the row would have failed)
    assert row.extra["compared_repetitions"] == 2
    assert row.extra["rows_equal"] is True, row.extra["rows_compared"]
    assert row.extra["column_differences"] == []
