"""Case 4m without services: the distributed worker's properties (exactly-once source support), the same records
and keys for both sides, and the warm-ups before the measured repetitions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import jvm_worker, side_by_side
from bench.cases import connect_java_mirror
from bench.common import Sample, Settings

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest


def test_the_4m_worker_is_distributed_with_exactly_once_source_support(tmp_path: Path) -> None:
    standalone = jvm_worker.worker_properties("b:9092", tmp_path, 8083, tmp_path / "plugins")
    assert f"offset.storage.file.filename={tmp_path}/connect.offsets" in standalone and "group.id" not in standalone
    distributed = jvm_worker.worker_properties("b:9092", tmp_path, 8083, tmp_path / "plugins", group="g1",
                                                 extra=connect_java_mirror.EXACTLY_ONCE).splitlines()
    assert not [line for line in distributed if line.startswith("offset.storage.file")]
    assert {"group.id=g1", "offset.storage.topic=g1-offsets", "config.storage.topic=g1-configs",
            "status.storage.topic=g1-status", "exactly.once.source.support=enabled",
            "bootstrap.servers=b:9092"} <= set(distributed)


def test_4m_replicates_the_same_records_to_every_side() -> None:
    first, again = list(connect_java_mirror.mirror_records(50)), list(connect_java_mirror.mirror_records(50))
    assert first == again and len({key for key, *_ in first}) == 50
    assert all(headers == [("trace-id", f"{i:016x}".encode())] for i, (_, _, headers, _) in enumerate(first))
    assert [timestamp for *_, timestamp in first] == list(range(first[0][3], first[0][3] + 50))
    ours, theirs = (connect_java_mirror.mirror_config(alias, "s:1", "t:2", "topic") for alias in ("a", "b"))
    assert {k: v for k, v in ours.items() if "alias" not in k} == {k: v for k, v in theirs.items() if "alias" not in k}
    assert ours["value.converter"] == ours["key.converter"] == connect_java_mirror.BYTES


def test_extra_warm_ups_of_both_sides_come_before_the_measured_repetitions(monkeypatch: pytest.MonkeyPatch) -> None:
    """``BENCH_JAVA_WARMUPS`` discarded warm-ups of both sides (4e and 4m's JVM kept warming after one), then the
    interleaved measured repetitions; only those are returned."""
    calls: list[tuple[str, int]] = []

    def side(name: str) -> Callable[[int], Sample]:
        def run(rep: int) -> Sample:
            calls.append((name, rep))
            return Sample(1.0, 1.0, 10)
        return run

    monkeypatch.setenv("BENCH_JAVA_WARMUPS", "3")
    mine, java, load = side_by_side.interleaved(Settings(repeats=2), side("ours"), side("jvm"))
    assert calls == [("ours", -1), ("jvm", -1)] * 3 + [("ours", 0), ("jvm", 0), ("jvm", 1), ("ours", 1)]
    assert len(mine) == len(java) == len(load) == 2
    monkeypatch.delenv("BENCH_JAVA_WARMUPS")
    assert side_by_side.warmups() == 1
