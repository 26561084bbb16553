"""Case 4i (our Iceberg sink against Apache Iceberg's on the bench's worker, the raw floor and ours as a pull-mode
task beside ours) on a tiny dataset, so ``make bench`` keeps running it: the rows by the method's fields, the four
tables read back alike, and case 6's Iceberg cost rows from them. No timing is asserted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bench import common
from bench.cases import cost, iceberg_java

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

pytest.importorskip("pyiceberg")

TINY = common.Settings(records=200, repeats=1, batch=100)


def test_iceberg_case_runs_both_sinks_into_one_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_JAVA_REPEATS", "1")
    monkeypatch.setattr(common, "RESULTS", tmp_path / "kept")
    row, pulled = iceberg_java.run(TINY)
    assert row.skipped is None, row.skipped
    assert row.name == f"{iceberg_java.NAME} @200 cold start"
    assert row.records == TINY.records and row.ratio and row.ours_per_s and row.baseline_per_s
    extra = row.extra
    assert extra["cpu_basis"] == "total" and len(extra["ratios"]) == 1 and len(extra["baseline_cpu_s"]) == 1
    assert extra["columns_unlike_jvm"] == []
    assert extra["same_rows_as_jvm"] is True  # every id once on both sides, column for column the same values
    assert extra["commit_interval_ms"] == iceberg_java.COMMIT_INTERVAL_MS
    assert extra["ours_data_files"][0] >= 1 and extra["jvm_data_files"][0] >= 1
    # the raw floor: its own table, the same rows as ours column for column, one data file per event
    assert extra["raw_kind"] == "floor" and extra["raw_over_jvm"] and extra["ours_over_raw"]
    assert extra["same_rows_as_raw"] is True and extra["columns_unlike_raw"] == []
    assert extra["raw_data_files"] == [TINY.records // TINY.batch]
    # what case 6 prices: the time inside the function, within the span, in one invocation per batch + the commit
    [inside], [span] = extra["ours_function_wall_s"], extra["ours_wall_s"]
    assert 0 < inside <= span and 0 < extra["ours_function_cpu_s"][0]
    assert extra["ours_invocations"] == [TINY.records // TINY.batch + 1] and extra["batch"] == TINY.batch
    [priced] = [r for r in cost.run(TINY, [row]) if r.name == "6 cost per M rows, iceberg sink ($)"]
    assert priced.skipped is None and priced.ours_per_s and priced.baseline_per_s
    assert priced.extra["java_rows_per_cpu_s"] == row.baseline_per_s
    assert priced.extra["invocations_per_m_rows"] == 1_000_000 // TINY.batch
    # the pull-mode task: its own table with ours' rows, the same JVM samples, priced as a pull-mode sink
    assert pulled.skipped is None, pulled.skipped
    assert pulled.name == f"4i pull-mode {iceberg_java.NAME.split(' ', 1)[1]} @200 cold start"
    assert pulled.extra["same_rows_as_mapping"] is True and pulled.extra["columns_unlike_mapping"] == []
    assert pulled.extra["baseline_cpu_s"] == extra["baseline_cpu_s"] and pulled.extra["pull_over_mapping"]
    assert pulled.extra["ours_data_files"][0] >= 1
    rows = {r.name: r for r in cost.run(TINY, [row, pulled])}
    assert rows["6 cost per M rows, iceberg sink ($)"].extra["priced_from"] == row.name
    assert rows["6 cost per M rows, iceberg sink, pull mode ($)"].extra["priced_from"] == pulled.name
    assert rows["6 cost per M rows, iceberg sink, pull mode, managed instances ($)"].skipped is None


def test_the_jvm_is_given_the_keys_ours_is() -> None:
    """Configured alike: one config for both sides, the oracle's pom as the plugin's jars."""
    config = iceberg_java.sink_config({"iceberg.catalog": "c"}, "t", "ns.tbl", "control")
    assert config["connector.class"] == "org.apache.iceberg.connect.IcebergSinkConnector"
    assert config["iceberg.control.commit.interval-ms"] == str(iceberg_java.COMMIT_INTERVAL_MS)
    assert iceberg_java.ICEBERG_POM.exists()
