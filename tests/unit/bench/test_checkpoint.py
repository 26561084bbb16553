"""A run's kept rows (bench/checkpoint.py): a resumed run takes a finished group instead of measuring it again, never
one measured under other BENCH_* settings, and measures again a group that failed or was skipped (no services)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from bench import checkpoint, common
from bench.common import Result

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(autouse=True)
def results_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    monkeypatch.setattr(common, "RUN_ID", "abcd1234")
    for key in [key for key in os.environ if key.startswith("BENCH_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("BENCH_JAVA_SIZES", "100000,1000000")
    return tmp_path


def _row(name: str, ratio: float = 2.0, skipped: str | None = None) -> Result:
    return Result(name, None, "jvm", None, 100_000, 6, ratio=ratio, extra={"ci95": [1.5, 2.5]}, skipped=skipped)


def _measure(rows: list[Result], calls: list[int]) -> list[Result]:
    calls.append(1)
    return rows


def test_a_finished_group_is_taken_and_not_measured_again(results_dir: Path) -> None:
    calls: list[int] = []
    first = checkpoint.rows_or_run("connect_java", "4a@100000", lambda: _measure([_row("4a @100k")], calls))
    again = checkpoint.rows_or_run("connect_java", "4a@100000", lambda: _measure([_row("other")], calls))

    assert calls == [1]
    assert [r.as_dict() for r in again] == [r.as_dict() for r in first]
    assert again[0].extra["ci95"] == [1.5, 2.5] and "checkpointed" in again[0].extra
    assert again[0].extra["machine"] == common.machine()  # a resumed run's parts may run on other machines
    assert (results_dir / "partial-abcd1234.jsonl").exists()
    other = checkpoint.rows_or_run("connect_java", "4a@1000000", lambda: _measure([_row("4a @1M")], calls))
    assert calls == [1, 1] and other[0].name == "4a @1M"  # another size is another group


def test_groups_measured_under_other_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    checkpoint.keep("connect_java", "4p@100000", [_row("4p @100k")])
    monkeypatch.setenv("BENCH_JAVA_REPEATS", "5")

    with pytest.raises(RuntimeError, match="BENCH_JAVA_REPEATS"):
        checkpoint.finished("connect_java", "4p@100000")
    monkeypatch.setenv("BENCH_CASES", "connect_java")  # which cases run is not a setting of what is measured
    monkeypatch.delenv("BENCH_JAVA_REPEATS")
    assert checkpoint.finished("connect_java", "4p@100000") is not None


@pytest.mark.parametrize("skipped", ["failed: RuntimeError: read 3 of 5 records", "not resolvable: maven"])
def test_a_failed_or_skipped_group_is_measured_again(skipped: str) -> None:
    calls: list[int] = []
    checkpoint.rows_or_run("connect_java", "4e@100000", lambda: _measure([_row("4e", skipped=skipped)], calls))
    rows = checkpoint.rows_or_run("connect_java", "4e@100000", lambda: _measure([_row("4e")], calls))

    assert calls == [1, 1] and rows[0].skipped is None


def test_a_whole_run_discards_its_file(results_dir: Path) -> None:
    checkpoint.keep("sinks", "all", [_row("2a")])
    checkpoint.discard()
    assert not (results_dir / "partial-abcd1234.jsonl").exists()
    checkpoint.discard()  # nothing kept: nothing to do
